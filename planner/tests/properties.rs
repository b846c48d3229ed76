//! Properties every plan has, on random instances: no limit is ever exceeded, fixed items stay where they are, the
//! objective is what the plan scores, and the bound is a true bound — checked against the exact optimum by brute force
//! on small instances. Instances have the three standard resources and up to three funding sources.

#![allow(clippy::needless_range_loop)] // index loops over years and resources, as in the crate

use jiugai_planner::{Error, Instance, Item, Year, plan, standard_resources};
use proptest::prelude::*;

fn year(sources: usize) -> impl Strategy<Value = Year> {
    (
        0u64..200,
        proptest::option::weighted(0.6, 0u64..5),
        proptest::option::weighted(0.3, 0u64..120),
        proptest::collection::vec(proptest::option::weighted(0.7, 0u64..150), sources),
    )
        .prop_map(|(budget, compounds, households, sources)| {
            let mut limits = vec![Some(budget), compounds, households];
            limits.extend(sources);
            Year { limits }
        })
}

fn item(years: usize, sources: usize) -> impl Strategy<Value = Item> {
    (
        prop_oneof![Just(0.0), 0.0f64..100.0],
        1u64..80,
        1u64..4,
        1u64..50,
        proptest::collection::vec(0u64..40, sources),
        proptest::option::weighted(0.15, 0..years),
    )
        .prop_map(|(value, cost, compounds, households, sources, fixed)| {
            let mut needs = vec![cost, compounds, households];
            needs.extend(sources);
            Item {
                value,
                needs,
                fixed,
            }
        })
}

/// Up to `max_years` years and `max_items` items, with the three standard resources and up to three funding sources.
fn instance(max_years: usize, max_items: usize) -> impl Strategy<Value = Instance> {
    (1..=max_years, 0usize..=3).prop_flat_map(move |(years, sources)| {
        (
            proptest::collection::vec(year(sources), years),
            prop_oneof![Just(1.0), 0.5f64..1.0],
            proptest::collection::vec(item(years, sources), 0..=max_items),
        )
            .prop_map(move |(years, discount, items)| {
                let mut resources = standard_resources();
                resources.extend((0..sources).map(|j| format!("source {j}")));
                Instance {
                    resources,
                    years,
                    discount,
                    items,
                }
            })
    })
}

/// What the fixed items of each year need.
fn fixed_use(inst: &Instance) -> Vec<Vec<u64>> {
    let res = inst.resources.len();
    let mut used = vec![vec![0u64; res]; inst.years.len()];
    for item in &inst.items {
        if let Some(t) = item.fixed {
            for r in 0..res {
                used[t][r] += item.needs[r];
            }
        }
    }
    used
}

fn over_a_limit(inst: &Instance, used: &[Vec<u64>]) -> bool {
    used.iter()
        .zip(&inst.years)
        .any(|(u, y)| (0..inst.resources.len()).any(|r| y.limits[r].is_some_and(|l| u[r] > l)))
}

fn score(inst: &Instance, year_of: &[Option<usize>]) -> f64 {
    inst.items
        .iter()
        .zip(year_of)
        .filter_map(|(item, y)| y.map(|t| item.value * inst.discount.powi(t as i32)))
        .sum()
}

/// The best objective over every assignment that keeps the limits and the fixed items.
fn brute_force(inst: &Instance) -> f64 {
    let years = inst.years.len();
    let n = inst.items.len();
    let mut best = f64::NEG_INFINITY;
    let mut choice = vec![0usize; n]; // 0: out, t + 1: year t
    loop {
        let year_of: Vec<Option<usize>> = choice.iter().map(|&c| c.checked_sub(1)).collect();
        let keeps_fixed = inst
            .items
            .iter()
            .zip(&year_of)
            .all(|(item, y)| item.fixed.is_none_or(|t| *y == Some(t)));
        if keeps_fixed {
            let res = inst.resources.len();
            let mut used = vec![vec![0u64; res]; years];
            for (item, y) in inst.items.iter().zip(&year_of) {
                if let Some(t) = y {
                    for r in 0..res {
                        used[*t][r] += item.needs[r];
                    }
                }
            }
            if !over_a_limit(inst, &used) {
                best = best.max(score(inst, &year_of));
            }
        }
        // Next assignment, odometer style.
        let mut i = 0;
        loop {
            if i == n {
                return best;
            }
            choice[i] += 1;
            if choice[i] <= years {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_plan_exceeds_a_limit_or_moves_a_fixed_item(inst in instance(5, 40)) {
        match plan(&inst) {
            Err(Error::FixedOverLimit { .. }) => {
                prop_assert!(over_a_limit(&inst, &fixed_use(&inst)));
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
            Ok(p) => {
                let res = inst.resources.len();
                let mut used = vec![vec![0u64; res]; inst.years.len()];
                for (item, y) in inst.items.iter().zip(&p.year_of) {
                    if let Some(fixed) = item.fixed {
                        prop_assert_eq!(*y, Some(fixed));
                    }
                    if let Some(t) = y {
                        for r in 0..res {
                            used[*t][r] += item.needs[r];
                        }
                    }
                }
                prop_assert!(!over_a_limit(&inst, &used), "{used:?} over {:?}", inst.years);
                prop_assert_eq!(&used, &p.used);
                let scored = score(&inst, &p.year_of);
                prop_assert!((scored - p.objective).abs() <= 1e-9 * scored.max(1.0));
                prop_assert!(p.bound >= p.objective);
                // Same instance, same plan.
                prop_assert_eq!(plan(&inst).unwrap(), p);
            }
        }
    }

    #[test]
    fn the_bound_is_never_below_the_best_possible_plan(inst in instance(3, 7)) {
        if let Ok(p) = plan(&inst) {
            let best = brute_force(&inst);
            let tolerance = 1e-9 * best.abs().max(1.0);
            prop_assert!(p.objective <= best + tolerance);
            prop_assert!(p.bound >= best - tolerance, "bound {} below the optimum {best}", p.bound);
        }
    }
}
