//! `plan`: the horizon checked, every compound's standing, the planner's items and instance, its schedule, and the
//! schedule read back into a plan with a reason per compound.

use std::collections::BTreeSet;

use jiugai_planner as planner;
use planner::Resource;

use super::bundles::bundle;
use super::candidate::Candidate;
use super::horizon::Horizon;
use super::output::{BatchPlan, CompoundPlan, Outcome, YearBatch};
use super::reasons::{why_not, why_this_year};
use crate::domain::FieldErrors;
use crate::domain::policy::Policy;
use crate::domain::priority::{self, Factors, Weights};

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
    let discount = horizon.discount.unwrap_or(policy.planning.discount);

    let (mut rows, free) = standings(policy, &weights, horizon, candidates)?;
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
    let sources = Sources::none();
    let (members, items) = planner_items(horizon, candidates, &rows, groups, &sources);
    let instance = instance(horizon, discount, items, sources);
    let schedule = planner::plan(&instance).map_err(|e| schedule_error(e, first))?;
    let bundles = place_scheduled(&mut rows, candidates, &members, &instance, &schedule, first);
    explain_unscheduled(&mut rows, &members, &instance, &schedule, first);
    let years = year_batches(horizon, &rows, &schedule);
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

/// Each compound's priority and standing before planning, in the order of `candidates`, and the indexes of the
/// eligible compounds the planner places freely.
fn standings(
    policy: &Policy,
    weights: &Weights,
    horizon: &Horizon,
    candidates: &[Candidate],
) -> Result<(Vec<CompoundPlan>, Vec<usize>), FieldErrors> {
    let mut rows: Vec<CompoundPlan> = Vec::with_capacity(candidates.len());
    let mut free = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        let row = standing(policy, weights, horizon, c)?;
        if row.outcome == Outcome::Unscheduled {
            free.push(i);
        }
        rows.push(row);
    }
    Ok((rows, free))
}

/// One compound before planning: approved, excluded, ineligible, pinned, or left to the planner (`Unscheduled`,
/// no reason yet). A pin on a compound that cannot take it is an error on `pins.{code}`.
fn standing(
    policy: &Policy,
    weights: &Weights,
    horizon: &Horizon,
    c: &Candidate,
) -> Result<CompoundPlan, FieldErrors> {
    let score = priority::score(
        weights,
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
        (Outcome::Unscheduled, None, String::new())
    };
    // A pin its approved batch has since confirmed is no contradiction.
    let confirmed = outcome == Outcome::Approved && pin == c.approved;
    if pin.is_some() && outcome != Outcome::Pinned && !confirmed {
        let mut errors = FieldErrors::default();
        errors.add(
            format!("pins.{}", c.code),
            format!("小区 {} 不能指定年度：{reason}", c.code),
        );
        return Err(errors);
    }
    Ok(CompoundPlan {
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
    })
}

/// Resources beyond the planner's standard three (budget, compounds, households): the funding sources of issue 18,
/// each with a limit per year (what it provides that year) and a need per compound (what it pays of the compound's
/// cost). They go to the planner after the standard three, in this order; a year's plan then keeps each source's
/// limit as it keeps the budget, and an item's reason names a full source ([`super::reasons`]).
///
/// None yet: wiring the policy's sources in is filling this in [`Sources::none`]'s place — names, per year (in the
/// horizon's order) each source's limit in fen (`None`: no limit), per candidate (in the order of `candidates`) what
/// each source pays in fen.
struct Sources {
    names: Vec<String>,
    /// Per year of the horizon, per source.
    limits: Vec<Vec<Option<u64>>>,
    /// Per candidate, per source.
    needs: Vec<Vec<u64>>,
}

impl Sources {
    /// No funding sources: the planner sees the standard three resources only.
    fn none() -> Sources {
        Sources {
            names: Vec::new(),
            limits: Vec::new(),
            needs: Vec::new(),
        }
    }
}

/// The planner's items: fixed compounds (approved or pinned in the horizon), then bundles and single compounds
/// (`groups`). Returns, per item, the indexes of its compounds, and the items.
fn planner_items(
    horizon: &Horizon,
    candidates: &[Candidate],
    rows: &[CompoundPlan],
    groups: Vec<Vec<usize>>,
    sources: &Sources,
) -> (Vec<Vec<usize>>, Vec<planner::Item>) {
    let first = horizon.years[0].year;
    let last = first + horizon.years.len() as i32 - 1;
    let in_horizon = |y: i32| (first..=last).contains(&y);
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut items: Vec<planner::Item> = Vec::new();
    let mut add = |group: Vec<usize>, fixed: Option<usize>| {
        let mut needs = vec![
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
        needs.extend(
            (0..sources.names.len())
                .map(|j| group.iter().map(|&i| sources.needs[i][j]).sum::<u64>()),
        );
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
    for group in groups {
        add(group, None);
    }
    (members, items)
}

/// The planner's instance: each year's limits (budget in fen, compounds, households, then the funding sources') and
/// the items.
fn instance(
    horizon: &Horizon,
    discount: f64,
    items: Vec<planner::Item>,
    sources: Sources,
) -> planner::Instance {
    let mut resources = planner::standard_resources();
    resources.extend(sources.names);
    let mut instance = planner::Instance {
        resources,
        years: horizon
            .years
            .iter()
            .enumerate()
            .map(|(t, y)| {
                let mut limits = vec![
                    Some(y.budget_yuan * 100),
                    y.max_compounds.map(u64::from),
                    y.max_households,
                ];
                if let Some(source_limits) = sources.limits.get(t) {
                    limits.extend(source_limits);
                }
                planner::Year { limits }
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
        for r in 0..instance.resources.len() {
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
    instance
}

/// The planner's refusal as the field at fault: a year whose fixed compounds already exceed one of its limits.
fn schedule_error(e: planner::Error, first: i32) -> FieldErrors {
    match e {
        planner::Error::FixedOverLimit {
            year,
            resource,
            name,
            needed,
            limit,
        } => {
            let (field, what) = match resource {
                Resource::BUDGET => (
                    ".budget_yuan",
                    format!("{} 元，而年度预算为 {} 元", needed / 100, limit / 100),
                ),
                Resource::COMPOUNDS => (
                    ".max_compounds",
                    format!("{needed} 个小区，而年度上限为 {limit} 个"),
                ),
                Resource::HOUSEHOLDS => (
                    ".max_households",
                    format!("{needed} 户，而年度上限为 {limit} 户"),
                ),
                // A funding source (none is passed yet; see `Sources`).
                _ => (
                    "",
                    format!(
                        "{name} {} 元，而其年度额度为 {} 元",
                        needed / 100,
                        limit / 100
                    ),
                ),
            };
            FieldErrors::single(
                format!("years[{year}]{field}"),
                format!(
                    "{} 年已批准的批次和指定排入的小区已需 {what}",
                    first + year as i32
                ),
            )
        }
        // The horizon was checked before planning, so these are not expected; said plainly all the same.
        planner::Error::NoYears => FieldErrors::single("years", "规划期没有年度，无法排期"),
        planner::Error::TooManyYears(n) => {
            FieldErrors::single("years", format!("规划期有 {n} 个年度，超过可排期的上限"))
        }
        planner::Error::Discount(d) => FieldErrors::single(
            "discount",
            format!("逐年折现系数 {d} 不在 0 到 1 之间，无法排期"),
        ),
        planner::Error::Value { .. }
        | planner::Error::FixedYear { .. }
        | planner::Error::NoResources
        | planner::Error::Limits { .. }
        | planner::Error::Needs { .. } => {
            FieldErrors::single("years", "有小区的数据无法排期，请检查指定年度和小区数据")
        }
    }
}

/// Back from items to compounds: the scheduled ones get their year and reason, and every compound its district
/// project. Returns the district projects that were scheduled, as the codes of their compounds.
fn place_scheduled(
    rows: &mut [CompoundPlan],
    candidates: &[Candidate],
    members: &[Vec<usize>],
    instance: &planner::Instance,
    schedule: &planner::Plan,
    first: i32,
) -> Vec<Vec<String>> {
    let mut bundles: Vec<Vec<String>> = Vec::new();
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
                row.reason = why_this_year(instance, schedule, item, first, t, row.priority);
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
    bundles
}

/// The compounds of the items left out of the schedule: why not.
fn explain_unscheduled(
    rows: &mut [CompoundPlan],
    members: &[Vec<usize>],
    instance: &planner::Instance,
    schedule: &planner::Plan,
    first: i32,
) {
    for (item, group) in members.iter().enumerate() {
        if schedule.year_of[item].is_none() {
            for &i in group {
                rows[i].reason = why_not(instance, schedule, item, first);
            }
        }
    }
}

/// Each year's batch: its compounds by descending priority, what they use of the limits, its district projects.
fn year_batches(
    horizon: &Horizon,
    rows: &[CompoundPlan],
    schedule: &planner::Plan,
) -> Vec<YearBatch> {
    horizon
        .years
        .iter()
        .enumerate()
        .map(|(t, y)| {
            let mut codes: Vec<&CompoundPlan> =
                rows.iter().filter(|r| r.year == Some(y.year)).collect();
            codes.sort_by(|a, b| b.priority.total_cmp(&a.priority).then(a.code.cmp(&b.code)));
            let used = &schedule.used[t];
            let mut in_year: Vec<usize> = codes.iter().filter_map(|r| r.bundle).collect();
            in_year.sort_unstable();
            in_year.dedup();
            YearBatch {
                year: y.year,
                budget_fen: (y.budget_yuan * 100) as i64,
                used_fen: used[Resource::BUDGET.0] as i64,
                left_fen: (y.budget_yuan * 100) as i64 - used[Resource::BUDGET.0] as i64,
                max_compounds: y.max_compounds,
                max_households: y.max_households,
                overridden: horizon.overrides.contains(&y.year),
                compounds: used[Resource::COMPOUNDS.0] as u32,
                households: used[Resource::HOUSEHOLDS.0],
                codes: codes.iter().map(|r| r.code.clone()).collect(),
                bundles: in_year,
            }
        })
        .collect()
}
