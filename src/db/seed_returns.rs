//! First start, continued: the decided batches' monthly returns, filed as the year went — each month's on the
//! fifth of the next — and one correction: a receipt of late November registered only in January, after November's
//! and December's returns were filed, so both are filed again as version 2 saying so.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use super::audit::Actor;
use super::filing::{self, SubmitInput};
use super::money::{self, ReceiptInput};
use super::seed_work::morning;
use crate::domain::monthly::month_end;
use crate::domain::policy::Policy;

pub async fn file_decided_batches(
    db: &DatabaseConnection,
    policy: &Policy,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let actor = super::seed_money::finance_section();
    for year in super::seed_money::decided_years(policy, now)? {
        for month in 1..=12 {
            let end = month_end(year, month).ok_or_else(|| anyhow::anyhow!("no month {month}"))?;
            file(
                db,
                &actor,
                year,
                month,
                None,
                morning(end + Duration::days(5)),
            )
            .await?;
        }
        late_receipt(db, &actor, year).await?;
    }
    Ok(())
}

async fn file(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    month: u32,
    changes: Option<String>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let input = SubmitInput {
        month: format!("{year}-{month:02}"),
        changes,
    };
    filing::submit_at(db, actor, &input, at)
        .await
        .map_err(|e| anyhow::anyhow!("monthly return {}: {e}", input.month))?;
    Ok(())
}

/// The residents' last contributions (the first source still owed anything when none is theirs), received on
/// November 26 and registered on January 10: November's and December's returns are corrected the next day.
async fn late_receipt(db: &DatabaseConnection, actor: &Actor, year: i32) -> anyhow::Result<()> {
    let funds = money::funds(db, year).await?;
    let owed = |s: &&money::SourceFunds| s.planned.fen > s.received.fen;
    let Some(source) = funds
        .sources
        .iter()
        .filter(owed)
        .find(|s| s.code == "residents")
        .or_else(|| funds.sources.iter().find(owed))
    else {
        return Ok(());
    };
    let amount_fen = (source.planned.fen - source.received.fen).min(source.planned.fen / 20);
    let received_on = NaiveDate::from_ymd_opt(year, 11, 26)
        .ok_or_else(|| anyhow::anyhow!("no November {year}"))?;
    let registered = morning(NaiveDate::from_ymd_opt(year + 1, 1, 10).unwrap_or(received_on));
    let input = ReceiptInput {
        source: source.code.clone(),
        year: Some(year),
        amount_yuan: amount_fen as f64 / 100.0,
        received_on: received_on.to_string(),
        document_no: format!("收款凭证〔{year}〕1126号"),
        note: Some("11 月到账，次年 1 月补录".into()),
    };
    money::receive_at(db, actor, &input, registered)
        .await
        .map_err(|e| anyhow::anyhow!("late receipt: {e}"))?;
    let why = format!(
        "补录 {year} 年 11 月 26 日到位的{}（收款凭证〔{year}〕1126号），累计到位资金相应增加",
        source.name
    );
    for month in [11, 12] {
        file(
            db,
            actor,
            year,
            month,
            Some(why.clone()),
            registered + Duration::days(1),
        )
        .await?;
    }
    Ok(())
}
