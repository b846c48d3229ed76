//! Plan scenarios (规划方案): drafts kept side by side. Each is a horizon (years, budgets, caps, pins, exclusions,
//! overridden years) and the plan of its latest run, stored with the compounds revision it was run on — a plan run
//! on data that has changed since is *stale*, shown as such, and cannot be approved until it is run again.
//!
//! Every write checks the version it was based on (409 when someone else changed the scenario meanwhile) and is
//! in the audit log. A manual move pins a compound to a year (or leaves it out, or hands it back to the planner) and
//! re-plans around it; a year that cannot take it is refused unless the move overrides that year's limits and says
//! why.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{self, Actor, Change};
use super::entities::plan_scenarios::{self, Model};
use super::{batches, catalog, planning, revisions};
use crate::domain::FieldErrors;
use crate::domain::batch::{self, BatchPlan, Horizon};
use crate::error::{Error, Result};

/// The most scenarios compared at once.
pub const MAX_COMPARED: usize = 4;
const MAX_NAME_CHARS: usize = 100;
const MAX_REASON_CHARS: usize = 500;

/// What a scenario is made of: a name and the horizon it plans.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub name: String,
    pub horizon: Horizon,
}

impl Input {
    pub fn parse(value: &Value) -> Result<Input> {
        let input: Input = crate::domain::deserialize(value).map_err(Error::Invalid)?;
        input.checked()
    }

    /// The name trimmed and checked (the horizon is checked when it is planned).
    pub fn checked(mut self) -> Result<Input> {
        self.name = checked_name(&self.name)?;
        Ok(self)
    }
}

fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "is required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Where a manual move sends a compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Into this year (a pin).
    Year(i32),
    /// Out of this plan (an exclusion).
    Out,
    /// Back to the planner's choice.
    Auto,
}

/// A manual move: `{"code": "RS-0007", "year": 2023 | null | "auto", "override": false, "reason": "…"}`.
#[derive(Debug, Clone)]
pub struct Move {
    pub code: String,
    pub target: Target,
    /// Let the year's limits stretch to take the compound (needs a reason).
    pub overrides: bool,
    pub reason: Option<String>,
}

impl Move {
    pub fn parse(value: &Value) -> Result<Move> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            code: String,
            year: Value,
            #[serde(default, rename = "override")]
            overrides: bool,
            #[serde(default)]
            reason: Option<String>,
        }
        let raw: Raw = crate::domain::deserialize(value).map_err(Error::Invalid)?;
        let mut errors = FieldErrors::default();
        let target = match &raw.year {
            Value::Null => Target::Out,
            Value::String(s) if s == "auto" => Target::Auto,
            Value::Number(n) if n.as_i64().is_some_and(|y| (2000..=2100).contains(&y)) => {
                Target::Year(n.as_i64().unwrap_or_default() as i32)
            }
            _ => {
                errors.add(
                    "year",
                    "must be a year of the horizon, null (leave it out) or \"auto\" (the planner decides)",
                );
                Target::Auto
            }
        };
        let reason = raw
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
        {
            errors.add(
                "reason",
                format!("must be at most {MAX_REASON_CHARS} characters"),
            );
        }
        if raw.overrides {
            if reason.is_none() {
                errors.add("reason", "an override must say why");
            }
            if !matches!(target, Target::Year(_)) {
                errors.add(
                    "override",
                    "only a move into a year can override its limits",
                );
            }
        }
        if raw.code.trim().is_empty() {
            errors.add("code", "is required");
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(Move {
            code: raw.code.trim().to_owned(),
            target,
            overrides: raw.overrides,
            reason,
        })
    }
}

/// A scenario as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub id: i32,
    pub name: String,
    pub version: i32,
    pub horizon: Horizon,
    /// The data changed since the plan was run: run it again before relying on it.
    pub stale: bool,
    pub run_at: DateTime<Utc>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub plan: Value,
}

/// A scenario in a list: its figures per year, without the compounds.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: i32,
    pub name: String,
    pub version: i32,
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
    pub stale: bool,
    pub run_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub years: Vec<Value>,
}

fn stored_horizon(model: &Model) -> Result<Horizon> {
    serde_json::from_str(&model.horizon)
        .map_err(|e| anyhow::anyhow!("scenario {}: stored horizon: {e}", model.id).into())
}

fn stored_plan(model: &Model) -> Result<Value> {
    serde_json::from_str(&model.plan)
        .map_err(|e| anyhow::anyhow!("scenario {}: stored plan: {e}", model.id).into())
}

fn scenario(model: Model, revision: i64) -> Result<Scenario> {
    let horizon = stored_horizon(&model)?;
    let plan = stored_plan(&model)?;
    Ok(Scenario {
        id: model.id,
        name: model.name,
        version: model.version,
        horizon,
        stale: model.compounds_revision != revision,
        run_at: model.run_at,
        created_by: model.created_by,
        created_at: model.created_at,
        updated_by: model.updated_by,
        updated_at: model.updated_at,
        objective: model.objective,
        bound: model.bound,
        gap: model.gap,
        plan,
    })
}

/// A year of a plan without its compound codes.
fn year_figures(plan: &Value) -> Vec<Value> {
    plan["years"]
        .as_array()
        .map(|years| {
            years
                .iter()
                .map(|y| {
                    let mut y = y.clone();
                    if let Some(o) = y.as_object_mut() {
                        o.remove("codes");
                        o.remove("bundles");
                    }
                    y
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<Summary>> {
    let revision = revisions::all(db).await?.compounds;
    plan_scenarios::Entity::find()
        .order_by_asc(plan_scenarios::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            let s = scenario(m, revision)?;
            Ok(Summary {
                id: s.id,
                name: s.name,
                version: s.version,
                first_year: s.horizon.years.first().map(|y| y.year),
                last_year: s.horizon.years.last().map(|y| y.year),
                stale: s.stale,
                run_at: s.run_at,
                updated_by: s.updated_by,
                updated_at: s.updated_at,
                objective: s.objective,
                bound: s.bound,
                gap: s.gap,
                years: year_figures(&s.plan),
            })
        })
        .collect()
}

async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Model> {
    plan_scenarios::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no scenario {id}")))
}

pub async fn get(db: &DatabaseConnection, id: i32) -> Result<Scenario> {
    let revision = revisions::all(db).await?.compounds;
    scenario(find(db, id).await?, revision)
}

/// A plan of `horizon` on the data as it stands, and the compounds revision it was made on.
struct Run {
    plan: BatchPlan,
    revision: i64,
}

async fn run(db: &DatabaseConnection, horizon: &Horizon) -> Result<Run> {
    // The revision is read first: a write landing meanwhile makes the run look stale, never fresh.
    let revision = revisions::all(db).await?.compounds;
    let policy = catalog::load_policy(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    let candidates = planning::candidates(db).await?;
    let horizon = horizon.clone();
    let plan = tokio::task::spawn_blocking(move || batch::plan(&policy, &horizon, &candidates))
        .await
        .map_err(|e| anyhow::anyhow!("planning failed: {e}"))?
        .map_err(|errors| Error::Invalid(within("horizon", errors)))?;
    Ok(Run { plan, revision })
}

/// The planner's field errors named from the body's top (`horizon.years[0].budget_yuan`); errors about other
/// things (the policy, a compound an approval refuses) keep their names.
fn within(prefix: &str, errors: FieldErrors) -> FieldErrors {
    const HORIZON_FIELDS: [&str; 5] = ["years", "pins", "exclusions", "overrides", "discount"];
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|(field, messages)| {
                if HORIZON_FIELDS.iter().any(|f| field.starts_with(f)) {
                    (format!("{prefix}.{field}"), messages)
                } else {
                    (field, messages)
                }
            })
            .collect(),
    )
}

fn stored(model: &mut Model, horizon: &Horizon, run: &Run) -> Result<()> {
    model.horizon = serde_json::to_string(horizon).map_err(|e| Error::Internal(e.into()))?;
    model.plan = serde_json::to_string(&run.plan).map_err(|e| Error::Internal(e.into()))?;
    model.objective = run.plan.objective;
    model.bound = run.plan.bound;
    model.gap = run.plan.gap;
    model.compounds_revision = run.revision;
    model.run_at = Utc::now();
    Ok(())
}

fn outline(model: &Model) -> Value {
    let horizon: Value = serde_json::from_str(&model.horizon).unwrap_or(Value::Null);
    json!({
        "name": model.name, "horizon": horizon, "objective": model.objective, "gap": model.gap,
        "version": model.version,
    })
}

async fn name_taken(db: &impl ConnectionTrait, name: &str, other_than: Option<i32>) -> Result<()> {
    let mut query = plan_scenarios::Entity::find().filter(plan_scenarios::Column::Name.eq(name));
    if let Some(id) = other_than {
        query = query.filter(plan_scenarios::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        return Err(Error::invalid("name", "another scenario has this name"));
    }
    Ok(())
}

pub async fn create(db: &DatabaseConnection, actor: &Actor, input: &Input) -> Result<Scenario> {
    let run = run(db, &input.horizon).await?;
    let txn = super::begin_write(db).await?;
    name_taken(&txn, &input.name, None).await?;
    let now = Utc::now();
    let mut model = Model {
        id: 0,
        name: input.name.clone(),
        horizon: String::new(),
        plan: String::new(),
        objective: 0.0,
        bound: 0.0,
        gap: 0.0,
        compounds_revision: 0,
        run_at: now,
        created_by: actor.username.clone(),
        created_at: now,
        updated_by: actor.username.clone(),
        updated_at: now,
        version: 1,
    };
    stored(&mut model, &input.horizon, &run)?;
    let mut active = model.clone().into_active_model();
    active.id = sea_orm::ActiveValue::NotSet;
    let id = plan_scenarios::Entity::insert(active)
        .exec(&txn)
        .await?
        .last_insert_id;
    model.id = id;
    audit::record_one(
        &txn,
        actor,
        Change::new("create", "scenario", id.to_string()).after(outline(&model)),
    )
    .await?;
    txn.commit().await?;
    scenario(model, run.revision)
}

/// Writes `new` over `old` if nobody changed it meanwhile, with the audit record, in one transaction.
async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    old: &Model,
    mut new: Model,
    change: Change,
    revision: i64,
) -> Result<Scenario> {
    let txn = super::begin_write(db).await?;
    name_taken(&txn, &new.name, Some(old.id)).await?;
    new.version = old.version + 1;
    new.updated_by = actor.username.clone();
    new.updated_at = Utc::now();
    let mut active = new.clone().into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let result = plan_scenarios::Entity::update_many()
        .set(active)
        .filter(plan_scenarios::Column::Id.eq(old.id))
        .filter(plan_scenarios::Column::Version.eq(old.version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(changed_meanwhile(old.id, None));
    }
    audit::record_one(&txn, actor, change).await?;
    txn.commit().await?;
    scenario(new, revision)
}

fn changed_meanwhile(id: i32, current: Option<i32>) -> Error {
    Error::Conflict {
        message: format!("scenario {id} was changed by someone else; reload it"),
        current_version: current,
    }
}

/// The stored scenario, if the caller's edit is based on its current version.
async fn current(db: &DatabaseConnection, id: i32, version: i32) -> Result<Model> {
    let model = find(db, id).await?;
    if model.version != version {
        return Err(changed_meanwhile(id, Some(model.version)));
    }
    Ok(model)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    version: i32,
    input: &Input,
) -> Result<Scenario> {
    let old = current(db, id, version).await?;
    let run = run(db, &input.horizon).await?;
    let mut new = Model {
        name: input.name.clone(),
        ..old.clone()
    };
    stored(&mut new, &input.horizon, &run)?;
    let change = Change::new("update", "scenario", id.to_string())
        .before(outline(&old))
        .after(outline(&new));
    save(db, actor, &old, new, change, run.revision).await
}

pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i32, version: i32) -> Result<()> {
    let old = current(db, id, version).await?;
    let txn = super::begin_write(db).await?;
    let result = plan_scenarios::Entity::delete_many()
        .filter(plan_scenarios::Column::Id.eq(id))
        .filter(plan_scenarios::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(changed_meanwhile(id, None));
    }
    audit::record_one(
        &txn,
        actor,
        Change::new("delete", "scenario", id.to_string()).before(outline(&old)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Runs the scenario again on the data as it stands (after imports, edits or an approved batch).
pub async fn rerun(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<Scenario> {
    let old = find(db, id).await?;
    let horizon = stored_horizon(&old)?;
    let run = run(db, &horizon).await?;
    let mut new = old.clone();
    stored(&mut new, &horizon, &run)?;
    let change = Change::new("run", "scenario", id.to_string())
        .before(json!({"objective": old.objective, "gap": old.gap, "compounds_revision": old.compounds_revision}))
        .after(json!({"objective": new.objective, "gap": new.gap, "compounds_revision": new.compounds_revision}));
    save(db, actor, &old, new, change, run.revision).await
}

/// Compound code → year in a stored plan.
fn years_of(plan: &Value) -> BTreeMap<String, (String, Option<i64>)> {
    plan["compounds"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    Some((
                        c["code"].as_str()?.to_owned(),
                        (
                            c["name"].as_str().unwrap_or_default().to_owned(),
                            c["year"].as_i64(),
                        ),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

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
        return Err(Error::invalid("code", "no such compound in this plan"));
    };
    horizon.pins.remove(&mv.code);
    horizon.exclusions.remove(&mv.code);
    match mv.target {
        Target::Year(year) => {
            if !horizon.years.iter().any(|y| y.year == year) {
                return Err(Error::invalid("year", "is not a year of this scenario"));
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
                    "cannot take {}: {message}; to schedule it anyway, send \"override\": true with a reason",
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
        return Err(Error::Conflict {
            message: "the compounds changed since this plan was run; run it again and check it before approving".into(),
            current_version: Some(old.version),
        });
    }
    let horizon = stored_horizon(&old)?;
    let plan = stored_plan(&old)?;
    let Some(shown) = plan["years"].as_array().and_then(|ys| {
        ys.iter()
            .find(|y| y["year"].as_i64() == Some(i64::from(year)))
    }) else {
        return Err(Error::invalid("year", "is not a year of this scenario"));
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
        return Err(Error::invalid(
            "year",
            "the plan has no compounds in this year",
        ));
    }
    batches::approve(db, actor, &horizon, year, Some(&codes))
        .await
        .map_err(|e| match e {
            Error::Invalid(errors) => Error::Invalid(within("horizon", errors)),
            other => other,
        })?;
    rerun(db, actor, id).await
}

/// Scenarios side by side: their figures per year, and every compound whose year differs between them.
pub async fn compare(db: &DatabaseConnection, ids: &[i32]) -> Result<Value> {
    let revision = revisions::all(db).await?.compounds;
    let mut scenarios = Vec::with_capacity(ids.len());
    for &id in ids {
        scenarios.push(scenario(find(db, id).await?, revision)?);
    }
    let years: Vec<BTreeMap<String, (String, Option<i64>)>> =
        scenarios.iter().map(|s| years_of(&s.plan)).collect();
    let mut codes: Vec<&String> = years.iter().flat_map(|y| y.keys()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut differences = Vec::new();
    let mut moved: HashMap<usize, usize> = HashMap::new();
    for code in codes {
        let per: Vec<Option<i64>> = years
            .iter()
            .map(|y| y.get(code).and_then(|c| c.1))
            .collect();
        if per.iter().all(|y| *y == per[0]) {
            continue;
        }
        for (i, y) in per.iter().enumerate().skip(1) {
            if *y != per[0] {
                *moved.entry(i).or_default() += 1;
            }
        }
        let name = years.iter().find_map(|y| y.get(code)).map(|c| c.0.clone());
        differences.push(json!({"code": code, "name": name, "years": per}));
    }
    Ok(json!({
        "scenarios": scenarios.iter().enumerate().map(|(i, s)| json!({
            "id": s.id, "name": s.name, "version": s.version, "stale": s.stale,
            "objective": s.objective, "bound": s.bound, "gap": s.gap,
            "first_year": s.horizon.years.first().map(|y| y.year),
            "last_year": s.horizon.years.last().map(|y| y.year),
            "scheduled": s.plan["years"].as_array().map_or(0, |ys| ys.iter().filter_map(|y| y["compounds"].as_u64()).sum::<u64>()),
            "differs_from_first": if i == 0 { 0 } else { moved.get(&i).copied().unwrap_or(0) },
            "years": year_figures(&s.plan),
        })).collect::<Vec<_>>(),
        "differences": differences,
    }))
}

/// Parses `ids=1,2,3`: two to [`MAX_COMPARED`] distinct scenario ids.
pub fn compared_ids(raw: Option<&str>) -> Result<Vec<i32>> {
    let raw = raw.unwrap_or_default();
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: i32 = part
            .parse()
            .map_err(|_| Error::invalid("ids", format!("{part:?} is not a scenario id")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if !(2..=MAX_COMPARED).contains(&ids.len()) {
        return Err(Error::invalid(
            "ids",
            format!("name 2 to {MAX_COMPARED} different scenarios, e.g. ids=1,2"),
        ));
    }
    Ok(ids)
}
