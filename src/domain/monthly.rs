//! The monthly progress return (月报): for a month of a batch year, cumulative from January, per town and for the
//! county — compounds, buildings, households and floor area planned, started and completed; the start rates by
//! compounds and by households against the approved batch; investment planned and completed; and, for the
//! county, funds received by source and paid out. Computed from the records alone; the identity checks say, cell
//! by cell, where the records contradict themselves.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An effect indicator (改造成效指标) the return counts: what the listed catalog items' quantities add up to, each
/// times its factor (B05's metres of pipe × 0.001 → km of pipeline). Set in the policy (`[[indicators]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    /// 改造管网, 加装电梯 …
    pub name: String,
    /// 公里, 部, 个, 处, 平方米.
    pub unit: String,
    /// Catalog item code → how much one unit of the item adds.
    pub items: BTreeMap<String, f64>,
}

impl Indicator {
    /// The indicator's amount in a compound's scope (item code and quantity per line).
    pub fn of<'a>(&self, lines: impl IntoIterator<Item = (&'a str, f64)>) -> f64 {
        lines
            .into_iter()
            .filter_map(|(item, q)| self.items.get(item).map(|f| f * q))
            .sum()
    }

    /// "改造管网（公里）": the column's heading.
    pub fn heading(&self) -> String {
        format!("{}（{}）", self.name, self.unit)
    }
}

/// The checks of a list of indicators against the catalog's item codes: (field, message) of each problem.
pub fn check_indicators(indicators: &[Indicator], items: Option<&[&str]>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, ind) in indicators.iter().enumerate() {
        let at = format!("indicators[{i}]");
        if ind.code.trim().is_empty() || indicators[..i].iter().any(|o| o.code == ind.code) {
            out.push((format!("{at}.code"), "指标代码须非空且不重复".into()));
        }
        if ind.name.trim().is_empty() || ind.unit.trim().is_empty() {
            out.push((format!("{at}.name"), "指标须有名称和计量单位".into()));
        }
        if ind.items.is_empty() {
            out.push((format!("{at}.items"), "指标须列出计入它的工程项目".into()));
        }
        for (code, factor) in &ind.items {
            if !(factor.is_finite() && *factor > 0.0 && *factor <= 1e6) {
                out.push((
                    format!("{at}.items.{code}"),
                    "折算系数须为大于 0 的数".into(),
                ));
            }
            if items.is_some_and(|known| !known.contains(&code.as_str())) {
                out.push((
                    format!("{at}.items.{code}"),
                    format!("没有编号为“{code}”的工程项目"),
                ));
            }
        }
    }
    out
}

/// One compound of the year's approved batch.
#[derive(Debug, Clone)]
pub struct Site {
    pub code: String,
    pub town: String,
    pub buildings: i64,
    pub households: i64,
    pub floor_area_m2: f64,
    pub estimate_fen: i64,
    /// Its scope's amount of each of [`Inputs::indicators`], in their order.
    pub effects: Vec<f64>,
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
    /// The effect indicators counted, from the policy.
    pub indicators: Vec<Indicator>,
    /// The towns in the county's order (every town gets a row, even one with no compound this year).
    pub towns: Vec<String>,
    pub sites: Vec<Site>,
    pub projects: Vec<Works>,
    /// The funding sources (code, name) in the policy's order, with their receipts.
    pub receipts: Vec<(String, String, Vec<Movement>)>,
    pub payments: Vec<Movement>,
}

/// Compounds, buildings, households, floor area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// Each effect indicator's amount in the planned compounds' scopes, in [`MonthlyReturn::indicators`]' order.
    #[serde(default)]
    pub effects_planned: Vec<f64>,
    /// … and in the completed compounds' scopes.
    #[serde(default)]
    pub effects_completed: Vec<f64>,
}

/// Adds effect figures, each part to the hundredth first (a compound's 1,234.5 m of pipe is 1.23 km), so every
/// total is the exact sum of the figures shown.
fn add_effects(sum: &mut Vec<f64>, part: &[f64]) {
    if sum.len() < part.len() {
        sum.resize(part.len(), 0.0);
    }
    for (s, p) in sum.iter_mut().zip(part) {
        *s = round2(*s + round2(*p));
    }
}

impl Row {
    /// The sum of two rows' figures (the rates left to [`Row::rates`]), under `self`'s name.
    fn plus(mut self, o: &Row) -> Row {
        self.planned = self.planned.plus(o.planned);
        self.started = self.started.plus(o.started);
        self.completed = self.completed.plus(o.completed);
        self.investment_planned_fen += o.investment_planned_fen;
        self.investment_completed_fen += o.investment_completed_fen;
        add_effects(&mut self.effects_planned, &o.effects_planned);
        add_effects(&mut self.effects_completed, &o.effects_completed);
        self
    }

    fn rates(mut self) -> Row {
        let rate = |a: i64, b: i64| if b > 0 { a as f64 / b as f64 } else { 0.0 };
        self.start_rate_compounds = rate(self.started.compounds, self.planned.compounds);
        self.start_rate_households = rate(self.started.households, self.planned.households);
        self
    }
}

/// One source's funds received, cumulative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    pub code: String,
    pub name: String,
    pub received_fen: i64,
}

impl MonthlyReturn {
    /// The effect table's column headings after the town's: each indicator planned, then completed.
    pub fn effect_headings(&self) -> Vec<String> {
        effect_headings(&self.indicators)
    }
}

fn effect_headings(indicators: &[Heading]) -> Vec<String> {
    indicators
        .iter()
        .flat_map(|h| {
            [
                format!("计划{}（{}）", h.name, h.unit),
                format!("已完成{}（{}）", h.name, h.unit),
            ]
        })
        .collect()
}

impl Row {
    /// The row's effect figures in [`MonthlyReturn::effect_headings`]' order.
    pub fn effects(&self) -> Vec<f64> {
        let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
        (0..self.effects_planned.len().max(self.effects_completed.len()))
            .flat_map(|i| [at(&self.effects_planned, i), at(&self.effects_completed, i)])
            .collect()
    }
}

/// An effect indicator as the return names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heading {
    pub code: String,
    pub name: String,
    pub unit: String,
}

/// A problem in the return, on the cell it concerns: "城北街道·已完工户数".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub cell: String,
    pub message: String,
}

/// The return for one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReturn {
    pub year: i32,
    pub month: u32,
    /// The last day counted (the month's end).
    pub as_of: NaiveDate,
    /// The effect indicators counted, in the rows' `effects_*` order.
    #[serde(default)]
    pub indicators: Vec<Heading>,
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
    let blank = |town: &str| Row {
        town: town.to_owned(),
        effects_planned: vec![0.0; inputs.indicators.len()],
        effects_completed: vec![0.0; inputs.indicators.len()],
        ..Row::default()
    };
    let mut rows: Vec<Row> = inputs.towns.iter().map(|t| blank(t)).collect();
    for (i, s) in inputs.sites.iter().enumerate() {
        let r = match rows.iter().position(|r| r.town == s.town) {
            Some(r) => r,
            None => {
                rows.push(blank(&s.town));
                rows.len() - 1
            }
        };
        let row = &mut rows[r];
        row.planned.add(s);
        add_effects(&mut row.effects_planned, &s.effects);
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
            add_effects(&mut row.effects_completed, &s.effects);
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
        .fold(blank("全县合计"), |acc, r| acc.plus(r))
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
        indicators: inputs
            .indicators
            .iter()
            .map(|i| Heading {
                code: i.code.clone(),
                name: i.name.clone(),
                unit: i.unit.clone(),
            })
            .collect(),
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

/// The figures a row's cells hold, by their Chinese names (the effect indicators' after the fixed ones).
fn cells(row: &Row, indicators: &[Heading]) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = [
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
    .into_iter()
    .map(|(name, v)| (name.to_owned(), v))
    .collect();
    let mut values = row.effects().into_iter();
    out.extend(
        effect_headings(indicators)
            .into_iter()
            .map(|h| (h, values.next().unwrap_or(0.0))),
    );
    out
}

/// A cell whose figure differs between two returns (two versions of a month, or a month and the month before).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub cell: String,
    pub before: String,
    pub after: String,
    /// After less before, signed ("+12", "-3,000.00 元").
    pub difference: String,
}

/// Every figure of a return by its cell's name: each row's cells, then the funds.
fn figures(r: &MonthlyReturn) -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    for row in r.towns.iter().chain(std::iter::once(&r.county)) {
        for (name, value) in cells(row, &r.indicators) {
            out.push((format!("{}·{name}", row.town), name, value));
        }
    }
    for f in &r.funds {
        out.push((
            format!("资金·{}到位", f.name),
            "到位".to_owned(),
            f.received_fen as f64,
        ));
    }
    out.push(("资金·累计支付".into(), "支付".to_owned(), r.paid_fen as f64));
    out
}

/// A figure as the return prints it: money in yuan, areas (and other fractional amounts) to the hundredth,
/// counts whole.
fn show(name: &str, value: f64, signed: bool) -> String {
    let sign = if signed && value > 0.0 { "+" } else { "" };
    if name.ends_with("投资") || name == "到位" || name == "支付" {
        format!("{sign}{} 元", super::money::yuan(value.round() as i64))
    } else if name.ends_with("面积") {
        format!("{sign}{value:.2} ㎡")
    } else if (value - value.round()).abs() > 0.001 {
        format!("{sign}{value:.2}")
    } else {
        format!("{sign}{}", value.round() as i64)
    }
}

/// The cells of `after` that differ from `before`, in the return's order (a cell only one has counts from 0).
pub fn differences(before: &MonthlyReturn, after: &MonthlyReturn) -> Vec<Change> {
    let old: BTreeMap<String, f64> = figures(before)
        .into_iter()
        .map(|(cell, _, v)| (cell, v))
        .collect();
    figures(after)
        .into_iter()
        .filter_map(|(cell, name, now)| {
            let then = old.get(&cell).copied().unwrap_or(0.0);
            ((now - then).abs() > 0.005).then(|| Change {
                before: show(&name, then, false),
                after: show(&name, now, false),
                difference: show(&name, now - then, true),
                cell,
            })
        })
        .collect()
}

/// The identity checks: the county row is the sum of the towns; completed ≤ started ≤ planned in every row;
/// completed investment ≤ planned is not required (contracts may exceed estimates), but no cumulative figure falls
/// from `previous` month's return, funds included.
pub fn check(r: &MonthlyReturn, previous: Option<&MonthlyReturn>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let sum = r.towns.iter().fold(Row::default(), |acc, t| acc.plus(t));
    for ((name, total), (_, parts)) in cells(&r.county, &r.indicators)
        .into_iter()
        .zip(cells(&sum, &r.indicators))
    {
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
        for (i, h) in r.indicators.iter().enumerate() {
            let at = |v: &[f64]| v.get(i).copied().unwrap_or(0.0);
            let (done, planned) = (at(&row.effects_completed), at(&row.effects_planned));
            if done > planned + 0.005 {
                problems.push(Problem {
                    cell: format!("{}·已完成{}（{}）", row.town, h.name, h.unit),
                    message: format!("已完成 {done} 大于计划 {planned}"),
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
            for ((name, now), (_, then)) in cells(row, &r.indicators)
                .into_iter()
                .zip(cells(before, &p.indicators))
            {
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
            effects: vec![households as f64 * 0.01],
            project: Some(project),
        }
    }

    fn inputs() -> Inputs {
        Inputs {
            year: 2021,
            indicators: vec![Indicator {
                code: "pipeline_km".into(),
                name: "改造管网".into(),
                unit: "公里".into(),
                items: [("B05".to_owned(), 0.001)].into_iter().collect(),
            }],
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
    fn effect_indicators_count_planned_and_completed_scopes() {
        let r = compute(&inputs(), 6).unwrap();
        assert_eq!(r.indicators[0].name, "改造管网");
        assert_eq!(r.county.effects_planned, vec![1.8]);
        assert_eq!(r.county.effects_completed, vec![1.0]);
        assert_eq!(r.towns[1].effects_completed, vec![0.0]);
        let ind = &inputs().indicators[0];
        assert!((ind.of([("B05", 1500.0), ("B01", 99.0)]) - 1.5).abs() < 1e-12);
        assert!(check_indicators(&inputs().indicators, Some(&["B05"])).is_empty());
        let mut bad = inputs().indicators;
        bad[0].items.insert("Z99".into(), -1.0);
        bad.push(bad[0].clone());
        let fields: Vec<String> = check_indicators(&bad, Some(&["B05"]))
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert!(
            fields.contains(&"indicators[0].items.Z99".to_owned()),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"indicators[1].code".to_owned()),
            "{fields:?}"
        );
    }

    #[test]
    fn a_correction_shows_the_cells_it_changes() {
        let before = compute(&inputs(), 6).unwrap();
        let mut later = inputs();
        later.receipts[0].2.push(Movement {
            on: day("2021-06-10"),
            fen: 12_345,
        });
        let after = compute(&later, 6).unwrap();
        let changes = differences(&before, &after);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].cell, "资金·中央补助资金到位");
        assert_eq!(changes[0].difference, "+123.45 元");
        assert!(differences(&after, &after).is_empty());
        // Since last month: the month's growth, cell by cell.
        let may = compute(&inputs(), 5).unwrap();
        let grown = differences(&may, &before);
        let completed = grown
            .iter()
            .find(|c| c.cell == "全县合计·已完工户数")
            .unwrap();
        assert_eq!(
            (completed.before.as_str(), completed.after.as_str()),
            ("0", "100")
        );
        assert!(
            grown
                .iter()
                .any(|c| c.cell == "文林街道·已完成改造管网（公里）")
        );
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
