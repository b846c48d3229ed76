//! The monthly progress return (月报): for a month of a batch year, cumulative from January, per town and for the
//! county — compounds, buildings, households and floor area planned, started and completed; the start rates by
//! compounds and by households against the approved batch; investment planned and completed; and, for the
//! county, funds received by source and paid out. Computed from the records alone; the identity checks say, cell
//! by cell, where the records contradict themselves.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

/// One compound of the year's approved batch.
#[derive(Debug, Clone)]
pub struct Site {
    pub code: String,
    pub town: String,
    pub buildings: i64,
    pub households: i64,
    pub floor_area_m2: f64,
    pub estimate_fen: i64,
    /// Index into [`Inputs::projects`].
    pub project: Option<usize>,
}

/// What the records say of one project's works (days in Beijing time).
#[derive(Debug, Clone, Default)]
pub struct Works {
    pub contract_fen: Option<i64>,
    pub started_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    /// Progress reports: day and percent done.
    pub reports: Vec<(NaiveDate, u32)>,
}

impl Works {
    /// Percent done by the end of `day`: 100 once completed, else the highest reported, 0 before any report.
    pub fn percent_on(&self, day: NaiveDate) -> u32 {
        if self.completed_on.is_some_and(|d| d <= day) {
            return 100;
        }
        self.reports
            .iter()
            .filter(|(d, _)| *d <= day)
            .map(|(_, p)| *p)
            .max()
            .unwrap_or(0)
            .min(100)
    }
}

/// A money movement of the year (a reversal has a negative amount).
#[derive(Debug, Clone)]
pub struct Movement {
    pub on: NaiveDate,
    pub fen: i64,
}

/// Everything a year's returns are made from.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub year: i32,
    /// The towns in the county's order (every town gets a row, even one with no compound this year).
    pub towns: Vec<String>,
    pub sites: Vec<Site>,
    pub projects: Vec<Works>,
    /// The funding sources (code, name) in the policy's order, with their receipts.
    pub receipts: Vec<(String, String, Vec<Movement>)>,
    pub payments: Vec<Movement>,
}

/// Compounds, buildings, households, floor area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counts {
    pub compounds: i64,
    pub buildings: i64,
    pub households: i64,
    pub floor_area_m2: f64,
}

impl Counts {
    fn add(&mut self, s: &Site) {
        self.compounds += 1;
        self.buildings += s.buildings;
        self.households += s.households;
        self.floor_area_m2 = round2(self.floor_area_m2 + s.floor_area_m2);
    }

    fn plus(self, o: Counts) -> Counts {
        Counts {
            compounds: self.compounds + o.compounds,
            buildings: self.buildings + o.buildings,
            households: self.households + o.households,
            floor_area_m2: round2(self.floor_area_m2 + o.floor_area_m2),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One row of the progress table: a town, or the county.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Row {
    pub town: String,
    pub planned: Counts,
    pub started: Counts,
    pub completed: Counts,
    /// Started / planned, by compounds and by households (0 when nothing is planned).
    pub start_rate_compounds: f64,
    pub start_rate_households: f64,
    pub investment_planned_fen: i64,
    pub investment_completed_fen: i64,
}

impl Row {
    fn rates(mut self) -> Row {
        let rate = |a: i64, b: i64| if b > 0 { a as f64 / b as f64 } else { 0.0 };
        self.start_rate_compounds = rate(self.started.compounds, self.planned.compounds);
        self.start_rate_households = rate(self.started.households, self.planned.households);
        self
    }
}

/// One source's funds received, cumulative.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRow {
    pub code: String,
    pub name: String,
    pub received_fen: i64,
}

/// A problem in the return, on the cell it concerns: "城北街道·已完工户数".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub cell: String,
    pub message: String,
}

/// The return for one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyReturn {
    pub year: i32,
    pub month: u32,
    /// The last day counted (the month's end).
    pub as_of: NaiveDate,
    pub towns: Vec<Row>,
    pub county: Row,
    pub funds: Vec<SourceRow>,
    pub received_fen: i64,
    pub paid_fen: i64,
    /// Identity checks that fail; empty when the return holds together.
    pub problems: Vec<Problem>,
}

/// The month's last day.
pub fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// Reads "2021-06" as (2021, 6).
pub fn parse_month(text: &str) -> Result<(i32, u32), String> {
    let bad = || format!("“{text}”不是月份；请写成 年-月，如 2021-06");
    let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u32 = m.parse().map_err(|_| bad())?;
    if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) || y.len() != 4 {
        return Err(bad());
    }
    Ok((year, month))
}

/// Each compound's part of its project's completed investment by `day`: the project's contract (its estimate
/// before there is one) times the percent done, shared among its compounds by their estimates, to the fen.
fn completed_investment(inputs: &Inputs, day: NaiveDate) -> Vec<i64> {
    let mut out = vec![0i64; inputs.sites.len()];
    let mut by_project: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, s) in inputs.sites.iter().enumerate() {
        if let Some(p) = s.project {
            by_project.entry(p).or_default().push(i);
        }
    }
    for (p, members) in by_project {
        let works = &inputs.projects[p];
        let estimate: i64 = members.iter().map(|&i| inputs.sites[i].estimate_fen).sum();
        let value = works.contract_fen.unwrap_or(estimate);
        let done = (value as i128 * i128::from(works.percent_on(day)) / 100) as i64;
        // Shared by estimate, the last compound taking the rounding so the parts add up to the whole.
        let mut given = 0i64;
        for (k, &i) in members.iter().enumerate() {
            let part = if k + 1 == members.len() {
                done - given
            } else if estimate > 0 {
                (done as i128 * i128::from(inputs.sites[i].estimate_fen) / i128::from(estimate))
                    as i64
            } else {
                0
            };
            given += part;
            out[i] = part;
        }
    }
    out
}

/// The return of `month` (cumulative from January 1 of the inputs' year to the month's end).
pub fn compute(inputs: &Inputs, month: u32) -> Option<MonthlyReturn> {
    let as_of = month_end(inputs.year, month)?;
    let invested = completed_investment(inputs, as_of);
    let mut rows: Vec<Row> = inputs
        .towns
        .iter()
        .map(|t| Row {
            town: t.clone(),
            ..Row::default()
        })
        .collect();
    for (i, s) in inputs.sites.iter().enumerate() {
        let r = match rows.iter().position(|r| r.town == s.town) {
            Some(r) => r,
            None => {
                rows.push(Row {
                    town: s.town.clone(),
                    ..Row::default()
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[r];
        row.planned.add(s);
        row.investment_planned_fen += s.estimate_fen;
        row.investment_completed_fen += invested[i];
        let works = s.project.map(|p| &inputs.projects[p]);
        if works.and_then(|w| w.started_on).is_some_and(|d| d <= as_of) {
            row.started.add(s);
        }
        if works
            .and_then(|w| w.completed_on)
            .is_some_and(|d| d <= as_of)
        {
            row.completed.add(s);
        }
    }
    // A compound counted as completed must have started by then: the totals alone would hide one record that
    // contradicts itself among many that do not.
    let mut unstarted = Vec::new();
    for s in &inputs.sites {
        let works = s.project.map(|p| &inputs.projects[p]);
        let Some(done) = works.and_then(|w| w.completed_on).filter(|d| *d <= as_of) else {
            continue;
        };
        if works.and_then(|w| w.started_on).is_none_or(|d| d > done) {
            unstarted.push(Problem {
                cell: format!("{}·已完工小区数", s.town),
                message: format!("小区 {} 于 {done} 报告完工，却没有此前的开工记录", s.code),
            });
        }
    }
    let rows: Vec<Row> = rows.into_iter().map(Row::rates).collect();
    let county = rows
        .iter()
        .fold(
            Row {
                town: "全县合计".into(),
                ..Row::default()
            },
            |acc, r| Row {
                town: acc.town,
                planned: acc.planned.plus(r.planned),
                started: acc.started.plus(r.started),
                completed: acc.completed.plus(r.completed),
                investment_planned_fen: acc.investment_planned_fen + r.investment_planned_fen,
                investment_completed_fen: acc.investment_completed_fen + r.investment_completed_fen,
                ..Row::default()
            },
        )
        .rates();
    let upto = |ms: &[Movement]| {
        ms.iter()
            .filter(|m| m.on <= as_of)
            .map(|m| m.fen)
            .sum::<i64>()
    };
    let funds: Vec<SourceRow> = inputs
        .receipts
        .iter()
        .map(|(code, name, ms)| SourceRow {
            code: code.clone(),
            name: name.clone(),
            received_fen: upto(ms),
        })
        .collect();
    let mut out = MonthlyReturn {
        year: inputs.year,
        month,
        as_of,
        received_fen: funds.iter().map(|f| f.received_fen).sum(),
        paid_fen: upto(&inputs.payments),
        towns: rows,
        county,
        funds,
        problems: Vec::new(),
    };
    out.problems = unstarted;
    out.problems.extend(check(&out, None));
    Some(out)
}

/// The year's returns, January to `month`, each checked against the one before.
pub fn compute_through(inputs: &Inputs, month: u32) -> Vec<MonthlyReturn> {
    let mut out: Vec<MonthlyReturn> = Vec::new();
    for m in 1..=month {
        let Some(mut r) = compute(inputs, m) else {
            break;
        };
        // The month's own problems, then those against the month before (a repeat of the first check's is dropped).
        for p in check(&r, out.last()) {
            if !r.problems.contains(&p) {
                r.problems.push(p);
            }
        }
        out.push(r);
    }
    out
}

/// The figures a row's cells hold, by their Chinese names.
fn cells(row: &Row) -> Vec<(&'static str, f64)> {
    vec![
        ("计划小区数", row.planned.compounds as f64),
        ("计划楼栋数", row.planned.buildings as f64),
        ("计划户数", row.planned.households as f64),
        ("计划建筑面积", row.planned.floor_area_m2),
        ("已开工小区数", row.started.compounds as f64),
        ("已开工楼栋数", row.started.buildings as f64),
        ("已开工户数", row.started.households as f64),
        ("已开工建筑面积", row.started.floor_area_m2),
        ("已完工小区数", row.completed.compounds as f64),
        ("已完工楼栋数", row.completed.buildings as f64),
        ("已完工户数", row.completed.households as f64),
        ("已完工建筑面积", row.completed.floor_area_m2),
        ("计划投资", row.investment_planned_fen as f64),
        ("完成投资", row.investment_completed_fen as f64),
    ]
}

/// The identity checks: the county row is the sum of the towns; completed ≤ started ≤ planned in every row;
/// completed investment ≤ planned is not required (contracts may exceed estimates), but no cumulative figure falls
/// from `previous` month's return, funds included.
pub fn check(r: &MonthlyReturn, previous: Option<&MonthlyReturn>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let sum = r.towns.iter().fold(Row::default(), |acc, t| Row {
        planned: acc.planned.plus(t.planned),
        started: acc.started.plus(t.started),
        completed: acc.completed.plus(t.completed),
        investment_planned_fen: acc.investment_planned_fen + t.investment_planned_fen,
        investment_completed_fen: acc.investment_completed_fen + t.investment_completed_fen,
        ..Row::default()
    });
    for ((name, total), (_, parts)) in cells(&r.county).into_iter().zip(cells(&sum)) {
        if (total - parts).abs() > 0.005 {
            problems.push(Problem {
                cell: format!("全县合计·{name}"),
                message: format!("全县合计 {total} 不等于各乡镇之和 {parts}"),
            });
        }
    }
    for row in r.towns.iter().chain(std::iter::once(&r.county)) {
        let pairs = [
            (
                "已开工小区数",
                row.started.compounds,
                "计划小区数",
                row.planned.compounds,
            ),
            (
                "已完工小区数",
                row.completed.compounds,
                "已开工小区数",
                row.started.compounds,
            ),
            (
                "已开工户数",
                row.started.households,
                "计划户数",
                row.planned.households,
            ),
            (
                "已完工户数",
                row.completed.households,
                "已开工户数",
                row.started.households,
            ),
            (
                "已开工楼栋数",
                row.started.buildings,
                "计划楼栋数",
                row.planned.buildings,
            ),
            (
                "已完工楼栋数",
                row.completed.buildings,
                "已开工楼栋数",
                row.started.buildings,
            ),
        ];
        for (a, x, b, y) in pairs {
            if x > y {
                problems.push(Problem {
                    cell: format!("{}·{a}", row.town),
                    message: format!("{a} {x} 大于{b} {y}"),
                });
            }
        }
    }
    if let Some(p) = previous {
        for row in r.towns.iter().chain(std::iter::once(&r.county)) {
            let Some(before) = p
                .towns
                .iter()
                .chain(std::iter::once(&p.county))
                .find(|b| b.town == row.town)
            else {
                continue;
            };
            for ((name, now), (_, then)) in cells(row).into_iter().zip(cells(before)) {
                if now + 0.005 < then {
                    problems.push(Problem {
                        cell: format!("{}·{name}", row.town),
                        message: format!("累计数不能下降：{} 月为 {then}，本月为 {now}", p.month),
                    });
                }
            }
        }
        for f in &r.funds {
            let then = p
                .funds
                .iter()
                .find(|b| b.code == f.code)
                .map_or(0, |b| b.received_fen);
            if f.received_fen < then {
                problems.push(Problem {
                    cell: format!("资金·{}到位", f.name),
                    message: format!(
                        "累计到位不能下降：{} 月为 {} 元，本月为 {} 元",
                        p.month,
                        super::money::yuan(then),
                        super::money::yuan(f.received_fen)
                    ),
                });
            }
        }
        if r.paid_fen < p.paid_fen {
            problems.push(Problem {
                cell: "资金·累计支付".into(),
                message: format!(
                    "累计支付不能下降：{} 月为 {} 元，本月为 {} 元",
                    p.month,
                    super::money::yuan(p.paid_fen),
                    super::money::yuan(r.paid_fen)
                ),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn site(town: &str, households: i64, project: usize) -> Site {
        Site {
            code: format!("RS-{households:04}"),
            town: town.into(),
            buildings: 2,
            households,
            floor_area_m2: households as f64 * 70.5,
            estimate_fen: households * 3_000_000,
            project: Some(project),
        }
    }

    fn inputs() -> Inputs {
        Inputs {
            year: 2021,
            towns: vec!["文林街道".into(), "怀仁街道".into(), "视高街道".into()],
            sites: vec![
                site("文林街道", 100, 0),
                site("怀仁街道", 50, 1),
                site("怀仁街道", 30, 1),
            ],
            projects: vec![
                Works {
                    contract_fen: Some(290_000_000),
                    started_on: Some(day("2021-03-01")),
                    completed_on: Some(day("2021-06-25")),
                    reports: vec![(day("2021-05-01"), 50)],
                },
                Works {
                    contract_fen: Some(233_333_333),
                    started_on: Some(day("2021-07-01")),
                    completed_on: None,
                    reports: vec![(day("2021-09-01"), 45)],
                },
            ],
            receipts: vec![(
                "central".into(),
                "中央补助资金".into(),
                vec![
                    Movement {
                        on: day("2021-03-05"),
                        fen: 1_000,
                    },
                    Movement {
                        on: day("2021-04-05"),
                        fen: 50_000,
                    },
                    Movement {
                        on: day("2021-04-06"),
                        fen: -50_000,
                    },
                ],
            )],
            payments: vec![Movement {
                on: day("2021-03-10"),
                fen: 700,
            }],
        }
    }

    #[test]
    fn a_month_counts_what_started_and_completed_by_its_end() {
        let r = compute(&inputs(), 6).unwrap();
        assert_eq!(r.as_of, day("2021-06-30"));
        assert_eq!(r.county.planned.compounds, 3);
        assert_eq!(r.county.planned.households, 180);
        assert_eq!(r.county.started.compounds, 1);
        assert_eq!(r.county.completed.households, 100);
        assert!((r.county.start_rate_households - 100.0 / 180.0).abs() < 1e-12);
        assert_eq!(
            r.towns[2].planned.compounds, 0,
            "a town without compounds has its row"
        );
        assert_eq!(r.county.investment_completed_fen, 290_000_000);
        let september = compute(&inputs(), 9).unwrap();
        // 45 % of the second contract, shared 50:30 between its compounds, to the fen.
        let second = 233_333_333i64 * 45 / 100;
        assert_eq!(september.towns[1].investment_completed_fen, second);
        assert_eq!(
            september.county.investment_completed_fen,
            290_000_000 + second
        );
        assert_eq!(september.funds[0].received_fen, 1_000);
        assert!(september.problems.is_empty(), "{:?}", september.problems);
    }

    #[test]
    fn the_checks_name_the_cell() {
        let mut bad = inputs();
        // Completed without ever being reported started: completed > started.
        bad.projects[1].started_on = None;
        bad.projects[1].completed_on = Some(day("2021-10-01"));
        let returns = compute_through(&bad, 10);
        let october = returns.last().unwrap();
        let cells: Vec<&str> = october.problems.iter().map(|p| p.cell.as_str()).collect();
        assert!(cells.contains(&"怀仁街道·已完工小区数"), "{cells:?}");
        assert!(cells.contains(&"全县合计·已完工户数"), "{cells:?}");
        assert!(
            october.problems[0].message.contains("RS-0050"),
            "{:?}",
            october.problems
        );
        // A payment reversed in a later month makes the cumulative figure fall.
        let mut reversed = inputs();
        reversed.payments.push(Movement {
            on: day("2021-05-02"),
            fen: -700,
        });
        let returns = compute_through(&reversed, 5);
        assert_eq!(returns[4].problems.len(), 1, "{:?}", returns[4].problems);
        assert_eq!(returns[4].problems[0].cell, "资金·累计支付");
        assert!(returns[3].problems.is_empty());
    }

    #[test]
    fn months_read_and_end() {
        assert_eq!(parse_month("2021-06"), Ok((2021, 6)));
        assert!(parse_month("2021-13").is_err());
        assert!(parse_month("21-06").is_err());
        assert!(parse_month("六月").is_err());
        assert_eq!(month_end(2021, 2), Some(day("2021-02-28")));
        assert_eq!(month_end(2024, 2), Some(day("2024-02-29")));
        assert_eq!(month_end(2021, 12), Some(day("2021-12-31")));
    }
}
