//! The generator: one compound per index, drawn from its own ChaCha8 stream.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

use super::catalog::Catalog;
use super::figures::{Compound, Origin, base_name, draw_figures, draw_origin, draw_year};
use super::geometry::polygon;
use super::grid::{TakenCells, Town, disk, gazetteer, quotas};
use super::names::{OVERRIDE_REASONS, SeverityRule};
use super::random::{below, chance, int_in, pick, pick_copy, unit};
use super::records::{
    CategoryOverride, Deficit, Feature, Geometry, Properties, ScopeEntry, Survey,
};
use super::survey::{draw_consent, draw_deficits, manual_quantity};

pub(super) const COUNTY: &str = "仁寿县";
pub(super) const COUNTY_CODE: &str = "511421";
pub(super) const CODE_PREFIX: &str = "RS";

pub(super) struct Generator {
    count: usize,
    next: usize,
    key: [u8; 32],
    code_width: usize,
    catalog: &'static Catalog,
    towns: Vec<Town>,
    quotas: Vec<usize>,
    remaining: usize,
    disk: Vec<(i64, i64)>,
    taken: TakenCells,
    /// Base name → how many compounds carry it (with 二期, 三期… suffixes after the first).
    names: HashMap<String, u32>,
    /// (index, rank) of the compounds chosen by the deputies' vote.
    deputies: Vec<(usize, u32)>,
    /// Start of the golden-ratio sequence that spreads the category targets evenly over the catalog.
    phase: f64,
}

impl Generator {
    pub(super) fn new(count: usize, seed: u64) -> Generator {
        let key = ChaCha8Rng::seed_from_u64(seed).get_seed();
        let mut master = ChaCha8Rng::from_seed(key);
        let mut deputies: Vec<(usize, u32)> = Vec::new();
        while deputies.len() < count.min(10) {
            let index = below(&mut master, count as u64) as usize;
            if deputies.iter().all(|&(i, _)| i != index) {
                deputies.push((index, deputies.len() as u32 + 1));
            }
        }
        let phase = unit(&mut master);
        let width = if count > 9999 { 6 } else { 4 };
        let towns = gazetteer();
        let disk = disk(count + 1);
        let radius = disk
            .iter()
            .fold(0, |r, &(dx, dy)| r.max(dx.abs()).max(dy.abs()));
        Generator {
            count,
            next: 0,
            key,
            code_width: width.max(count.to_string().len()),
            catalog: Catalog::get(),
            taken: TakenCells::new(&towns, radius),
            towns,
            quotas: quotas(count),
            remaining: count,
            disk,
            names: HashMap::new(),
            deputies,
            phase,
        }
    }

    fn compound(&mut self, index: usize) -> Feature {
        let mut rng = ChaCha8Rng::from_seed(self.key);
        rng.set_stream(index as u64 + 1);
        let rng = &mut rng;
        let code = format!(
            "{CODE_PREFIX}-{:0width$}",
            index + 1,
            width = self.code_width
        );
        let deputy_rank = self
            .deputies
            .iter()
            .find(|&&(i, _)| i == index)
            .map(|&(_, rank)| rank);
        // The two well-known compounds of the county seat and the deputies' picks are surveyed, eligible
        // and consented.
        let featured = index < 2 || deputy_rank.is_some();

        // Town and community.
        let t = if index < 2 { 0 } else { self.draw_town(rng) };
        self.quotas[t] -= 1;
        self.remaining -= 1;
        let town = &self.towns[t];
        let rural = !town.def.is_subdistrict();
        // The town's own 社区 (场镇) holds most of a rural town's compounds.
        let community = if index == 0 || (rural && chance(rng, 0.5)) {
            town.communities[0].clone()
        } else {
            pick(rng, &town.communities).clone()
        };

        // Figures.
        let mut year_built = if index == 0 { 1996 } else { draw_year(rng) };
        if featured && year_built > 2000 {
            year_built = int_in(rng, 1988, 2000);
        }
        let origin = match index {
            0 => Origin::UnitFundraised,
            1 => Origin::HousingReform,
            _ => draw_origin(rng, year_built),
        };
        let c = if index == 0 {
            Compound {
                year_built,
                storeys: 6,
                has_lifts: false,
                buildings: 6,
                households: 240,
                floor_tenths: 216_000,
                property_management: "none",
            }
        } else {
            draw_figures(rng, year_built, origin, rural)
        };

        // Name and address.
        let (name, street) = match index {
            0 => ("工行小区".to_string(), "陵州路"),
            1 => ("陵州小区".to_string(), "陵州路"),
            _ => self.draw_name(rng, t, origin),
        };
        if index < 2 {
            self.names.insert(name.clone(), 1);
        }
        let town = &self.towns[t];
        let number = if index == 0 { 112 } else { int_in(rng, 1, 298) };
        let address = format!("{COUNTY}{}{street}{number}号", town.def.name);

        // Survey, scope, consent.
        let catalog = self.catalog;
        let surveyed = featured || chance(rng, 0.85);
        let mut survey = None;
        let mut scope = Vec::new();
        let mut consent = None;
        let mut category_override = None;
        if surveyed {
            let surveyed_on = date_after(
                NaiveDate::from_ymd_opt(2020, 3, 1).unwrap(),
                below(rng, 610),
            );
            // Low-discrepancy rather than independent draws, so the category mix of a few hundred compounds
            // stays close to the intended 40 / 45 / 15.
            let target = (self.phase + index as f64 * 0.618_033_988_749_894_9).fract();
            let mut deficits = draw_deficits(rng, catalog, &c, target);
            if index == 0 {
                // The report: after 工行小区 joined the programme it gained fitness and leisure
                // facilities and lifts, so its survey found them missing.
                for code in ["fitness_missing", "no_lift"] {
                    let missing = catalog.pools.iter().flatten().find(|d| d.code == code);
                    if let Some(kind) = missing
                        && !deficits.iter().any(|d| std::ptr::eq(*d, kind))
                    {
                        deficits.push(kind);
                    }
                }
                deficits.sort_by_key(|d| (d.item, d.code.as_str()));
            }
            let mut items: Vec<usize> = deficits.iter().map(|d| d.item).collect();
            items.dedup(); // deficits are sorted by item
            let tier = items
                .iter()
                .map(|&i| catalog.tier_of_item(i))
                .max()
                .unwrap_or(0);
            for &item in &items {
                let def = &catalog.items[item];
                let quantity =
                    (def.quantity.trim() == "manual").then(|| manual_quantity(rng, &def.code, &c));
                scope.push(ScopeEntry {
                    item: def.code.as_str(),
                    quantity,
                });
            }
            let deficits: Vec<Deficit> = deficits
                .iter()
                .map(|d| {
                    let severity = match d.severity {
                        SeverityRule::Safety => "safety",
                        SeverityRule::Function => "function",
                        SeverityRule::Amenity => "amenity",
                        SeverityRule::SometimesSafety => {
                            if chance(rng, 0.35) {
                                "safety"
                            } else {
                                "function"
                            }
                        }
                    };
                    Deficit {
                        code: d.code.as_str(),
                        severity,
                        note: pick_copy(rng, d.notes),
                    }
                })
                .collect();
            survey = Some(Survey {
                surveyed_on: surveyed_on.to_string(),
                deficits,
            });

            if featured || chance(rng, 0.75 / 0.85) {
                let recorded_on = date_after(surveyed_on, int_in(rng, 14, 60) as u64);
                let below_threshold = !featured && chance(rng, 0.15);
                consent = Some(draw_consent(rng, recorded_on, &c, below_threshold));
            }
            if !featured && tier < catalog.top_tier() && chance(rng, 0.012) {
                let to = int_in(rng, tier as i64 + 1, catalog.top_tier() as i64) as usize;
                category_override = Some(CategoryOverride {
                    category: catalog.classes[to].code.as_str(),
                    reason: pick_copy(rng, OVERRIDE_REASONS),
                });
            }
        }
        let mut requests = (21.0 * unit(rng) * unit(rng)).floor() as i64;
        if featured {
            requests += int_in(rng, 2, 6);
        }

        // Boundary: the town's next free cell, a convex polygon inside it.
        let cell = self.claim_cell(t);
        let site_area = (c.floor_tenths as f64 / 10.0 / (c.storeys as f64 * 0.3)).max(800.0);
        let ring = polygon(rng, cell, site_area);

        let town = &self.towns[t];
        Feature {
            r#type: "Feature",
            id: code.clone(),
            geometry: Geometry {
                r#type: "Polygon",
                coordinates: [ring],
            },
            properties: Properties {
                code,
                name,
                town_code: format!("{COUNTY_CODE}{:03}", town.def.number),
                town: town.def.name,
                community,
                address,
                year_built: c.year_built,
                buildings: c.buildings,
                households: c.households,
                floor_area_m2: c.floor_tenths as f64 / 10.0,
                storeys: c.storeys,
                has_lifts: c.has_lifts,
                property_management: c.property_management,
                origin: origin.code(),
                status: if surveyed { "surveyed" } else { "catalogued" },
                survey,
                consent,
                scope,
                category_override,
                requests,
                deputies_vote_rank: deputy_rank,
                archived: false,
            },
        }
    }

    /// A town drawn in proportion to its remaining quota.
    fn draw_town(&mut self, rng: &mut ChaCha8Rng) -> usize {
        let mut r = below(rng, self.remaining as u64) as usize;
        for (t, &q) in self.quotas.iter().enumerate() {
            if r < q {
                return t;
            }
            r -= q;
        }
        unreachable!("quotas sum to the remaining count")
    }

    /// The town's nearest free cell. Every disk position before the cursor is taken, so at most `count`
    /// positions are ever visited and `disk(count + 1)` is long enough.
    fn claim_cell(&mut self, t: usize) -> (i64, i64) {
        let town = &mut self.towns[t];
        loop {
            let (dx, dy) = self.disk[town.cursor];
            town.cursor += 1;
            let cell = (town.cell.0 + dx, town.cell.1 + dy);
            if self.taken.insert(cell) {
                return cell;
            }
        }
    }

    /// A name unique within the catalog and the street it suggests for the address.
    fn draw_name(
        &mut self,
        rng: &mut ChaCha8Rng,
        t: usize,
        origin: Origin,
    ) -> (String, &'static str) {
        let town = &self.towns[t];
        let mut last = None;
        // Retry a taken name a few times while names are plentiful; in large catalogs, where most bases are
        // taken, go to a phase suffix sooner.
        let attempts = if self.names.len() < 4096 { 8 } else { 2 };
        for _ in 0..attempts {
            let (base, street) = base_name(rng, town, origin);
            if !self.names.contains_key(&base) {
                self.names.insert(base.clone(), 1);
                return (base, street);
            }
            last = Some((base, street));
        }
        let (base, street) = last.unwrap();
        let n = self.names.get_mut(&base).unwrap();
        *n += 1;
        const PHASES: [&str; 10] = ["", "", "二", "三", "四", "五", "六", "七", "八", "九"];
        let name = match *n as usize {
            n @ 2..=9 => format!("{base}{}期", PHASES[n]),
            n => format!("{base}{n}号院"),
        };
        (name, street)
    }
}

impl Iterator for Generator {
    type Item = Feature;

    fn next(&mut self) -> Option<Feature> {
        if self.next >= self.count {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(self.compound(index))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Generator {}

fn date_after(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::generate::test_support::{props, renshou};
    use crate::generate::write::RENSHOU_COUNT;

    #[test]
    fn the_first_two_are_the_known_compounds() {
        let all = renshou();
        let a = props(&all[0]);
        assert_eq!(a["name"], "工行小区");
        assert_eq!(a["year_built"], 1996);
        assert_eq!(a["origin"], "unit_fundraised");
        assert_eq!(a["town"], "文林街道");
        assert_eq!(a["community"], "文林社区");
        assert_eq!(a["address"], "仁寿县文林街道陵州路112号");
        assert_eq!(a["households"], 240);
        assert_eq!(a["floor_area_m2"], 21600.0);
        let b = props(&all[1]);
        assert_eq!(b["name"], "陵州小区");
        assert_eq!(b["town"], "文林街道");
        assert!(b["year_built"].as_i64().unwrap() <= 2000);
    }

    #[test]
    fn codes_and_names_are_unique() {
        let all = renshou();
        let codes: HashSet<&str> = all
            .iter()
            .map(|f| props(f)["code"].as_str().unwrap())
            .collect();
        let names: HashSet<&str> = all
            .iter()
            .map(|f| props(f)["name"].as_str().unwrap())
            .collect();
        assert_eq!(codes.len(), RENSHOU_COUNT);
        assert_eq!(names.len(), RENSHOU_COUNT);
        // Phase suffixes are the exception, not the rule.
        let phased = names
            .iter()
            .filter(|n| n.ends_with('期') || n.ends_with("号院"))
            .count();
        assert!(
            phased <= RENSHOU_COUNT / 20,
            "{phased} names needed a suffix"
        );
    }

    #[test]
    fn deputies_pick_ten_eligible_consented_compounds() {
        let all = renshou();
        let mut ranks: Vec<i64> = Vec::new();
        for f in &all {
            let p = props(f);
            if let Some(rank) = p["deputies_vote_rank"].as_i64() {
                ranks.push(rank);
                assert!(p["year_built"].as_i64().unwrap() <= 2000);
                assert!(!p["consent"].is_null());
            }
        }
        ranks.sort();
        assert_eq!(ranks, (1..=10).collect::<Vec<_>>());
    }
}
