//! Public notices (公示) of projects: drafted from the project's data through the bureau's templates, edited while
//! drafts, then published — numbered, their period fixed on the holiday calendar, and frozen for good (the
//! database refuses to change a published row). Residents' objections and comments during the period, the
//! bureau's answers, and ratings after completion.
//!
//! Every bureau write is audited in its transaction; every write bumps the `notices` revision that the public
//! pages are cached against.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use jiugai_document as document;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{self, Actor, Change};
use super::entities::{notices, objections, projects, ratings, work_order_reports};
use super::{catalog, projects as project_db, revisions, work_orders};
use crate::domain::calendar::{Count, HolidayCalendar};
use crate::domain::compound::Status;
use crate::domain::notice::{
    self, NoticeKind, Objection, Phase, RATE_LIMIT, RATE_WINDOW_MINUTES, Rating,
};
use crate::domain::policy::Policy;
use crate::error::{Error, Result};
use crate::notice_templates::NoticeTemplates;

/// What a notice row's `data` holds: the document as it prints, and the compounds it is about (for the
/// public list's filters), both as they were when it was drafted or published.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    document: document::Notice,
    sites: Vec<SiteRef>,
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

fn stored(row: &notices::Model) -> Result<Stored> {
    serde_json::from_str(&row.data)
        .map_err(|e| Error::Internal(anyhow::anyhow!("notice {} is corrupt: {e}", row.id)))
}

fn phase(row: &notices::Model, now: DateTime<Utc>) -> Phase {
    Phase::of(row.status == "published", row.closes_at, now)
}

fn count_of(row: &notices::Model) -> Count {
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
                .filter(|n| n.corrects_id == Some(row.id) && n.status == "published")
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

async fn find(db: &impl ConnectionTrait, id: i32) -> Result<notices::Model> {
    notices::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no notice {id}")))
}

/// One notice. The public (`public`) sees only published notices: a draft is "not found", as if it did not exist.
pub async fn get(
    db: &impl ConnectionTrait,
    id: i32,
    public: bool,
    now: DateTime<Utc>,
) -> Result<NoticeView> {
    let row = find(db, id).await?;
    if public && row.status != "published" {
        return Err(Error::NotFound(format!("no notice {id}")));
    }
    views(db, vec![row], now)
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("no notice {id}")))
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
        query = query.filter(notices::Column::Status.eq("published"));
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

// ---- drafting ------------------------------------------------------------------------------------

/// A request to draft a notice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// plan, site or completion; a correction takes its original's kind.
    #[serde(default)]
    pub kind: Option<String>,
    pub project: String,
    /// The id of the published notice this one corrects (更正公示).
    #[serde(default)]
    pub corrects: Option<i32>,
}

/// Drafts a notice of the project from its data and the bureau's template of the kind. A project has one notice
/// of each kind; what changes after publication goes out as a correction of it.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    templates: &NoticeTemplates,
    body: &Value,
) -> Result<NoticeView> {
    let input: DraftInput = crate::domain::deserialize(body).map_err(Error::Invalid)?;
    create_on(db, actor, templates, &input, Utc::now()).await
}

pub async fn create_on(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    templates: &NoticeTemplates,
    input: &DraftInput,
    now: DateTime<Utc>,
) -> Result<NoticeView> {
    let txn = super::begin_write(db).await?;
    let project = project_db::find(&txn, input.project.trim(), None)
        .await
        .map_err(|_| Error::invalid("project", format!("no project {}", input.project)))?;
    let corrects = match input.corrects {
        None => None,
        Some(id) => {
            let original = notices::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|n| n.status == "published")
                .ok_or_else(|| {
                    Error::invalid("corrects", format!("no published notice {id} to correct"))
                })?;
            if original.project_id != project.id {
                return Err(Error::invalid(
                    "corrects",
                    format!("notice {id} is about another project"),
                ));
            }
            Some(original)
        }
    };
    let kind = match (input.kind.as_deref(), &corrects) {
        (Some(k), _) => NoticeKind::parse(k.trim()).map_err(|e| Error::invalid("kind", e))?,
        (None, Some(original)) => {
            NoticeKind::parse(&original.kind).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?
        }
        (None, None) => {
            return Err(Error::invalid(
                "kind",
                "is required: plan, site or completion",
            ));
        }
    };
    if let Some(original) = &corrects
        && original.kind != kind.code()
    {
        return Err(Error::invalid(
            "kind",
            format!("a correction is of its original's kind, {}", original.kind),
        ));
    }
    if corrects.is_none() {
        one_of_a_kind(&txn, &project, kind).await?;
    }
    let policy = catalog::load_policy(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    let (document, sites) =
        draft(&txn, &policy, templates, &project, kind, corrects.as_ref()).await?;
    let rule = policy.notice_period(kind.code());
    let data = serde_json::to_string(&Stored {
        document: document.clone(),
        sites,
    })
    .map_err(|e| Error::Internal(e.into()))?;
    let inserted = notices::Entity::insert(notices::ActiveModel {
        kind: Set(kind.code().to_owned()),
        project_id: Set(project.id),
        corrects_id: Set(corrects.as_ref().map(|c| c.id)),
        status: Set("draft".to_owned()),
        number: Set(None),
        title: Set(document.title.clone()),
        data: Set(data),
        period_days: Set(rule.days as i32),
        period_count: Set(rule.count.code().to_owned()),
        published_at: Set(None),
        first_day: Set(None),
        last_day: Set(None),
        closes_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        created_by: Set(actor.username.clone()),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    let id = inserted.last_insert_id;
    audit::record_one(
        &txn,
        actor,
        Change::new("create", "notice", id.to_string()).after(json!({
            "kind": kind.code(), "project": project.code, "title": document.title,
            "body": document.body, "corrects": corrects.as_ref().map(|c| c.id),
        })),
    )
    .await?;
    revisions::bump(&txn, revisions::NOTICES).await?;
    let view = get(&txn, id, false, now).await?;
    txn.commit().await?;
    Ok(view)
}

/// A project has one notice of each kind (besides corrections): a second draft, or a new one after publication,
/// is refused saying what to do instead.
async fn one_of_a_kind(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    kind: NoticeKind,
) -> Result<()> {
    let existing = notices::Entity::find()
        .filter(notices::Column::ProjectId.eq(project.id))
        .filter(notices::Column::Kind.eq(kind.code()))
        .filter(notices::Column::CorrectsId.is_null())
        .one(db)
        .await?;
    match existing {
        None => Ok(()),
        Some(n) if n.status == "draft" => Err(Error::Conflict {
            message: format!(
                "{} already has a draft {} (notice {}): edit that one",
                project.code,
                kind.label(),
                n.id
            ),
            current_version: None,
        }),
        Some(n) => Err(Error::Conflict {
            message: format!(
                "{} has published its {} (notice {}); a change goes out as a correction of it (corrects: {})",
                project.code,
                kind.label(),
                n.id,
                n.id
            ),
            current_version: None,
        }),
    }
}

/// The notice's document from the project's data: the template's text, the scope table, the signature.
async fn draft(
    txn: &impl ConnectionTrait,
    policy: &Policy,
    templates: &NoticeTemplates,
    project: &projects::Model,
    kind: NoticeKind,
    corrects: Option<&notices::Model>,
) -> Result<(document::Notice, Vec<SiteRef>)> {
    let contractor = match project.contractor_id {
        Some(id) => {
            super::entities::contractors::Entity::find_by_id(id)
                .one(txn)
                .await?
        }
        None => None,
    };
    match kind {
        NoticeKind::Plan => {}
        NoticeKind::Site => {
            if contractor.is_none() || project.planned_start.is_none() {
                return Err(Error::invalid(
                    "project",
                    format!(
                        "{}: a site notice names the contractor and the dates: assign them first",
                        project.code
                    ),
                ));
            }
        }
        NoticeKind::Completion => {
            if project.progress != "completed" {
                return Err(Error::invalid(
                    "project",
                    format!(
                        "{}: a completion notice follows the contractor's completion report, not yet received",
                        project.code
                    ),
                ));
            }
        }
    }
    let scope = work_orders::project_scope(txn, project).await?;
    let completed_on = work_order_reports::Entity::find()
        .filter(work_order_reports::Column::ProjectId.eq(project.id))
        .filter(work_order_reports::Column::Kind.eq("completed"))
        .order_by_desc(work_order_reports::Column::Id)
        .one(txn)
        .await?
        .map(|r| notice::date_zh(crate::domain::time::beijing_date(r.reported_at)));
    let rule = policy.notice_period(kind.code());
    let names: Vec<&str> = scope.sites.iter().map(|s| s.name.as_str()).collect();
    let mut towns: Vec<&str> = scope.sites.iter().map(|s| s.town.as_str()).collect();
    towns.dedup();
    let item_names: Vec<&str> = scope.rows.iter().take(4).map(|r| r.name.as_str()).collect();
    let contract_fen = project.contract_amount_fen.unwrap_or(scope.total_fen);
    let date = |d: Option<NaiveDate>| d.map(notice::date_zh);
    let context = json!({
        "county": policy.county, "authority": policy.authority, "year": project.year,
        "phone": policy.notice_phone(),
        "project": {"code": project.code, "name": project.name},
        "sites": scope.sites.iter().map(|s| json!({
            "code": s.code, "name": s.name, "town": s.town, "community": s.community, "address": s.address,
            "households": s.households, "buildings": s.buildings, "floor_area_m2": s.floor_area_m2,
            "year_built": s.year_built,
        })).collect::<Vec<_>>(),
        "site_names": names.join("、"),
        "towns": towns.join("、"),
        "households": scope.sites.iter().map(|s| s.households).sum::<u32>(),
        "buildings": scope.sites.iter().map(|s| s.buildings).sum::<u32>(),
        "floor_area": document::quantity(scope.sites.iter().map(|s| s.floor_area_m2).sum::<f64>().round()),
        "category": scope.category,
        "items": scope.rows.len(),
        "item_names": item_names.join("、"),
        "total": money_text(scope.total_fen),
        "total_capital": document::money::capitals(scope.total_fen),
        "contract": money_text(contract_fen),
        "contract_capital": document::money::capitals(contract_fen),
        "contractor": {
            "name": contractor.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            "contact": contractor.as_ref().and_then(|c| c.contact_person.clone()).unwrap_or_default(),
            "phone": contractor.as_ref().and_then(|c| c.phone.clone()).unwrap_or_default(),
        },
        "planned_start": date(project.planned_start), "planned_end": date(project.planned_end),
        "completed_on": completed_on,
        "days": rule.days, "count_label": rule.count.label(),
        "corrects": corrects.map(|c| json!({"number": c.number, "title": c.title})),
    });
    let text = templates.render(kind, &context).map_err(Error::Invalid)?;
    let mut rows: Vec<Vec<String>> = scope
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.name.clone(),
                document::quantity(r.quantity),
                r.unit.clone(),
                document::money::yuan(r.amount_fen),
            ]
        })
        .collect();
    rows.push(vec![
        String::new(),
        "合计".to_owned(),
        String::new(),
        String::new(),
        document::money::yuan(scope.total_fen),
    ]);
    let document = document::Notice {
        authority: policy.authority.clone(),
        number: "（发布时编号）".to_owned(),
        title: text.title,
        body: text.paragraphs,
        table_headers: ["序号", "改造内容", "工程量", "单位", "估算金额（元）"]
            .map(str::to_owned)
            .to_vec(),
        table_rows: rows,
        issued_on: crate::domain::time::beijing_date(Utc::now()),
        period: format!("自发布之日起{}{}", rule.days, rule.count.label()),
        url: String::new(),
    };
    work_orders::printable(document.missing_glyphs())?;
    let sites = scope
        .sites
        .iter()
        .map(|s| SiteRef {
            code: s.code.clone(),
            name: s.name.clone(),
            town: s.town.clone(),
        })
        .collect();
    Ok((document, sites))
}

/// "356.2万元" above ten thousand yuan, "9,800.00元" below, as notices state sums.
fn money_text(fen: i64) -> String {
    if fen.abs() >= 1_000_000 {
        let wan = fen as f64 / 1_000_000.0;
        let text = format!("{wan:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        format!("{text}万元")
    } else {
        format!("{}元", document::money::yuan(fen))
    }
}

/// What a planner may change in a draft.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftEdit {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<Vec<String>>,
}

const MAX_TITLE_CHARS: usize = 200;
const MAX_PARAGRAPHS: usize = 30;
const MAX_PARAGRAPH_CHARS: usize = 2_000;

/// Edits a draft's title and text (`version` as read). A published notice never changes: 409.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    version: i32,
    body: &Value,
) -> Result<NoticeView> {
    let edit: DraftEdit = crate::domain::deserialize(body).map_err(Error::Invalid)?;
    let mut errors = crate::domain::FieldErrors::default();
    let title = edit.title.as_deref().map(str::trim);
    if let Some(t) = title {
        if t.is_empty() {
            errors.add("title", "is required");
        } else if t.chars().count() > MAX_TITLE_CHARS {
            errors.add(
                "title",
                format!("must be at most {MAX_TITLE_CHARS} characters"),
            );
        } else if t.contains('\n') {
            errors.add("title", "must be one line");
        }
    }
    let paragraphs: Option<Vec<String>> = edit.body.as_ref().map(|b| {
        b.iter()
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|p| !p.is_empty())
            .collect()
    });
    if let Some(ps) = &paragraphs {
        if ps.is_empty() {
            errors.add("body", "a notice needs at least one paragraph");
        }
        if ps.len() > MAX_PARAGRAPHS {
            errors.add("body", format!("at most {MAX_PARAGRAPHS} paragraphs"));
        }
        for (i, p) in ps.iter().enumerate() {
            if p.chars().count() > MAX_PARAGRAPH_CHARS {
                errors.add(
                    format!("body[{i}]"),
                    format!("must be at most {MAX_PARAGRAPH_CHARS} characters"),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let now = Utc::now();
    let txn = super::begin_write(db).await?;
    let row = draft_at(&txn, id, version).await?;
    let mut data = stored(&row)?;
    let before = json!({"title": data.document.title, "body": data.document.body});
    if let Some(t) = title {
        data.document.title = t.to_owned();
    }
    if let Some(ps) = paragraphs {
        data.document.body = ps;
    }
    work_orders::printable(data.document.missing_glyphs())?;
    let after = json!({"title": data.document.title, "body": data.document.body});
    write_draft(&txn, &row, &data, now).await?;
    audit::record_one(
        &txn,
        actor,
        Change::new("update", "notice", id.to_string())
            .before(before)
            .after(after),
    )
    .await?;
    revisions::bump(&txn, revisions::NOTICES).await?;
    let view = get(&txn, id, false, now).await?;
    txn.commit().await?;
    Ok(view)
}

/// The draft `id` at `version`: a published notice is a conflict (it never changes), a stale version too.
async fn draft_at(db: &impl ConnectionTrait, id: i32, version: i32) -> Result<notices::Model> {
    let row = find(db, id).await?;
    if row.status != "draft" {
        return Err(Error::Conflict {
            message: format!(
                "notice {} is published and never changes; publish a correction (更正公示) instead",
                row.number.as_deref().unwrap_or("?")
            ),
            current_version: Some(row.version),
        });
    }
    if row.version != version {
        return Err(Error::Conflict {
            message: format!(
                "notice {id} was changed since version {version}; it is at version {}",
                row.version
            ),
            current_version: Some(row.version),
        });
    }
    Ok(row)
}

/// Writes a draft's data back, bumping its version (only if it is still the version read and still a draft).
async fn write_draft(
    txn: &impl ConnectionTrait,
    row: &notices::Model,
    data: &Stored,
    now: DateTime<Utc>,
) -> Result<()> {
    let result = notices::Entity::update_many()
        .col_expr(
            notices::Column::Title,
            Expr::value(data.document.title.clone()),
        )
        .col_expr(
            notices::Column::Data,
            Expr::value(serde_json::to_string(data).map_err(|e| Error::Internal(e.into()))?),
        )
        .col_expr(notices::Column::Version, Expr::value(row.version + 1))
        .col_expr(notices::Column::UpdatedAt, Expr::value(now))
        .filter(notices::Column::Id.eq(row.id))
        .filter(notices::Column::Version.eq(row.version))
        .filter(notices::Column::Status.eq("draft"))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::Conflict {
            message: format!("notice {} was changed meanwhile; reload it", row.id),
            current_version: None,
        });
    }
    Ok(())
}

/// Deletes a draft. Published notices are never deleted: 409.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i32, version: i32) -> Result<()> {
    let txn = super::begin_write(db).await?;
    let row = draft_at(&txn, id, version).await?;
    let data = stored(&row)?;
    notices::Entity::delete_many()
        .filter(notices::Column::Id.eq(id))
        .filter(notices::Column::Status.eq("draft"))
        .exec(&txn)
        .await?;
    audit::record_one(
        &txn,
        actor,
        Change::new("delete", "notice", id.to_string())
            .before(json!({"kind": row.kind, "title": row.title, "body": data.document.body})),
    )
    .await?;
    revisions::bump(&txn, revisions::NOTICES).await?;
    txn.commit().await?;
    Ok(())
}

/// Publishes a draft today (Beijing): numbers it, fixes its period on the holiday calendar and freezes it.
pub async fn publish(
    db: &DatabaseConnection,
    actor: &Actor,
    calendar: &HolidayCalendar,
    id: i32,
    version: i32,
) -> Result<NoticeView> {
    publish_at(db, actor, calendar, id, version, Utc::now()).await
}

/// [`publish`] at a given moment: the demo data publishes the seed year's notices in their year.
pub async fn publish_at(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    calendar: &HolidayCalendar,
    id: i32,
    version: i32,
    at: DateTime<Utc>,
) -> Result<NoticeView> {
    let txn = super::begin_write(db).await?;
    let row = draft_at(&txn, id, version).await?;
    if let Some(original) = row.corrects_id {
        let original = find(&txn, original).await?;
        if original.status != "published" {
            return Err(Error::invalid(
                "corrects",
                "the corrected notice is not published",
            ));
        }
    }
    let policy = catalog::load_policy(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    let day = crate::domain::time::beijing_date(at);
    let rule = crate::domain::calendar::PeriodRule {
        days: row.period_days.max(1) as u32,
        count: count_of(&row),
    };
    let period = calendar
        .period(rule, day)
        .map_err(|e| Error::invalid("period", e.to_string()))?;
    let year = chrono::Datelike::year(&day);
    let published_in_year = notices::Entity::find()
        .filter(notices::Column::Status.eq("published"))
        .filter(notices::Column::PublishedAt.gte(year_start(year)))
        .filter(notices::Column::PublishedAt.lt(year_start(year + 1)))
        .count(&txn)
        .await?;
    let number = policy.notice_number(year, published_in_year + 1);
    let mut data = stored(&row)?;
    data.document.number = number.clone();
    data.document.issued_on = day;
    data.document.period = notice::period_text(period.first, period.last);
    work_orders::printable(data.document.missing_glyphs())?;
    let closes_at = notice::closes_at(period.last);
    let result = notices::Entity::update_many()
        .set(notices::ActiveModel {
            status: Set("published".to_owned()),
            number: Set(Some(number.clone())),
            data: Set(serde_json::to_string(&data).map_err(|e| Error::Internal(e.into()))?),
            published_at: Set(Some(at)),
            first_day: Set(Some(period.first)),
            last_day: Set(Some(period.last)),
            closes_at: Set(Some(closes_at)),
            version: Set(row.version + 1),
            updated_at: Set(at),
            ..Default::default()
        })
        .filter(notices::Column::Id.eq(id))
        .filter(notices::Column::Version.eq(row.version))
        .filter(notices::Column::Status.eq("draft"))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::Conflict {
            message: format!("notice {id} was changed meanwhile; reload it"),
            current_version: None,
        });
    }
    if row.kind == NoticeKind::Plan.code() {
        // 方案公示中: the compounds' plan is before the residents.
        work_orders::move_sites(
            &txn,
            actor,
            row.project_id,
            Status::Notice,
            "publish_notice",
        )
        .await?;
    }
    audit::record_one(
        &txn,
        actor,
        Change::new("publish", "notice", id.to_string())
            .before(json!({"status": "draft"}))
            .after(json!({
                "status": "published", "number": number, "first_day": period.first,
                "last_day": period.last, "closes_at": closes_at,
            })),
    )
    .await?;
    revisions::bump(&txn, revisions::NOTICES).await?;
    let view = get(&txn, id, false, at).await?;
    txn.commit().await?;
    Ok(view)
}

/// 00:00 on 1 January of `year`, Beijing time.
fn year_start(year: i32) -> DateTime<Utc> {
    let last_day_before = NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap_or_default();
    notice::closes_at(last_day_before)
}

/// The document of a notice as it prints, its QR code pointing at `url`.
pub async fn document(
    db: &impl ConnectionTrait,
    id: i32,
    public: bool,
    url: String,
) -> Result<document::Notice> {
    let row = find(db, id).await?;
    if public && row.status != "published" {
        return Err(Error::NotFound(format!("no notice {id}")));
    }
    let mut doc = stored(&row)?.document;
    doc.url = url;
    Ok(doc)
}

/// The notice's public page: the QR code on its paper encodes exactly this.
pub fn page_url(base: &str, id: i32) -> String {
    format!("{}/notices/{id}", base.trim_end_matches('/'))
}

/// File name of a notice's PDF: `公示-仁住建公〔2021〕12号.pdf` (a draft: `公示-草稿-12.pdf`).
pub fn file_name(view: &NoticeView) -> String {
    match &view.number {
        Some(n) => format!("{}-{n}.pdf", view.kind_label),
        None => format!("{}-草稿-{}.pdf", view.kind_label, view.id),
    }
}

// ---- residents -----------------------------------------------------------------------------------

/// What became of a resident's objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Stored now.
    New,
    /// This very form was sent before and is stored already: nothing new was written.
    Again,
}

/// Takes a resident's objection or comment on a published notice during its period. One form (`submission`)
/// is stored once however often it is sent; the same text on the same notice is refused as a duplicate; an
/// address may send [`RATE_LIMIT`] in [`RATE_WINDOW_MINUTES`] minutes.
pub async fn submit_objection(
    db: &(impl sea_orm::TransactionTrait + ConnectionTrait),
    id: i32,
    objection: &Objection,
    submission: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Received> {
    let submission = submission.trim();
    if submission.is_empty() || submission.len() > 64 {
        return Err(Error::invalid(
            "submission",
            "the form is incomplete: reload the page and send it again",
        ));
    }
    // A form sent again (a double tap) costs the resident nothing, and tells nobody anything: its id is the
    // random one their own page carried.
    let again = objections::Entity::find()
        .filter(objections::Column::NoticeId.eq(id))
        .filter(objections::Column::Submission.eq(submission))
        .one(db)
        .await?;
    if again.is_some() {
        return Ok(Received::Again);
    }
    // Whether the notice takes objections is public; only then does the attempt count.
    open_for_residents(&find(db, id).await?, now)?;
    residents_limit(db, source, now).await?;
    let txn = super::begin_write(db).await?;
    let row = find(&txn, id).await?;
    open_for_residents(&row, now)?;
    let digest = objection.digest();
    let duplicate = objections::Entity::find()
        .filter(objections::Column::NoticeId.eq(id))
        .filter(objections::Column::TextDigest.eq(digest.clone()))
        .one(&txn)
        .await?;
    if duplicate.is_some() {
        return Err(Error::Conflict {
            message: "同样内容的意见已经收到，无需重复提交。".to_owned(),
            current_version: None,
        });
    }
    objections::Entity::insert(objections::ActiveModel {
        notice_id: Set(id),
        submission: Set(submission.to_owned()),
        kind: Set(objection.kind.code().to_owned()),
        building_unit: Set(objection.building_unit.clone()),
        name: Set(objection.name.clone()),
        mobile: Set(objection.mobile.as_str().to_owned()),
        text: Set(objection.text.clone()),
        text_digest: Set(digest),
        source: Set(source.chars().take(64).collect()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    revisions::bump(&txn, revisions::NOTICES).await?;
    txn.commit().await?;
    Ok(Received::New)
}

/// A notice takes objections while it is published and its period runs.
fn open_for_residents(row: &notices::Model, now: DateTime<Utc>) -> Result<()> {
    match phase(row, now) {
        Phase::Open => Ok(()),
        Phase::Closed => Err(Error::Conflict {
            message: format!(
                "公示期已于{}结束，不再接收意见。如有问题请拨打公示上的电话。",
                row.last_day.map(notice::date_zh).unwrap_or_default()
            ),
            current_version: None,
        }),
        Phase::Draft => Err(Error::NotFound(format!("no notice {}", row.id))),
    }
}

/// Objections and ratings from one address: every attempt counts, before anything about the notice, the text
/// or the number is looked at — otherwise "already rated" and "already sent" could be asked without limit.
async fn residents_limit(
    db: &impl sea_orm::TransactionTrait,
    source: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let limit = super::limits::Limit {
        max: RATE_LIMIT,
        window: chrono::Duration::minutes(RATE_WINDOW_MINUTES),
    };
    super::limits::hit(db, &format!("resident:{source}"), limit, now, |minutes| {
        format!(
            "提交过于频繁：同一网络 {RATE_WINDOW_MINUTES} 分钟内最多提交 {RATE_LIMIT} 次，请 {minutes} 分钟后再试。"
        )
    })
    .await
}

/// An objection as the bureau's inbox shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectionView {
    pub id: i32,
    pub notice_id: i32,
    pub kind: String,
    pub building_unit: String,
    pub name: Option<String>,
    pub mobile: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
}

/// What the public page shows of an answered objection: the words and the answer, nothing about who asked.
#[derive(Debug, Clone, Serialize)]
pub struct PublicAnswer {
    pub kind: String,
    pub text: String,
    pub answer: String,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// The objections of a notice for the bureau. Residents' mobile numbers are masked (138****8000) unless
/// `reveal_to` names who asks to see them in full: that read of personal data is then recorded in the audit log
/// (who, when, which objections), as the Personal Information Protection Law expects of such access.
pub async fn inbox(
    db: &impl ConnectionTrait,
    id: i32,
    reveal_to: Option<&Actor>,
) -> Result<Vec<ObjectionView>> {
    find(db, id).await?;
    let rows = objections::Entity::find()
        .filter(objections::Column::NoticeId.eq(id))
        .order_by_asc(objections::Column::Id)
        .all(db)
        .await?;
    if let Some(actor) = reveal_to
        && !rows.is_empty()
    {
        audit::record_one(
            db,
            actor,
            Change::new("read_personal_data", "notice", id.to_string()).after(json!({
                "fields": ["mobile"],
                "objections": rows.iter().map(|o| o.id).collect::<Vec<_>>(),
            })),
        )
        .await?;
    }
    let shown = |mobile: String| match reveal_to {
        Some(_) => mobile,
        None => crate::domain::phone::Mobile::parse(&mobile)
            .map(|m| m.masked())
            .unwrap_or_else(|_| "***".to_owned()),
    };
    Ok(rows
        .into_iter()
        .map(|o| ObjectionView {
            id: o.id,
            notice_id: o.notice_id,
            kind: o.kind,
            building_unit: o.building_unit,
            name: o.name,
            mobile: shown(o.mobile),
            text: o.text,
            created_at: o.created_at,
            answer: o.answer,
            answered_at: o.answered_at,
            answered_by: o.answered_by,
        })
        .collect())
}

/// The answered objections of a notice, oldest first, without personal data.
pub async fn answers(db: &impl ConnectionTrait, id: i32) -> Result<Vec<PublicAnswer>> {
    Ok(objections::Entity::find()
        .filter(objections::Column::NoticeId.eq(id))
        .filter(objections::Column::AnsweredAt.is_not_null())
        .order_by_asc(objections::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|o| PublicAnswer {
            kind: o.kind,
            text: o.text,
            answer: o.answer.unwrap_or_default(),
            created_at: o.created_at,
            answered_at: o.answered_at,
        })
        .collect())
}

const MAX_ANSWER_CHARS: usize = 1_000;

/// The bureau answers an objection; the answer is published on the notice page beside it. An answer is given
/// once: it is on the public record.
pub async fn answer(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    objection_id: i32,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ObjectionView> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid("answer", "is required"));
    }
    if text.chars().count() > MAX_ANSWER_CHARS {
        return Err(Error::invalid(
            "answer",
            format!("must be at most {MAX_ANSWER_CHARS} characters"),
        ));
    }
    let txn = super::begin_write(db).await?;
    let row = objections::Entity::find_by_id(objection_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no objection {objection_id}")))?;
    if row.answer.is_some() {
        return Err(Error::Conflict {
            message: format!(
                "objection {objection_id} is answered already, and the answer is public"
            ),
            current_version: None,
        });
    }
    let result = objections::Entity::update_many()
        .set(objections::ActiveModel {
            answer: Set(Some(text.to_owned())),
            answered_at: Set(Some(now)),
            answered_by: Set(Some(actor.username.clone())),
            ..Default::default()
        })
        .filter(objections::Column::Id.eq(objection_id))
        .filter(objections::Column::AnsweredAt.is_null())
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::Conflict {
            message: format!("objection {objection_id} was answered meanwhile"),
            current_version: None,
        });
    }
    audit::record_one(
        &txn,
        actor,
        Change::new("answer", "objection", objection_id.to_string())
            .before(json!({"notice": row.notice_id, "text": row.text}))
            .after(json!({"answer": text})),
    )
    .await?;
    revisions::bump(&txn, revisions::NOTICES).await?;
    let view = inbox(&txn, row.notice_id, None)
        .await?
        .into_iter()
        .find(|o| o.id == objection_id)
        .ok_or_else(|| Error::NotFound(format!("no objection {objection_id}")))?;
    txn.commit().await?;
    Ok(view)
}

/// When residents can no longer rate the result on a published completion notice: the policy's
/// `rating_days` after it was published.
pub fn ratings_close(row: &notices::Model, policy: &Policy) -> Option<DateTime<Utc>> {
    row.published_at
        .map(|at| at + chrono::Duration::days(i64::from(policy.notices.rating_days)))
}

/// A published completion notice takes ratings until the policy's `rating_days` after its publication.
async fn takes_ratings(
    row: &notices::Model,
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<()> {
    if row.status != "published" {
        return Err(Error::NotFound(format!("no notice {}", row.id)));
    }
    if row.kind != NoticeKind::Completion.code() {
        return Err(Error::invalid(
            "notice",
            "ratings are given on completion notices",
        ));
    }
    let policy = super::catalog::load_policy(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    match ratings_close(row, &policy).filter(|c| *c <= now) {
        Some(closed) => Err(Error::Conflict {
            message: format!(
                "评价已于{}截止（竣工公示发布后 {} 天内可评价）。",
                notice::date_zh(crate::domain::time::beijing_date(closed)),
                policy.notices.rating_days
            ),
            current_version: None,
        }),
        None => Ok(()),
    }
}

/// A resident rates a compound's renovation on its published completion notice, once per mobile number.
pub async fn rate(
    db: &(impl sea_orm::TransactionTrait + ConnectionTrait),
    id: i32,
    rating: &Rating,
    source: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    // Whether the notice takes ratings is public; only then does the attempt count.
    takes_ratings(&find(db, id).await?, db, now).await?;
    residents_limit(db, source, now).await?;
    let txn = super::begin_write(db).await?;
    let row = find(&txn, id).await?;
    takes_ratings(&row, &txn, now).await?;
    let sites = project_db::sites(&txn, vec![row.project_id])
        .await?
        .remove(&row.project_id)
        .unwrap_or_default();
    let compound = sites
        .iter()
        .find(|c| c.code == rating.compound)
        .ok_or_else(|| Error::invalid("compound", "请选择本公示所列的小区"))?;
    let already = ratings::Entity::find()
        .filter(ratings::Column::CompoundId.eq(compound.id))
        .filter(ratings::Column::Mobile.eq(rating.mobile.as_str()))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Err(Error::Conflict {
            message: format!(
                "手机号 {} 已经评价过{}，每个手机号对每个小区评价一次。",
                rating.mobile.masked(),
                compound.name
            ),
            current_version: None,
        });
    }
    ratings::Entity::insert(ratings::ActiveModel {
        notice_id: Set(id),
        compound_id: Set(compound.id),
        mobile: Set(rating.mobile.as_str().to_owned()),
        quality: Set(rating.scores[0]),
        disturbance: Set(rating.scores[1]),
        communication: Set(rating.scores[2]),
        source: Set(source.chars().take(64).collect()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    revisions::bump(&txn, revisions::NOTICES).await?;
    txn.commit().await?;
    Ok(())
}

// ---- the bureau's figures ------------------------------------------------------------------------

/// Satisfaction with one compound's renovation: how many rated it, and the mean of each aspect.
#[derive(Debug, Clone, Serialize)]
pub struct Satisfaction {
    pub code: String,
    pub name: String,
    pub project: String,
    pub year: i32,
    pub ratings: u64,
    /// Per aspect in the order of `domain::notice::ASPECTS`, 1–5; `None` with no ratings.
    pub means: Vec<Option<f64>>,
    /// The mean of the aspects' means.
    pub overall: Option<f64>,
    /// How many gave each score 1..=5, all aspects together.
    pub histogram: [u64; 5],
}

/// Per compound of the year's batch (or every batch) that has a published completion notice, then the batch as
/// a whole (code `""`).
pub async fn satisfaction(
    db: &impl ConnectionTrait,
    year: Option<i32>,
) -> Result<Vec<Satisfaction>> {
    let completions = notices::Entity::find()
        .filter(notices::Column::Kind.eq(NoticeKind::Completion.code()))
        .filter(notices::Column::Status.eq("published"))
        .all(db)
        .await?;
    let project_ids: Vec<i32> = completions.iter().map(|n| n.project_id).collect();
    let projects: HashMap<i32, projects::Model> = projects::Entity::find()
        .filter(projects::Column::Id.is_in(project_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .filter(|p| year.is_none_or(|y| p.year == y))
        .map(|p| (p.id, p))
        .collect();
    let sites = project_db::sites(db, projects.keys().copied().collect()).await?;
    let all_ratings = ratings::Entity::find()
        .filter(ratings::Column::NoticeId.is_in(completions.iter().map(|n| n.id)))
        .all(db)
        .await?;
    let mut by_compound: HashMap<i32, Vec<&ratings::Model>> = HashMap::new();
    for r in &all_ratings {
        by_compound.entry(r.compound_id).or_default().push(r);
    }
    let mut rows: BTreeMap<(i32, String), Satisfaction> = BTreeMap::new();
    let mut everyone: Vec<&ratings::Model> = Vec::new();
    for (project_id, compounds) in &sites {
        let Some(project) = projects.get(project_id) else {
            continue;
        };
        for c in compounds {
            let given = by_compound.get(&c.id).cloned().unwrap_or_default();
            everyone.extend(&given);
            rows.insert(
                (project.year, c.code.clone()),
                summarise(&c.code, &c.name, &project.code, project.year, &given),
            );
        }
    }
    let mut out: Vec<Satisfaction> = rows.into_values().collect();
    out.push(summarise("", "合计", "", year.unwrap_or(0), &everyone));
    Ok(out)
}

fn summarise(
    code: &str,
    name: &str,
    project: &str,
    year: i32,
    given: &[&ratings::Model],
) -> Satisfaction {
    let n = given.len() as u64;
    let mut histogram = [0u64; 5];
    let means: Vec<Option<f64>> = (0..3)
        .map(|aspect| {
            let scores: Vec<i32> = given
                .iter()
                .map(|r| [r.quality, r.disturbance, r.communication][aspect])
                .collect();
            for s in &scores {
                if let Some(slot) = histogram.get_mut((*s - 1).clamp(0, 4) as usize) {
                    *slot += 1;
                }
            }
            (n > 0).then(|| f64::from(scores.iter().sum::<i32>()) / n as f64)
        })
        .collect();
    let overall = (n > 0).then(|| means.iter().flatten().sum::<f64>() / 3.0);
    Satisfaction {
        code: code.to_owned(),
        name: name.to_owned(),
        project: project.to_owned(),
        year,
        ratings: n,
        means,
        overall,
        histogram,
    }
}

/// Objections per notice of a year's batch: received, answered, still open — and the batch's totals.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeStats {
    pub year: Option<i32>,
    pub notices: usize,
    pub published: usize,
    pub open: usize,
    pub received: u64,
    pub answered: u64,
    pub unanswered: u64,
    pub by_kind: Vec<Value>,
}

pub async fn stats(
    db: &impl ConnectionTrait,
    year: Option<i32>,
    now: DateTime<Utc>,
) -> Result<NoticeStats> {
    let all = list(
        db,
        &Filter {
            year,
            ..Filter::default()
        },
        now,
    )
    .await?;
    let by_kind = NoticeKind::ALL
        .iter()
        .map(|k| {
            let of: Vec<&NoticeView> = all.iter().filter(|n| n.kind == *k).collect();
            json!({
                "kind": k.code(), "label": k.label(), "notices": of.len(),
                "published": of.iter().filter(|n| n.published_at.is_some()).count(),
                "received": of.iter().map(|n| n.received).sum::<u64>(),
                "answered": of.iter().map(|n| n.answered).sum::<u64>(),
            })
        })
        .collect();
    let received: u64 = all.iter().map(|n| n.received).sum();
    let answered: u64 = all.iter().map(|n| n.answered).sum();
    Ok(NoticeStats {
        year,
        notices: all.len(),
        published: all.iter().filter(|n| n.published_at.is_some()).count(),
        open: all.iter().filter(|n| n.is_open()).count(),
        received,
        answered,
        unanswered: received - answered,
        by_kind,
    })
}
