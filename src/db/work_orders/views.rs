//! Orders as read back: the list's summaries, one order in full with its revisions and reports, a revision's
//! document, and the order's page link and PDF file name.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use jiugai_document as document;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::db::entities::projects::Progress;
use crate::db::entities::{contractors, projects, work_order_reports, work_orders};
use crate::domain::cost::fen_as_yuan;
use crate::error::{Error, Result};

/// What a list shows of an order: its current revision (for a firm, the newest revision issued to it).
#[derive(Debug, Clone, Serialize)]
pub struct OrderSummary {
    pub number: String,
    pub revision: i32,
    pub superseded: bool,
    pub project: String,
    pub project_name: String,
    pub year: i32,
    pub contractor: String,
    pub contractor_name: String,
    pub sites: Vec<String>,
    #[serde(rename = "total_yuan", serialize_with = "fen_as_yuan")]
    pub total_fen: i64,
    #[serde(rename = "contract_amount_yuan", serialize_with = "fen_as_yuan")]
    pub contract_amount_fen: i64,
    pub planned_start: NaiveDate,
    pub planned_end: NaiveDate,
    pub issued_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub progress: Progress,
    pub percent: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    pub revision: i32,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    /// Who issued it as people read it: a display name, "系统" for the service.
    pub issued_by_name: String,
    pub reason: Option<String>,
    pub contractor: String,
    pub contractor_name: String,
    pub superseded_at: Option<DateTime<Utc>>,
    /// The order left this revision's firm: the project went to another firm, or to none (withdrawn).
    pub passed_on: bool,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub revision: i32,
    pub kind: String,
    pub percent: Option<i32>,
    pub note: Option<String>,
    pub reported_by: String,
    /// The reporter's display name, "系统" for the service.
    pub reported_by_name: String,
    pub reported_at: DateTime<Utc>,
}

/// One order: its newest visible revision in full, every visible revision, and the progress reports.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    #[serde(flatten)]
    pub summary: OrderSummary,
    pub document: document::WorkOrder,
    pub revisions: Vec<RevisionView>,
    pub reports: Vec<ReportView>,
}

/// The link an order's QR code carries: its page.
pub fn page_url(base: &str, number: &str) -> String {
    format!("{}/work-orders/{number}", base.trim_end_matches('/'))
}

/// File name of an order's PDF: `施工任务单-RS-2021-0031-第2版.pdf`.
pub fn file_name(number: &str, revision: u32) -> String {
    format!("施工任务单-{number}-第{revision}版.pdf")
}

pub(super) fn stored_document(row: &work_orders::Model) -> Result<document::WorkOrder> {
    serde_json::from_str(&row.data)
        .map_err(|e| Error::Internal(anyhow::anyhow!("work order {} is corrupt: {e}", row.number)))
}

/// The revisions of `number` that `own` may see (all, for staff), oldest first; "not found" when none.
pub(super) async fn visible_revisions(
    db: &impl ConnectionTrait,
    number: &str,
    own: Option<i32>,
) -> Result<Vec<work_orders::Model>> {
    let mut query = work_orders::Entity::find()
        .filter(work_orders::Column::Number.eq(number))
        .order_by_asc(work_orders::Column::Revision);
    if let Some(id) = own {
        query = query.filter(work_orders::Column::ContractorId.eq(id));
    }
    let rows = query.all(db).await?;
    if rows.is_empty() {
        return Err(Error::NotFound(format!("没有编号为 {number} 的任务单")));
    }
    Ok(rows)
}

/// The contractor the current revision of `number` was issued to.
pub async fn firm_of(db: &impl ConnectionTrait, number: &str) -> Result<i32> {
    let rows = visible_revisions(db, number, None).await?;
    rows.last()
        .map(|r| r.contractor_id)
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {number} 的任务单")))
}

/// The document of one revision (the newest visible one without `revision`), marked superseded when a later
/// revision exists. Its `url` is empty: the caller knows where the service is reached.
pub async fn document_of(
    db: &impl ConnectionTrait,
    number: &str,
    revision: Option<i32>,
    own: Option<i32>,
) -> Result<document::WorkOrder> {
    let rows = visible_revisions(db, number, own).await?;
    let row = match revision {
        Some(r) => rows
            .iter()
            .find(|row| row.revision == r)
            .ok_or_else(|| Error::NotFound(format!("任务单 {number} 没有第 {r} 版")))?,
        None => rows
            .last()
            .ok_or_else(|| Error::NotFound(format!("没有编号为 {number} 的任务单")))?,
    };
    let mut doc = stored_document(row)?;
    if row.superseded_at.is_some() {
        let newest = work_orders::Entity::find()
            .filter(work_orders::Column::Number.eq(number))
            .order_by_desc(work_orders::Column::Revision)
            .one(db)
            .await?
            .map_or(row.revision + 1, |n| n.revision);
        doc.superseded_by = Some(newest as u32);
    }
    Ok(doc)
}

pub async fn get(db: &impl ConnectionTrait, number: &str, own: Option<i32>) -> Result<OrderView> {
    let rows = visible_revisions(db, number, own).await?;
    let newest = rows
        .last()
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {number} 的任务单")))?;
    let summary = summaries(db, vec![newest.clone()])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("work order {number} lost its project")))?;
    let document = document_of(db, number, Some(newest.revision), own).await?;
    let firms = firm_codes(db).await?;
    let names = crate::db::audit::Names::load(db).await?;
    let revision_of: HashMap<i32, i32> = rows.iter().map(|r| (r.id, r.revision)).collect();
    // Whose each revision was, over all of them (a firm sees only its own rows).
    let firm_of_revision: HashMap<i32, i32> = work_orders::Entity::find()
        .filter(work_orders::Column::Number.eq(number))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.revision, r.contractor_id))
        .collect();
    let passed_on = |r: &work_orders::Model| {
        r.superseded_at.is_some()
            && firm_of_revision.get(&(r.revision + 1)) != Some(&r.contractor_id)
    };
    let reports = work_order_reports::Entity::find()
        .filter(work_order_reports::Column::WorkOrderId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(work_order_reports::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| ReportView {
            revision: revision_of
                .get(&r.work_order_id)
                .copied()
                .unwrap_or_default(),
            kind: r.kind,
            percent: r.percent,
            note: r.note,
            reported_by_name: names.person(&r.reported_by),
            reported_by: r.reported_by,
            reported_at: r.reported_at,
        })
        .collect();
    Ok(OrderView {
        summary,
        document,
        revisions: rows
            .into_iter()
            .map(|r| RevisionView {
                passed_on: passed_on(&r),
                revision: r.revision,
                issued_at: r.issued_at,
                issued_by_name: names.person(&r.issued_by),
                issued_by: r.issued_by,
                reason: r.reason,
                contractor: firms.get(&r.contractor_id).cloned().unwrap_or_default(),
                contractor_name: firms
                    .get(&r.contractor_id)
                    .map(|code| names.firm(code))
                    .unwrap_or_default(),
                superseded_at: r.superseded_at,
                acknowledged_at: r.acknowledged_at,
                acknowledged_by: r.acknowledged_by,
            })
            .collect(),
        reports,
    })
}

async fn firm_codes(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>> {
    Ok(contractors::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.code))
        .collect())
}

/// Current orders (of one year, or all): for staff every order's newest revision; for a firm the newest revision
/// issued to it of each order that is still its own (not passed to another firm).
pub async fn list(
    db: &impl ConnectionTrait,
    year: Option<i32>,
    own: Option<i32>,
) -> Result<Vec<OrderSummary>> {
    let mut query = work_orders::Entity::find()
        .filter(work_orders::Column::SupersededAt.is_null())
        .order_by_asc(work_orders::Column::Number);
    if let Some(year) = year {
        query = query.filter(work_orders::Column::Year.eq(year));
    }
    if let Some(id) = own {
        query = query.filter(work_orders::Column::ContractorId.eq(id));
    }
    summaries(db, query.all(db).await?).await
}

async fn summaries(
    db: &impl ConnectionTrait,
    rows: Vec<work_orders::Model>,
) -> Result<Vec<OrderSummary>> {
    let projects: HashMap<i32, projects::Model> = projects::Entity::find()
        .filter(projects::Column::Id.is_in(rows.iter().map(|r| r.project_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let firms: HashMap<i32, contractors::Model> = contractors::Entity::find()
        .filter(contractors::Column::Id.is_in(rows.iter().map(|r| r.contractor_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    rows.into_iter()
        .map(|row| {
            let doc = stored_document(&row)?;
            let project = projects.get(&row.project_id).ok_or_else(|| {
                Error::Internal(anyhow::anyhow!(
                    "work order {} lost its project",
                    row.number
                ))
            })?;
            let firm = firms.get(&row.contractor_id);
            Ok(OrderSummary {
                number: row.number,
                revision: row.revision,
                superseded: row.superseded_at.is_some(),
                project: project.code.clone(),
                project_name: project.name.clone(),
                year: row.year,
                contractor: firm.map(|f| f.code.clone()).unwrap_or_default(),
                contractor_name: firm.map(|f| f.name.clone()).unwrap_or_default(),
                sites: doc.sites.iter().map(|s| s.name.clone()).collect(),
                total_fen: doc.total_fen,
                contract_amount_fen: doc.contract_amount_fen,
                planned_start: doc.planned_start,
                planned_end: doc.planned_end,
                issued_at: row.issued_at,
                acknowledged_at: row.acknowledged_at,
                progress: project.progress,
                percent: project.percent,
            })
        })
        .collect()
}
