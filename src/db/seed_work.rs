//! First start, continued: the decided batches' projects are contracted and their work orders issued, and the
//! contractors' acknowledgements and progress reports are played in, so a newcomer sees orders in every state —
//! completed, under way, just started, revised, not yet acknowledged.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use super::assignments::AssignmentInput;
use super::audit::Actor;
use super::projects;
use super::work_orders::{self, ReportInput};
use crate::domain::policy::Policy;

/// 10:00 in Beijing on that day: when the demo's dated events happen.
pub(super) fn morning(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap_or_default())
}

/// The two halves of the works season; a firm's projects in one half overlap each other, not the other half's.
fn phase(year: i32, i: usize) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    let date = |m, d| {
        NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| anyhow::anyhow!("no date {year}-{m}-{d}"))
    };
    Ok(if i.is_multiple_of(2) {
        (date(3, 1)?, date(6, 30)?)
    } else {
        (date(7, 1)?, date(11, 30)?)
    })
}

/// Gives every project of the decided batches to the firms in turn (contract amount: the estimate less a 3% bid
/// discount), issues the work orders, and reports on them.
pub async fn contract_decided_batches(
    db: &DatabaseConnection,
    policy: &Policy,
    firms: &[String],
) -> anyhow::Result<()> {
    if firms.is_empty() {
        return Ok(());
    }
    let actor = Actor::system();
    // One transaction: the demo appears whole or not at all, and PostgreSQL commits once.
    let txn = super::begin_write(db).await?;
    let db = &txn;
    for year in policy.batches.keys() {
        let year: i32 = year
            .parse()
            .map_err(|_| anyhow::anyhow!("policy: batches.{year} is not a year"))?;
        let list = projects::list(db, Some(year), None).await?;
        let mut issued = Vec::new();
        for (i, project) in list.iter().enumerate() {
            let amount_yuan = (project.estimated_cost_fen as f64 / 100.0 * 0.97).floor();
            if amount_yuan <= 0.0 {
                continue;
            }
            let (start, end) = phase(year, i / firms.len())?;
            let input = AssignmentInput {
                contractor: Some(firms[i % firms.len()].clone()),
                contract_amount_yuan: Some(amount_yuan),
                planned_start: Some(start.to_string()),
                planned_end: Some(end.to_string()),
                dates_reason: None,
            };
            crate::db::assignments::update(db, &actor, &project.code, project.version, &input)
                .await
                .map_err(|e| anyhow::anyhow!("contracting {}: {e}", project.code))?;
            let issued_on = start - chrono::Duration::days(10);
            let order = work_orders::issue_at(db, &actor, &project.code, None, morning(issued_on))
                .await
                .map_err(|e| anyhow::anyhow!("issuing the order of {}: {e}", project.code))?;
            issued.push((project.code.clone(), order.summary.number));
        }
        report_progress(db, &actor, year, &issued).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Of every ten orders: seven completed, two under way, one not yet acknowledged; and the second order revised
/// (its start moved), so a superseded version is there to see.
async fn report_progress(
    db: &DatabaseTransaction,
    actor: &Actor,
    year: i32,
    issued: &[(String, String)],
) -> anyhow::Result<()> {
    for (i, (project, number)) in issued.iter().enumerate() {
        let firm = work_orders::firm_of(db, number).await?;
        let fail = |e: crate::error::Error| anyhow::anyhow!("reporting on {number}: {e}");
        if i == 1 {
            let current = projects::get(db, project, None).await.map_err(fail)?;
            let start = NaiveDate::from_ymd_opt(year, 3, 20)
                .ok_or_else(|| anyhow::anyhow!("no date {year}-03-20"))?;
            let input = AssignmentInput {
                contractor: current.contractor.clone(),
                contract_amount_yuan: current.contract_amount_fen.map(|f| f as f64 / 100.0),
                planned_start: Some(start.to_string()),
                planned_end: current.planned_end.map(|d| d.to_string()),
                dates_reason: None,
            };
            crate::db::assignments::update(db, actor, project, current.version, &input)
                .await
                .map_err(fail)?;
            let issued_on = NaiveDate::from_ymd_opt(year, 2, 25)
                .ok_or_else(|| anyhow::anyhow!("no date {year}-02-25"))?;
            work_orders::issue_at(
                db,
                actor,
                project,
                Some("应居民意见，避开春节后返乡高峰，开工日期调整为3月20日"),
                morning(issued_on),
            )
            .await
            .map_err(fail)?;
        }
        if i % 10 == 9 {
            continue;
        }
        // Dated as the season went: received a week before the start, started on the day, half done two months
        // in, completed a few days before the planned end.
        let current = projects::get(db, project, None).await.map_err(fail)?;
        let (Some(start), Some(end)) = (current.planned_start, current.planned_end) else {
            continue;
        };
        work_orders::acknowledge_at(db, actor, number, firm, morning(start - Duration::days(7)))
            .await
            .map_err(fail)?;
        let step = |kind: &str, percent: Option<i64>, note: Option<&str>| ReportInput {
            kind: kind.to_owned(),
            percent,
            note: note.map(str::to_owned),
        };
        let steps: Vec<(ReportInput, NaiveDate)> = match i % 10 {
            7 => vec![
                (step("started", None, None), start),
                (
                    step("progress", Some(60), Some("外墙及屋面防水完成")),
                    start + Duration::days(60),
                ),
            ],
            8 => vec![(step("started", None, Some("围挡已搭设，管网开挖")), start)],
            _ => vec![
                (step("started", None, None), start),
                (step("progress", Some(50), None), start + Duration::days(60)),
                (
                    step("completed", None, Some("已完成全部改造内容，待竣工验收")),
                    end - Duration::days(5),
                ),
            ],
        };
        for (step, day) in steps {
            work_orders::report_at(db, actor, number, firm, &step, morning(day))
                .await
                .map_err(fail)?;
        }
    }
    Ok(())
}
