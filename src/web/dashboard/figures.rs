//! The dashboard's figures for a batch year, read through the same code as the monthly return and the funds page
//! (so the three never disagree): the county's cumulative progress month by month, each town's, the funds by
//! source, and — for the bureau only — every project measured against its planned dates.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::db::entities::projects::Progress;
use crate::db::money::Amount;
use crate::domain::deviation::{self, Assessment, Flag, Reported};
use crate::domain::monthly::{self, Counts, Row};
use crate::error::Result;
use crate::web::state::AppState;

/// One month's cumulative county figures (as the month's return has them).
#[derive(Debug, Clone, Serialize)]
pub struct Month {
    pub month: u32,
    pub as_of: NaiveDate,
    pub county: Row,
    pub received_fen: i64,
    pub paid_fen: i64,
}

/// A town's progress by the last month counted.
#[derive(Debug, Clone, Serialize)]
pub struct Town {
    #[serde(flatten)]
    pub row: Row,
    /// Completed / planned compounds (0 when nothing is planned).
    pub completion_rate_compounds: f64,
}

/// One funding source's money of the year.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub code: String,
    pub name: String,
    /// 应到位: what the year's compounds' splits ask of it.
    pub planned: Amount,
    /// 已到位: received, net of reversals.
    pub received: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct Funds {
    pub sources: Vec<Source>,
    pub planned: Amount,
    pub received: Amount,
    /// 已支付: paid to contractors (all sources together: payments are not booked by source).
    pub paid: Amount,
}

/// A project against its planned dates.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectFlag {
    pub code: String,
    pub name: String,
    pub towns: Vec<String>,
    pub contractor_name: Option<String>,
    pub planned_start: NaiveDate,
    pub planned_end: NaiveDate,
    pub progress: Progress,
    pub progress_label: &'static str,
    #[serde(flatten)]
    pub assessment: Assessment,
    pub flag_label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagCount {
    pub flag: Flag,
    pub label: &'static str,
    pub count: usize,
}

/// The year's projects measured on `as_of` (today in Beijing), the flagged first.
#[derive(Debug, Clone, Serialize)]
pub struct Deviation {
    pub as_of: NaiveDate,
    pub counts: Vec<FlagCount>,
    pub projects: Vec<ProjectFlag>,
    /// Projects without planned dates, which cannot be measured (codes).
    pub unscheduled: Vec<String>,
}

/// Everything the dashboard shows for a year.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub year: i32,
    /// The months counted: all twelve for a past year, January to this month for this year, none for a coming one.
    pub months: Vec<Month>,
    /// The year's approved batch, county total.
    pub planned: Counts,
    pub investment_planned_fen: i64,
    /// The county by the last month counted (nothing started before the first).
    pub county: Row,
    /// Every town of the county, in its order (a town with nothing planned this year too).
    pub towns: Vec<Town>,
    pub funds: Funds,
    /// Bureau only (the public page leaves it out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deviation: Option<Deviation>,
}

/// The years with an approved batch, oldest first.
pub async fn years(state: &AppState) -> Result<Vec<i32>> {
    crate::db::batches::years(&state.db).await
}

/// The newest batch year that has begun by `today`, else the newest, else this year.
pub fn default_year(years: &[i32], today: NaiveDate) -> i32 {
    years
        .iter()
        .copied()
        .filter(|&y| y <= today.year())
        .max()
        .or_else(|| years.iter().copied().max())
        .unwrap_or(today.year())
}

/// How many months of `year` have begun by `today`.
pub fn months_begun(year: i32, today: NaiveDate) -> u32 {
    match year.cmp(&today.year()) {
        std::cmp::Ordering::Less => 12,
        std::cmp::Ordering::Equal => today.month(),
        std::cmp::Ordering::Greater => 0,
    }
}

/// The dashboard of `year` as of `today`; with `bureau`, the projects' deviation flags too.
pub async fn dashboard(
    state: &AppState,
    year: i32,
    today: NaiveDate,
    bureau: bool,
) -> Result<Dashboard> {
    let inputs = crate::db::returns::inputs(&state.db, year).await?;
    let begun = months_begun(year, today);
    // A coming year still has its plan: January's return carries it (with nothing started).
    let mut returns = monthly::compute_through(&inputs, begun.max(1));
    let last = returns.last().cloned();
    returns.truncate(begun as usize);
    let months: Vec<Month> = returns
        .into_iter()
        .map(|r| Month {
            month: r.month,
            as_of: r.as_of,
            county: r.county,
            received_fen: r.received_fen,
            paid_fen: r.paid_fen,
        })
        .collect();
    let (county, towns) = match last {
        Some(r) if begun > 0 => (r.county, r.towns),
        Some(r) => (
            not_begun(r.county),
            r.towns.into_iter().map(not_begun).collect(),
        ),
        None => (Row::default(), Vec::new()),
    };
    let towns = towns
        .into_iter()
        .map(|row| Town {
            completion_rate_compounds: rate(row.completed.compounds, row.planned.compounds),
            row,
        })
        .collect();
    let view = crate::db::money::funds(&state.db, year).await?;
    let funds = Funds {
        sources: view
            .sources
            .into_iter()
            .map(|s| Source {
                code: s.code,
                name: s.name,
                planned: s.planned,
                received: s.received,
            })
            .collect(),
        planned: view.planned,
        received: view.received,
        paid: view.paid,
    };
    let deviation = if bureau {
        Some(deviation_of(state, year, today).await?)
    } else {
        None
    };
    Ok(Dashboard {
        year,
        months,
        planned: county.planned,
        investment_planned_fen: county.investment_planned_fen,
        county,
        towns,
        funds,
        deviation,
    })
}

/// A row of a year not begun: its plan, nothing done.
fn not_begun(row: Row) -> Row {
    Row {
        town: row.town,
        planned: row.planned,
        investment_planned_fen: row.investment_planned_fen,
        ..Row::default()
    }
}

pub fn rate(part: i64, whole: i64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        0.0
    }
}

async fn deviation_of(state: &AppState, year: i32, today: NaiveDate) -> Result<Deviation> {
    let list = crate::db::projects::list(&state.db, Some(year), None).await?;
    let mut projects = Vec::new();
    let mut unscheduled = Vec::new();
    for p in list {
        let (Some(start), Some(end)) = (p.planned_start, p.planned_end) else {
            unscheduled.push(p.code);
            continue;
        };
        let reported = match p.progress {
            Progress::NotStarted => Reported::NotStarted,
            Progress::Started => Reported::Started(p.percent.clamp(0, 100) as u32),
            Progress::Completed => Reported::Completed,
        };
        let assessment = deviation::assess(start, end, reported, today);
        let mut towns: Vec<String> = Vec::new();
        for s in &p.sites {
            if !towns.contains(&s.town) {
                towns.push(s.town.clone());
            }
        }
        projects.push(ProjectFlag {
            progress_label: crate::domain::labels::progress(progress_code(p.progress))
                .unwrap_or("—"),
            flag_label: assessment.flag.label(),
            code: p.code,
            name: p.name,
            towns,
            contractor_name: p.contractor_name,
            planned_start: start,
            planned_end: end,
            progress: p.progress,
            assessment,
        });
    }
    // The worst first; within a flag, the furthest behind, then by code.
    projects.sort_by(|a, b| {
        a.assessment
            .flag
            .cmp(&b.assessment.flag)
            .then(b.assessment.behind.total_cmp(&a.assessment.behind))
            .then(
                b.assessment
                    .days_unstarted
                    .cmp(&a.assessment.days_unstarted),
            )
            .then(a.code.cmp(&b.code))
    });
    let counts = Flag::ALL
        .iter()
        .map(|&flag| FlagCount {
            flag,
            label: flag.label(),
            count: projects
                .iter()
                .filter(|p| p.assessment.flag == flag)
                .count(),
        })
        .collect();
    Ok(Deviation {
        as_of: today,
        counts,
        projects,
        unscheduled,
    })
}

fn progress_code(p: Progress) -> &'static str {
    match p {
        Progress::NotStarted => "not_started",
        Progress::Started => "started",
        Progress::Completed => "completed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_default_year_is_the_newest_begun() {
        let today = d(2026, 12, 8);
        assert_eq!(default_year(&[2021, 2026, 2027], today), 2026);
        assert_eq!(default_year(&[2021, 2027], today), 2021);
        assert_eq!(default_year(&[2027], today), 2027);
        assert_eq!(default_year(&[], today), 2026);
    }

    #[test]
    fn months_count_up_to_this_month() {
        let today = d(2026, 3, 31);
        assert_eq!(months_begun(2021, today), 12);
        assert_eq!(months_begun(2026, today), 3);
        assert_eq!(months_begun(2027, today), 0);
    }
}
