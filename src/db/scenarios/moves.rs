//! Moving a compound by hand (re-planning around it), and approving a year's batch from a scenario.

use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::{Value, json};

use super::input::{Move, Target};
use super::views::{Scenario, stored_horizon, stored_plan, years_of};
use super::writes::{current, rerun, run, save, stored, within};
use crate::db::audit::{Actor, Change};
use crate::db::{batches, revisions};
use crate::domain::FieldErrors;
use crate::error::{Error, Result};

/// A scenario after a move, and every compound whose year the move changed.
#[derive(Debug, Serialize)]
pub struct Moved {
    #[serde(flatten)]
    pub scenario: Scenario,
    pub changes: Vec<Value>,
}

/// Moves a compound and re-plans around it. A year that cannot take it (its approved batch and pins already fill
/// it) is refused, naming `year`, unless the move overrides that year's limits with a reason — which the audit
/// log keeps.
pub async fn move_compound(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    version: i32,
    mv: &Move,
) -> Result<Moved> {
    let old = current(db, id, version).await?;
    let mut horizon = stored_horizon(&old)?;
    let before = stored_plan(&old)?;
    let was = years_of(&before);
    let Some((_, from)) = was.get(&mv.code).cloned() else {
        return Err(Error::invalid("code", "本方案中没有这个小区"));
    };
    horizon.pins.remove(&mv.code);
    horizon.exclusions.remove(&mv.code);
    match mv.target {
        Target::Year(year) => {
            if !horizon.years.iter().any(|y| y.year == year) {
                return Err(Error::invalid("year", "不是本方案规划期内的年度"));
            }
            horizon.pins.insert(mv.code.clone(), year);
            if mv.overrides {
                horizon.overrides.insert(year);
            }
        }
        Target::Out => {
            horizon.exclusions.insert(mv.code.clone());
        }
        Target::Auto => {}
    }
    // An override lasts while the year has pins to answer for.
    let pinned: Vec<i32> = horizon.pins.values().copied().collect();
    horizon.overrides.retain(|y| pinned.contains(y));
    let run = match run(db, &horizon).await {
        Ok(run) => run,
        Err(Error::Invalid(errors)) => return Err(Error::Invalid(as_move_errors(errors, mv))),
        Err(e) => return Err(e),
    };
    let after = serde_json::to_value(&run.plan).map_err(|e| Error::Internal(e.into()))?;
    let changes: Vec<Value> = years_of(&after)
        .into_iter()
        .filter_map(|(code, (name, year))| {
            let before = was.get(&code).and_then(|w| w.1);
            (before != year)
                .then(|| json!({"code": code, "name": name, "from": before, "to": year}))
        })
        .collect();
    let mut new = old.clone();
    stored(&mut new, &horizon, &run)?;
    let change = Change::new(
        if mv.overrides { "override" } else { "move" },
        "scenario",
        id.to_string(),
    )
    .before(json!({"code": mv.code, "year": from}))
    .after(json!({
        "code": mv.code,
        "year": match mv.target { Target::Year(y) => json!(y), Target::Out => Value::Null, Target::Auto => json!("auto") },
        "override": mv.overrides,
        "reason": mv.reason,
        "changes": changes,
    }));
    let scenario = save(db, actor, &old, new, change, run.revision).await?;
    Ok(Moved { scenario, changes })
}

/// The planner's objections to a move, named as the move's fields.
fn as_move_errors(errors: FieldErrors, mv: &Move) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (field, messages) in errors.0 {
        let target = if field.starts_with("horizon.years[") {
            "year"
        } else if field.starts_with("horizon.pins.") || field.starts_with("horizon.exclusions.") {
            "code"
        } else {
            field.as_str()
        };
        for message in messages {
            let message = if target == "year" && !mv.overrides {
                format!(
                    "无法调入小区 {}：{message}；如仍要安排，请选择“突破限额”并写明理由",
                    mv.code
                )
            } else {
                message
            };
            out.add(target, message);
        }
    }
    out
}

/// Approves one year of the scenario as the bureau saw it: refused (409) when the scenario changed or its plan is
/// stale, or when re-planned inside the approval the year's batch would differ. Then runs the scenario again, so it
/// shows the year as approved.
pub async fn approve(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    version: i32,
    year: i32,
) -> Result<Scenario> {
    let old = current(db, id, version).await?;
    let revision = revisions::all(db).await?.compounds;
    if old.compounds_revision != revision {
        return Err(Error::StaleVersion {
            message: "本方案计算之后小区数据有变化；请重新计算方案，核对后再批准".into(),
            current_version: Some(old.version),
        });
    }
    let horizon = stored_horizon(&old)?;
    let plan = stored_plan(&old)?;
    let Some(shown) = plan["years"].as_array().and_then(|ys| {
        ys.iter()
            .find(|y| y["year"].as_i64() == Some(i64::from(year)))
    }) else {
        return Err(Error::invalid("year", "不是本方案规划期内的年度"));
    };
    let codes: Vec<String> = shown["codes"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if codes.is_empty() {
        return Err(Error::invalid("year", "本方案在这一年度没有安排小区"));
    }
    batches::approve(db, actor, &horizon, year, Some(&codes))
        .await
        .map_err(|e| match e {
            Error::Invalid(errors) => Error::Invalid(within("horizon", errors)),
            other => other,
        })?;
    rerun(db, actor, id).await
}
