//! Residents' part: objections and comments during the period (stored once, rate-limited per address), the
//! bureau's inbox and public answers, and ratings on completion notices.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
};
use serde::Serialize;
use serde_json::json;

use super::views::{find, phase};
use crate::db::audit::{self, Actor, Change};
use crate::db::entities::notices::Status;
use crate::db::entities::{notices, objections, ratings};
use crate::db::{projects as project_db, revisions};
use crate::domain::notice::{
    self, NoticeKind, Objection, Phase, RATE_LIMIT, RATE_WINDOW_MINUTES, Rating,
};
use crate::domain::policy::Policy;
use crate::error::{Error, Result};

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
            "表单不完整，请刷新页面后重新提交",
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
    let txn = crate::db::begin_write(db).await?;
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
            field: None,
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
            field: None,
        }),
        Phase::Draft => Err(Error::NotFound(format!("没有编号为 {} 的公示", row.id))),
    }
}

/// Objections and ratings from one address: every attempt counts, before anything about the notice, the text
/// or the number is looked at — otherwise "already rated" and "already sent" could be asked without limit.
pub(crate) async fn residents_limit(
    db: &impl sea_orm::TransactionTrait,
    source: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let limit = crate::db::limits::Limit {
        max: RATE_LIMIT,
        window: chrono::Duration::minutes(RATE_WINDOW_MINUTES),
    };
    crate::db::limits::hit(db, &format!("resident:{source}"), limit, now, |minutes| {
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
        return Err(Error::invalid("answer", "必填"));
    }
    if text.chars().count() > MAX_ANSWER_CHARS {
        return Err(Error::invalid(
            "answer",
            format!("答复最多 {MAX_ANSWER_CHARS} 个字"),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let row = objections::Entity::find_by_id(objection_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {objection_id} 的意见")))?;
    if row.answer.is_some() {
        return Err(Error::Conflict {
            message: format!("这条意见（编号 {objection_id}）已经答复过，答复已公开，不能再改"),
            field: None,
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
            message: format!("这条意见（编号 {objection_id}）刚刚已由他人答复"),
            field: None,
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
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {objection_id} 的意见")))?;
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
    if row.status != Status::Published {
        return Err(Error::NotFound(format!("没有编号为 {} 的公示", row.id)));
    }
    if row.kind != NoticeKind::Completion.code() {
        return Err(Error::invalid("notice", "只有竣工公示才能评价"));
    }
    let policy = crate::db::catalog::load_policy(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    match ratings_close(row, &policy).filter(|c| *c <= now) {
        Some(closed) => Err(Error::Conflict {
            message: format!(
                "评价已于{}截止（竣工公示发布后 {} 天内可评价）。",
                notice::date_zh(crate::domain::time::beijing_date(closed)),
                policy.notices.rating_days
            ),
            field: None,
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
    let txn = crate::db::begin_write(db).await?;
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
            field: Some("mobile"),
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
