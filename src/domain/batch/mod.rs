//! Annual batches (年度批次): from the compounds, the policy and a planning horizon to a plan that says, for every
//! compound, which year it is renovated in and why — or why not.
//!
//! Eligibility and the priority score come from `priority`; adjacent compounds of a town are bundled into district
//! projects (片区) from their boundaries; the schedule, and the bound that proves how good it is, come from the
//! `jiugai_planner` crate. Pure: the CLI, the API and the benchmarks call it with plain data.
//!
//! The parts: what a plan is asked for (`horizon`) and given (`candidate`), what it says (`output`), the
//! planning itself step by step (`planning`), district projects (`bundles`) and the reasons it gives (`reasons`).

mod bundles;
mod candidate;
mod horizon;
mod output;
mod planning;
mod reasons;

pub use candidate::Candidate;
pub use horizon::{Horizon, MAX_YEARS, YearLimits, check_source_limit};
pub use output::{BatchPlan, CompoundPlan, Outcome, SourceUse, YearBatch};
pub use planning::plan;

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::NaiveDate;
    use geo::{MultiPolygon, polygon};
    use proptest::prelude::*;

    use super::*;
    use crate::domain::catalog::Catalog;
    use crate::domain::compound::Consent;
    use crate::domain::policy::Policy;
    use crate::domain::priority;
    use crate::domain::record::CompoundRecord;

    fn policy() -> Policy {
        Policy::from_toml(include_str!("../../../fixtures/renshou/policy.toml")).unwrap()
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
            shares_fen: BTreeMap::new(),
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
                    source_limits_yuan: BTreeMap::new(),
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
            Catalog::from_toml(include_str!("../../../fixtures/renshou/work_items.toml")).unwrap();
        jiugai_fixtures::generate::features(
            jiugai_fixtures::generate::RENSHOU_COUNT,
            jiugai_fixtures::generate::RENSHOU_SEED,
        )
        .map(|f| {
            let r = CompoundRecord::parse(
                &f["properties"],
                f.get("geometry"),
                Crs::default(),
                &catalog,
            )
            .unwrap();
            Candidate::from_record(&r, f["properties"]["requests"].as_i64().unwrap_or(0) as i32)
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
                source_limits_yuan: BTreeMap::new(),
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
                    source_limits_yuan: BTreeMap::new(),
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
