//! First start, continued: the decided batches' money, dated as the year went — funds received by source in
//! tranches (one receipt typed wrong and reversed), contractors paid milestone by milestone a week after each
//! report, final accounts for half the completed projects with their settlement and, two years on, the retention.
//! So the funds page, the project pages and the monthly returns have a year of records to show.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use super::audit::Actor;
use super::money::{self, FinalAccountInput, PaymentInput, ReceiptInput, ReversalInput};
use super::projects;
use super::seed_work::morning;
use crate::domain::policy::Policy;
use crate::domain::time::beijing_date;

/// The allocating documents' issuers, by the demo policy's source codes (others get a generic one).
fn issuer(source: &str) -> &'static str {
    match source {
        "central" => "财建",
        "bonds" => "川财债",
        "local" => "仁财建",
        "residents" => "居民出资收款凭证",
        "pipeline" => "管线单位出资协议",
        "social" => "社会资本合作协议",
        _ => "资金文件",
    }
}

/// The bureau's finance section, who records the money and files the returns, as it would have at the time.
pub(super) fn finance_section() -> Actor {
    Actor {
        username: "住建局计划财务股".to_owned(),
        role: "planner".to_owned(),
        ..Actor::system()
    }
}

/// The policy's decided batch years before this (Beijing) year: the years that have a year of records to show.
pub(super) fn decided_years(policy: &Policy, now: DateTime<Utc>) -> anyhow::Result<Vec<i32>> {
    let today = beijing_date(now);
    let mut years = Vec::new();
    for year in policy.batches.keys() {
        let year: i32 = year
            .parse()
            .map_err(|_| anyhow::anyhow!("policy: batches.{year} is not a year"))?;
        if year < today.year() {
            years.push(year);
        }
    }
    Ok(years)
}

pub async fn record_decided_batches(
    db: &DatabaseConnection,
    policy: &Policy,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let actor = finance_section();
    let today = beijing_date(now);
    let txn = super::begin_write(db).await?;
    for year in decided_years(policy, now)? {
        receipts(&txn, &actor, year).await?;
        payments(&txn, &actor, year, today).await?;
    }
    txn.commit().await?;
    Ok(())
}

fn day(year: i32, month: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, d)
        .ok_or_else(|| anyhow::anyhow!("no date {year}-{month}-{d}"))
}

/// Each source's money in two tranches, 60 % in spring and 35 % in late summer (the rest still owed at the
/// year's end, as is usual); the first local tranche typed with an extra digit, reversed and typed again.
async fn receipts(txn: &DatabaseTransaction, actor: &Actor, year: i32) -> anyhow::Result<()> {
    let funds = money::funds(txn, year).await?;
    let mut number = 10;
    for (i, source) in funds.sources.iter().enumerate() {
        let planned = source.planned.fen;
        if planned <= 0 {
            continue;
        }
        let offset = i as u32 * 3;
        for (share, on) in [
            (0.60, day(year, 3, 5 + offset)?),
            (0.35, day(year, 8, 10 + offset)?),
        ] {
            number += 7;
            let amount_fen = (planned as f64 * share).round() as i64;
            let input = ReceiptInput {
                source: source.code.clone(),
                year: Some(year),
                amount_yuan: amount_fen as f64 / 100.0,
                received_on: on.to_string(),
                document_no: format!("{}〔{year}〕{number}号", issuer(&source.code)),
                note: None,
            };
            let fail = |e: crate::error::Error| anyhow::anyhow!("receipt {}: {e}", source.code);
            if source.code == "local" && share > 0.5 {
                let wrong = ReceiptInput {
                    amount_yuan: input.amount_yuan * 10.0,
                    ..input.clone()
                };
                let entry = money::receive_at(txn, actor, &wrong, morning(on))
                    .await
                    .map_err(fail)?;
                money::reverse_at(
                    txn,
                    actor,
                    entry.id,
                    &ReversalInput {
                        reason: "金额多录一位，冲销后重新登记".into(),
                    },
                    morning(on) + Duration::hours(2),
                )
                .await
                .map_err(fail)?;
            }
            money::receive_at(txn, actor, &input, morning(on))
                .await
                .map_err(fail)?;
        }
    }
    Ok(())
}

/// Every milestone reached is paid its due a week later; half the completed projects get their final account
/// 50 days after completion (1.5 % below the contract, as audits cut), then the settlement and the retention.
async fn payments(
    txn: &DatabaseTransaction,
    actor: &Actor,
    year: i32,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let list = projects::list(txn, Some(year), None).await?;
    let mut voucher = 0;
    for (i, project) in list.iter().enumerate() {
        let code = &project.code;
        let fail = |e: crate::error::Error| anyhow::anyhow!("paying {code}: {e}");
        let Some(contract) = project.contract_amount_fen else {
            continue;
        };
        pay_reached(txn, actor, code, today, &mut voucher).await?;
        let view = money::project(txn, code).await.map_err(fail)?;
        let completed = view
            .milestones
            .iter()
            .find(|m| m.code == "completion")
            .and_then(|m| m.reached_on);
        let (Some(done), true) = (completed, i % 2 == 0) else {
            continue;
        };
        let audited_on = done + Duration::days(50);
        if audited_on > today {
            continue;
        }
        let audited = (contract as f64 * 0.985 / 100.0).floor();
        money::settle_at(
            txn,
            actor,
            code,
            &FinalAccountInput {
                amount_yuan: audited,
                audited_on: audited_on.to_string(),
                document_no: format!("仁审结〔{}〕{}号", audited_on.year(), 100 + i),
                note: Some("县审计局委托造价咨询机构审定".into()),
                override_reason: None,
            },
            morning(audited_on),
        )
        .await
        .map_err(fail)?;
        pay_reached(txn, actor, code, today, &mut voucher).await?;
    }
    Ok(())
}

/// Pays what the milestones reached so far are still due, each a week after it was reached (if that day has
/// come).
async fn pay_reached(
    txn: &DatabaseTransaction,
    actor: &Actor,
    code: &str,
    today: NaiveDate,
    voucher: &mut u32,
) -> anyhow::Result<()> {
    let fail = |e: crate::error::Error| anyhow::anyhow!("paying {code}: {e}");
    let view = money::project(txn, code).await.map_err(fail)?;
    let mut due_upto = 0i64;
    let mut paid_upto = 0i64;
    for m in &view.milestones {
        due_upto += m.due.fen;
        paid_upto += m.paid.fen;
        // In order: nothing is paid past a milestone not yet reached (no retention before the final account).
        let Some(reached) = m.reached_on else {
            break;
        };
        let on = reached + Duration::days(7);
        let owed = due_upto - paid_upto;
        if on > today || owed <= 0 {
            continue;
        }
        *voucher += 1;
        money::pay_at(
            txn,
            actor,
            code,
            &PaymentInput {
                milestone: m.code.clone(),
                amount_yuan: owed as f64 / 100.0,
                paid_on: on.to_string(),
                document_no: Some(format!("仁住建付〔{}〕{}号", on.year(), *voucher)),
                note: None,
                override_reason: None,
            },
            morning(on),
        )
        .await
        .map_err(fail)?;
        paid_upto += owed;
    }
    Ok(())
}
