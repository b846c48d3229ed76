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
