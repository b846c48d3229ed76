//! First start, continued: lift votes per stairwell (加装电梯按单元表决) for a few demo compounds that plan lifts, so
//! the lift page has units to show — most pass, one in each compound does not (participation by area a fifth of a
//! square metre short of two thirds; too few of the voters agreeing; too little of the voting area agreeing), and
//! one passes exactly at the bar. Each compound's lift item already counts as many lifts as units pass here, so the
//! votes leave the seeded scopes and estimates as they are.

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use super::audit::Actor;
use super::compounds;
use super::lift;
use crate::domain::lift::{Centi, LiftUnit, Vote};
use crate::error::Error;

/// (compound, building, unit, owners, area ㎡ × 100, 同意, 反对, 弃权 as (households, area × 100), date).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    u32,
    u64,
    (u32, u64),
    (u32, u64),
    (u32, u64),
    (i32, u32, u32),
);

#[rustfmt::skip]
const VOTES: &[Row] = &[
    // 工行小区: six units pass (its scope plans 6 lifts); 3栋1单元 exactly at two thirds and three quarters.
    ("RS-0001", "1栋", "1单元", 20, 180_000, (16, 145_260), (2, 17_640), (1, 8_820), (2020, 9, 12)),
    ("RS-0001", "1栋", "2单元", 20, 180_000, (17, 153_900), (1, 9_000), (0, 0), (2020, 9, 12)),
    ("RS-0001", "2栋", "1单元", 20, 180_000, (15, 136_350), (3, 26_730), (1, 8_910), (2020, 9, 19)),
    ("RS-0001", "3栋", "1单元", 18, 162_000, (9, 81_000), (2, 18_000), (1, 9_000), (2020, 9, 19)),
    ("RS-0001", "4栋", "2单元", 20, 180_000, (18, 162_450), (1, 8_730), (1, 8_820), (2020, 9, 26)),
    ("RS-0001", "5栋", "1单元", 20, 180_000, (14, 127_800), (2, 17_460), (0, 0), (2020, 9, 26)),
    // Participation by area 1,199.80 of 1,800.00 ㎡: just under two thirds.
    ("RS-0001", "6栋", "1单元", 20, 180_000, (12, 103_000), (1, 8_550), (1, 8_430), (2020, 10, 10)),
    // 青年花园: two units pass (2 lifts planned); 1栋2单元: 10 of 15 voters agree, under three quarters.
    ("RS-0065", "1栋", "1单元", 15, 124_320, (13, 108_460), (1, 7_950), (0, 0), (2020, 11, 7)),
    ("RS-0065", "1栋", "2单元", 15, 124_010, (10, 96_000), (4, 20_000), (1, 8_010), (2020, 11, 7)),
    ("RS-0065", "2栋", "1单元", 15, 124_650, (12, 100_000), (2, 16_510), (1, 8_140), (2020, 11, 14)),
    // 五金公司住宿楼: 1单元 passes (1 lift planned); in 2单元 the agreeing flats hold 70 % of the voting area.
    ("RS-0117", "1栋", "1单元", 17, 116_280, (15, 103_140), (1, 6_480), (0, 0), (2020, 12, 5)),
    ("RS-0117", "1栋", "2单元", 16, 109_470, (12, 70_000), (3, 30_000), (0, 0), (2020, 12, 5)),
];

/// Who counted the forms: the bureau's renovation task force, as it would have at the time.
fn task_force() -> Actor {
    Actor {
        username: "住建局老旧小区改造工作专班".to_owned(),
        role: "planner".to_owned(),
        ..Actor::system()
    }
}

/// Records the demo's lift votes for those of its compounds that are in the data set: each compound's units in
/// one write, so its lift item is set once, to what it already was.
pub async fn record_votes(db: &DatabaseConnection) -> anyhow::Result<()> {
    let actor = task_force();
    let mut codes: Vec<&str> = VOTES.iter().map(|row| row.0).collect();
    codes.dedup();
    for code in codes {
        match compounds::find(db, code).await {
            Ok(_) => {}
            Err(Error::NotFound(_)) => continue,
            Err(e) => return Err(anyhow::anyhow!("{e}")),
        }
        let units = VOTES
            .iter()
            .filter(|row| row.0 == code)
            .map(|row| Ok((unit(row)?, None)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        lift::save_all(db, &actor, code, &units)
            .await
            .map_err(|e| anyhow::anyhow!("the lift votes of {code}: {e}"))?;
    }
    Ok(())
}

fn unit(
    &(_, building, unit, owners, area, agree, oppose, abstain, (y, m, d)): &Row,
) -> anyhow::Result<LiftUnit> {
    let vote = |(owners, area): (u32, u64)| Vote {
        owners,
        area: Centi(area),
    };
    Ok(LiftUnit {
        building: building.to_owned(),
        unit: unit.to_owned(),
        owners_total: owners,
        area_total: Centi(area),
        agree: vote(agree),
        oppose: vote(oppose),
        abstain: vote(abstain),
        recorded_on: NaiveDate::from_ymd_opt(y, m, d)
            .ok_or_else(|| anyhow::anyhow!("no day {y}-{m}-{d}"))?,
    })
}
