//! Residents' requests (诉求, 问需于民): taken on a compound's public page (stored once, limited per address with
//! the objections), triaged by the bureau (accepted against a catalog item, merged into a duplicate, or forwarded
//! as outside the renovation's scope, with a public answer), and counted: a compound's accepted requests are its
//! `requests`, which its priority reads.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;

use super::audit::{self, Actor, Change};
use super::entities::{compounds, resident_requests as rows};
use super::notices::{Received, residents_limit};
use crate::domain::catalog::Catalog;
use crate::domain::phone::Mobile;
use crate::domain::request::{Decision, ResidentRequest, Status, Triage, default_answer};
use crate::error::{Error, Result};

/// A catalog item as the request form offers it.
#[derive(Debug, Clone, Serialize)]
pub struct Offered {
    pub code: String,
    pub name: String,
    pub class: String,
}

/// The catalog's items, by class, in the words residents read.
pub fn offered(catalog: &Catalog) -> Vec<Offered> {
    let mut classes = catalog.classes.clone();
    classes.sort_by_key(|c| c.rank);
    classes
        .iter()
        .flat_map(|class| {
            catalog
                .items
                .iter()
                .filter(move |i| i.class == class.code)
                .map(move |i| Offered {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    class: class.name.clone(),
                })
        })
        .collect()
}

fn item_name(catalog: &Catalog, code: Option<&str>) -> Option<String> {
    code.and_then(|c| catalog.items.iter().find(|i| i.code == c))
        .map(|i| i.name.clone())
}

/// The compound a public page is about: one that exists and is not archived.
pub async fn public_compound(db: &impl ConnectionTrait, code: &str) -> Result<compounds::Model> {
    super::compounds::find(db, code)
        .await
        .ok()
        .filter(|c| !c.archived)
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {code} 的小区")))
}

/// Takes a resident's request about compound `code`. One form (`submission`) is stored once however often it
/// is sent; the same request from the same mobile number is refused as a duplicate; an address shares the
/// objections' limit.
pub async fn submit(
    db: &(impl TransactionTrait + ConnectionTrait),
    code: &str,
    request: &ResidentRequest,
    submission: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Received> {
    let submission = submission.trim();
    if submission.is_empty() || submission.len() > 64 {
        return Err(Error::invalid(
            "submission",
            "表单不完整，请刷新页面后重新提交",
        ));
    }
    let compound = public_compound(db, code).await?;
    let again = rows::Entity::find()
        .filter(rows::Column::CompoundId.eq(compound.id))
        .filter(rows::Column::Submission.eq(submission))
        .one(db)
        .await?;
    if again.is_some() {
        return Ok(Received::Again);
    }
    residents_limit(db, source, now).await?;
    if let Some(item) = &request.item {
        let catalog = super::catalog::load(db).await?;
        if !catalog.items.iter().any(|i| &i.code == item) {
            return Err(Error::invalid("item", "请从列表中选择改造内容"));
        }
    }
    let digest = request.digest();
    let txn = super::begin_write(db).await?;
    let duplicate = rows::Entity::find()
        .filter(rows::Column::CompoundId.eq(compound.id))
        .filter(rows::Column::TextDigest.eq(digest.clone()))
        .one(&txn)
        .await?;
    if duplicate.is_some() {
        return Err(Error::Conflict {
            message: "您已提交过同样的诉求，无需重复提交；处理结果会公布在本页。".to_owned(),
            field: None,
        });
    }
    rows::Entity::insert(rows::ActiveModel {
        compound_id: Set(compound.id),
        submission: Set(submission.to_owned()),
        item_code: Set(request.item.clone()),
        building_unit: Set(request.building_unit.clone()),
        mobile: Set(request.mobile.as_str().to_owned()),
        text: Set(request.text.clone()),
        text_digest: Set(digest),
        source: Set(source.chars().take(64).collect()),
        created_at: Set(now),
        status: Set(Status::New.code().to_owned()),
        version: Set(1),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(Received::New)
}

/// A request as the bureau's list shows it; the mobile number masked.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub id: i32,
    pub compound: String,
    pub compound_name: String,
    pub item: Option<String>,
    pub item_name: Option<String>,
    pub building_unit: String,
    pub mobile: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub status: Status,
    pub status_label: &'static str,
    pub linked_item: Option<String>,
    pub linked_item_name: Option<String>,
    pub merged_into: Option<i32>,
    pub department: Option<String>,
    /// The bureau's own words, if it wrote any.
    pub answer: Option<String>,
    /// What residents read: the answer, or the outcome in words.
    pub public_answer: String,
    pub triaged_at: Option<DateTime<Utc>>,
    pub triaged_by: Option<String>,
    pub version: i32,
}

/// Which requests the bureau lists.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub compound: Option<String>,
    pub status: Option<Status>,
}

/// The most requests one list shows; the counts say how many there are in all.
pub const LIST_LIMIT: u64 = 500;

/// How many requests there are, by status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub received: u64,
    pub new: u64,
    pub accepted: u64,
    pub merged: u64,
    pub out_of_scope: u64,
}

/// The requests matching `filter`, newest first (at most [`LIST_LIMIT`]), and the counts of all of them.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
) -> Result<(Vec<RequestView>, Counts)> {
    let mut query = rows::Entity::find();
    let mut compound = None;
    if let Some(code) = &filter.compound {
        let c = super::compounds::find(db, code).await?;
        query = query.filter(rows::Column::CompoundId.eq(c.id));
        compound = Some(c);
    }
    let mut counts = Counts::default();
    for status in Status::ALL {
        let n = query
            .clone()
            .filter(rows::Column::Status.eq(status.code()))
            .count(db)
            .await?;
        match status {
            Status::New => counts.new = n,
            Status::Accepted => counts.accepted = n,
            Status::Merged => counts.merged = n,
            Status::OutOfScope => counts.out_of_scope = n,
        }
        counts.received += n;
    }
    if let Some(status) = filter.status {
        query = query.filter(rows::Column::Status.eq(status.code()));
    }
    let found = query
        .order_by_desc(rows::Column::CreatedAt)
        .order_by_desc(rows::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    Ok((views(db, found, compound).await?, counts))
}

async fn views(
    db: &impl ConnectionTrait,
    found: Vec<rows::Model>,
    compound: Option<compounds::Model>,
) -> Result<Vec<RequestView>> {
    let catalog = super::catalog::load(db).await?;
    let names: std::collections::HashMap<i32, (String, String)> = match compound {
        Some(c) => [(c.id, (c.code, c.name))].into(),
        None => {
            let ids: Vec<i32> = found.iter().map(|r| r.compound_id).collect();
            compounds::Entity::find()
                .filter(compounds::Column::Id.is_in(ids))
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id, (c.code, c.name)))
                .collect()
        }
    };
    Ok(found
        .into_iter()
        .map(|r| {
            let (code, name) = names.get(&r.compound_id).cloned().unwrap_or_default();
            view(&catalog, r, code, name)
        })
        .collect())
}

fn view(catalog: &Catalog, r: rows::Model, compound: String, compound_name: String) -> RequestView {
    let status = Status::parse(&r.status).unwrap_or(Status::New);
    let linked_item_name = item_name(catalog, r.linked_item.as_deref());
    let public_answer = r.answer.clone().unwrap_or_else(|| {
        default_answer(status, r.department.as_deref(), linked_item_name.as_deref())
    });
    RequestView {
        id: r.id,
        compound,
        compound_name,
        item_name: item_name(catalog, r.item_code.as_deref()),
        item: r.item_code,
        building_unit: r.building_unit,
        mobile: Mobile::parse(&r.mobile)
            .map(|m| m.masked())
            .unwrap_or_else(|_| "***".to_owned()),
        text: r.text,
        created_at: r.created_at,
        status,
        status_label: status.label(),
        linked_item: r.linked_item,
        linked_item_name,
        merged_into: r.merged_into,
        department: r.department,
        answer: r.answer,
        public_answer,
        triaged_at: r.triaged_at,
        triaged_by: r.triaged_by,
        version: r.version,
    }
}

/// A request as the compound's public page shows it: what was asked and what became of it, nothing about who
/// asked.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRequest {
    pub id: i32,
    pub item_name: Option<String>,
    pub text: String,
    pub status: Status,
    pub status_label: &'static str,
    pub answer: String,
    pub merged_into: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub triaged_at: Option<DateTime<Utc>>,
}

/// The triaged requests of a compound, newest first, and the counts of all of them (untriaged ones are counted,
/// not shown: residents read only what the bureau has looked at).
pub async fn public(
    db: &impl ConnectionTrait,
    compound: &compounds::Model,
) -> Result<(Vec<PublicRequest>, Counts)> {
    let (all, counts) = list(
        db,
        &Filter {
            compound: Some(compound.code.clone()),
            status: None,
        },
    )
    .await?;
    let shown = all
        .into_iter()
        .filter(|r| r.status != Status::New)
        .map(|r| PublicRequest {
            id: r.id,
            item_name: r.item_name,
            text: r.text,
            status: r.status,
            status_label: r.status_label,
            answer: r.public_answer,
            merged_into: r.merged_into,
            created_at: r.created_at,
            triaged_at: r.triaged_at,
        })
        .collect();
    Ok((shown, counts))
}

/// The bureau triages request `id`, if `expected_version` (when given) is still current. An accepted request
/// counts for its compound's priority; the compound's count changes in the same transaction.
pub async fn triage(
    db: &impl TransactionTrait,
    actor: &Actor,
    id: i32,
    triage: &Triage,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> Result<RequestView> {
    let txn = super::begin_write(db).await?;
    let row = rows::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {id} 的诉求")))?;
    if let Some(expected) = expected_version
        && expected != row.version
    {
        return Err(stale(&row, expected));
    }
    let catalog = super::catalog::load(&txn).await?;
    let (linked_item, merged_into, department) = match &triage.decision {
        Decision::Accept { item } => {
            if !catalog.items.iter().any(|i| &i.code == item) {
                return Err(Error::invalid("item", "请选择改造内容清单中的一项"));
            }
            (Some(item.clone()), None, None)
        }
        Decision::Merge { into } => {
            check_merge(&txn, &row, *into).await?;
            (None, Some(*into), None)
        }
        Decision::OutOfScope { department } => (None, None, Some(department.clone())),
    };
    if row.merged_into.is_none() && triage.status() == Status::Merged {
        let merged_here = rows::Entity::find()
            .filter(rows::Column::MergedInto.eq(id))
            .count(&txn)
            .await?;
        if merged_here > 0 {
            return Err(Error::Conflict {
                message: format!(
                    "已有 {merged_here} 条诉求合并到第 {id} 条，它不能再合并到别的诉求；请把重复的诉求合并到第 {id} 条"
                ),
                field: Some("into"),
            });
        }
    }
    let updated = rows::Entity::update_many()
        .set(rows::ActiveModel {
            status: Set(triage.status().code().to_owned()),
            linked_item: Set(linked_item),
            merged_into: Set(merged_into),
            department: Set(department),
            answer: Set(triage.answer.clone()),
            triaged_at: Set(Some(now)),
            triaged_by: Set(Some(actor.username.clone())),
            version: Set(row.version + 1),
            ..Default::default()
        })
        .filter(rows::Column::Id.eq(id))
        .filter(rows::Column::Version.eq(row.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(stale(&row, row.version));
    }
    let compound = compounds::Entity::find_by_id(row.compound_id)
        .one(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("request {id} names a missing compound"))?;
    let accepted = accepted_count(&txn, compound.id).await?;
    super::compounds::set_requests(&txn, compound.id, accepted).await?;
    let after = rows::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("request {id} vanished"))?;
    audit::record_one(
        &txn,
        actor,
        Change::new("triage", "resident_request", id.to_string())
            .before(triage_json(&row))
            .after(json!({
                "compound": compound.code,
                "status": after.status,
                "linked_item": after.linked_item,
                "merged_into": after.merged_into,
                "department": after.department,
                "answer": after.answer,
                "accepted_requests": accepted,
            })),
    )
    .await?;
    let view = view(&catalog, after, compound.code, compound.name);
    txn.commit().await?;
    Ok(view)
}

fn triage_json(r: &rows::Model) -> serde_json::Value {
    json!({
        "status": r.status, "linked_item": r.linked_item, "merged_into": r.merged_into,
        "department": r.department, "answer": r.answer,
    })
}

fn stale(row: &rows::Model, expected: i32) -> Error {
    Error::StaleVersion {
        message: format!(
            "第 {} 条诉求已被他人处理（现为第 {} 版，您看到的是第 {expected} 版）；请刷新后再处理",
            row.id, row.version
        ),
        current_version: Some(row.version),
    }
}

/// A request merges into another request of the same compound that is not itself merged.
async fn check_merge(db: &impl ConnectionTrait, row: &rows::Model, into: i32) -> Result<()> {
    if into == row.id {
        return Err(Error::invalid("into", "不能与自己合并"));
    }
    let target = rows::Entity::find_by_id(into)
        .one(db)
        .await?
        .filter(|t| t.compound_id == row.compound_id)
        .ok_or_else(|| Error::invalid("into", format!("本小区没有编号为 {into} 的诉求")))?;
    if let Some(root) = target.merged_into {
        return Err(Error::invalid(
            "into",
            format!("第 {into} 条已合并到第 {root} 条，请合并到第 {root} 条"),
        ));
    }
    Ok(())
}

/// A compound's accepted requests: the distinct needs its residents raised within the renovation's scope.
pub async fn accepted_count(db: &impl ConnectionTrait, compound_id: i32) -> Result<i32> {
    let n = rows::Entity::find()
        .filter(rows::Column::CompoundId.eq(compound_id))
        .filter(rows::Column::Status.eq(Status::Accepted.code()))
        .count(db)
        .await?;
    Ok(i32::try_from(n).unwrap_or(i32::MAX))
}

/// The new requests waiting for triage, for the overview's reminder.
pub async fn waiting(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(rows::Entity::find()
        .filter(rows::Column::Status.eq(Status::New.code()))
        .count(db)
        .await?)
}

/// The page residents reach by the poster's QR code.
pub fn page_url(base: &str, code: &str) -> String {
    format!("{}/c/{code}", base.trim_end_matches('/'))
}

/// The poster (问需于民) for a compound's gate: its name and address, and a QR code of its residents' page at
/// `base`.
pub async fn poster(
    db: &impl ConnectionTrait,
    code: &str,
    base: &str,
    today: chrono::NaiveDate,
) -> Result<jiugai_document::Poster> {
    let c = public_compound(db, code).await?;
    let policy = super::catalog::load_policy(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    Ok(jiugai_document::Poster {
        authority: policy.authority.clone(),
        compound: c.name,
        address: c.address,
        url: page_url(base, &c.code),
        phone: policy.notice_phone().to_owned(),
        date: today,
    })
}

/// The poster's file name: `问需于民海报-RS-0001-工行小区.pdf`.
pub fn poster_file_name(code: &str, name: &str) -> String {
    format!("问需于民海报-{code}-{name}.pdf")
}
