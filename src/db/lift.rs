//! Lift votes per stairwell as stored (加装电梯按单元表决): a compound's units with their verdicts under the policy,
//! and the writes — each one audited, version-checked, and setting the compound's lift item to the number of units
//! that passed in the same transaction (re-priced like any scope write, the compound's version and revision moved
//! on). The compound's own consent record is a different vote and is left alone.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::{Value, json};

use super::audit::{self, Actor, Change};
use super::compounds::{
    self, Lookup, feature_value, figures, scopes, versioned_write, write_scope,
};
use super::entities::{compounds as compound_rows, lift_units};
use super::{catalog, revisions};
use crate::domain::compound::{CategoryOverride, Status};
use crate::domain::cost;
use crate::domain::lift::{self, Centi, LiftUnit, Verdict, Vote};
use crate::domain::policy::LiftPolicy;
use crate::error::{Error, Result};

/// A compound's lift votes as the page and the API show them.
#[derive(Debug, Clone, Serialize)]
pub struct Units {
    pub compound: CompoundSummary,
    /// The thresholds applied and the local bar on storeys.
    pub policy: PolicyView,
    /// Whether the compound's buildings are tall enough for the policy to allow a lift.
    pub storeys_allowed: bool,
    /// How many units passed: the lift item's quantity.
    pub passed: usize,
    /// The lift item's quantity in the compound's scope now (`None`: not in the scope).
    pub lifts_in_scope: Option<f64>,
    pub units: Vec<UnitView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompoundSummary {
    pub code: String,
    pub name: String,
    pub storeys: i32,
    pub buildings: i32,
    pub version: i32,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    pub participation_owners: String,
    pub participation_area: String,
    pub approval_owners: String,
    pub approval_area: String,
    pub min_storeys: u32,
    pub item: String,
    pub item_name: Option<String>,
}

/// One unit's record with its verdict.
#[derive(Debug, Clone, Serialize)]
pub struct UnitView {
    pub building: String,
    pub unit: String,
    pub owners_total: u32,
    pub area_total_m2: f64,
    pub agree: VoteView,
    pub oppose: VoteView,
    pub abstain: VoteView,
    pub participants: VoteView,
    pub recorded_on: NaiveDate,
    pub recorded_by: String,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub verdict: Verdict,
    /// 通过 or 未通过.
    pub verdict_label: &'static str,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct VoteView {
    pub owners: u32,
    pub area_m2: f64,
}

impl From<Vote> for VoteView {
    fn from(v: Vote) -> Self {
        VoteView {
            owners: v.owners,
            area_m2: v.area.m2(),
        }
    }
}

/// A compound's units, their verdicts under the current policy, and the lift item's quantity.
pub async fn list(db: &impl ConnectionTrait, code: &str) -> Result<Units> {
    let c = compounds::find(db, code).await?;
    let policy = lift_policy(db).await?;
    let rows = rows_of(db, c.id).await?;
    let lookup = Lookup::load(db).await?;
    let scope = scopes(db, vec![c.id], &lookup)
        .await?
        .remove(&c.id)
        .unwrap_or_default();
    let catalog = catalog::load(db).await?;
    let lifts_in_scope = cost::estimate(&catalog, &figures(&c), &scope)
        .ok()
        .and_then(|e| e.lines.into_iter().find(|l| l.item == policy.item))
        .map(|l| l.quantity);
    let units: Vec<UnitView> = rows.iter().map(|r| view(r, &policy)).collect();
    Ok(Units {
        storeys_allowed: lift::check_storeys(c.storeys, &policy).is_ok(),
        passed: units.iter().filter(|u| u.verdict.passed).count(),
        lifts_in_scope,
        units,
        policy: PolicyView {
            participation_owners: policy.participation_owners.to_string(),
            participation_area: policy.participation_area.to_string(),
            approval_owners: policy.approval_owners.to_string(),
            approval_area: policy.approval_area.to_string(),
            min_storeys: policy.min_storeys,
            item_name: catalog.item(&policy.item).map(|i| i.name.clone()),
            item: policy.item,
        },
        compound: CompoundSummary {
            code: c.code,
            name: c.name,
            storeys: c.storeys,
            buildings: c.buildings,
            version: c.version,
            status: c.status,
        },
    })
}

/// Records a unit's vote: a new unit when `expected` is `None` (a unit already on record is then a conflict, never
/// overwritten), else an edit of the version the caller saw. The compound's lift item follows.
pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    unit: &LiftUnit,
    expected: Option<i32>,
) -> Result<Units> {
    save_all(db, actor, code, &[(unit.clone(), expected)]).await
}

/// Records several units' votes of one compound at once (the paper forms of a vote day): each as [`save`] does,
/// the compound's lift item set once, after them all.
pub async fn save_all(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    units: &[(LiftUnit, Option<i32>)],
) -> Result<Units> {
    let txn = crate::db::begin_write(db).await?;
    let c = compounds::find(&txn, code).await?;
    let policy = lift_policy(&txn).await?;
    lift::check_storeys(c.storeys, &policy).map_err(|m| Error::invalid("building", m))?;
    let mut changes = Vec::with_capacity(units.len() + 1);
    for (unit, expected) in units {
        changes.extend(write_unit(&txn, actor, &c, &policy, unit, *expected).await?);
    }
    if !changes.is_empty() {
        changes.extend(count_lifts(&txn, &c, &policy).await?);
        audit::record(&txn, actor, changes).await?;
    }
    txn.commit().await?;
    list(db, code).await
}

/// Writes one unit's row: its audit change, or `None` when the record already says exactly this.
async fn write_unit(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    c: &compound_rows::Model,
    policy: &LiftPolicy,
    unit: &LiftUnit,
    expected: Option<i32>,
) -> Result<Option<Change>> {
    let stored = find_unit(txn, c.id, &unit.building, &unit.unit).await?;
    let entity_id = format!("{} {}{}", c.code, unit.building, unit.unit);
    let mut row = lift_units::ActiveModel {
        id: NotSet,
        compound_id: Set(c.id),
        building: Set(unit.building.clone()),
        unit: Set(unit.unit.clone()),
        owners_total: Set(whole(unit.owners_total)),
        area_total_centi: Set(centi(unit.area_total)),
        agree_owners: Set(whole(unit.agree.owners)),
        agree_area_centi: Set(centi(unit.agree.area)),
        oppose_owners: Set(whole(unit.oppose.owners)),
        oppose_area_centi: Set(centi(unit.oppose.area)),
        abstain_owners: Set(whole(unit.abstain.owners)),
        abstain_area_centi: Set(centi(unit.abstain.area)),
        recorded_on: Set(unit.recorded_on),
        recorded_by: Set(actor.username.chars().take(100).collect()),
        updated_at: Set(Utc::now()),
        version: Set(1),
    };
    match (&stored, expected) {
        (None, None) => {
            lift_units::Entity::insert(row).exec(txn).await?;
            Ok(Some(
                Change::new("create", "lift_unit", &entity_id).after(audit_value(unit, policy)),
            ))
        }
        (Some(s), None) => Err(Error::Conflict {
            message: format!(
                "{}{}已有表决记录（第 {} 版）；要修改，请在表中点“修改”后再保存",
                s.building, s.unit, s.version
            ),
            field: Some("unit"),
        }),
        (None, Some(_)) => Err(Error::StaleVersion {
            message: format!(
                "{}{}的表决记录已被他人删除；如仍需登记，请刷新后重新填写",
                unit.building, unit.unit
            ),
            current_version: None,
        }),
        (Some(s), Some(v)) => {
            check_version(s, v)?;
            let before = record_of(s);
            if before == *unit {
                return Ok(None);
            }
            row.version = Set(s.version + 1);
            let written = lift_units::Entity::update_many()
                .set(row)
                .filter(lift_units::Column::Id.eq(s.id))
                .filter(lift_units::Column::Version.eq(s.version))
                .exec(txn)
                .await?;
            if written.rows_affected != 1 {
                return Err(stale(s, None));
            }
            Ok(Some(
                Change::new("update", "lift_unit", &entity_id)
                    .before(audit_value(&before, policy))
                    .after(audit_value(unit, policy)),
            ))
        }
    }
}

/// Deletes a unit's record (of version `expected`, when given); the compound's lift item follows.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    building: &str,
    unit: &str,
    expected: Option<i32>,
) -> Result<Units> {
    let txn = crate::db::begin_write(db).await?;
    let c = compounds::find(&txn, code).await?;
    let policy = lift_policy(&txn).await?;
    let Some(stored) = find_unit(&txn, c.id, building, unit).await? else {
        return Err(Error::NotFound(format!(
            "{code} 没有{building}{unit}的加装电梯表决记录"
        )));
    };
    if let Some(v) = expected {
        check_version(&stored, v)?;
    }
    let gone = lift_units::Entity::delete_many()
        .filter(lift_units::Column::Id.eq(stored.id))
        .filter(lift_units::Column::Version.eq(stored.version))
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 {
        return Err(stale(&stored, None));
    }
    let entity_id = format!("{code} {}{}", stored.building, stored.unit);
    let mut changes = vec![
        Change::new("delete", "lift_unit", &entity_id)
            .before(audit_value(&record_of(&stored), &policy)),
    ];
    changes.extend(count_lifts(&txn, &c, &policy).await?);
    audit::record(&txn, actor, changes).await?;
    txn.commit().await?;
    list(db, code).await
}

/// The policy's lift section, or the Civil Code's thresholds when no policy is stored yet.
async fn lift_policy(db: &impl ConnectionTrait) -> Result<LiftPolicy> {
    Ok(catalog::load_policy(db)
        .await?
        .map(|p| p.lift)
        .unwrap_or_default())
}

async fn rows_of(db: &impl ConnectionTrait, compound_id: i32) -> Result<Vec<lift_units::Model>> {
    let mut rows = lift_units::Entity::find()
        .filter(lift_units::Column::CompoundId.eq(compound_id))
        .all(db)
        .await?;
    rows.sort_by_cached_key(|r| (natural(&r.building), natural(&r.unit)));
    Ok(rows)
}

/// `10栋` after `9栋`: the first number in a name, then the name.
fn natural(name: &str) -> (u64, String) {
    let digits: String = name
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    (digits.parse().unwrap_or(u64::MAX), name.to_owned())
}

async fn find_unit(
    db: &impl ConnectionTrait,
    compound_id: i32,
    building: &str,
    unit: &str,
) -> Result<Option<lift_units::Model>> {
    Ok(lift_units::Entity::find()
        .filter(lift_units::Column::CompoundId.eq(compound_id))
        .filter(lift_units::Column::Building.eq(building))
        .filter(lift_units::Column::Unit.eq(unit))
        .one(db)
        .await?)
}

fn check_version(stored: &lift_units::Model, expected: i32) -> Result<()> {
    if stored.version == expected {
        Ok(())
    } else {
        Err(stale(stored, Some(expected)))
    }
}

fn stale(stored: &lift_units::Model, expected: Option<i32>) -> Error {
    let yours = expected.map_or_else(String::new, |v| format!("，您是在第 {v} 版上修改的"));
    Error::StaleVersion {
        message: format!(
            "{}{}的表决记录已被他人修改（现为第 {} 版{yours}）；请刷新后重新修改",
            stored.building, stored.unit, stored.version
        ),
        current_version: Some(stored.version),
    }
}

/// Sets the compound's lift item to the number of its units that pass now, re-pricing its scope like any scope
/// write: the audit change of the compound, or `None` when its scope already says so.
async fn count_lifts(
    txn: &impl ConnectionTrait,
    c: &compound_rows::Model,
    policy: &LiftPolicy,
) -> Result<Option<Change>> {
    let passed = rows_of(txn, c.id)
        .await?
        .iter()
        .filter(|r| record_of(r).verdict(policy).passed)
        .count();
    let catalog = catalog::load(txn).await?;
    if catalog.item(&policy.item).is_none() {
        return Err(Error::Conflict {
            message: format!(
                "改造内容目录中没有编号为 {} 的加装电梯项目（政策参数 lift.item），表决结果无法计入改造内容",
                policy.item
            ),
            field: None,
        });
    }
    let lookup = Lookup::load(txn).await?;
    let scope = scopes(txn, vec![c.id], &lookup)
        .await?
        .remove(&c.id)
        .unwrap_or_default();
    let new_scope = lift::scope_with_lifts(&scope, &catalog, &policy.item, passed);
    if new_scope == scope {
        return Ok(None);
    }
    if Status::parse(&c.status).is_ok_and(Status::scope_settled) {
        return Err(Error::Conflict {
            message: format!(
                "{}；通过表决的单元数变为 {passed} 个，但加装电梯的数量已不能随之改变",
                Status::SCOPE_SETTLED
            ),
            field: None,
        });
    }
    let estimate = cost::estimate(&catalog, &figures(c), &new_scope)
        .map_err(|e| anyhow::anyhow!("the scope of {} does not price: {e:?}", c.code))?;
    let own: Option<CategoryOverride> = c
        .category_override
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(anyhow::Error::from)?;
    let new = compound_rows::Model {
        category: own.map(|o| o.category).or(estimate.category.clone()),
        category_derived: estimate.category.clone(),
        estimated_cost_fen: estimate.total_fen,
        version: c.version + 1,
        updated_at: Utc::now(),
        ..c.clone()
    }
    .with_feature(lookup.names(c), &new_scope)?;
    let change = Change::new("update", "compound", &c.code)
        .before(feature_value(c))
        .after(feature_value(&new));
    versioned_write(txn, c, new).await?;
    write_scope(txn, c.id, &new_scope, &catalog::item_ids(txn).await?).await?;
    revisions::bump(txn, revisions::COMPOUNDS).await?;
    Ok(Some(change))
}

fn view(r: &lift_units::Model, policy: &LiftPolicy) -> UnitView {
    let record = record_of(r);
    let verdict = record.verdict(policy);
    UnitView {
        building: r.building.clone(),
        unit: r.unit.clone(),
        owners_total: record.owners_total,
        area_total_m2: record.area_total.m2(),
        agree: record.agree.into(),
        oppose: record.oppose.into(),
        abstain: record.abstain.into(),
        participants: record.participants().into(),
        recorded_on: r.recorded_on,
        recorded_by: r.recorded_by.clone(),
        updated_at: r.updated_at,
        version: r.version,
        verdict_label: verdict.label(),
        verdict,
    }
}

/// A stored row as the domain's record (the database's checks keep every number non-negative).
fn record_of(r: &lift_units::Model) -> LiftUnit {
    let owners = |n: i32| u32::try_from(n).unwrap_or_default();
    let area = |n: i64| Centi(u64::try_from(n).unwrap_or_default());
    LiftUnit {
        building: r.building.clone(),
        unit: r.unit.clone(),
        owners_total: owners(r.owners_total),
        area_total: area(r.area_total_centi),
        agree: Vote {
            owners: owners(r.agree_owners),
            area: area(r.agree_area_centi),
        },
        oppose: Vote {
            owners: owners(r.oppose_owners),
            area: area(r.oppose_area_centi),
        },
        abstain: Vote {
            owners: owners(r.abstain_owners),
            area: area(r.abstain_area_centi),
        },
        recorded_on: r.recorded_on,
    }
}

fn whole(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn centi(a: Centi) -> i64 {
    i64::try_from(a.0).unwrap_or(i64::MAX)
}

/// A unit's record as the audit log keeps it, with its verdict at the time.
fn audit_value(u: &LiftUnit, policy: &LiftPolicy) -> Value {
    let vote = |v: Vote| json!({"owners": v.owners, "area_m2": v.area.m2()});
    json!({
        "building": u.building,
        "stairwell": u.unit,
        "owners_total": u.owners_total,
        "area_total_m2": u.area_total.m2(),
        "agree": vote(u.agree),
        "oppose": vote(u.oppose),
        "abstain": vote(u.abstain),
        "recorded_on": u.recorded_on,
        "passed": u.verdict(policy).passed,
    })
}
