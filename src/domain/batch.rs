//! Annual batches (年度批次): from the compounds, the policy and a planning horizon to a plan that says, for every
//! compound, which year it is renovated in and why — or why not.
//!
//! Eligibility and the priority score come from `priority`; adjacent compounds of a town are bundled into district
//! projects (片区) from their boundaries; the schedule, and the bound that proves how good it is, come from the
//! `jiugai_planner` crate. Pure: the CLI, the API and the benchmarks call it with plain data.

use std::collections::{BTreeMap, BTreeSet};

use geo::{Distance, Euclidean, MapCoords, MultiPolygon};
use jiugai_planner as planner;
use planner::Resource;
use serde::{Deserialize, Serialize};

use super::FieldErrors;
use super::compound::{Consent, Survey};
use super::cost::fen_as_yuan;
use super::policy::Policy;
use super::priority::{self, Factors, Part, Weights};

/// A compound as the planner sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub year_built: i32,
    pub households: i32,
    pub cost_fen: i64,
    pub survey: Option<Survey>,
    pub consent: Option<Consent>,
    pub requests: i32,
    pub deputies_vote_rank: Option<i32>,
    pub archived: bool,
    /// The boundary, WGS-84.
    pub outline: MultiPolygon<f64>,
    /// The year of the approved batch it belongs to: never moved by planning.
    pub approved: Option<i32>,
}

impl Candidate {
    /// A compound record as it is imported or generated, not in any approved batch.
    pub fn from_record(r: &super::record::CompoundRecord) -> Candidate {
        Candidate {
            code: r.code.as_str().to_owned(),
            name: r.name.clone(),
            town_code: r.town_code.clone(),
            year_built: r.year_built,
            households: r.households,
            cost_fen: r.estimate.total_fen,
            survey: r.survey.clone(),
            consent: r.consent.clone(),
            requests: r.requests,
            deputies_vote_rank: r.deputies_vote_rank,
            archived: r.archived,
            outline: r.boundary.shape().clone(),
            approved: None,
        }
    }
}

/// What a plan is asked for: the years with their limits, pins and exclusions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Horizon {
    pub years: Vec<YearLimits>,
    /// Defaults to the policy's `planning.discount`.
    #[serde(default)]
    pub discount: Option<f64>,
    /// Compound code → the year it must be in (指定年度).
    #[serde(default)]
    pub pins: BTreeMap<String, i32>,
    /// Compounds this plan leaves out.
    #[serde(default)]
    pub exclusions: BTreeSet<String>,
    /// Whether adjacent compounds are bundled into district projects (default: yes).
    #[serde(default = "yes")]
    pub bundles: bool,
    /// Years whose approved and pinned compounds may exceed the year's limits: an explicit override (超预算安排),
    /// set only by a manual move that says why. The planner adds nothing else to such a year beyond its limits.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub overrides: BTreeSet<i32>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearLimits {
    pub year: i32,
    /// The year's budget (年度预算), in yuan.
    pub budget_yuan: u64,
    #[serde(default)]
    pub max_compounds: Option<u32>,
    #[serde(default)]
    pub max_households: Option<u64>,
}

/// The most years a horizon may span.
pub const MAX_YEARS: usize = 20;
/// Budgets above this (¥10 trillion a year, far beyond a national programme) are taken for a typing mistake.
const MAX_BUDGET_YUAN: u64 = 10_000_000_000_000;

impl Horizon {
    /// Checks the horizon against the compounds it names; every problem is reported, keyed by field.
    pub fn check(&self, known: &BTreeSet<&str>) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.years.is_empty() {
            errors.add("years", "must list at least one year");
        }
        if self.years.len() > MAX_YEARS {
            errors.add("years", format!("at most {MAX_YEARS} years"));
        }
        for (i, y) in self.years.iter().enumerate() {
            if !(2000..=2100).contains(&y.year) {
                errors.add(format!("years[{i}].year"), "must be between 2000 and 2100");
            }
            if i > 0 && y.year != self.years[i - 1].year + 1 {
                errors.add(
                    format!("years[{i}].year"),
                    "years must be consecutive and in order",
                );
            }
            if y.budget_yuan > MAX_BUDGET_YUAN {
                errors.add(
                    format!("years[{i}].budget_yuan"),
                    "must be at most 10,000,000,000,000 yuan",
                );
            }
        }
        if let Some(d) = self.discount
            && !(d > 0.0 && d <= 1.0)
        {
            errors.add("discount", "must be above 0 and at most 1");
        }
        let years: BTreeSet<i32> = self.years.iter().map(|y| y.year).collect();
        for year in &self.overrides {
            if !years.contains(year) {
                errors.add(
                    format!("overrides.{year}"),
                    "the year is not in the horizon",
                );
            }
        }
        for (code, year) in &self.pins {
            if !known.contains(code.as_str()) {
                errors.add(format!("pins.{code}"), "no such compound");
            } else if !years.contains(year) {
                errors.add(format!("pins.{code}"), "the year is not in the horizon");
            } else if self.exclusions.contains(code) {
                errors.add(format!("pins.{code}"), "is also excluded");
            }
        }
        for code in &self.exclusions {
            if !known.contains(code.as_str()) {
                errors.add(format!("exclusions.{code}"), "no such compound");
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Where a compound ends up in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// In an approved batch (已批准), never moved.
    Approved,
    /// Pinned to its year by the planner (指定).
    Pinned,
    /// Scheduled by the planner.
    Scheduled,
    /// Eligible but not scheduled within the horizon.
    Unscheduled,
    /// Left out by this plan.
    Excluded,
    /// Not eligible: built after the cut-off, no or too little consent, or archived.
    Ineligible,
}

/// One compound in a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompoundPlan {
    pub code: String,
    pub name: String,
    pub year: Option<i32>,
    pub outcome: Outcome,
    #[serde(serialize_with = "fen_as_yuan", rename = "cost_yuan")]
    pub cost_fen: i64,
    pub households: i32,
    pub priority: f64,
    pub breakdown: Vec<Part>,
    /// The district project it is bundled in (index into [`BatchPlan::bundles`]).
    pub bundle: Option<usize>,
    /// Why this year, or why not scheduled, as the bureau reads it.
    pub reason: String,
}

/// One year of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearBatch {
    pub year: i32,
    #[serde(serialize_with = "fen_as_yuan", rename = "budget_yuan")]
    pub budget_fen: i64,
    #[serde(serialize_with = "fen_as_yuan", rename = "used_yuan")]
    pub used_fen: i64,
    #[serde(serialize_with = "fen_as_yuan", rename = "left_yuan")]
    pub left_fen: i64,
    pub max_compounds: Option<u32>,
    pub max_households: Option<u64>,
    /// The approved and pinned compounds may exceed this year's limits (an explicit override).
    pub overridden: bool,
    pub compounds: u32,
    pub households: u64,
    /// Codes of the compounds in the batch, by descending priority.
    pub codes: Vec<String>,
    /// The district projects in the batch (indexes into [`BatchPlan::bundles`]).
    pub bundles: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchPlan {
    pub years: Vec<YearBatch>,
    /// Every compound, in code order.
    pub compounds: Vec<CompoundPlan>,
    /// District projects: the codes of their compounds.
    pub bundles: Vec<Vec<String>>,
    pub discount: f64,
    /// Σ priority × households × discount^(year − first year) over the compounds scheduled in the horizon.
    pub objective: f64,
    /// No plan of this horizon can score more.
    pub bound: f64,
    /// (bound − objective) / bound: how far from the best possible plan this one may be, at most.
    pub gap: f64,
}

/// Plans the horizon. Errors name the field at fault (`years[1].budget_yuan` when the approved batch and the pins of
/// a year already exceed its budget).
pub fn plan(
    policy: &Policy,
    horizon: &Horizon,
    candidates: &[Candidate],
) -> Result<BatchPlan, FieldErrors> {
    let known: BTreeSet<&str> = candidates.iter().map(|c| c.code.as_str()).collect();
    horizon.check(&known)?;
    let weights = Weights::from_policy(policy).map_err(|e| FieldErrors::single("policy", e))?;
    let first = horizon.years[0].year;
    let last = first + horizon.years.len() as i32 - 1;
    let in_horizon = |y: i32| (first..=last).contains(&y);
    let discount = horizon.discount.unwrap_or(policy.planning.discount);

    // Each compound's priority and standing before planning.
    let mut rows: Vec<CompoundPlan> = Vec::with_capacity(candidates.len());
    let mut free = Vec::new(); // indexes of eligible compounds the planner places freely
    for (i, c) in candidates.iter().enumerate() {
        let score = priority::score(
            &weights,
            policy,
            &Factors {
                year_built: c.year_built,
                households: c.households,
                survey: c.survey.as_ref(),
                consent: c.consent.as_ref(),
                requests: c.requests,
                deputies_vote_rank: c.deputies_vote_rank,
            },
        );
        let not_eligible =
            priority::ineligibility(policy, c.year_built, c.consent.as_ref(), c.archived);
        let pin = horizon.pins.get(&c.code).copied();
        let (outcome, year, reason) = if let Some(y) = c.approved {
            (Outcome::Approved, Some(y), format!("已批准列入 {y} 年批次"))
        } else if horizon.exclusions.contains(&c.code) {
            (Outcome::Excluded, None, "本方案排除".to_owned())
        } else if !not_eligible.is_empty() {
            let why: Vec<String> = not_eligible.iter().map(|r| r.explain()).collect();
            (
                Outcome::Ineligible,
                None,
                format!("不符合改造条件：{}", why.join("；")),
            )
        } else if let Some(y) = pin {
            (Outcome::Pinned, Some(y), format!("按指定排入 {y} 年"))
        } else {
            free.push(i);
            (Outcome::Unscheduled, None, String::new())
        };
        // A pin its approved batch has since confirmed is no contradiction.
        let confirmed = outcome == Outcome::Approved && pin == c.approved;
        if pin.is_some() && outcome != Outcome::Pinned && !confirmed {
            let mut errors = FieldErrors::default();
            errors.add(
                format!("pins.{}", c.code),
                format!("cannot be pinned: {reason}"),
            );
            return Err(errors);
        }
        rows.push(CompoundPlan {
            code: c.code.clone(),
            name: c.name.clone(),
            year,
            outcome,
            cost_fen: c.cost_fen,
            households: c.households,
            priority: score.total,
            breakdown: score.parts,
            bundle: None,
            reason,
        });
    }

    // The planner's items: fixed compounds (approved or pinned in the horizon), then bundles and single compounds.
    let groups = if horizon.bundles {
        bundle(
            candidates,
            &free,
            policy.planning.bundle_within_m,
            policy.planning.bundle_max_compounds,
        )
    } else {
        free.iter().map(|&i| vec![i]).collect()
    };
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut items: Vec<planner::Item> = Vec::new();
    let mut add = |group: Vec<usize>, fixed: Option<usize>| {
        let needs = [
            group
                .iter()
                .map(|&i| candidates[i].cost_fen.max(0) as u64)
                .sum(),
            group.len() as u64,
            group
                .iter()
                .map(|&i| candidates[i].households.max(0) as u64)
                .sum(),
        ];
        let value = group
            .iter()
            .map(|&i| rows[i].priority * f64::from(candidates[i].households.max(0)))
            .sum();
        items.push(planner::Item {
            value,
            needs,
            fixed,
        });
        members.push(group);
    };
    for (i, row) in rows.iter().enumerate() {
        if let Some(y) = row.year.filter(|&y| in_horizon(y)) {
            add(vec![i], Some((y - first) as usize));
        }
    }
    let mut bundles: Vec<Vec<String>> = Vec::new();
    for group in groups {
        add(group, None);
    }

    let mut instance = planner::Instance {
        years: horizon
            .years
            .iter()
            .map(|y| planner::Year {
                limits: [
                    Some(y.budget_yuan * 100),
                    y.max_compounds.map(u64::from),
                    y.max_households,
                ],
            })
            .collect(),
        discount,
        items,
    };
    // An overridden year's limits stretch to what its fixed compounds need, and no further.
    for (t, y) in horizon.years.iter().enumerate() {
        if !horizon.overrides.contains(&y.year) {
            continue;
        }
        for r in 0..planner::RESOURCES {
            let fixed: u64 = instance
                .items
                .iter()
                .filter(|item| item.fixed == Some(t))
                .map(|item| item.needs[r])
                .sum();
            if let Some(limit) = &mut instance.years[t].limits[r] {
                *limit = (*limit).max(fixed);
            }
        }
    }
    let schedule = planner::plan(&instance).map_err(|e| match e {
        planner::Error::FixedOverLimit {
            year,
            resource,
            needed,
            limit,
        } => {
            let (field, what) = match resource {
                Resource::Budget => (
                    "budget_yuan",
                    format!("¥{} of ¥{}", needed / 100, limit / 100),
                ),
                Resource::Compounds => ("max_compounds", format!("{needed} compounds of {limit}")),
                Resource::Households => {
                    ("max_households", format!("{needed} households of {limit}"))
                }
            };
            FieldErrors::single(
                format!("years[{year}].{field}"),
                format!(
                    "the approved batch and the pins of {} already need {what}",
                    first + year as i32
                ),
            )
        }
        other => FieldErrors::single("years", other.to_string()),
    })?;

    // Back from items to compounds.
    for (item, group) in members.iter().enumerate() {
        let Some(t) = schedule.year_of[item] else {
            continue;
        };
        let year = first + t as i32;
        let bundle_id = (group.len() > 1).then(|| {
            bundles.push(group.iter().map(|&i| rows[i].code.clone()).collect());
            bundles.len() - 1
        });
        for &i in group {
            let row = &mut rows[i];
            row.bundle = bundle_id;
            if row.outcome == Outcome::Unscheduled {
                row.outcome = Outcome::Scheduled;
                row.year = Some(year);
                row.reason = why_this_year(&instance, &schedule, item, first, t, row.priority);
                if bundle_id.is_some() {
                    let others: Vec<&str> = group
                        .iter()
                        .filter(|&&j| j != i)
                        .map(|&j| candidates[j].name.as_str())
                        .collect();
                    row.reason = format!("与{}连片改造；{}", others.join("、"), row.reason);
                }
            }
        }
    }
    for (item, group) in members.iter().enumerate() {
        if schedule.year_of[item].is_none() {
            for &i in group {
                rows[i].reason = why_not(&instance, &schedule, item, first);
            }
        }
    }

    let years = horizon
        .years
        .iter()
        .enumerate()
        .map(|(t, y)| {
            let mut codes: Vec<&CompoundPlan> =
                rows.iter().filter(|r| r.year == Some(y.year)).collect();
            codes.sort_by(|a, b| b.priority.total_cmp(&a.priority).then(a.code.cmp(&b.code)));
            let used = schedule.used[t];
            let mut in_year: Vec<usize> = codes.iter().filter_map(|r| r.bundle).collect();
            in_year.sort_unstable();
            in_year.dedup();
            YearBatch {
                year: y.year,
                budget_fen: (y.budget_yuan * 100) as i64,
                used_fen: used[0] as i64,
                left_fen: (y.budget_yuan * 100) as i64 - used[0] as i64,
                max_compounds: y.max_compounds,
                max_households: y.max_households,
                overridden: horizon.overrides.contains(&y.year),
                compounds: used[1] as u32,
                households: used[2],
                codes: codes.iter().map(|r| r.code.clone()).collect(),
                bundles: in_year,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(BatchPlan {
        years,
        compounds: rows,
        bundles,
        discount,
        objective: schedule.objective,
        bound: schedule.bound,
        gap: schedule.gap(),
    })
}

fn shortage(r: Resource) -> &'static str {
    match r {
        Resource::Budget => "预算余额不足",
        Resource::Compounds => "个数已满",
        Resource::Households => "户数已满",
    }
}

/// "2022 年预算余额不足、2023 年个数已满" for the years in `years` that had no room for the item.
fn earlier_years_full(
    instance: &planner::Instance,
    schedule: &planner::Plan,
    item: usize,
    first: i32,
    years: std::ops::Range<usize>,
) -> Vec<String> {
    years
        .filter_map(|t| {
            let short = schedule.short_of(instance, item, t);
            (!short.is_empty()).then(|| {
                let what: Vec<&str> = short.into_iter().map(shortage).collect();
                format!("{} 年{}", first + t as i32, what.join("、"))
            })
        })
        .collect()
}

fn why_this_year(
    instance: &planner::Instance,
    schedule: &planner::Plan,
    item: usize,
    first: i32,
    t: usize,
    priority: f64,
) -> String {
    let year = first + t as i32;
    if t == 0 {
        return format!("优先级 {priority:.2}，列入首年 {year} 年");
    }
    let full = earlier_years_full(instance, schedule, item, first, 0..t);
    if full.is_empty() {
        format!("优先级 {priority:.2}，排在更高优先的项目之后，列入 {year} 年")
    } else {
        format!("优先级 {priority:.2}；{}，列入 {year} 年", full.join("；"))
    }
}

fn why_not(
    instance: &planner::Instance,
    schedule: &planner::Plan,
    item: usize,
    first: i32,
) -> String {
    if instance.items[item].value <= 0.0 {
        return "优先级为零，未排入".into();
    }
    let years = instance.years.len();
    let full = earlier_years_full(instance, schedule, item, first, 0..years);
    if full.len() == years {
        let budget_everywhere = (0..years).all(|t| {
            schedule
                .short_of(instance, item, t)
                .contains(&Resource::Budget)
        });
        if budget_everywhere {
            format!(
                "规划期内（{first}–{} 年）各年预算余额均不足以安排",
                first + years as i32 - 1
            )
        } else {
            format!("规划期内各年均无余量：{}", full.join("；"))
        }
    } else {
        "优先级较低，规划期内未排入".into()
    }
}

/// District projects (片区): compounds of one town whose boundaries are within `within_m` metres of each other,
/// joined closest pair first as long as a project stays within `max` compounds. Single compounds stay alone.
/// Deterministic: ties are broken by position.
fn bundle(candidates: &[Candidate], free: &[usize], within_m: f64, max: usize) -> Vec<Vec<usize>> {
    // Candidate pairs: same town, bounding boxes within reach — a sweep over the boxes sorted by west edge.
    let boxes: Vec<[f64; 4]> = free.iter().map(|&i| bbox(&candidates[i].outline)).collect();
    let reach_lat = within_m / 110_574.0;
    let mut order: Vec<usize> = (0..free.len()).collect();
    order.sort_by(|&a, &b| boxes[a][0].total_cmp(&boxes[b][0]).then(a.cmp(&b)));
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    if within_m > 0.0 && max > 1 {
        for (n, &a) in order.iter().enumerate() {
            let reach_lon = within_m / (111_320.0 * boxes[a][1].to_radians().cos().max(0.1));
            for &b in &order[n + 1..] {
                if boxes[b][0] > boxes[a][2] + reach_lon {
                    break;
                }
                let (ca, cb) = (&candidates[free[a]], &candidates[free[b]]);
                let near = boxes[b][1] <= boxes[a][3] + reach_lat
                    && boxes[a][1] <= boxes[b][3] + reach_lat;
                if near && ca.town_code == cb.town_code {
                    let d = distance_m(&ca.outline, &cb.outline);
                    if d <= within_m {
                        pairs.push((d, a.min(b), a.max(b)));
                    }
                }
            }
        }
    }
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0).then((x.1, x.2).cmp(&(y.1, y.2))));

    // Union–find with a size limit.
    let mut parent: Vec<usize> = (0..free.len()).collect();
    let mut size = vec![1usize; free.len()];
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (_, a, b) in pairs {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb && size[ra] + size[rb] <= max {
            let (keep, gone) = (ra.min(rb), ra.max(rb));
            parent[gone] = keep;
            size[keep] += size[gone];
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (n, &compound) in free.iter().enumerate() {
        let r = root(&mut parent, n);
        groups.entry(r).or_default().push(compound);
    }
    groups.into_values().collect()
}

fn bbox(outline: &MultiPolygon<f64>) -> [f64; 4] {
    use geo::BoundingRect;
    outline
        .bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .unwrap_or_default()
}

/// The shortest distance between two boundaries, in metres, on a local plane (fine at the scale of a town).
fn distance_m(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    let [lon0, lat0, ..] = bbox(a);
    let kx = 111_320.0 * lat0.to_radians().cos();
    let ky = 110_574.0;
    let project = |m: &MultiPolygon<f64>| {
        m.map_coords(|c| geo::coord! { x: (c.x - lon0) * kx, y: (c.y - lat0) * ky })
    };
    let (pa, pb) = (project(a), project(b));
    pb.0.iter()
        .map(|polygon| Euclidean.distance(&pa, polygon))
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use geo::{MultiPolygon, polygon};
    use proptest::prelude::*;

    use super::*;
    use crate::domain::catalog::Catalog;
    use crate::domain::record::CompoundRecord;

    fn policy() -> Policy {
        Policy::from_toml(include_str!("../../fixtures/renshou/policy.toml")).unwrap()
    }

    fn consent(agreeing_share: f64) -> Consent {
        let agreeing = (100.0 * agreeing_share) as u32;
        Consent {
            recorded_on: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
            owners_total: 100,
            area_total_m2: 8000.0,
            participating_owners: 100,
            participating_area_m2: 8000.0,
            agreeing_owners: agreeing,
            agreeing_area_m2: f64::from(agreeing) * 80.0,
        }
    }

    /// A 100 m square whose west edge is at `x` metres east of a point in Renshou.
    fn square(x: f64) -> MultiPolygon<f64> {
        let (lon, lat) = (104.13 + x / 96_486.0, 30.0);
        let w = 100.0 / 96_486.0;
        let h = 100.0 / 110_852.0;
        MultiPolygon(vec![polygon![
            (x: lon, y: lat), (x: lon + w, y: lat), (x: lon + w, y: lat + h), (x: lon, y: lat + h), (x: lon, y: lat)
        ]])
    }

    fn candidate(n: usize, town: &str, x: f64, households: i32, cost_yuan: i64) -> Candidate {
        Candidate {
            code: format!("T-{n:03}"),
            name: format!("小区{n}"),
            town_code: town.into(),
            year_built: 1990,
            households,
            cost_fen: cost_yuan * 100,
            survey: None,
            consent: Some(consent(0.9)),
            requests: 0,
            deputies_vote_rank: None,
            archived: false,
            outline: square(x),
            approved: None,
        }
    }

    fn horizon(years: &[(i32, u64)]) -> Horizon {
        Horizon {
            years: years
                .iter()
                .map(|&(year, budget_yuan)| YearLimits {
                    year,
                    budget_yuan,
                    max_compounds: None,
                    max_households: None,
                })
                .collect(),
            discount: None,
            pins: BTreeMap::new(),
            exclusions: BTreeSet::new(),
            bundles: true,
            overrides: BTreeSet::new(),
        }
    }

    fn by_code<'a>(plan: &'a BatchPlan, code: &str) -> &'a CompoundPlan {
        plan.compounds.iter().find(|c| c.code == code).unwrap()
    }

    #[test]
    fn every_compound_gets_a_year_or_a_reason() {
        let mut late = candidate(2, "A", 1000.0, 100, 1_000_000);
        late.year_built = 2005;
        let mut no_vote = candidate(3, "A", 2000.0, 100, 1_000_000);
        no_vote.consent = None;
        let mut archived = candidate(4, "A", 3000.0, 100, 1_000_000);
        archived.archived = true;
        let cands = vec![
            candidate(1, "A", 0.0, 300, 1_000_000),
            late,
            no_vote,
            archived,
            candidate(5, "A", 4000.0, 100, 1_000_000),
            candidate(6, "A", 5000.0, 50, 1_000_000),
        ];
        // Budget for two compounds a year, two years: the three eligible ones fit, the cheapest value waits.
        let plan = plan(
            &policy(),
            &horizon(&[(2022, 2_000_000), (2023, 2_000_000)]),
            &cands,
        )
        .unwrap();
        assert_eq!(by_code(&plan, "T-001").year, Some(2022));
        assert_eq!(by_code(&plan, "T-005").year, Some(2022));
        let waiting = by_code(&plan, "T-006");
        assert_eq!(waiting.year, Some(2023));
        assert!(
            waiting.reason.contains("2022 年预算余额不足"),
            "{}",
            waiting.reason
        );
        for (code, words) in [
            ("T-002", "晚于政策截止年份"),
            ("T-003", "尚无居民意愿"),
            ("T-004", "已归档"),
        ] {
            let c = by_code(&plan, code);
            assert_eq!((c.year, c.outcome), (None, Outcome::Ineligible));
            assert!(c.reason.contains(words), "{code}: {}", c.reason);
        }
        assert_eq!(plan.years[0].used_fen, 200_000_000);
        assert_eq!(plan.years[1].left_fen, 100_000_000);
    }

    #[test]
    fn neighbours_in_one_town_are_one_district_project_in_one_year() {
        // 1 and 2 are 20 m apart in town A; 3 is 20 m from 2 but in town B; 4 is far away.
        let cands = vec![
            candidate(1, "A", 0.0, 100, 1_000_000),
            candidate(2, "A", 120.0, 100, 1_000_000),
            candidate(3, "B", 240.0, 100, 1_000_000),
            candidate(4, "A", 5000.0, 100, 1_000_000),
        ];
        let plan = plan(&policy(), &horizon(&[(2022, 10_000_000)]), &cands).unwrap();
        assert_eq!(plan.bundles, [vec!["T-001".to_owned(), "T-002".to_owned()]]);
        assert_eq!(by_code(&plan, "T-001").bundle, Some(0));
        assert!(by_code(&plan, "T-001").reason.contains("与小区2连片改造"));
        assert_eq!(by_code(&plan, "T-003").bundle, None);
        assert_eq!(plan.years[0].bundles, [0]);
    }

    #[test]
    fn pins_exclusions_and_approved_batches_are_kept() {
        let mut approved = candidate(3, "A", 2000.0, 100, 1_500_000);
        approved.approved = Some(2022);
        let mut earlier = candidate(4, "A", 3000.0, 100, 1_000_000);
        earlier.approved = Some(2021);
        let cands = vec![
            candidate(1, "A", 0.0, 500, 1_000_000),
            candidate(2, "A", 1000.0, 10, 1_000_000),
            approved,
            earlier,
        ];
        let mut h = horizon(&[(2022, 3_000_000), (2023, 2_000_000)]);
        h.pins.insert("T-002".into(), 2022);
        h.exclusions.insert("T-001".into());
        let plan = plan(&policy(), &h, &cands).unwrap();
        assert_eq!(by_code(&plan, "T-001").outcome, Outcome::Excluded);
        assert_eq!(by_code(&plan, "T-002").year, Some(2022));
        assert_eq!(by_code(&plan, "T-003").year, Some(2022));
        assert_eq!(by_code(&plan, "T-004").year, Some(2021));
        assert!(
            by_code(&plan, "T-004")
                .reason
                .contains("已批准列入 2021 年批次")
        );
        // The approved compound and the pin share 2022's budget.
        assert_eq!(plan.years[0].used_fen, 250_000_000);

        // An approved batch and pins beyond the budget are an error on that year's budget.
        let mut tight = h.clone();
        tight.years[0].budget_yuan = 2_000_000;
        tight.pins.insert("T-001".into(), 2022);
        tight.exclusions.clear();
        let errors = super::plan(&policy(), &tight, &cands).unwrap_err();
        assert!(errors.0.contains_key("years[0].budget_yuan"), "{errors}");

        // An explicit override lets the fixed compounds exceed the year, and nothing else joins them.
        tight.overrides.insert(2022);
        let over = super::plan(&policy(), &tight, &cands).unwrap();
        assert!(over.years[0].overridden && !over.years[1].overridden);
        assert_eq!(over.years[0].used_fen, 350_000_000);
        assert_eq!(over.years[0].left_fen, -150_000_000);
        assert_eq!(over.years[0].codes.len(), 3);
        tight.overrides.insert(2030);
        let errors = super::plan(&policy(), &tight, &cands).unwrap_err();
        assert!(errors.0.contains_key("overrides.2030"), "{errors}");
    }

    #[test]
    fn bad_horizons_name_the_field() {
        let eligible = candidate(1, "A", 0.0, 100, 1_000_000);
        let mut not_eligible = eligible.clone();
        not_eligible.code = "T-002".into();
        not_eligible.consent = None;
        let cands = vec![eligible, not_eligible];
        type Change = Box<dyn Fn(&mut Horizon)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|h| h.years.clear()), "years"),
            (Box::new(|h| h.years[1].year = 2024), "years[1].year"),
            (
                Box::new(|h| h.years[0].budget_yuan = u64::MAX),
                "years[0].budget_yuan",
            ),
            (Box::new(|h| h.discount = Some(1.5)), "discount"),
            (
                Box::new(|h| {
                    h.pins.insert("NOPE".into(), 2022);
                }),
                "pins.NOPE",
            ),
            (
                Box::new(|h| {
                    h.pins.insert("T-001".into(), 2030);
                }),
                "pins.T-001",
            ),
            (
                Box::new(|h| {
                    h.pins.insert("T-002".into(), 2022);
                }),
                "pins.T-002",
            ),
            (
                Box::new(|h| {
                    h.exclusions.insert("NOPE".into());
                }),
                "exclusions.NOPE",
            ),
        ];
        for (change, field) in cases {
            let mut h = horizon(&[(2022, 1_000_000), (2023, 1_000_000)]);
            change(&mut h);
            let errors = plan(&policy(), &h, &cands).unwrap_err();
            assert!(errors.0.contains_key(field), "{field}: {errors}");
        }
    }

    fn renshou() -> Vec<Candidate> {
        let catalog =
            Catalog::from_toml(include_str!("../../fixtures/renshou/work_items.toml")).unwrap();
        crate::fixtures::generate::features(
            crate::fixtures::generate::RENSHOU_COUNT,
            crate::fixtures::generate::RENSHOU_SEED,
        )
        .map(|f| {
            let r = CompoundRecord::parse(
                &f["properties"],
                f.get("geometry"),
                Crs::default(),
                &catalog,
            )
            .unwrap();
            Candidate::from_record(&r)
        })
        .collect()
    }

    use crate::domain::geometry::Crs;

    #[test]
    fn the_seed_year_is_a_batch_of_81_from_the_policy_budget() {
        let p = policy();
        let batch = &p.batches["2021"];
        let h = Horizon {
            years: vec![YearLimits {
                year: 2021,
                budget_yuan: batch.budget_yuan,
                max_compounds: batch.max_compounds,
                max_households: None,
            }],
            ..horizon(&[])
        };
        let plan = plan(&p, &h, &renshou()).unwrap();
        let year = &plan.years[0];
        assert_eq!(year.compounds, 81);
        assert!(year.used_fen <= year.budget_fen);
        assert!(plan.gap < 0.001, "gap {}", plan.gap);
    }

    fn random_candidates() -> impl Strategy<Value = Vec<Candidate>> {
        proptest::collection::vec(
            (0u8..3, 0u8..10, 10i32..400, 1i64..60, 0u8..2, 0u8..4),
            1..40,
        )
        .prop_map(|specs| {
            specs
                .into_iter()
                .enumerate()
                .map(
                    |(n, (town, eligibility, households, cost_wan, gap, approved))| {
                        // Neighbours 20 or 200 m apart along a street.
                        let mut c = candidate(
                            n,
                            ["A", "B", "C"][usize::from(town)],
                            n as f64 * 120.0 + f64::from(gap) * 180.0 * n as f64,
                            households,
                            cost_wan * 10_000,
                        );
                        match eligibility {
                            0 => c.consent = None,
                            1 => c.year_built = 2010,
                            2 => c.consent = Some(consent(0.5)),
                            _ => {}
                        }
                        if approved == 0 && eligibility > 2 {
                            c.approved = Some(2022);
                        }
                        c
                    },
                )
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn plans_keep_budgets_caps_bundles_eligibility_and_approvals(
            cands in random_candidates(),
            budgets in proptest::collection::vec(0u64..400, 1..4),
            cap in proptest::option::of(1u32..10),
        ) {
            let h = Horizon {
                years: budgets.iter().enumerate().map(|(t, b)| YearLimits {
                    year: 2022 + t as i32,
                    budget_yuan: b * 10_000 + 3_000_000,
                    max_compounds: cap.map(|c| c + 4),
                    max_households: None,
                }).collect(),
                ..horizon(&[])
            };
            let plan = match plan(&policy(), &h, &cands) {
                Ok(plan) => plan,
                Err(errors) => {
                    // Only the approved batch (all in 2022) over that year's budget or cap may refuse to plan.
                    prop_assert!(errors.0.keys().all(|k| k.starts_with("years[0].")), "{errors}");
                    return Ok(());
                }
            };
            for y in &plan.years {
                prop_assert!(y.used_fen <= y.budget_fen);
                prop_assert!(y.max_compounds.is_none_or(|m| y.compounds <= m));
                let cost: i64 = plan.compounds.iter().filter(|c| c.year == Some(y.year)).map(|c| c.cost_fen).sum();
                prop_assert_eq!(cost, y.used_fen);
            }
            for (c, cand) in plan.compounds.iter().zip(&cands) {
                prop_assert_eq!(&c.code, &cand.code);
                if let Some(year) = cand.approved {
                    prop_assert_eq!(c.year, Some(year));
                }
                let eligible = priority::ineligibility(&policy(), cand.year_built, cand.consent.as_ref(), cand.archived).is_empty();
                if !eligible && cand.approved.is_none() {
                    prop_assert_eq!(c.year, None);
                    prop_assert_eq!(c.outcome, Outcome::Ineligible);
                }
                prop_assert!(!c.reason.is_empty());
            }
            for bundle in &plan.bundles {
                let years: BTreeSet<Option<i32>> = bundle.iter().map(|code| by_code(&plan, code).year).collect();
                prop_assert_eq!(years.len(), 1, "bundle {:?} split", bundle);
            }
        }
    }
}
