//! `plan`: the horizon checked, every compound's standing, the planner's items and instance, its schedule, and the
//! schedule read back into a plan with a reason per compound.

use std::collections::{BTreeMap, BTreeSet};

use jiugai_planner as planner;
use planner::Resource;

use super::bundles::bundle;
use super::candidate::Candidate;
use super::horizon::{Horizon, YearLimits};
use super::output::{BatchPlan, CompoundPlan, Outcome, SourceUse, YearBatch};
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
    let source_codes: Vec<&str> = policy
        .funding
        .sources
        .iter()
        .map(|s| s.code.as_str())
        .collect();
    horizon.check(&known, &source_codes)?;
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
    let sources = Sources::of(policy, horizon, candidates);
    let (members, items) = planner_items(horizon, candidates, &rows, groups, &sources);
    let codes = sources.codes.clone();
    let instance = instance(horizon, discount, items, sources);
    let schedule = planner::plan(&instance).map_err(|e| schedule_error(e, first, &codes))?;
    let bundles = place_scheduled(&mut rows, candidates, &members, &instance, &schedule, first);
    explain_unscheduled(&mut rows, &members, &instance, &schedule, first);
    let years = year_batches(policy, horizon, candidates, &rows, &schedule);
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

/// Resources beyond the planner's standard three (budget, compounds, households): the funding sources of issue 18
/// that some year of the horizon limits, each with a limit per year (what it provides that year) and a need per
/// compound (what it pays of the compound's estimate). They go to the planner after the standard three, in the
/// policy's order; a year's plan then keeps each source's limit as it keeps the budget, and an item's reason names a
/// full source by its name ([`super::reasons`]).
#[derive(Debug, PartialEq)]
struct Sources {
    /// The sources' codes (`central`), for the fields of errors.
    codes: Vec<String>,
    /// The sources' names (中央补助资金): the planner's resource names, which the reasons quote.
    names: Vec<String>,
    /// Per year of the horizon, per source: the limit in fen (`None`: not limited that year).
    limits: Vec<Vec<Option<u64>>>,
    /// Per candidate, per source: what it pays in fen.
    needs: Vec<Vec<u64>>,
}

impl Sources {
    /// No funding sources: the planner sees the standard three resources only.
    fn none() -> Sources {
        Sources {
            codes: Vec::new(),
            names: Vec::new(),
            limits: Vec::new(),
            needs: Vec::new(),
        }
    }

    /// The policy's sources that some year limits, with each candidate's share of them (`Candidate::shares_fen`,
    /// which must then be filled; a source a compound's split leaves out pays nothing of it).
    fn of(policy: &Policy, horizon: &Horizon, candidates: &[Candidate]) -> Sources {
        let limited: Vec<&crate::domain::funding::Source> = policy
            .funding
            .sources
            .iter()
            .filter(|s| {
                horizon
                    .years
                    .iter()
                    .any(|y| y.source_limits_yuan.contains_key(&s.code))
            })
            .collect();
        if limited.is_empty() {
            return Sources::none();
        }
        Sources {
            codes: limited.iter().map(|s| s.code.clone()).collect(),
            names: limited.iter().map(|s| s.name.trim().to_owned()).collect(),
            limits: horizon
                .years
                .iter()
                .map(|y| {
                    limited
                        .iter()
                        .map(|s| y.source_limits_yuan.get(&s.code).map(|yuan| yuan * 100))
                        .collect()
                })
                .collect(),
            needs: candidates
                .iter()
                .map(|c| {
                    limited
                        .iter()
                        .map(|s| c.shares_fen.get(&s.code).copied().unwrap_or(0).max(0) as u64)
                        .collect()
                })
                .collect(),
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
/// `sources` are the codes of the funding sources passed after the standard three resources.
fn schedule_error(e: planner::Error, first: i32, sources: &[String]) -> FieldErrors {
    match e {
        planner::Error::FixedOverLimit {
            year,
            resource,
            name,
            needed,
            limit,
        } => {
            let (field, what): (String, String) = match resource {
                Resource::BUDGET => (
                    ".budget_yuan".into(),
                    format!("{} 元，而年度预算为 {} 元", needed / 100, limit / 100),
                ),
                Resource::COMPOUNDS => (
                    ".max_compounds".into(),
                    format!("{needed} 个小区，而年度上限为 {limit} 个"),
                ),
                Resource::HOUSEHOLDS => (
                    ".max_households".into(),
                    format!("{needed} 户，而年度上限为 {limit} 户"),
                ),
                // A funding source, passed after the standard three (see `Sources`).
                Resource(r) => (
                    sources
                        .get(r.saturating_sub(planner::standard_resources().len()))
                        .map(|code| format!(".source_limits_yuan.{code}"))
                        .unwrap_or_default(),
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

/// Each year's batch: its compounds by descending priority, what they use of the limits (of every funding source
/// when some source is limited), its district projects.
fn year_batches(
    policy: &Policy,
    horizon: &Horizon,
    candidates: &[Candidate],
    rows: &[CompoundPlan],
    schedule: &planner::Plan,
) -> Vec<YearBatch> {
    let split_known = horizon.limits_sources();
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
                sources: if split_known {
                    source_use(policy, y, candidates, rows)
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// What a year's batch (the rows in `year.year`) draws on each of the policy's sources, then on any source only a
/// compound's own split still names, with each source's limit that year.
fn source_use(
    policy: &Policy,
    year: &YearLimits,
    candidates: &[Candidate],
    rows: &[CompoundPlan],
) -> Vec<SourceUse> {
    let mut used: BTreeMap<&str, i64> = BTreeMap::new();
    for (c, row) in candidates.iter().zip(rows) {
        if row.year == Some(year.year) {
            for (code, fen) in &c.shares_fen {
                *used.entry(code.as_str()).or_default() += fen;
            }
        }
    }
    let mut uses: Vec<SourceUse> = policy
        .funding
        .sources
        .iter()
        .map(|s| SourceUse {
            source: s.code.clone(),
            name: s.name.trim().to_owned(),
            used_fen: used.remove(s.code.as_str()).unwrap_or_default(),
            limit_fen: year
                .source_limits_yuan
                .get(&s.code)
                .map(|yuan| (yuan * 100) as i64),
        })
        .collect();
    uses.extend(used.into_iter().map(|(code, used_fen)| SourceUse {
        source: code.to_owned(),
        name: format!("已停用的资金来源（{code}）"),
        used_fen,
        limit_fen: None,
    }));
    uses
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::NaiveDate;
    use geo::{MultiPolygon, polygon};

    use super::*;
    use crate::domain::compound::Consent;

    fn policy() -> Policy {
        Policy::from_toml(include_str!("../../../fixtures/renshou/policy.toml")).unwrap()
    }

    /// A compound 1 km from the next (never bundled), with what the central subsidy and the county pay of it.
    fn candidate(n: usize, households: i32, central_yuan: i64, local_yuan: i64) -> Candidate {
        let lon = 104.13 + n as f64 * 0.01;
        let (w, h) = (0.001, 0.001);
        Candidate {
            code: format!("T-{n:03}"),
            name: format!("小区{n}"),
            town_code: "A".into(),
            year_built: 1990,
            households,
            cost_fen: (central_yuan + local_yuan) * 100,
            survey: None,
            consent: Some(Consent {
                recorded_on: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
                owners_total: 100,
                area_total_m2: 8000.0,
                participating_owners: 100,
                participating_area_m2: 8000.0,
                agreeing_owners: 90,
                agreeing_area_m2: 7200.0,
            }),
            requests: 0,
            deputies_vote_rank: None,
            archived: false,
            outline: MultiPolygon(vec![polygon![
                (x: lon, y: 30.0), (x: lon + w, y: 30.0), (x: lon + w, y: 30.0 + h), (x: lon, y: 30.0 + h),
                (x: lon, y: 30.0)
            ]]),
            approved: None,
            shares_fen: BTreeMap::from([
                ("central".to_owned(), central_yuan * 100),
                ("local".to_owned(), local_yuan * 100),
            ]),
        }
    }

    fn horizon(central: &[Option<u64>]) -> Horizon {
        Horizon {
            years: central
                .iter()
                .enumerate()
                .map(|(t, limit)| YearLimits {
                    year: 2022 + t as i32,
                    budget_yuan: 100_000_000,
                    max_compounds: None,
                    max_households: None,
                    source_limits_yuan: limit.iter().map(|&l| ("central".to_owned(), l)).collect(),
                })
                .collect(),
            discount: None,
            pins: BTreeMap::new(),
            exclusions: BTreeSet::new(),
            bundles: false,
            overrides: BTreeSet::new(),
        }
    }

    #[test]
    fn no_limited_source_passes_none_to_the_planner() {
        let cands = vec![candidate(1, 100, 1_000_000, 500_000)];
        assert_eq!(
            Sources::of(&policy(), &horizon(&[None, None]), &cands),
            Sources::none()
        );
    }

    #[test]
    fn a_source_limited_in_some_year_is_passed_by_name_with_its_limits_and_needs() {
        let mut unsplit = candidate(2, 50, 0, 0);
        unsplit.shares_fen.clear();
        let cands = vec![candidate(1, 100, 1_000_000, 500_000), unsplit];
        let sources = Sources::of(&policy(), &horizon(&[None, Some(3_000_000)]), &cands);
        assert_eq!(
            sources,
            Sources {
                codes: vec!["central".into()],
                names: vec!["中央补助资金".into()],
                limits: vec![vec![None], vec![Some(300_000_000)]],
                needs: vec![vec![100_000_000], vec![0]],
            }
        );
    }

    #[test]
    fn a_full_source_leaves_compounds_out_by_its_name_and_its_use_adds_up() {
        // Each year's central subsidy takes two of the five compounds; the budget would take them all.
        let cands: Vec<Candidate> = (1..=5)
            .map(|n| candidate(n, 100 + n as i32, 1_000_000, 200_000))
            .collect();
        let plan = plan(&policy(), &horizon(&[Some(2_000_000); 2]), &cands).unwrap();
        let scheduled = plan.compounds.iter().filter(|c| c.year.is_some()).count();
        assert_eq!(scheduled, 4);
        let out = plan.compounds.iter().find(|c| c.year.is_none()).unwrap();
        assert!(
            out.reason.contains("中央补助资金额度不足"),
            "{}",
            out.reason
        );
        for y in &plan.years {
            let central = y.sources.iter().find(|s| s.source == "central").unwrap();
            assert_eq!(central.name, "中央补助资金");
            assert_eq!(central.limit_fen, Some(200_000_000));
            assert_eq!(central.used_fen, 200_000_000);
            let local = y.sources.iter().find(|s| s.source == "local").unwrap();
            assert_eq!(local.limit_fen, None);
            assert_eq!(local.used_fen, 40_000_000);
            // The policy's other sources are reported, at nothing.
            assert_eq!(y.sources.len(), policy().funding.sources.len());
        }
    }

    #[test]
    fn no_limit_reports_no_source_use() {
        let cands: Vec<Candidate> = (1..=3).map(|n| candidate(n, 100, 1_000_000, 0)).collect();
        let plan = plan(&policy(), &horizon(&[None]), &cands).unwrap();
        assert!(plan.years[0].sources.is_empty());
    }

    #[test]
    fn an_approved_compound_over_a_source_limit_names_the_field() {
        let mut approved = candidate(1, 100, 5_000_000, 0);
        approved.approved = Some(2023);
        let cands = vec![approved, candidate(2, 100, 1_000, 0)];
        let errors = plan(&policy(), &horizon(&[None, Some(1_000_000)]), &cands).unwrap_err();
        let messages = &errors.0["years[1].source_limits_yuan.central"];
        assert!(messages[0].contains("中央补助资金"), "{messages:?}");
        assert!(messages[0].contains("2023 年"), "{messages:?}");
    }

    #[test]
    fn the_policy_expects_a_yearly_central_subsidy_and_checks_its_limits() {
        let mut p = policy();
        assert_eq!(
            p.planning.source_limits_yuan.get("central"),
            Some(&50_000_000)
        );
        assert!(p.check().is_ok());
        p.planning.source_limits_yuan.insert("moon".into(), 1);
        p.batches
            .get_mut("2021")
            .unwrap()
            .source_limits_yuan
            .insert("central".into(), 0);
        let errors = p.check().unwrap_err();
        assert!(
            errors
                .0
                .contains_key("batches.2021.source_limits_yuan.central")
        );
        // Whether a limit names a source is checked with the sources, against the catalog.
        let catalog = crate::domain::catalog::Catalog::from_toml(include_str!(
            "../../../fixtures/renshou/work_items.toml"
        ))
        .unwrap();
        let errors = p.check_against(&catalog).unwrap_err();
        assert!(errors.0.contains_key("planning.source_limits_yuan.moon"));
    }

    #[test]
    fn unknown_sources_and_empty_limits_are_refused() {
        let cands = vec![candidate(1, 100, 1_000, 0)];
        let mut h = horizon(&[Some(0)]);
        h.years[0].source_limits_yuan.insert("moon".into(), 5);
        let errors = plan(&policy(), &h, &cands).unwrap_err();
        assert!(errors.0.contains_key("years[0].source_limits_yuan.moon"));
        assert!(errors.0.contains_key("years[0].source_limits_yuan.central"));
    }
}
