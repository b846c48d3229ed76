//! Hand-made instances whose best plan is known.

use super::*;

const NO_LIMIT: Option<u64> = None;

fn year(budget: u64, compounds: Option<u64>) -> Year {
    Year {
        limits: [Some(budget), compounds, NO_LIMIT],
    }
}

fn item(value: f64, cost: u64) -> Item {
    Item {
        value,
        needs: [cost, 1, 10],
        fixed: None,
    }
}

fn instance(years: Vec<Year>, items: Vec<Item>) -> Instance {
    Instance {
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
            resource: Resource::Budget,
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
            limits: [Some(100), None, Some(450)],
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
    assert_eq!(plan.short_of(&inst, 1, 0), [Resource::Budget]);
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
        let mut used = vec![[0u64; RESOURCES]; years];
        let mut value = 0.0;
        for (item, &c) in inst.items.iter().zip(&choice) {
            if c > 0 {
                for r in 0..RESOURCES {
                    used[c - 1][r] += item.needs[r];
                }
                value += item.value * inst.discount.powi(c as i32 - 1);
            }
        }
        let fits = used
            .iter()
            .zip(&inst.years)
            .all(|(u, y)| (0..RESOURCES).all(|r| y.limits[r].is_none_or(|l| u[r] <= l)));
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
