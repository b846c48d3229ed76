//! Issuing an order and its new revisions, and passing it on when the project changes firm.

use chrono::{DateTime, NaiveDate, Utc};
use jiugai_document as document;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession,
};

use super::scope::{printable, project_scope};
use super::views::{OrderView, get, stored_document};
use crate::db::audit::{self, Actor, Change};
use crate::db::entities::{contractors, projects, work_orders};
use crate::db::{catalog, projects as project_db};
use crate::domain::FieldErrors;
use crate::domain::policy::Policy;
use crate::error::{Error, Result};

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
        return Err(Error::invalid("reason", "修订理由最多 500 个字"));
    }
    let txn = crate::db::begin_write(db).await?;
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
            "请写明修订任务单的理由：理由会随新版本一起存档",
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
                    "任务单内容与第 {} 版相比没有变化：请先修改项目或其小区",
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
pub(in crate::db) async fn pass_on(
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
        missing.add("contractor", "请先为项目指定施工单位");
    }
    if firm.as_ref().is_some_and(|f| f.credit_code.is_none()) {
        missing.add(
            "contractor",
            "施工单位没有登记统一社会信用代码；请先补全施工单位信息",
        );
    }
    if project.contract_amount_fen.is_none() {
        missing.add("contract_amount_yuan", "请先填写合同金额");
    }
    if project.planned_start.is_none() || project.planned_end.is_none() {
        missing.add("planned_start", "请先填写计划开工和竣工日期");
    }
    if policy.work_orders.contact.trim().is_empty() || policy.work_orders.phone.trim().is_empty() {
        missing.add(
            "policy.work_orders",
            "政策设置中没有任务单的住建局联系人和电话",
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
    let funding = scope.funding_shares();
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
        funding,
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
