//! A notice as the API and the pages show it: the stored row read back, with its counts, project and
//! corrections; one notice, or the list a filter asks for.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use jiugai_document as document;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::db::entities::notices::Status;
use crate::db::entities::{notices, objections, projects};
use crate::domain::calendar::Count;
use crate::domain::notice::{self, NoticeKind, Phase};
use crate::error::{Error, Result};

/// What a notice row's `data` holds: the document as it prints, and the compounds it is about (for the
/// public list's filters), both as they were when it was drafted or published.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Stored {
    pub(super) document: document::Notice,
    pub(super) sites: Vec<SiteRef>,
    /// The figures the notice states, by their name in words ("计划开工" → "2021年3月1日"): a correction
    /// lists those that changed since. Absent in notices drafted before it was kept.
    #[serde(default)]
    pub(super) facts: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteRef {
    pub code: String,
    pub name: String,
    pub town: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoticeRef {
    pub id: i32,
    pub number: Option<String>,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodView {
    pub days: i32,
    /// calendar or working.
    pub count: String,
    /// "7日", "5个工作日".
    pub rule: String,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    /// The end of the last day, Beijing time.
    pub closes_at: Option<DateTime<Utc>>,
    /// "2021年3月1日至2021年3月7日", or for a draft "自发布之日起7日".
    pub text: String,
}

/// One notice as the API and the pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub id: i32,
    pub kind: NoticeKind,
    pub kind_label: &'static str,
    /// draft, published (period running) or closed (period over).
    pub status: &'static str,
    pub status_label: &'static str,
    pub number: Option<String>,
    pub authority: String,
    pub title: String,
    pub body: Vec<String>,
    pub table_headers: Vec<String>,
    pub table_rows: Vec<Vec<String>>,
    pub project: String,
    pub project_name: String,
    pub year: i32,
    pub sites: Vec<SiteRef>,
    pub period: PeriodView,
    pub published_at: Option<DateTime<Utc>>,
    pub issued_on: Option<NaiveDate>,
    pub corrects: Option<NoticeRef>,
    /// Published corrections of this notice (更正公示), oldest first.
    pub corrected_by: Vec<NoticeRef>,
    pub received: u64,
    pub answered: u64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl NoticeView {
    pub fn is_open(&self) -> bool {
        self.status == Phase::Open.code()
    }
}

pub(super) fn stored(row: &notices::Model) -> Result<Stored> {
    serde_json::from_str(&row.data)
        .map_err(|e| Error::Internal(anyhow::anyhow!("notice {} is corrupt: {e}", row.id)))
}

pub(super) fn phase(row: &notices::Model, now: DateTime<Utc>) -> Phase {
    Phase::of(row.status == Status::Published, row.closes_at, now)
}

pub(super) fn count_of(row: &notices::Model) -> Count {
    Count::parse(&row.period_count).unwrap_or(Count::Calendar)
}

fn period_view(row: &notices::Model) -> PeriodView {
    let rule = format!("{}{}", row.period_days, count_of(row).label());
    let text = match (row.first_day, row.last_day) {
        (Some(first), Some(last)) => notice::period_text(first, last),
        _ => format!("自发布之日起{rule}"),
    };
    PeriodView {
        days: row.period_days,
        count: row.period_count.clone(),
        rule,
        first_day: row.first_day,
        last_day: row.last_day,
        closes_at: row.closes_at,
        text,
    }
}

/// The views of `rows`, with their counts, projects and corrections, in the rows' order.
async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<notices::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<NoticeView>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let counts = objection_counts(db, &ids).await?;
    let project_ids: Vec<i32> = rows.iter().map(|r| r.project_id).collect();
    let projects: HashMap<i32, projects::Model> = projects::Entity::find()
        .filter(projects::Column::Id.is_in(project_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut related: Vec<i32> = rows.iter().filter_map(|r| r.corrects_id).collect();
    related.extend(&ids);
    let neighbours = notices::Entity::find()
        .filter(
            Condition::any()
                .add(notices::Column::Id.is_in(related.clone()))
                .add(notices::Column::CorrectsId.is_in(ids.clone())),
        )
        .order_by_asc(notices::Column::Id)
        .all(db)
        .await?;
    let reference = |n: &notices::Model| NoticeRef {
        id: n.id,
        number: n.number.clone(),
        title: n.title.clone(),
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let data = stored(&row)?;
        let project = projects.get(&row.project_id);
        let (received, answered) = counts.get(&row.id).copied().unwrap_or_default();
        let kind = NoticeKind::parse(&row.kind).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
        let phase = phase(&row, now);
        out.push(NoticeView {
            id: row.id,
            kind,
            kind_label: kind.label(),
            status: phase.code(),
            status_label: phase.label(),
            number: row.number.clone(),
            authority: data.document.authority,
            title: row.title.clone(),
            body: data.document.body,
            table_headers: data.document.table_headers,
            table_rows: data.document.table_rows,
            project: project.map(|p| p.code.clone()).unwrap_or_default(),
            project_name: project.map(|p| p.name.clone()).unwrap_or_default(),
            year: project.map_or(0, |p| p.year),
            sites: data.sites,
            period: period_view(&row),
            published_at: row.published_at,
            issued_on: row.published_at.map(|_| data.document.issued_on),
            corrects: row
                .corrects_id
                .and_then(|id| neighbours.iter().find(|n| n.id == id))
                .map(reference),
            corrected_by: neighbours
                .iter()
                .filter(|n| n.corrects_id == Some(row.id) && n.status == Status::Published)
                .map(reference)
                .collect(),
            received,
            answered,
            version: row.version,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
        });
    }
    Ok(out)
}

/// Objections received and answered, per notice.
async fn objection_counts(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, (u64, u64)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i32, Option<DateTime<Utc>>)> = objections::Entity::find()
        .select_only()
        .column(objections::Column::NoticeId)
        .column(objections::Column::AnsweredAt)
        .filter(objections::Column::NoticeId.is_in(ids.to_vec()))
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<i32, (u64, u64)> = HashMap::new();
    for (id, answered) in rows {
        let entry = counts.entry(id).or_default();
        entry.0 += 1;
        entry.1 += u64::from(answered.is_some());
    }
    Ok(counts)
}

pub(super) async fn find(db: &impl ConnectionTrait, id: i32) -> Result<notices::Model> {
    notices::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {id} 的公示")))
}

/// One notice. The public (`public`) sees only published notices: a draft is "not found", as if it did not exist.
pub async fn get(
    db: &impl ConnectionTrait,
    id: i32,
    public: bool,
    now: DateTime<Utc>,
) -> Result<NoticeView> {
    let row = find(db, id).await?;
    if public && row.status != Status::Published {
        return Err(Error::NotFound(format!("没有编号为 {id} 的公示")));
    }
    views(db, vec![row], now)
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {id} 的公示")))
}

/// Which notices a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only published ones (the public's list).
    pub public: bool,
    pub kind: Option<NoticeKind>,
    pub year: Option<i32>,
    /// draft, published or closed.
    pub status: Option<String>,
    /// A town's name: notices about a compound in it.
    pub town: Option<String>,
    /// Part of a compound's name or code, or of the title.
    pub q: Option<String>,
}

impl Filter {
    /// Whether `n` is one of the notices this filter asks for.
    pub fn matches(&self, n: &NoticeView) -> bool {
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        (!self.public || n.published_at.is_some())
            && self.kind.is_none_or(|k| n.kind == k)
            && self.year.is_none_or(|y| n.year == y)
            && self.status.as_deref().is_none_or(|s| n.status == s)
            && self
                .town
                .as_deref()
                .is_none_or(|t| n.sites.iter().any(|s| s.town == t))
            && q.is_none_or(|q| {
                n.title.contains(q)
                    || n.sites
                        .iter()
                        .any(|s| s.name.contains(q) || s.code.eq_ignore_ascii_case(q))
            })
    }
}

/// Notices, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Vec<NoticeView>> {
    let mut query = notices::Entity::find()
        .order_by_desc(notices::Column::PublishedAt)
        .order_by_desc(notices::Column::Id);
    if filter.public {
        query = query.filter(notices::Column::Status.eq(Status::Published));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(notices::Column::Kind.eq(kind.code()));
    }
    let mut all = views(db, query.all(db).await?, now).await?;
    all.retain(|n| filter.matches(n));
    // Published ones newest first, then drafts newest first (a published notice's date is its order).
    all.sort_by(|a, b| {
        b.published_at
            .is_some()
            .cmp(&a.published_at.is_some())
            .then(b.published_at.cmp(&a.published_at))
            .then(b.id.cmp(&a.id))
    });
    Ok(all)
}
