//! Survey deficits (from the work-item catalog), manual quantities and consent records.

use chrono::NaiveDate;
use rand_chacha::ChaCha8Rng;

use super::catalog::{Catalog, DeficitKind};
use super::figures::Compound;
use super::random::{below, chance, float_in, int_in, weighted};
use super::records::Consent;

/// Survey deficits for a compound: basic ones always, improvement ones for ~50 %, upgrade ones for ~15 %,
/// 2–9 in all, sorted by remedying item. `u` in [0, 1) picks the highest class: upgrade below 0.15, improvement
/// below 0.60, basic above.
pub(super) fn draw_deficits(
    rng: &mut ChaCha8Rng,
    catalog: &'static Catalog,
    c: &Compound,
    u: f64,
) -> Vec<&'static DeficitKind> {
    let top = catalog.top_tier();
    let (mut improvement, mut upgrade) = (0usize, 0usize);
    if u < 0.15 {
        upgrade = 1 + usize::from(chance(rng, 0.25));
        if chance(rng, 1.0 / 3.0) {
            improvement = 1 + usize::from(chance(rng, 0.4));
        }
    } else if u < 0.60 {
        improvement = 1 + usize::from(chance(rng, 0.4)) + usize::from(chance(rng, 0.15));
    }
    let total = 2 + weighted(rng, &[10, 16, 20, 18, 14, 10, 7, 5]);
    let basic = total.saturating_sub(improvement + upgrade).max(1);

    let allowed = |d: &DeficitKind| match d.code.as_str() {
        "no_lift" => c.storeys >= 4 && !c.has_lifts,
        "no_property_room" => c.property_management != "company",
        _ => true,
    };
    let mut chosen: Vec<&'static DeficitKind> = Vec::with_capacity(9);
    let mut take = |tier: usize, k: usize, rng: &mut ChaCha8Rng| {
        let Some(pool) = catalog.pools.get(tier) else {
            return;
        };
        for _ in 0..k {
            let candidates: Vec<&'static DeficitKind> = pool
                .iter()
                .filter(|d| allowed(d) && !chosen.iter().any(|x| std::ptr::eq(*x, *d)))
                .collect();
            if candidates.is_empty() {
                return;
            }
            let weights: Vec<u32> = candidates.iter().map(|d| d.weight.max(1)).collect();
            chosen.push(candidates[weighted(rng, &weights)]);
        }
    };
    take(0, basic, rng);
    if top >= 1 {
        take(1.min(top), improvement, rng);
    }
    if top >= 2 {
        take(top, upgrade, rng);
    }
    chosen.sort_by_key(|d| (d.item, d.code.as_str()));
    chosen
}

/// Quantity of a manual-rule item, as a surveyor would enter it.
pub(super) fn manual_quantity(rng: &mut ChaCha8Rng, item: &str, c: &Compound) -> f64 {
    match item {
        "B13" => int_in(rng, 1, 3) as f64, // 项 of hazardous members
        "I01" => (int_in(rng, 5, 80) * 10) as f64, // m² of illegal structures
        "I11" => c.buildings as f64,       // one lift per building
        _ => 1.0,
    }
}

/// A consent record (双三分之二参与, 双四分之三同意). Passing records clear every threshold by a margin, so that
/// any reasonable comparison agrees; failing ones miss one or two thresholds.
pub(super) fn draw_consent(
    rng: &mut ChaCha8Rng,
    recorded_on: NaiveDate,
    c: &Compound,
    below_threshold: bool,
) -> Consent {
    // Which thresholds fail: participation by owners / by area, approval by owners / by area.
    let mut fail = [false; 4];
    if below_threshold {
        match below(rng, 6) {
            0 => fail[0] = true,
            1 => fail[1] = true,
            2 => fail = [true, true, false, false],
            3 => fail[2] = true,
            4 => fail[3] = true,
            _ => fail = [false, false, true, true],
        }
    }
    let owners = c.households;
    let area = c.floor_tenths;
    let share = |rng: &mut ChaCha8Rng, failing: bool, pass: (f64, f64), miss: (f64, f64)| {
        if failing {
            float_in(rng, miss.0, miss.1)
        } else {
            float_in(rng, pass.0, pass.1)
        }
    };
    let p_share = share(rng, fail[0], (0.72, 0.97), (0.50, 0.64));
    let pa_share = share(rng, fail[1], (0.71, 0.98), (0.50, 0.64));
    let a_share = share(rng, fail[2], (0.80, 0.98), (0.55, 0.72));
    let aa_share = share(rng, fail[3], (0.80, 0.99), (0.55, 0.72));

    // Owners: exact integer thresholds. Areas (tenths of m²): a margin of a third of a percent either side.
    let participating = fit(owners, p_share, 2, 3, 0, fail[0]);
    let agreeing = fit(participating, a_share, 3, 4, 0, fail[2]);
    let participating_area = fit(area, pa_share, 2, 3, area / 300 + 1, fail[1]);
    let agreeing_area = fit(
        participating_area,
        aa_share,
        3,
        4,
        participating_area / 300 + 1,
        fail[3],
    );
    Consent {
        recorded_on: recorded_on.to_string(),
        owners_total: owners,
        area_total_m2: area as f64 / 10.0,
        participating_owners: participating,
        participating_area_m2: participating_area as f64 / 10.0,
        agreeing_owners: agreeing,
        agreeing_area_m2: agreeing_area as f64 / 10.0,
    }
}

/// `round(share × total)`, moved so that it clears (or, when `failing`, misses) `num/den × total` by `margin`,
/// and kept in 0..=total.
fn fit(total: i64, share: f64, num: i64, den: i64, margin: i64, failing: bool) -> i64 {
    let threshold = (total * num + den - 1) / den; // smallest value reaching num/den
    let x = (share * total as f64).round() as i64;
    let x = if failing {
        x.min(threshold - 1 - margin)
    } else {
        x.max(threshold + margin)
    };
    x.clamp(0, total)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;

    use super::*;
    use crate::generate::generator::{CODE_PREFIX, COUNTY, COUNTY_CODE};
    use crate::generate::test_support::{category, props, renshou, share};

    #[test]
    fn survey_scope_and_category_mix() {
        let catalog = Catalog::get();
        let all = renshou();
        let surveyed: Vec<&Value> = all
            .iter()
            .filter(|f| !props(f)["survey"].is_null())
            .collect();
        assert!(
            (0.78..=0.92).contains(&share(surveyed.len(), all.len())),
            "{}",
            surveyed.len()
        );
        let safety = [
            "structural_hazard",
            "gas_pipes_aged",
            "wiring_overhead",
            "fire_safety_missing",
            "ebike_charging_missing",
        ];
        let mut mix: BTreeMap<String, usize> = BTreeMap::new();
        for f in &all {
            let p = props(f);
            let scope: Vec<&str> = p["scope"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["item"].as_str().unwrap())
                .collect();
            if p["survey"].is_null() {
                assert!(scope.is_empty());
                continue;
            }
            let on = p["survey"]["surveyed_on"].as_str().unwrap();
            assert!(on.starts_with("2020-") || on.starts_with("2021-"));
            let deficits = p["survey"]["deficits"].as_array().unwrap();
            // 工行小区 carries the report's two extra deficits on top of its drawn ones.
            let most = if p["code"] == "RS-0001" { 11 } else { 9 };
            assert!((2..=most).contains(&deficits.len()), "{}", deficits.len());
            for d in deficits {
                let code = d["code"].as_str().unwrap();
                let item = catalog
                    .items
                    .iter()
                    .find(|i| i.remedies.iter().any(|r| r == code))
                    .unwrap();
                assert!(scope.contains(&item.code.as_str()), "{code} not remedied");
                let severity = d["severity"].as_str().unwrap();
                if safety.contains(&code) {
                    assert_eq!(severity, "safety");
                } else if code != "roof_leak" {
                    assert!(["function", "amenity"].contains(&severity));
                }
                assert!(!d["note"].as_str().unwrap().is_empty());
            }
            for e in p["scope"].as_array().unwrap() {
                let item = catalog
                    .items
                    .iter()
                    .find(|i| i.code == e["item"].as_str().unwrap())
                    .unwrap();
                let manual = item.quantity == "manual";
                assert_eq!(manual, e.get("quantity").is_some(), "{}", item.code);
                let keys = e.as_object().unwrap().len();
                assert_eq!(keys, if manual { 2 } else { 1 });
                let q = e.get("quantity").and_then(|q| q.as_f64());
                match item.code.as_str() {
                    "B13" => assert!((1.0..=3.0).contains(&q.unwrap())),
                    "I01" => assert!((50.0..=800.0).contains(&q.unwrap())),
                    "I11" => {
                        assert!(p["storeys"].as_i64().unwrap() >= 4 && p["has_lifts"] == false);
                        assert_eq!(q.unwrap(), p["buildings"].as_f64().unwrap());
                    }
                    _ => {}
                }
            }
            *mix.entry(category(f).unwrap()).or_default() += 1;
        }
        let n = surveyed.len();
        let basic = share(mix["basic"], n);
        let improvement = share(mix["improvement"], n);
        let upgrade = share(mix["upgrade"], n);
        assert!((0.30..=0.50).contains(&basic), "{mix:?}");
        assert!((0.35..=0.55).contains(&improvement), "{mix:?}");
        assert!((0.08..=0.22).contains(&upgrade), "{mix:?}");
        let overrides: Vec<&Value> = all
            .iter()
            .map(|f| &props(f)["category_override"])
            .filter(|o| !o.is_null())
            .collect();
        assert!(overrides.len() <= all.len() / 25);
        for o in overrides {
            assert!(
                catalog
                    .classes
                    .iter()
                    .any(|c| c.code == o["category"].as_str().unwrap())
            );
            assert!(!o["reason"].as_str().unwrap().is_empty());
        }
    }

    #[test]
    fn consent_records_are_consistent() {
        let policy: toml::Table =
            toml::from_str(include_str!("../../../fixtures/renshou/policy.toml")).unwrap();
        assert_eq!(policy["county"].as_str(), Some(COUNTY));
        assert_eq!(policy["county_code"].as_str(), Some(COUNTY_CODE));
        assert_eq!(policy["code_prefix"].as_str(), Some(CODE_PREFIX));
        let ratio = |key: &str| {
            let r = policy["consent"][key].as_array().unwrap();
            (
                r[0].as_integer().unwrap() as f64,
                r[1].as_integer().unwrap() as f64,
            )
        };
        let reaches = |part: f64, whole: f64, (num, den): (f64, f64)| part * den >= whole * num;
        let all = renshou();
        let mut records = 0;
        let mut below = 0;
        for f in &all {
            let p = props(f);
            let c = &p["consent"];
            if c.is_null() {
                continue;
            }
            records += 1;
            assert!(!p["survey"].is_null());
            assert!(
                c["recorded_on"].as_str().unwrap() > p["survey"]["surveyed_on"].as_str().unwrap()
            );
            let owners = c["owners_total"].as_f64().unwrap();
            let area = c["area_total_m2"].as_f64().unwrap();
            assert_eq!(c["owners_total"], p["households"]);
            assert_eq!(area, p["floor_area_m2"].as_f64().unwrap());
            let (po, pa) = (
                c["participating_owners"].as_f64().unwrap(),
                c["participating_area_m2"].as_f64().unwrap(),
            );
            let (ao, aa) = (
                c["agreeing_owners"].as_f64().unwrap(),
                c["agreeing_area_m2"].as_f64().unwrap(),
            );
            assert!(po <= owners && pa <= area && ao <= po && aa <= pa);
            assert!(po >= 0.0 && pa >= 0.0 && ao >= 0.0 && aa >= 0.0);
            let ok = reaches(po, owners, ratio("participation_owners"))
                && reaches(pa, area, ratio("participation_area"))
                && reaches(ao, po, ratio("approval_owners"))
                && reaches(aa, pa, ratio("approval_area"));
            if !ok {
                below += 1;
            }
        }
        assert!(
            (0.68..=0.82).contains(&share(records, all.len())),
            "{records}"
        );
        assert!(
            (0.10..=0.20).contains(&share(below, records)),
            "{below} of {records}"
        );
    }
}
