//! Work orders (施工任务单): issued from a project to its contractor, revised as new versions, acknowledged and
//! reported on by the contractor.
//!
//! A revision stores the document exactly as issued (the document engine's input, as JSON): it renders the same
//! bytes forever, whatever later happens to the compounds, the catalog or the firm. A firm sees the revisions that
//! were issued to it, and nothing else.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use jiugai_document as document;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::audit::{self, Actor, Change};
use super::compounds::{Lookup, figures, scopes};
use super::entities::{compounds, contractors, projects, work_order_reports, work_orders};
use super::{catalog, projects as project_db};
use crate::domain::FieldErrors;
use crate::domain::compound::Status;
use crate::domain::cost::{self, fen_as_yuan};
use crate::domain::policy::Policy;
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
    pub progress: String,
    pub percent: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    pub revision: i32,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    pub reason: Option<String>,
    pub contractor: String,
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

/// Issues the project's work order (revision 1) or, when it has one, a new revision that supersedes it; `reason`
/// is required for a revision. All in one transaction; audited. Dated today in Beijing.
pub async fn issue(
    db: &DatabaseConnection,
    actor: &Actor,
    project_code: &str,
    reason: Option<&str>,
) -> Result<OrderView> {
    issue_at(db, actor, project_code, reason, Utc::now()).await
}

/// [`issue`] at a given moment, which dates the order (its Beijing day) and its record: the demo data's orders
/// are issued in their batch year.
pub async fn issue_at(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    project_code: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<OrderView> {
    let reason = reason
        .map(crate::domain::text::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(Error::invalid("reason", "must be at most 500 characters"));
    }
    let txn = super::begin_write(db).await?;
    let number = issue_in(&txn, actor, project_code, reason, now).await?;
    let view = get(&txn, &number, None).await?;
    txn.commit().await?;
    Ok(view)
}

/// [`issue_at`] inside the caller's transaction (a reassignment re-issues the order in its own); returns the
/// order's number.
pub(super) async fn issue_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    project_code: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String> {
    let issued_on = crate::domain::time::beijing_date(now);
    let project = project_db::find(txn, project_code, None).await?;
    let policy = catalog::load_policy(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    let previous = work_orders::Entity::find()
        .filter(work_orders::Column::ProjectId.eq(project.id))
        .order_by_desc(work_orders::Column::Revision)
        .one(txn)
        .await?;
    if previous.is_some() && reason.is_none() {
        return Err(Error::invalid(
            "reason",
            "say why the order is revised: it goes on record with the new version",
        ));
    }
    let (number, revision) = match &previous {
        Some(p) => (p.number.clone(), p.revision + 1),
        None => (next_number(txn, &policy, project.year).await?, 1),
    };
    let (doc, firm) = build(txn, &policy, &project, &number, revision as u32, issued_on).await?;
    if let Some(p) = &previous {
        let mut before: document::WorkOrder = stored_document(p)?;
        before.revision = doc.revision;
        before.issued_on = doc.issued_on;
        if before == doc {
            return Err(Error::invalid(
                "project",
                format!(
                    "nothing on the order has changed since version {}: change the project or its compounds first",
                    p.revision
                ),
            ));
        }
    }
    if previous.is_some() {
        work_orders::Entity::update_many()
            .set(work_orders::ActiveModel {
                superseded_at: Set(Some(now)),
                ..Default::default()
            })
            .filter(work_orders::Column::ProjectId.eq(project.id))
            .filter(work_orders::Column::SupersededAt.is_null())
            .exec(txn)
            .await?;
    }
    let data = serde_json::to_string(&doc).map_err(|e| Error::Internal(e.into()))?;
    work_orders::Entity::insert(work_orders::ActiveModel {
        number: Set(number.clone()),
        revision: Set(revision),
        project_id: Set(project.id),
        contractor_id: Set(firm.id),
        year: Set(project.year),
        data: Set(data),
        reason: Set(reason.map(str::to_owned)),
        issued_at: Set(now),
        issued_by: Set(actor.username.clone()),
        superseded_at: Set(None),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    audit::record_one(
        txn,
        actor,
        Change::new(
            if revision == 1 { "issue" } else { "revise" },
            "work_order",
            format!("{number}/{revision}"),
        )
        .after(serde_json::json!({
            "number": number, "revision": revision, "project": project.code,
            "contractor": firm.code, "total_yuan": doc.total_fen as f64 / 100.0,
            "contract_amount_yuan": doc.contract_amount_fen as f64 / 100.0,
            "planned_start": doc.planned_start, "planned_end": doc.planned_end,
            "sites": doc.sites.iter().map(|s| &s.code).collect::<Vec<_>>(), "reason": reason,
        })),
    )
    .await?;
    Ok(number)
}

/// A project changed contractor (in the caller's transaction, after the project row was written): its current
/// order must not stay with the firm that no longer has the project. That revision is withdrawn (superseded and
/// audited as a withdrawal); with a new firm the order is issued again to it as the next revision, so the new
/// firm sees it at once and the old one sees its copy void.
pub(super) async fn pass_on(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    project: &projects::Model,
    new_firm: Option<&contractors::Model>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(current) = work_orders::Entity::find()
        .filter(work_orders::Column::ProjectId.eq(project.id))
        .filter(work_orders::Column::SupersededAt.is_null())
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let old_firm = contractors::Entity::find_by_id(current.contractor_id)
        .one(txn)
        .await?
        .map(|f| f.name)
        .unwrap_or_default();
    let reason = match new_firm {
        Some(firm) => format!("施工单位变更：由{old_firm}改为{}", firm.name),
        None => format!("项目不再由{old_firm}承担，任务单收回"),
    };
    work_orders::Entity::update_many()
        .set(work_orders::ActiveModel {
            superseded_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(work_orders::Column::Id.eq(current.id))
        .exec(txn)
        .await?;
    audit::record_one(
        txn,
        actor,
        Change::new(
            "withdraw",
            "work_order",
            format!("{}/{}", current.number, current.revision),
        )
        .before(serde_json::json!({"contractor": old_firm, "acknowledged": current.acknowledged_at.is_some()}))
        .after(serde_json::json!({"withdrawn_at": now, "reason": reason})),
    )
    .await?;
    if new_firm.is_some() {
        issue_in(txn, actor, &project.code, Some(&reason), now).await?;
    }
    Ok(())
}

/// `RS-2021-0031`: the county's prefix, the year and the order's place among that year's orders.
async fn next_number(txn: &impl ConnectionTrait, policy: &Policy, year: i32) -> Result<String> {
    let issued = work_orders::Entity::find()
        .filter(work_orders::Column::Year.eq(year))
        .filter(work_orders::Column::Revision.eq(1))
        .all(txn)
        .await?
        .len();
    Ok(format!("{}-{year}-{:04}", policy.code_prefix, issued + 1))
}

/// The document for the project as it stands: refuses, naming the field, what an order cannot go out without.
async fn build(
    txn: &impl ConnectionTrait,
    policy: &Policy,
    project: &projects::Model,
    number: &str,
    revision: u32,
    issued_on: NaiveDate,
) -> Result<(document::WorkOrder, contractors::Model)> {
    let mut missing = FieldErrors::default();
    let firm = match project.contractor_id {
        Some(id) => contractors::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    if firm.is_none() {
        missing.add("contractor", "assign a contractor to the project first");
    }
    if firm.as_ref().is_some_and(|f| f.credit_code.is_none()) {
        missing.add(
            "contractor",
            "the contractor has no unified social credit code on record; complete its record first",
        );
    }
    if project.contract_amount_fen.is_none() {
        missing.add("contract_amount_yuan", "set the contract amount first");
    }
    if project.planned_start.is_none() || project.planned_end.is_none() {
        missing.add("planned_start", "set the planned start and end first");
    }
    if policy.work_orders.contact.trim().is_empty() || policy.work_orders.phone.trim().is_empty() {
        missing.add(
            "policy.work_orders",
            "the policy names no bureau contact and phone for work orders",
        );
    }
    let (Some(firm), Some(amount), Some(start), Some(end)) = (
        firm,
        project.contract_amount_fen,
        project.planned_start,
        project.planned_end,
    ) else {
        return Err(Error::Invalid(missing));
    };
    if !missing.is_empty() {
        return Err(Error::Invalid(missing));
    }
    let scope = project_scope(txn, project).await?;
    let doc = document::WorkOrder {
        authority: policy.authority.clone(),
        number: number.to_owned(),
        revision,
        superseded_by: None,
        issued_on,
        project: project.name.clone(),
        year: project.year,
        category: scope.category,
        sites: scope.sites,
        scope: scope.rows,
        total_fen: scope.total_fen,
        contract_amount_fen: amount,
        planned_start: start,
        planned_end: end,
        requirements: policy.work_orders.requirements(),
        bureau_contact: document::Contact {
            name: policy.work_orders.contact.clone(),
            phone: policy.work_orders.phone.clone(),
        },
        contractor: document::Contractor {
            name: firm.name.clone(),
            credit_code: firm.credit_code.clone().unwrap_or_default(),
            contact: document::Contact {
                name: firm.contact_person.clone().unwrap_or_default(),
                phone: firm.phone.clone().unwrap_or_default(),
            },
        },
        // The link depends on where the service is reached, not on the order: filled in when rendered.
        url: String::new(),
    };
    printable(doc.missing_glyphs())?;
    Ok((doc, firm))
}

/// Refuses a document with characters the font lacks, naming each field and character: nothing is printed with
/// a hole in it.
pub fn printable(missing: Vec<document::MissingGlyph>) -> Result<()> {
    if missing.is_empty() {
        return Ok(());
    }
    let mut errors = FieldErrors::default();
    for g in missing {
        errors.add(
            g.field,
            format!(
                "the character {:?} (U+{:04X}) is not in the document font and cannot be printed",
                g.ch, g.ch as u32
            ),
        );
    }
    Err(Error::Invalid(errors))
}

/// What a project's documents list (its work order, its notices): the compounds, and the scope of works as one
/// table — a bundle's compounds share it, the same item one row with the quantities added — with its category
/// (the highest class of work in it) and total. Refused, naming the field, when a compound has no usable scope.
pub struct ProjectScope {
    pub sites: Vec<document::Site>,
    pub rows: Vec<document::ScopeRow>,
    /// 基础类 / 完善类 / 提升类.
    pub category: String,
    pub total_fen: i64,
}

pub async fn project_scope(
    txn: &impl ConnectionTrait,
    project: &projects::Model,
) -> Result<ProjectScope> {
    let sites = project_db::sites(txn, vec![project.id])
        .await?
        .remove(&project.id)
        .unwrap_or_default();
    let lookup = Lookup::load(txn).await?;
    let catalog = catalog::load(txn).await?;
    let mut scope_of = scopes(txn, sites.iter().map(|c| c.id).collect(), &lookup).await?;
    let mut rows: Vec<document::ScopeRow> = Vec::new();
    let mut best_rank = None::<(i32, String)>;
    for site in &sites {
        let lines = scope_of.remove(&site.id).unwrap_or_default();
        let estimate = cost::estimate(&catalog, &figures(site), &lines).map_err(|errors| {
            Error::invalid(
                format!("compounds.{}.scope", site.code),
                errors
                    .into_iter()
                    .map(|(i, e)| format!("line {}: {e}", i + 1))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        if let Some(class) = estimate.category.as_deref().and_then(|c| catalog.class(c))
            && best_rank
                .as_ref()
                .is_none_or(|(rank, _)| class.rank > *rank)
        {
            best_rank = Some((class.rank, class.name.clone()));
        }
        for line in estimate.lines {
            let amount_fen = (line.amount_yuan * 100.0).round() as i64;
            let unit_cost_fen = (line.unit_cost_yuan * 100.0).round() as i64;
            // A bundle's compounds share one table: the same item is one row with the quantities added.
            match rows.iter_mut().find(|r| r.item == line.item) {
                Some(row) => {
                    row.quantity = ((row.quantity + line.quantity) * 100.0).round() / 100.0;
                    row.amount_fen += amount_fen;
                }
                None => rows.push(document::ScopeRow {
                    item: line.item,
                    name: line.name,
                    unit: line.unit,
                    quantity: line.quantity,
                    unit_cost_fen,
                    amount_fen,
                }),
            }
        }
    }
    if rows.is_empty() {
        return Err(Error::invalid(
            "project",
            "its compounds have no scope yet: survey them and set their work items first",
        ));
    }
    let total_fen = rows.iter().map(|r| r.amount_fen).sum();
    let sites = sites
        .iter()
        .map(|c| {
            let names = lookup.names(c);
            document::Site {
                code: c.code.clone(),
                name: c.name.clone(),
                town: names.town.to_owned(),
                community: names.community.to_owned(),
                address: c.address.clone(),
                households: c.households.max(0) as u32,
                buildings: c.buildings.max(0) as u32,
                floor_area_m2: c.floor_area_m2,
                year_built: c.year_built,
                outline: outline(&c.geometry),
            }
        })
        .collect();
    Ok(ProjectScope {
        sites,
        rows,
        category: best_rank.map(|(_, name)| name).unwrap_or_default(),
        total_fen,
    })
}

/// A boundary's rings as [lon, lat] pairs, for the order's map; nothing when the stored geometry is unusable.
fn outline(geometry: &str) -> Vec<Vec<Vec<[f64; 2]>>> {
    let Ok(value) = serde_json::from_str::<Value>(geometry) else {
        return Vec::new();
    };
    let polygon = |rings: &Value| -> Vec<Vec<[f64; 2]>> {
        rings
            .as_array()
            .into_iter()
            .flatten()
            .map(|ring| {
                ring.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
                    .collect()
            })
            .collect()
    };
    let coordinates = &value["coordinates"];
    match value["type"].as_str() {
        Some("Polygon") => vec![polygon(coordinates)],
        Some("MultiPolygon") => coordinates
            .as_array()
            .into_iter()
            .flatten()
            .map(polygon)
            .collect(),
        _ => Vec::new(),
    }
}

fn stored_document(row: &work_orders::Model) -> Result<document::WorkOrder> {
    serde_json::from_str(&row.data)
        .map_err(|e| Error::Internal(anyhow::anyhow!("work order {} is corrupt: {e}", row.number)))
}

/// The revisions of `number` that `own` may see (all, for staff), oldest first; "not found" when none.
async fn visible_revisions(
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
        return Err(Error::NotFound(format!("no work order {number}")));
    }
    Ok(rows)
}

/// The contractor the current revision of `number` was issued to.
pub async fn firm_of(db: &impl ConnectionTrait, number: &str) -> Result<i32> {
    let rows = visible_revisions(db, number, None).await?;
    rows.last()
        .map(|r| r.contractor_id)
        .ok_or_else(|| Error::NotFound(number.to_owned()))
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
            .ok_or_else(|| Error::NotFound(format!("no version {r} of work order {number}")))?,
        None => rows
            .last()
            .ok_or_else(|| Error::NotFound(number.to_owned()))?,
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
        .ok_or_else(|| Error::NotFound(number.to_owned()))?;
    let summary = summaries(db, vec![newest.clone()])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("work order {number} lost its project")))?;
    let document = document_of(db, number, Some(newest.revision), own).await?;
    let firms = firm_codes(db).await?;
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
                issued_by: r.issued_by,
                reason: r.reason,
                contractor: firms.get(&r.contractor_id).cloned().unwrap_or_default(),
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
                progress: project.progress.clone(),
                percent: project.percent,
            })
        })
        .collect()
}

/// The current revision issued to the contractor `own`, for its acknowledgement and reports.
async fn current_for(
    txn: &impl ConnectionTrait,
    number: &str,
    own: i32,
) -> Result<work_orders::Model> {
    let rows = visible_revisions(txn, number, Some(own)).await?;
    let newest = rows
        .last()
        .ok_or_else(|| Error::NotFound(number.to_owned()))?;
    let still_yours = projects::Entity::find_by_id(newest.project_id)
        .one(txn)
        .await?
        .is_some_and(|p| p.contractor_id == Some(own));
    if newest.superseded_at.is_some() || !still_yours {
        return Err(Error::Conflict {
            message: format!(
                "version {} of {number} has been superseded; the order is no longer yours to act on, or a newer version awaits you",
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
    let txn = super::begin_write(db).await?;
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
    body: &Value,
) -> Result<OrderView> {
    report_at(db, actor, number, own, body, Utc::now()).await
}

/// [`report`] at a given moment: the demo data's reports are dated in their batch year.
pub async fn report_at(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    number: &str,
    own: i32,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<OrderView> {
    let input: ReportInput = crate::domain::deserialize(body).map_err(Error::Invalid)?;
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(Error::invalid("note", "must be at most 1000 characters"));
    }
    let percent = match input.percent {
        None => None,
        Some(p) if (0..=100).contains(&p) => Some(p as i32),
        Some(_) => return Err(Error::invalid("percent", "must be from 0 to 100")),
    };
    let txn = super::begin_write(db).await?;
    let row = current_for(&txn, number, own).await?;
    if row.acknowledged_at.is_none() {
        return Err(Error::Conflict {
            message: format!("acknowledge receipt of {number} before reporting progress"),
            current_version: None,
        });
    }
    let project = projects::Entity::find_by_id(row.project_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("work order {number} lost its project")))?;
    let (progress, new_percent, site_status) =
        match (input.kind.as_str(), project.progress.as_str()) {
            (_, "completed") => {
                return Err(Error::Conflict {
                    message: format!("{} is already reported completed", project.code),
                    current_version: None,
                });
            }
            ("started", "not_started") => (
                "started",
                percent.unwrap_or(0),
                Some(Status::InConstruction),
            ),
            ("started", _) => {
                return Err(Error::Conflict {
                    message: format!("{} was already reported started", project.code),
                    current_version: None,
                });
            }
            ("progress" | "completed", "not_started") => {
                return Err(Error::Conflict {
                    message: format!("report that {} has started first", project.code),
                    current_version: None,
                });
            }
            ("progress", _) => {
                let p = percent.ok_or_else(|| {
                    Error::invalid("percent", "a progress report gives the percentage done")
                })?;
                if p < project.percent {
                    return Err(Error::invalid(
                        "percent",
                        format!(
                            "was already reported at {}%; progress does not go back",
                            project.percent
                        ),
                    ));
                }
                if p == 100 {
                    return Err(Error::invalid(
                        "percent",
                        "100% is a completion: report kind completed",
                    ));
                }
                ("started", p, None)
            }
            ("completed", _) => ("completed", 100, Some(Status::Completed)),
            (other, _) => {
                return Err(Error::invalid(
                    "kind",
                    format!("{other:?} is not a report; use started, progress or completed"),
                ));
            }
        };
    projects::Entity::update_many()
        .set(projects::ActiveModel {
            progress: Set(progress.to_owned()),
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
    let changes = super::compounds::move_to_status(txn, behind, status, action).await?;
    super::revisions::bump(txn, super::revisions::COMPOUNDS).await?;
    audit::record(txn, actor, changes).await
}

/// File name of an order's PDF: `施工任务单-RS-2021-0031-第2版.pdf`.
pub fn file_name(number: &str, revision: u32) -> String {
    format!("施工任务单-{number}-第{revision}版.pdf")
}
