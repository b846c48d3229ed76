//! Approved annual batches: approving one year of a plan, all or nothing.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::audit::{self, Actor, Change};
use super::compounds::move_to_status;
use super::entities::{batch_members, batches, compounds};
use super::{catalog, planning};
use crate::domain::batch::{self, BatchPlan, Horizon};
use crate::domain::compound::Status;
use crate::error::{Error, Result};

/// Plans `horizon` on the data as it stands and approves the batch of `year`: the batch and its members are
/// recorded, every member moves to `planned` and the batch's projects are made (`db::projects`), with an audit
/// record each — in one transaction, so a failure part-way (a compound that can no longer be planned, a batch approved meanwhile) leaves nothing changed.
/// With `expected` (the codes a scenario showed for the year), a re-plan that differs is refused: the bureau approves
/// what it saw, or nothing.
pub async fn approve(
    db: &DatabaseConnection,
    actor: &Actor,
    horizon: &Horizon,
    year: i32,
    expected: Option<&[String]>,
) -> Result<BatchPlan> {
    let txn = super::begin_write(db).await?;
    if batches::Entity::find()
        .filter(batches::Column::Year.eq(year))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(Error::Conflict {
            message: format!("{year} 年批次已经批准过了"),
            field: Some("year"),
        });
    }
    let policy = catalog::load_policy(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    let candidates = planning::candidates_for(&txn, horizon).await?;
    let plan = batch::plan(&policy, horizon, &candidates).map_err(Error::Invalid)?;
    let Some(limits) = plan.years.iter().find(|y| y.year == year) else {
        return Err(Error::invalid("year", format!("{year} 年不在规划期内")));
    };
    if let Some(expected) = expected {
        let mut want = expected.to_vec();
        let mut got = limits.codes.clone();
        want.sort_unstable();
        got.sort_unstable();
        if want != got {
            return Err(Error::Conflict {
                message: format!(
                    "按现在的数据重新排期，{year} 年批次已与页面上显示的不同；请重新计算方案，核对后再批准"
                ),
                field: None,
            });
        }
    }
    let id = batches::Entity::insert(batches::ActiveModel {
        year: Set(year),
        budget_fen: Set(limits.budget_fen),
        max_compounds: Set(limits.max_compounds.map(|n| n as i32)),
        max_households: Set(limits.max_households.map(|n| n as i64)),
        cost_fen: Set(limits.used_fen),
        compounds: Set(limits.compounds as i32),
        households: Set(limits.households as i64),
        approved_at: Set(Utc::now()),
        approved_by: Set(actor.username.clone()),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;

    let members = compounds::Entity::find()
        .filter(compounds::Column::Code.is_in(limits.codes.iter().cloned()))
        .all(&txn)
        .await?;
    if let Some(stored) = members
        .iter()
        .find(|c| Status::parse(&c.status).is_ok_and(|s| s >= Status::Planned))
    {
        return Err(Error::invalid(
            format!("compounds.{}", stored.code),
            format!(
                "小区 {} 已是“{}”状态；批次只能纳入尚未列入计划的小区",
                stored.code,
                Status::parse(&stored.status).map_or(stored.status.as_str(), |s| s.label())
            ),
        ));
    }
    for stored in &members {
        let row = plan.compounds.iter().find(|c| c.code == stored.code);
        batch_members::Entity::insert(batch_members::ActiveModel {
            batch_id: Set(id),
            compound_id: Set(stored.id),
            bundle: Set(row.and_then(|r| r.bundle).map(|b| b as i32)),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
    }
    let mut changes = move_to_status(&txn, members, Status::Planned, "approve_batch").await?;
    changes.push(
        Change::new("approve", "batch", year.to_string()).after(serde_json::json!({
            "year": year,
            "budget_yuan": limits.budget_fen as f64 / 100.0,
            "cost_yuan": limits.used_fen as f64 / 100.0,
            "compounds": limits.codes,
            "horizon": horizon,
        })),
    );
    super::revisions::bump(&txn, super::revisions::COMPOUNDS).await?;
    audit::record(&txn, actor, changes).await?;
    super::projects::create_for_batch(&txn, actor, id, year, &policy.code_prefix).await?;
    txn.commit().await?;
    Ok(plan)
}

/// The years that have an approved batch, earliest first: what a page offers to filter by.
pub async fn years(db: &impl sea_orm::ConnectionTrait) -> Result<Vec<i32>> {
    use sea_orm::QueryOrder;
    let mut years: Vec<i32> = batches::Entity::find()
        .order_by_asc(batches::Column::Year)
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.year)
        .collect();
    years.dedup();
    Ok(years)
}
