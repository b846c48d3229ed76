//! A deterministic, seeded generator of a synthetic compound catalog (小区清单) for Renshou County.
//!
//! `features(count, seed)` yields one GeoJSON Feature per compound, in code order; `write_collection` streams
//! them as an RFC 7946 FeatureCollection, one feature per line. The same `(count, seed)` gives the same bytes on
//! every machine:
//!
//! * randomness is ChaCha8 keyed by the seed, one stream per compound (stream 0 for the catalog-wide draws), and
//!   turned into numbers by the helpers in `random.rs`, not by `rand`'s distributions (whose algorithms may change);
//! * only IEEE-exact float operations are used (`+ - * /`, `sqrt`, `round`, `floor`, `fract`): no `sin`,
//!   `ln`, `powf`, whose last bit depends on the platform's libm (polygons are turned by the rational
//!   parametrisation of the rotation, not by `sin`/`cos`);
//! * hash maps and sets are only probed, never iterated.
//!
//! Geometry: the plane around the county seat is cut into cells of 250 m × 250 m (an equirectangular grid in
//! degrees). Each town claims cells in order of distance from its centre, skipping cells already taken by
//! another town, and each compound draws a convex polygon strictly inside its own cell, 12 m from the edges.
//! So no two polygons overlap or touch, whatever the count. The work-item catalog
//! (`fixtures/renshou/work_items.toml`) decides which item remedies which survey deficit.
//!
//! RS-0001 is 工行小区 (built 1996 by staff fund-raising) and RS-0002 陵州小区, both in 文林街道; ten
//! compounds (eligible, surveyed, consented) carry the deputies' vote ranks 1–10. Catalogued compounds (no
//! survey) have an empty scope. Sizes: the 410-compound Renshou set is ~0.5 MB; 220,000 compounds are
//! ~280 MB, generated in about 2 s in release mode.
//!
//! The parts: `write` (the public entry points), `generator` (one compound per index), `grid` (towns, quotas
//! and their cells), `geometry` (the cell plane and the polygons), `figures` (year, origin, size and name),
//! `survey` (deficits and consent), `catalog` (the work items), `records` (the serialised feature), `random`
//! and the name tables in `names`.

mod catalog;
mod figures;
mod generator;
mod geometry;
mod grid;
mod names;
mod random;
mod records;
mod survey;
#[cfg(test)]
mod test_support;
mod write;

pub use write::{RENSHOU_COUNT, RENSHOU_SEED, features, write_collection};

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{Map, Value};

    use super::test_support::{category, props, renshou};

    /// Prints the distributions of the Renshou set:
    /// `cargo test -p jiugai-fixtures --lib generate::tests::print_renshou_stats -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn print_renshou_stats() {
        let all = renshou();
        let count = |key: &dyn Fn(&Map<String, Value>) -> String| {
            let mut m: BTreeMap<String, usize> = BTreeMap::new();
            for f in &all {
                *m.entry(key(props(f))).or_default() += 1;
            }
            m
        };
        println!(
            "towns: {:?}",
            count(&|p| p["town"].as_str().unwrap().to_string())
        );
        println!(
            "decades: {:?}",
            count(&|p| format!("{}s", p["year_built"].as_i64().unwrap() / 5 * 5))
        );
        println!(
            "status: {:?}",
            count(&|p| p["status"].as_str().unwrap().to_string())
        );
        println!(
            "origin: {:?}",
            count(&|p| p["origin"].as_str().unwrap().to_string())
        );
        println!(
            "management: {:?}",
            count(&|p| p["property_management"].as_str().unwrap().to_string())
        );
        println!("storeys: {:?}", count(&|p| p["storeys"].to_string()));
        println!("lifts: {:?}", count(&|p| p["has_lifts"].to_string()));
        println!(
            "households: {:?}",
            count(&|p| format!("{:03}+", p["households"].as_i64().unwrap() / 50 * 50))
        );
        println!(
            "override: {:?}",
            count(&|p| (!p["category_override"].is_null()).to_string())
        );
        println!(
            "consent: {:?}",
            count(&|p| {
                let c = &p["consent"];
                if c.is_null() {
                    return "none".into();
                }
                let f = |k: &str| c[k].as_f64().unwrap();
                let ok = f("participating_owners") * 3.0 >= f("owners_total") * 2.0
                    && f("participating_area_m2") * 3.0 >= f("area_total_m2") * 2.0
                    && f("agreeing_owners") * 4.0 >= f("participating_owners") * 3.0
                    && f("agreeing_area_m2") * 4.0 >= f("participating_area_m2") * 3.0;
                if ok { "passes".into() } else { "below".into() }
            })
        );
        println!(
            "after 2000: {}",
            all.iter()
                .filter(|f| props(f)["year_built"].as_i64().unwrap() > 2000)
                .count()
        );
        let deficits: usize = all
            .iter()
            .map(|f| {
                props(f)["survey"]["deficits"]
                    .as_array()
                    .map_or(0, |d| d.len())
            })
            .sum();
        let surveyed = all.iter().filter(|f| !props(f)["survey"].is_null()).count();
        println!(
            "deficits per surveyed compound: {:.2}",
            deficits as f64 / surveyed as f64
        );
        let mut mix: BTreeMap<String, usize> = BTreeMap::new();
        for f in &all {
            *mix.entry(category(f).unwrap_or_else(|| "-".into()))
                .or_default() += 1;
        }
        println!("category: {mix:?}");
        let names: Vec<&str> = all
            .iter()
            .take(40)
            .map(|f| props(f)["name"].as_str().unwrap())
            .collect();
        println!("names: {}", names.join("、"));
        println!("{}", all[0]);
    }
}
