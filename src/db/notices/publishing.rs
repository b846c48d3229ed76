//! A draft's life until it is frozen: edited, deleted or published (numbered, its period fixed); and a notice's
//! printable document, page URL and PDF file name.

use chrono::{DateTime, NaiveDate, Utc};
use jiugai_document as document;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionSession,
};
use serde::Deserialize;
use serde_json::json;

use super::views::{NoticeView, Stored, count_of, find, get, stored};
use crate::db::audit::{self, Actor, Change};
use crate::db::entities::notices;
use crate::db::entities::notices::Status as NoticeStatus;
use crate::db::{catalog, revisions, work_orders};
use crate::domain::calendar::HolidayCalendar;
use crate::domain::compound::Status;
use crate::domain::notice::{self, NoticeKind};
use crate::error::{Error, Result};

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
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    id: i32,
    version: i32,
    edit: &DraftEdit,
) -> Result<NoticeView> {
    let mut errors = crate::domain::FieldErrors::default();
    let title = edit.title.as_deref().map(str::trim);
    if let Some(t) = title {
        if t.is_empty() {
            errors.add("title", "必填");
        } else if t.chars().count() > MAX_TITLE_CHARS {
            errors.add("title", format!("标题最多 {MAX_TITLE_CHARS} 个字"));
        } else if t.contains('\n') {
            errors.add("title", "标题只能有一行");
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
            errors.add("body", "公示正文须至少有一段");
        }
        if ps.len() > MAX_PARAGRAPHS {
            errors.add("body", format!("公示正文最多 {MAX_PARAGRAPHS} 段"));
        }
        for (i, p) in ps.iter().enumerate() {
            if p.chars().count() > MAX_PARAGRAPH_CHARS {
                errors.add(
                    format!("body[{i}]"),
                    format!("每段最多 {MAX_PARAGRAPH_CHARS} 个字"),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
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
    if row.status != NoticeStatus::Draft {
        return Err(Error::Conflict {
            message: format!(
                "公示 {} 已发布，不能再修改；如有错误，请发布更正公示",
                row.number.as_deref().unwrap_or("?")
            ),
            field: None,
        });
    }
    if row.version != version {
        return Err(Error::StaleVersion {
            message: format!(
                "这份公示草稿（编号 {id}）在第 {version} 版之后已被他人修改，现为第 {} 版",
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
        .filter(notices::Column::Status.eq(NoticeStatus::Draft))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::StaleVersion {
            message: format!("这份公示草稿（编号 {}）刚被他人修改，请刷新后再改", row.id),
            current_version: None,
        });
    }
    Ok(())
}

/// Deletes a draft. Published notices are never deleted: 409.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i32, version: i32) -> Result<()> {
    let txn = crate::db::begin_write(db).await?;
    let row = draft_at(&txn, id, version).await?;
    let data = stored(&row)?;
    notices::Entity::delete_many()
        .filter(notices::Column::Id.eq(id))
        .filter(notices::Column::Status.eq(NoticeStatus::Draft))
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
    let txn = crate::db::begin_write(db).await?;
    let row = draft_at(&txn, id, version).await?;
    if row.corrects_id.is_some()
        && stored(&row)?
            .document
            .body
            .iter()
            .any(|p| p.contains(notice::CORRECTION_TO_WRITE))
    {
        return Err(Error::invalid(
            "body",
            format!(
                "更正公示须写明更正了什么：请把正文中的“{}”换成实际更正的事项后再发布",
                notice::CORRECTION_TO_WRITE
            ),
        ));
    }
    if let Some(original) = row.corrects_id {
        let original = find(&txn, original).await?;
        if original.status != NoticeStatus::Published {
            return Err(Error::invalid("corrects", "被更正的公示尚未发布"));
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
        .filter(notices::Column::Status.eq(NoticeStatus::Published))
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
            status: Set(NoticeStatus::Published),
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
        .filter(notices::Column::Status.eq(NoticeStatus::Draft))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::StaleVersion {
            message: format!("这份公示草稿（编号 {id}）刚被他人修改，请刷新后再发布"),
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
    if public && row.status != NoticeStatus::Published {
        return Err(Error::NotFound(format!("没有编号为 {id} 的公示")));
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
