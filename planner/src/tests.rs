//! Hand-made instances whose best plan is known.

use super::*;

const NO_LIMIT: Option<u64> = None;

fn year(budget: u64, compounds: Option<u64>) -> Year {
    Year {
        limits: vec![Some(budget), compounds, NO_LIMIT],
    }
}

fn item(value: f64, cost: u64) -> Item {
    Item {
        value,
        needs: vec![cost, 1, 10],
        fixed: None,
    }
}

fn instance(years: Vec<Year>, items: Vec<Item>) -> Instance {
    Instance {
        resources: standard_resources(),
        years,
        discount: 0.9,
        items,
    }
}

#[test]
fn a_binding_count_cap_takes_the_valuable_items_not_the_cheap_ones() {
    // Two compounds a year. By value per yuan the four small ones come first and would fill the cap with 40;
    // the best plan takes the two big ones for 98.
    let inst = instance(
        vec![year(100, Some(2))],
        vec![
            item(50.0, 50),
            item(48.0, 50),
            item(20.0, 10),
            item(20.0, 10),
            item(20.0, 10),
            item(20.0, 10),
        ],
    );
    let plan = plan(&inst).unwrap();
    assert_eq!(
        plan.year_of,
        [Some(0), Some(0), None, None, None, None],
        "{plan:?}"
    );
    assert_eq!(plan.objective, 98.0);
    assert!(plan.bound >= 98.0 - 1e-9);
    assert_eq!(plan.used[0], [100, 2, 20]);
}

#[test]
fn the_higher_value_goes_first_and_the_next_waits_a_year() {
    let inst = instance(
        vec![year(10, None), year(10, None)],
        vec![item(8.0, 10), item(10.0, 10)],
    );
    let plan = plan(&inst).unwrap();
    assert_eq!(plan.year_of, [Some(1), Some(0)]);
    assert!((plan.objective - (10.0 + 0.9 * 8.0)).abs() < 1e-12);
    assert!(plan.gap() < 1e-6, "the LP bound is tight here: {plan:?}");
}

#[test]
fn fixed_items_keep_their_year_and_the_rest_plan_around_them() {
    // The low-value item is pinned to the first year and takes half its budget.
    let mut pinned = item(1.0, 5);
    pinned.fixed = Some(0);
    let inst = instance(
        vec![year(10, None), year(10, None)],
        vec![pinned, item(9.0, 10), item(4.0, 5)],
    );
    let plan = plan(&inst).unwrap();
    assert_eq!(plan.year_of, [Some(0), Some(1), Some(0)]);
    assert_eq!(plan.used, [[10, 2, 20], [10, 1, 10]]);
}

#[test]
fn fixed_items_over_a_limit_are_an_error_naming_year_and_resource() {
    let mut a = item(1.0, 8);
    a.fixed = Some(1);
    let mut b = a.clone();
    b.needs[0] = 3;
    let inst = instance(vec![year(10, None), year(10, None)], vec![a, b]);
    assert_eq!(
        plan(&inst).unwrap_err(),
        Error::FixedOverLimit {
            year: 1,
            resource: Resource::BUDGET,
            name: "budget".into(),
            needed: 11,
            limit: 10
        }
    );
}

#[test]
fn a_households_cap_is_a_limit_like_the_others() {
    let mut big = item(30.0, 1);
    big.needs[2] = 300;
    let mut small = item(22.0, 1);
    small.needs[2] = 200;
    let inst = instance(
        vec![Year {
            limits: vec![Some(100), None, Some(450)],
        }],
        vec![big, small.clone(), small],
    );
    let plan = plan(&inst).unwrap();
    assert_eq!(plan.year_of, [None, Some(0), Some(0)]);
    assert_eq!(plan.objective, 44.0);
}

#[test]
fn items_without_value_or_too_big_for_any_year_stay_out() {
    let inst = instance(
        vec![year(10, None)],
        vec![item(0.0, 1), item(100.0, 11), item(1.0, 10)],
    );
    let plan = plan(&inst).unwrap();
    assert_eq!(plan.year_of, [None, None, Some(0)]);
    assert_eq!(plan.short_of(&inst, 1, 0), [Resource::BUDGET]);
}

#[test]
fn bad_instances_are_refused() {
    let ok = instance(vec![year(10, None)], vec![item(1.0, 1)]);
    assert_eq!(plan(&instance(vec![], vec![])).unwrap_err(), Error::NoYears);
    let mut bad = ok.clone();
    bad.discount = 0.0;
    assert_eq!(plan(&bad).unwrap_err(), Error::Discount(0.0));
    let mut bad = ok.clone();
    bad.items[0].value = f64::NAN;
    assert_eq!(plan(&bad).unwrap_err(), Error::Value { item: 0 });
    let mut bad = ok;
    bad.items[0].fixed = Some(3);
    assert_eq!(
        plan(&bad).unwrap_err(),
        Error::FixedYear { item: 0, year: 3 }
    );
}

/// The best objective over every assignment of the (free, unfixed) items, by enumeration.
fn brute_force(inst: &Instance) -> f64 {
    let years = inst.years.len();
    let n = inst.items.len();
    let mut best = 0.0f64;
    let mut choice = vec![0usize; n];
    loop {
        let res = inst.resources.len();
        let mut used = vec![vec![0u64; res]; years];
        let mut value = 0.0;
        for (item, &c) in inst.items.iter().zip(&choice) {
            if c > 0 {
                for r in 0..res {
                    used[c - 1][r] += item.needs[r];
                }
                value += item.value * inst.discount.powi(c as i32 - 1);
            }
        }
        let fits = used
            .iter()
            .zip(&inst.years)
            .all(|(u, y)| (0..res).all(|r| y.limits[r].is_none_or(|l| u[r] <= l)));
        if fits {
            best = best.max(value);
        }
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

#[test]
fn two_items_take_the_place_of_one_that_ranks_first_by_value_per_yuan() {
    // By value per yuan the dear item comes first and leaves no room for either of the others; no single move or
    // swap improves on 10, only both cheap items in its place (14).
    let inst = instance(
        vec![year(10, None)],
        vec![item(10.0, 6), item(7.0, 5), item(7.0, 5)],
    );
    let plan = plan(&inst).unwrap();
    assert_eq!(plan.year_of, [None, Some(0), Some(0)], "{plan:?}");
    assert_eq!(plan.objective, 14.0);
}

#[test]
fn three_small_items_and_a_large_one_trade_years() {
    // The greedy puts the large item in the first year and three small ones in the second (37); the best plan
    // swaps them across the years (37.1), which no exchange of one item for one item can do.
    let inst = instance(
        vec![year(10, None), year(10, None)],
        vec![
            item(9.0, 4),
            item(9.0, 4),
            item(19.0, 10),
            item(2.0, 2),
            item(3.0, 6),
        ],
    );
    let plan = plan(&inst).unwrap();
    let best = brute_force(&inst);
    assert!(
        (plan.objective - best).abs() < 1e-9,
        "{} vs the optimum {best}: {plan:?}",
        plan.objective
    );
}

#[test]
fn small_plans_reach_the_optimum_on_mixed_instances() {
    // A few dozen hand-sized instances with budgets and a count cap, checked against enumeration.
    for seed in 0..30u64 {
        let mut next = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut draw = |modulo: u64| {
            next ^= next << 13;
            next ^= next >> 7;
            next ^= next << 17;
            next % modulo
        };
        let years: Vec<Year> = (0..2)
            .map(|_| year(20 + draw(20), (draw(2) == 0).then(|| 2 + draw(2))))
            .collect();
        let items: Vec<Item> = (0..7)
            .map(|_| item(1.0 + draw(30) as f64, 2 + draw(14)))
            .collect();
        let inst = instance(years, items);
        let plan = plan(&inst).unwrap();
        let best = brute_force(&inst);
        assert!(
            plan.objective >= best * (1.0 - 1e-9),
            "seed {seed}: {} vs the optimum {best}",
            plan.objective
        );
    }
}

// Funding sources: resources beyond the standard three.

/// An instance with the standard three resources and the given funding sources.
fn with_sources(names: &[&str], years: Vec<Year>, items: Vec<Item>) -> Instance {
    let mut resources = standard_resources();
    resources.extend(names.iter().map(|&n| n.to_owned()));
    Instance {
        resources,
        years,
        discount: 0.9,
        items,
    }
}

fn source_year(budget: u64, sources: &[Option<u64>]) -> Year {
    let mut limits = vec![Some(budget), NO_LIMIT, NO_LIMIT];
    limits.extend(sources);
    Year { limits }
}

fn source_item(value: f64, cost: u64, sources: &[u64]) -> Item {
    let mut needs = vec![cost, 1, 10];
    needs.extend(sources);
    Item {
        value,
        needs,
        fixed: None,
    }
}

#[test]
fn a_binding_source_limit_changes_the_plan() {
    // The budget admits two of the three. Without a limit on the central subsidy the two most valuable go (95); with
    // this year's subsidy at 30 they would need 45 of it, so the third takes the second's place (90).
    let items = vec![
        source_item(50.0, 50, &[25]),
        source_item(45.0, 50, &[20]),
        source_item(40.0, 50, &[5]),
    ];
    let free = with_sources(&["central"], vec![source_year(100, &[None])], items.clone());
    let plan_free = plan(&free).unwrap();
    assert_eq!(plan_free.year_of, [Some(0), Some(0), None]);
    assert_eq!(plan_free.objective, 95.0);

    let tight = with_sources(&["central"], vec![source_year(100, &[Some(30)])], items);
    let plan_tight = plan(&tight).unwrap();
    assert_eq!(
        plan_tight.year_of,
        [Some(0), None, Some(0)],
        "{plan_tight:?}"
    );
    assert_eq!(plan_tight.objective, 90.0);
    assert_eq!(plan_tight.used[0], [100, 2, 20, 30]);
    assert!(plan_tight.bound >= 90.0 - 1e-9);
    // The item left out is short of the source, not of the budget's… and of the budget too once both are in.
    assert_eq!(
        plan_tight.short_of(&tight, 1, 0),
        [Resource::BUDGET, Resource(3)]
    );
}

#[test]
fn a_source_limit_moves_an_item_to_a_later_year() {
    // Budgets are loose; the special bonds of the first year pay for one of the two only.
    let years = vec![
        source_year(1_000, &[Some(10), Some(60)]),
        source_year(1_000, &[None, Some(60)]),
    ];
    let items = vec![
        source_item(10.0, 100, &[0, 50]),
        source_item(9.0, 100, &[0, 50]),
    ];
    let inst = with_sources(&["central", "bonds"], years, items);
    let plan = plan(&inst).unwrap();
    assert_eq!(plan.year_of, [Some(0), Some(1)]);
    assert_eq!(plan.short_of(&inst, 1, 0), [Resource(4)]);
    assert!((plan.objective - 18.1).abs() < 1e-12, "{plan:?}");
}

#[test]
fn every_limit_of_every_resource_is_kept_and_plans_repeat_bit_for_bit() {
    use crate::synthetic::{Shape, instance as synthetic};
    for (n, seed) in [(60, 1), (300, 2), (1_500, 3)] {
        let inst = synthetic(&Shape::sources(n), seed);
        assert_eq!(inst.resources.len(), 7);
        let first = plan(&inst).unwrap();
        let mut used = vec![vec![0u64; 7]; inst.years.len()];
        for (item, y) in inst.items.iter().zip(&first.year_of) {
            if let Some(fixed) = item.fixed {
                assert_eq!(*y, Some(fixed));
            }
            if let Some(t) = *y {
                for r in 0..7 {
                    used[t][r] += item.needs[r];
                }
            }
        }
        assert_eq!(used, first.used);
        for (year, used) in inst.years.iter().zip(&used) {
            for r in 0..7 {
                if let Some(limit) = year.limits[r] {
                    assert!(
                        used[r] <= limit,
                        "n {n}: resource {r} uses {} of {limit}",
                        used[r]
                    );
                }
            }
        }
        // The sources bind: some year's source is (nearly) full.
        let full_source = inst.years.iter().zip(&used).any(|(year, used)| {
            (3..7).any(|r| year.limits[r].is_some_and(|l| used[r] as f64 >= 0.99 * l as f64))
        });
        assert!(full_source, "n {n}: no source limit binds");
        assert!(first.bound >= first.objective);
        assert_eq!(
            plan(&inst.clone()).unwrap(),
            first,
            "n {n}: not deterministic"
        );
    }
}

/// With four sources binding in every year, a plan of a few hundred items comes within 1% of its bound: each year's
/// knapsack ranked by its own LP prices, a plan built afresh year by year, items moved up from later years. Before
/// them the same instances stopped at 1.2% and 1.7%.
#[test]
fn sources_plans_of_a_few_hundred_items_come_within_one_percent_of_their_bound() {
    use crate::synthetic::{Shape, instance as synthetic};
    for seed in [2, 3] {
        let inst = synthetic(&Shape::sources(300), seed);
        let plan = plan(&inst).unwrap();
        assert!(plan.gap() < 0.01, "seed {seed}: gap {}", plan.gap());
    }
}

/// Hand-sized instances with two funding sources (one limited every year, one in some), against enumeration. The
/// plans reach the optimum on all but one of the thirty (seed 3: 97.4% of it — the perturbing chains, from fixed
/// seeds, miss an exchange across both years there); the bound is above the optimum on all.
#[test]
fn small_plans_with_sources_reach_the_optimum_nearly_always() {
    let mut missed = Vec::new();
    for seed in 0..30u64 {
        let mut next = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut draw = |modulo: u64| {
            next ^= next << 13;
            next ^= next >> 7;
            next ^= next << 17;
            next % modulo
        };
        let years: Vec<Year> = (0..2)
            .map(|_| {
                source_year(
                    20 + draw(20),
                    &[Some(5 + draw(15)), (draw(2) == 0).then(|| 3 + draw(10))],
                )
            })
            .collect();
        let items: Vec<Item> = (0..7)
            .map(|_| source_item(1.0 + draw(30) as f64, 2 + draw(14), &[draw(8), draw(6)]))
            .collect();
        let inst = with_sources(&["central", "bonds"], years, items);
        let plan = plan(&inst).unwrap();
        let best = brute_force(&inst);
        assert!(plan.bound >= best * (1.0 - 1e-9), "seed {seed}");
        assert!(
            plan.objective >= best * 0.97,
            "seed {seed}: {} vs the optimum {best}",
            plan.objective
        );
        if plan.objective < best * (1.0 - 1e-9) {
            missed.push(seed);
        }
    }
    assert!(missed.len() <= 1, "below the optimum on seeds {missed:?}");
}

#[test]
fn fixed_items_over_a_source_limit_name_the_source() {
    let mut a = source_item(1.0, 10, &[0, 7]);
    a.fixed = Some(0);
    let inst = with_sources(
        &["central", "bonds"],
        vec![source_year(100, &[None, Some(5)])],
        vec![a],
    );
    let e = plan(&inst).unwrap_err();
    assert_eq!(
        e,
        Error::FixedOverLimit {
            year: 0,
            resource: Resource(4),
            name: "bonds".into(),
            needed: 7,
            limit: 5
        }
    );
    assert!(e.to_string().contains("bonds"), "{e}");
}

#[test]
fn limits_and_needs_must_match_the_resources() {
    let ok = with_sources(
        &["central"],
        vec![source_year(100, &[Some(5)])],
        vec![source_item(1.0, 10, &[1])],
    );
    assert!(plan(&ok).is_ok());
    let mut bad = ok.clone();
    bad.years[0].limits.pop();
    assert_eq!(
        plan(&bad).unwrap_err(),
        Error::Limits {
            year: 0,
            found: 3,
            expected: 4
        }
    );
    let mut bad = ok.clone();
    bad.items[0].needs.push(3);
    assert_eq!(
        plan(&bad).unwrap_err(),
        Error::Needs {
            item: 0,
            found: 5,
            expected: 4
        }
    );
    let mut bad = ok;
    bad.resources.clear();
    assert_eq!(plan(&bad).unwrap_err(), Error::NoResources);
}

#[test]
fn a_resource_limited_in_no_year_is_still_counted() {
    // The households are limited nowhere and the source nowhere: the plan reports what they use all the same.
    let inst = with_sources(
        &["residents"],
        vec![source_year(10, &[None])],
        vec![source_item(3.0, 5, &[2]), source_item(2.0, 5, &[4])],
    );
    let plan = plan(&inst).unwrap();
    assert_eq!(plan.year_of, [Some(0), Some(0)]);
    assert_eq!(plan.used, [[10, 2, 20, 6]]);
}
