//! Filing the monthly return (报送): a month's return is submitted when its checks pass and the month before it
//! is on file; what was submitted is kept exactly, as a version that never changes (see the migration). When the
//! records of a filed month change, the bureau files a correction — the next version, saying what it corrects —
//! and every version shows what differs from the one before it and from the month before.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use super::audit::{self, Actor, Change};
use super::entities::monthly_returns;
use crate::domain::FieldErrors;
use crate::domain::monthly::{self, MonthlyReturn};
use crate::domain::time::beijing_date;
use crate::error::{Error, Result};

/// What a submission asks: the month ("2021-06") and, for a correction, what it corrects and why.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    pub month: String,
    #[serde(default)]
    pub changes: Option<String>,
}

/// One submitted version, without its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    /// "2021-06".
    pub month: String,
    pub version: i32,
    pub changes: Option<String>,
    pub submitted_by: String,
    pub submitted_by_name: String,
    pub submitted_at: DateTime<Utc>,
}

/// A submitted version with its figures and what it changed from the version before.
#[derive(Debug, Clone, Serialize)]
pub struct Filed {
    #[serde(flatten)]
    pub version: Version,
    pub figures: MonthlyReturn,
    /// The cells that differ from the previous version (empty for the first).
    pub since_previous_version: Vec<monthly::Change>,
}

/// A month's return as its page shows it: the version shown (the latest, or one asked for) or, before any
/// submission, the draft computed from the records; the history; and what the records say now.
#[derive(Debug, Clone, Serialize)]
pub struct MonthView {
    pub month: String,
    /// The figures shown: the shown version's, or the draft's.
    pub figures: MonthlyReturn,
    pub shown: Option<Version>,
    pub versions: Vec<Version>,
    pub since_previous_version: Vec<monthly::Change>,
    /// Growth since the month before (as filed, or its draft when it is not).
    pub since_last_month: Vec<monthly::Change>,
    /// The return computed from the records now, with the problems that block its submission.
    pub draft: MonthlyReturn,
    /// Where the records now differ from the latest version: what a correction would change.
    pub unfiled: Vec<monthly::Change>,
    /// Why the month cannot be submitted now, if it cannot (the checks aside).
    pub blocked: Option<String>,
}

impl MonthView {
    /// The line that says what the figures are: which version, filed when and by whom, or a draft.
    pub fn status(&self) -> String {
        match &self.shown {
            Some(shown) => format!(
                "第 {} 版 · {} 报送 · 报送人 {}",
                shown.version,
                crate::domain::time::beijing_minute(shown.submitted_at),
                shown.submitted_by_name
            ),
            None => "草稿：尚未报送".to_owned(),
        }
    }
}

fn month_text(year: i32, month: i32) -> String {
    format!("{year}-{month:02}")
}

fn version_of(row: &monthly_returns::Model, names: &audit::Names) -> Version {
    Version {
        month: month_text(row.year, row.month),
        version: row.version,
        changes: row.changes.clone(),
        submitted_by_name: names.person(&row.submitted_by),
        submitted_by: row.submitted_by.clone(),
        submitted_at: row.submitted_at,
    }
}

fn figures_of(row: &monthly_returns::Model) -> Result<MonthlyReturn> {
    Ok(serde_json::from_str(&row.figures).map_err(|e| {
        anyhow::anyhow!(
            "monthly return {}-{} v{} unreadable: {e}",
            row.year,
            row.month,
            row.version
        )
    })?)
}

/// The month's versions, oldest first.
async fn rows(
    db: &impl ConnectionTrait,
    year: i32,
    month: u32,
) -> Result<Vec<monthly_returns::Model>> {
    Ok(monthly_returns::Entity::find()
        .filter(monthly_returns::Column::Year.eq(year))
        .filter(monthly_returns::Column::Month.eq(month as i32))
        .order_by_asc(monthly_returns::Column::Version)
        .all(db)
        .await?)
}

/// Every version submitted for a batch year, by month then version.
pub async fn versions(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Version>> {
    let names = audit::Names::load(db).await?;
    Ok(monthly_returns::Entity::find()
        .filter(monthly_returns::Column::Year.eq(year))
        .order_by_asc(monthly_returns::Column::Month)
        .order_by_asc(monthly_returns::Column::Version)
        .all(db)
        .await?
        .iter()
        .map(|r| version_of(r, &names))
        .collect())
}

/// One version with its figures and its differences from the version before.
pub async fn filed(db: &impl ConnectionTrait, month: &str, version: i32) -> Result<Filed> {
    let (year, m) = monthly::parse_month(month).map_err(|e| Error::invalid("month", e))?;
    let all = rows(db, year, m).await?;
    let at = all
        .iter()
        .position(|r| r.version == version)
        .ok_or_else(|| Error::NotFound(format!("{year} 年 {m} 月的月报没有第 {version} 版")))?;
    let figures = figures_of(&all[at])?;
    let since_previous_version = match at.checked_sub(1) {
        Some(before) => monthly::differences(&figures_of(&all[before])?, &figures),
        None => Vec::new(),
    };
    let names = audit::Names::load(db).await?;
    Ok(Filed {
        version: version_of(&all[at], &names),
        figures,
        since_previous_version,
    })
}

/// The month's page: the version asked for (the latest when none is), or the draft before any.
pub async fn month_view(
    db: &impl ConnectionTrait,
    month: &str,
    version: Option<i32>,
) -> Result<MonthView> {
    let (year, m) = monthly::parse_month(month).map_err(|e| Error::invalid("month", e))?;
    let inputs = super::returns::inputs(db, year).await?;
    let mut drafts = monthly::compute_through(&inputs, m);
    let draft = drafts
        .pop()
        .ok_or_else(|| Error::invalid("month", "没有这个月份"))?;
    let all = rows(db, year, m).await?;
    let names = audit::Names::load(db).await?;
    let at = match version {
        Some(v) => Some(
            all.iter()
                .position(|r| r.version == v)
                .ok_or_else(|| Error::NotFound(format!("{year} 年 {m} 月的月报没有第 {v} 版")))?,
        ),
        None => all.len().checked_sub(1),
    };
    let (figures, shown, since_previous_version) = match at {
        Some(at) => {
            let figures = figures_of(&all[at])?;
            let since = match at.checked_sub(1) {
                Some(before) => monthly::differences(&figures_of(&all[before])?, &figures),
                None => Vec::new(),
            };
            (figures, Some(version_of(&all[at], &names)), since)
        }
        None => (draft.clone(), None, Vec::new()),
    };
    let since_last_month = match m.checked_sub(1).filter(|&p| p > 0) {
        Some(p) => {
            let before = match rows(db, year, p).await?.last() {
                Some(row) => figures_of(row)?,
                None => drafts
                    .pop()
                    .expect("compute_through gave every month up to m"),
            };
            monthly::differences(&before, &figures)
        }
        None => Vec::new(),
    };
    let unfiled = match all.last() {
        Some(latest) => monthly::differences(&figures_of(latest)?, &draft),
        None => Vec::new(),
    };
    let blocked = blocked(db, year, m, Utc::now()).await?;
    Ok(MonthView {
        month: month_text(year, m as i32),
        figures,
        shown,
        versions: all.iter().map(|r| version_of(r, &names)).collect(),
        since_previous_version,
        since_last_month,
        draft,
        unfiled,
        blocked,
    })
}

/// Why a month cannot be submitted at `now`, the checks aside: it has not ended, or the month before is not on file.
async fn blocked(
    db: &impl ConnectionTrait,
    year: i32,
    month: u32,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let today = beijing_date(now);
    let end =
        monthly::month_end(year, month).ok_or_else(|| Error::invalid("month", "没有这个月份"))?;
    if end >= today {
        return Ok(Some(format!(
            "{year} 年 {month} 月尚未结束，月末（{end}）之后才能报送"
        )));
    }
    if month > 1 && rows(db, year, month - 1).await?.is_empty() {
        return Ok(Some(format!(
            "{year} 年 {} 月的月报尚未报送；月报须按月依次报送",
            month - 1
        )));
    }
    Ok(None)
}

/// Submits a month's return, or a correction of it, as the records say now.
pub async fn submit(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: &SubmitInput,
) -> Result<Version> {
    submit_at(db, actor, input, Utc::now()).await
}

pub async fn submit_at(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: &SubmitInput,
    now: DateTime<Utc>,
) -> Result<Version> {
    let (year, month) =
        monthly::parse_month(&input.month).map_err(|e| Error::invalid("month", e))?;
    let changes = crate::domain::text::field(input.changes.as_deref().unwrap_or_default(), 2000)
        .map_err(|e| Error::invalid("changes", e))?;
    let txn = super::begin_write(db).await?;
    if let Some(why) = blocked(&txn, year, month, now).await? {
        return Err(Error::Conflict {
            field: Some("month"),
            message: why,
        });
    }
    let inputs = super::returns::inputs(&txn, year).await?;
    let draft = monthly::compute_through(&inputs, month)
        .pop()
        .ok_or_else(|| Error::invalid("month", "没有这个月份"))?;
    // Each failing check is named by its cell: the clerk sees where the records contradict themselves.
    if !draft.problems.is_empty() {
        let mut errors = FieldErrors::default();
        for p in &draft.problems {
            errors.add(
                p.cell.clone(),
                format!("核对未通过，不能报送：{}", p.message),
            );
        }
        return Err(Error::Invalid(errors));
    }
    let earlier = rows(&txn, year, month).await?;
    let version = match earlier.last() {
        None => 1,
        Some(latest) => {
            // Nothing to correct is said before what a correction must say.
            if monthly::differences(&figures_of(latest)?, &draft).is_empty() {
                return Err(Error::Conflict {
                    field: Some("month"),
                    message: format!("记录与已报送的第 {} 版没有差别，无须更正", latest.version),
                });
            }
            if changes.is_none() {
                return Err(Error::invalid(
                    "changes",
                    format!(
                        "{year} 年 {month} 月的月报已报送第 {} 版；更正须写明更正了什么、为什么",
                        latest.version
                    ),
                ));
            }
            latest.version + 1
        }
    };
    let figures = serde_json::to_string(&draft).map_err(anyhow::Error::from)?;
    let id = monthly_returns::Entity::insert(monthly_returns::ActiveModel {
        id: NotSet,
        year: Set(year),
        month: Set(month as i32),
        version: Set(version),
        figures: Set(figures),
        changes: Set(changes.clone()),
        submitted_by: Set(actor.username.clone()),
        submitted_at: Set(now),
    })
    .exec(&txn)
    .await?
    .last_insert_id;
    let row = monthly_returns::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("monthly return {id} vanished"))?;
    let names = audit::Names::load(&txn).await?;
    let view = version_of(&row, &names);
    let since = match earlier.last() {
        Some(latest) => monthly::differences(&figures_of(latest)?, &draft),
        None => Vec::new(),
    };
    audit::record_one(
        &txn,
        actor,
        Change::new(
            "submit",
            "monthly_return",
            format!("{} v{version}", view.month),
        )
        .after(serde_json::json!({
            "month": view.month, "version": version, "correction": changes,
            "differences": since,
            "county_row": draft.county, "received_fen": draft.received_fen, "paid_fen": draft.paid_fen,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}
