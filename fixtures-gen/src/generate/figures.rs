//! The figures of a compound (year, origin, storeys, households, floor area) and its name.

use rand_chacha::ChaCha8Rng;

use super::grid::Town;
use super::names::{
    COMMERCIAL_SUFFIXES, COUNTY_UNITS, FINE_WORDS, PLACE_SUFFIXES, TOWN_UNITS, UNIT_SUFFIXES,
};
use super::random::{chance, float_in, int_in, pick, unit, weighted};

/// The figures of one compound that later draws depend on.
pub(super) struct Compound {
    pub(super) year_built: i64,
    pub(super) storeys: i64,
    pub(super) has_lifts: bool,
    pub(super) buildings: i64,
    pub(super) households: i64,
    /// Floor area in tenths of a square metre.
    pub(super) floor_tenths: i64,
    pub(super) property_management: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Origin {
    UnitFundraised,
    HousingReform,
    Commercial,
    Resettlement,
    Other,
}

impl Origin {
    pub(super) fn code(self) -> &'static str {
        match self {
            Origin::UnitFundraised => "unit_fundraised",
            Origin::HousingReform => "housing_reform",
            Origin::Commercial => "commercial",
            Origin::Resettlement => "resettlement",
            Origin::Other => "other",
        }
    }
}

/// Mostly 1980–2000 with the peak in the mid-1990s, a few late-1970s, ~8 % built 2001–2005.
pub(super) fn draw_year(rng: &mut ChaCha8Rng) -> i64 {
    let u = unit(rng);
    if u < 0.03 {
        int_in(rng, 1975, 1979)
    } else if u < 0.35 {
        1980 + (10.0 * unit(rng).sqrt()).floor() as i64 // rising through the 1980s
    } else if u < 0.92 {
        1990 + (5.5 * (unit(rng) + unit(rng))).floor() as i64 // triangular, peak 1995
    } else {
        2001 + (5.0 * (1.0 - unit(rng).sqrt())).floor() as i64 // falling off after 2000
    }
}

pub(super) fn draw_origin(rng: &mut ChaCha8Rng, year: i64) -> Origin {
    use Origin::*;
    let (origins, weights): (&[Origin], &[u32]) = if year < 1992 {
        (
            &[UnitFundraised, HousingReform, Resettlement, Other],
            &[50, 25, 8, 17],
        )
    } else if year <= 2000 {
        (
            &[
                UnitFundraised,
                HousingReform,
                Commercial,
                Resettlement,
                Other,
            ],
            &[33, 22, 22, 10, 13],
        )
    } else {
        (
            &[UnitFundraised, Commercial, Resettlement, Other],
            &[5, 55, 30, 10],
        )
    };
    origins[weighted(rng, weights)]
}

pub(super) fn draw_figures(
    rng: &mut ChaCha8Rng,
    year_built: i64,
    origin: Origin,
    rural: bool,
) -> Compound {
    let storey_weights: &[u32] = if rural {
        &[15, 30, 30, 22, 3]
    } else {
        &[4, 12, 26, 43, 15]
    };
    let mut storeys = 3 + weighted(rng, storey_weights) as i64;
    if storeys == 7 && year_built < 1988 {
        storeys = 6;
    }
    let has_lifts = storeys == 7 && year_built >= 1996 && chance(rng, 0.3);

    // Target household count: skewed, most 40–250.
    let u = unit(rng);
    let mut target = if u < 0.10 {
        float_in(rng, 20.0, 40.0)
    } else if u < 0.80 {
        let v = unit(rng);
        40.0 + 210.0 * v * v
    } else if u < 0.95 {
        float_in(rng, 250.0, 400.0)
    } else {
        float_in(rng, 400.0, 600.0)
    };
    if rural {
        target = (target * 0.55).max(20.0);
    }
    // Walk-ups: units (单元) per building, two flats per landing.
    let units = 1 + weighted(rng, &[20, 40, 30, 10]) as i64;
    let per_building = units * storeys * 2;
    let buildings = ((target / per_building as f64).round() as i64).max(1);
    let capacity = buildings * per_building;
    let households = capacity - int_in(rng, 0, capacity / 8);

    let flat_m2 = if year_built < 1990 {
        float_in(rng, 60.0, 82.0)
    } else if year_built < 1998 {
        float_in(rng, 68.0, 96.0)
    } else {
        float_in(rng, 80.0, 110.0)
    };
    let floor_tenths = (households as f64 * flat_m2 * 10.0).round() as i64;

    let pm_weights: &[u32] = match origin {
        Origin::Commercial => &[25, 20, 55],
        Origin::UnitFundraised | Origin::HousingReform => &[50, 40, 10],
        Origin::Resettlement => &[60, 30, 10],
        Origin::Other => &[65, 25, 10],
    };
    let property_management = ["none", "self", "company"][weighted(rng, pm_weights)];
    Compound {
        year_built,
        storeys,
        has_lifts,
        buildings,
        households,
        floor_tenths,
        property_management,
    }
}

/// A name for a compound of this origin in this town (maybe taken already) and the street for its address.
pub(super) fn base_name(
    rng: &mut ChaCha8Rng,
    town: &Town,
    origin: Origin,
) -> (String, &'static str) {
    let seat = town.def.is_subdistrict() && town.def.name != "视高街道";
    let stem = town.def.stem();
    let mut street = *pick(rng, &town.streets);
    let name = match origin {
        Origin::UnitFundraised | Origin::HousingReform => {
            let unit = if seat {
                pick(rng, COUNTY_UNITS).to_string()
            } else {
                let u = *pick(rng, TOWN_UNITS);
                if u == "镇政府" && town.def.is_subdistrict() {
                    format!("{stem}街道办")
                } else {
                    format!("{stem}{u}")
                }
            };
            let school = ["中学", "小学", "一中", "二中", "学校"]
                .iter()
                .any(|s| unit.ends_with(s));
            // 集资楼 (fund-raised block) only for staff fund-raising; the others fit both origins.
            let suffixes = if origin == Origin::UnitFundraised {
                UNIT_SUFFIXES
            } else {
                &UNIT_SUFFIXES[..6]
            };
            let suffix = if school && chance(rng, 0.5) {
                "教师宿舍"
            } else {
                *pick(rng, suffixes)
            };
            format!("{unit}{suffix}")
        }
        Origin::Commercial => {
            let word = *pick(rng, FINE_WORDS);
            let suffix = *pick(rng, COMMERCIAL_SUFFIXES);
            if !seat && chance(rng, 0.5) {
                format!("{stem}{word}{suffix}")
            } else {
                format!("{word}{suffix}")
            }
        }
        Origin::Resettlement | Origin::Other => {
            let place = pick(rng, &town.places);
            if let Some(&s) = town.streets.iter().find(|&&s| place.ends_with(s)) {
                street = s;
            }
            let suffix = if origin == Origin::Resettlement {
                *pick(rng, &["安置小区", "安置小区", "新村", "小区"])
            } else {
                *pick(rng, PLACE_SUFFIXES)
            };
            format!("{place}{suffix}")
        }
    };
    (name, street)
}

#[cfg(test)]
mod tests {
    use crate::generate::test_support::{props, renshou, share};

    #[test]
    fn year_distribution() {
        let all = renshou();
        let years: Vec<i64> = all
            .iter()
            .map(|f| props(f)["year_built"].as_i64().unwrap())
            .collect();
        assert!(years.iter().all(|&y| (1975..=2005).contains(&y)));
        let n = years.len();
        let in_80s = years.iter().filter(|&&y| (1980..1990).contains(&y)).count();
        let in_90s = years
            .iter()
            .filter(|&&y| (1990..=2000).contains(&y))
            .count();
        let late = years.iter().filter(|&&y| y > 2000).count();
        assert!(share(in_80s + in_90s, n) >= 0.8);
        assert!(in_90s > in_80s);
        assert!((0.04..=0.13).contains(&share(late, n)), "{late}");
    }

    #[test]
    fn households_are_skewed() {
        let all = renshou();
        let hh: Vec<i64> = all
            .iter()
            .map(|f| props(f)["households"].as_i64().unwrap())
            .collect();
        let mid = hh.iter().filter(|&&h| (40..=250).contains(&h)).count();
        assert!(share(mid, hh.len()) >= 0.55, "{mid}");
        assert!(hh.iter().any(|&h| h > 300));
        let lifts = all.iter().filter(|f| props(f)["has_lifts"] == true).count();
        assert!(share(lifts, all.len()) < 0.05);
    }
}
