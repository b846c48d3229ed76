//! The contractor's side: acknowledging the current revision and reporting progress, which moves the project's
//! compounds along.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionSession,
};
use serde::Deserialize;

use super::views::{OrderView, get, visible_revisions};
use crate::db::audit::{self, Actor, Change};
use crate::db::entities::projects::Progress;
use crate::db::entities::{compounds, projects, work_order_reports, work_orders};
use crate::db::projects as project_db;
use crate::domain::compound::Status;
use crate::error::{Error, Result};

/// The current revision issued to the contractor `own`, for its acknowledgement and reports.
async fn current_for(
    txn: &impl ConnectionTrait,
    number: &str,
    own: i32,
) -> Result<work_orders::Model> {
    let rows = visible_revisions(txn, number, Some(own)).await?;
    let newest = rows
        .last()
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {number} 的任务单")))?;
    let still_yours = projects::Entity::find_by_id(newest.project_id)
        .one(txn)
        .await?
        .is_some_and(|p| p.contractor_id == Some(own));
    if newest.superseded_at.is_some() || !still_yours {
        return Err(Error::StaleVersion {
            message: format!(
                "任务单 {number} 第 {} 版已被取代：任务单已不归您办理，或有新版本等您签收",
                newest.revision
            ),
            current_version: None,
        });
    }
    Ok(newest.clone())
}

/// The contractor confirms it received the current revision. Acknowledging twice changes nothing.
pub async fn acknowledge(
    db: &DatabaseConnection,
    actor: &Actor,
    number: &str,
    own: i32,
) -> Result<OrderView> {
    acknowledge_at(db, actor, number, own, Utc::now()).await
}

/// [`acknowledge`] at a given moment: the demo data's firms acknowledge in their batch year.
pub async fn acknowledge_at(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    number: &str,
    own: i32,
    now: DateTime<Utc>,
) -> Result<OrderView> {
    let txn = crate::db::begin_write(db).await?;
    let row = current_for(&txn, number, own).await?;
    if row.acknowledged_at.is_none() {
        work_orders::Entity::update_many()
            .set(work_orders::ActiveModel {
                acknowledged_at: Set(Some(now)),
                acknowledged_by: Set(Some(actor.username.clone())),
                ..Default::default()
            })
            .filter(work_orders::Column::Id.eq(row.id))
            .exec(&txn)
            .await?;
        write_report(&txn, actor, &row, "acknowledged", None, None, now).await?;
    }
    let view = get(&txn, number, Some(own)).await?;
    txn.commit().await?;
    Ok(view)
}

/// A progress report as the contractor sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub kind: String,
    #[serde(default)]
    pub percent: Option<i64>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Records a progress report: `started` (the works began), `progress` (a percentage, never going back) or
/// `completed`. The project's compounds follow: in construction once started, completed when completed.
pub async fn report(
    db: &DatabaseConnection,
    actor: &Actor,
    number: &str,
    own: i32,
    input: &ReportInput,
) -> Result<OrderView> {
    report_at(db, actor, number, own, input, Utc::now()).await
}

/// [`report`] at a given moment: the demo data's reports are dated in their batch year.
pub async fn report_at(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    number: &str,
    own: i32,
    input: &ReportInput,
    now: DateTime<Utc>,
) -> Result<OrderView> {
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(Error::invalid("note", "说明最多 1000 个字"));
    }
    let percent = match input.percent {
        None => None,
        Some(p) if (0..=100).contains(&p) => Some(p as i32),
        Some(_) => {
            return Err(Error::invalid(
                "percent",
                "完成比例须为 0 到 100 之间的整数",
            ));
        }
    };
    let txn = crate::db::begin_write(db).await?;
    let row = current_for(&txn, number, own).await?;
    if row.acknowledged_at.is_none() {
        return Err(Error::Conflict {
            message: format!("请先签收任务单 {number}，再报告进度"),
            field: None,
        });
    }
    let project = projects::Entity::find_by_id(row.project_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("work order {number} lost its project")))?;
    let (progress, new_percent, site_status) = match (input.kind.as_str(), project.progress) {
        (_, Progress::Completed) => {
            return Err(Error::Conflict {
                message: format!("项目 {} 已报告完工", project.code),
                field: Some("kind"),
            });
        }
        ("started", Progress::NotStarted) => (
            Progress::Started,
            percent.unwrap_or(0),
            Some(Status::InConstruction),
        ),
        ("started", _) => {
            return Err(Error::Conflict {
                message: format!("项目 {} 已报告开工", project.code),
                field: Some("kind"),
            });
        }
        ("progress" | "completed", Progress::NotStarted) => {
            return Err(Error::Conflict {
                message: format!("请先报告项目 {} 已开工", project.code),
                field: Some("kind"),
            });
        }
        ("progress", _) => {
            let p = percent.ok_or_else(|| Error::invalid("percent", "报告进度须填写完成比例"))?;
            if p < project.percent {
                return Err(Error::invalid(
                    "percent",
                    format!("已报告完成 {}%，进度不能倒退", project.percent),
                ));
            }
            if p == 100 {
                return Err(Error::invalid("percent", "完成 100% 即为完工，请报告完工"));
            }
            (Progress::Started, p, None)
        }
        ("completed", _) => (Progress::Completed, 100, Some(Status::Completed)),
        (other, _) => {
            return Err(Error::invalid(
                "kind",
                format!(
                    "“{other}”不是可报告的类型；可选：started（开工）、progress（进度）或 completed（完工）"
                ),
            ));
        }
    };
    projects::Entity::update_many()
        .set(projects::ActiveModel {
            progress: Set(progress),
            percent: Set(new_percent),
            version: Set(project.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(projects::Column::Id.eq(project.id))
        .exec(&txn)
        .await?;
    write_report(
        &txn,
        actor,
        &row,
        &input.kind,
        Some(new_percent),
        note.clone(),
        now,
    )
    .await?;
    if let Some(status) = site_status {
        move_sites(&txn, actor, project.id, status, "progress").await?;
    }
    let view = get(&txn, number, Some(own)).await?;
    txn.commit().await?;
    Ok(view)
}

async fn write_report(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    row: &work_orders::Model,
    kind: &str,
    percent: Option<i32>,
    note: Option<String>,
    at: DateTime<Utc>,
) -> Result<()> {
    work_order_reports::Entity::insert(work_order_reports::ActiveModel {
        work_order_id: Set(row.id),
        project_id: Set(row.project_id),
        kind: Set(kind.to_owned()),
        percent: Set(percent),
        note: Set(note.clone()),
        reported_by: Set(actor.username.clone()),
        reported_at: Set(at),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    audit::record_one(
        txn,
        actor,
        Change::new(
            if kind == "acknowledged" {
                "acknowledge"
            } else {
                "report"
            },
            "work_order",
            format!("{}/{}", row.number, row.revision),
        )
        .after(serde_json::json!({"kind": kind, "percent": percent, "note": note})),
    )
    .await
}

/// Moves the project's compounds forward to `status` (never back), audited like any compound change under
/// `action`.
pub async fn move_sites(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    status: Status,
    action: &'static str,
) -> Result<()> {
    let behind: Vec<compounds::Model> = project_db::sites(txn, vec![project_id])
        .await?
        .remove(&project_id)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| Status::parse(&c.status).is_ok_and(|s| s < status))
        .collect();
    if behind.is_empty() {
        return Ok(());
    }
    let changes = crate::db::compounds::move_to_status(txn, behind, status, action).await?;
    crate::db::revisions::bump(txn, crate::db::revisions::COMPOUNDS).await?;
    audit::record(txn, actor, changes).await
}
