//! Towns, quotas and the cells they claim.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

use super::geometry::cell_of;
use super::names::{SEAT_PLACES, SHIGAO_PLACES, TOWN_STREETS, TOWNS, TownDef, VILLAGES};
use super::random::{draw_distinct, int_in};

pub(super) struct Town {
    pub(super) def: &'static TownDef,
    /// Grid cell of the town centre.
    pub(super) cell: (i64, i64),
    /// Position in `Generator::disk` of the next cell to try.
    pub(super) cursor: usize,
    pub(super) communities: Vec<String>,
    pub(super) streets: Vec<&'static str>,
    /// Name pieces for compounds named after a place.
    pub(super) places: Vec<String>,
}

/// The towns with their communities and streets. These depend on neither count nor seed: the county's
/// gazetteer stays the same across fixtures.
pub(super) fn gazetteer() -> Vec<Town> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x0511_4210);
    TOWNS
        .iter()
        .map(|def| {
            let (communities, streets, places) = if def.is_subdistrict() {
                let places: &[&str] = if def.name == "视高街道" {
                    SHIGAO_PLACES
                } else {
                    SEAT_PLACES
                };
                (
                    def.communities.iter().map(|c| c.to_string()).collect(),
                    def.streets.to_vec(),
                    places.iter().map(|p| p.to_string()).collect(),
                )
            } else {
                let stem = def.stem();
                let mut communities = vec![format!("{stem}社区")];
                let villages = int_in(&mut rng, 1, 5) as usize;
                for name in draw_distinct(&mut rng, VILLAGES, villages) {
                    communities.push(name.to_string());
                }
                let n_streets = int_in(&mut rng, 3, 5) as usize;
                let streets = draw_distinct(&mut rng, TOWN_STREETS, n_streets);
                let mut places = vec![stem.to_string(), format!("{stem}场镇")];
                places.extend(streets.iter().map(|s| format!("{stem}{s}")));
                (communities, streets, places)
            };
            Town {
                def,
                cell: cell_of(def.lat, def.lon),
                cursor: 0,
                communities,
                streets,
                places,
            }
        })
        .collect()
}

/// The cells taken so far: a bitmap over the rectangle that the towns' disks can reach.
pub(super) struct TakenCells {
    min: (i64, i64),
    width: i64,
    height: i64,
    bits: Vec<u64>,
}

impl TakenCells {
    /// Room for every cell within `radius` (Chebyshev) of a town centre.
    pub(super) fn new(towns: &[Town], radius: i64) -> TakenCells {
        let min_i = towns.iter().map(|t| t.cell.0).min().unwrap_or(0) - radius;
        let max_i = towns.iter().map(|t| t.cell.0).max().unwrap_or(0) + radius;
        let min_j = towns.iter().map(|t| t.cell.1).min().unwrap_or(0) - radius;
        let max_j = towns.iter().map(|t| t.cell.1).max().unwrap_or(0) + radius;
        let (width, height) = (max_i - min_i + 1, max_j - min_j + 1);
        let words = ((width * height) as usize).div_ceil(64);
        TakenCells {
            min: (min_i, min_j),
            width,
            height,
            bits: vec![0; words],
        }
    }

    /// Marks the cell taken; false if it already was.
    pub(super) fn insert(&mut self, (i, j): (i64, i64)) -> bool {
        let (x, y) = (i - self.min.0, j - self.min.1);
        assert!(
            (0..self.width).contains(&x) && (0..self.height).contains(&y),
            "cell outside the grid"
        );
        let bit = (y * self.width + x) as usize;
        let (word, mask) = (bit / 64, 1u64 << (bit % 64));
        let free = self.bits[word] & mask == 0;
        self.bits[word] |= mask;
        free
    }
}

/// Compounds per town: proportional to the town weights (largest remainder), every town getting at least one
/// when there are enough, 文林街道 at least the two fixed compounds.
pub(super) fn quotas(count: usize) -> Vec<usize> {
    let count = count as u64;
    let total: u64 = TOWNS.iter().map(|t| u64::from(t.weight)).sum();
    let mut q: Vec<u64> = TOWNS
        .iter()
        .map(|t| count * u64::from(t.weight) / total)
        .collect();
    let assigned: u64 = q.iter().sum();
    let mut order: Vec<usize> = (0..TOWNS.len()).collect();
    order.sort_by_key(|&t| {
        (
            std::cmp::Reverse(count * u64::from(TOWNS[t].weight) % total),
            t,
        )
    });
    for &t in order.iter().take((count - assigned) as usize) {
        q[t] += 1;
    }
    let fullest = |q: &[u64], from: usize| {
        (from..q.len())
            .max_by_key(|&t| (q[t], std::cmp::Reverse(t)))
            .unwrap()
    };
    if count >= TOWNS.len() as u64 {
        for t in 0..q.len() {
            if q[t] == 0 {
                let donor = fullest(&q, 0);
                q[donor] -= 1;
                q[t] = 1;
            }
        }
    }
    while q[0] < count.min(2) {
        let donor = fullest(&q, 1);
        q[donor] -= 1;
        q[0] += 1;
    }
    q.into_iter().map(|n| n as usize).collect()
}

/// Cell offsets by distance from the origin (ties by row, then column), at least `n` of them.
pub(super) fn disk(n: usize) -> Vec<(i64, i64)> {
    let mut r = ((n as f64 / 3.0).sqrt()).ceil() as i64 + 2;
    loop {
        let mut cells = Vec::with_capacity(((2 * r + 1) * (2 * r + 1)) as usize);
        for dy in -r..=r {
            for dx in -r..=r {
                if dx * dx + dy * dy <= r * r {
                    cells.push((dx, dy));
                }
            }
        }
        if cells.len() >= n {
            cells.sort_by_key(|&(dx, dy)| (dx * dx + dy * dy, dy, dx));
            return cells;
        }
        r += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use super::*;
    use crate::generate::geometry::{M_PER_DEG_LAT, M_PER_DEG_LON};
    use crate::generate::test_support::{props, renshou, share};

    #[test]
    fn towns_and_communities() {
        let all = renshou();
        let mut towns: BTreeMap<&str, (usize, HashSet<&str>, HashSet<&str>)> = BTreeMap::new();
        for f in &all {
            let p = props(f);
            let e = towns.entry(p["town"].as_str().unwrap()).or_default();
            e.0 += 1;
            e.1.insert(p["town_code"].as_str().unwrap());
            e.2.insert(p["community"].as_str().unwrap());
        }
        assert_eq!(towns.len(), 27);
        let codes: HashSet<&str> = towns.values().flat_map(|t| t.1.iter().copied()).collect();
        assert_eq!(codes.len(), 27);
        let seat: usize = ["文林街道", "普宁街道", "怀仁街道", "视高街道"]
            .iter()
            .map(|t| towns[t].0)
            .sum();
        let seat = share(seat, all.len());
        assert!((0.6..=0.8).contains(&seat), "{seat}");
        for town in gazetteer() {
            assert!(
                (2..=6).contains(&town.communities.len()),
                "{}",
                town.def.name
            );
            let distinct: HashSet<&String> = town.communities.iter().collect();
            assert_eq!(distinct.len(), town.communities.len());
            let (_, _, used) = &towns[town.def.name];
            assert!(used.iter().all(|c| town.communities.iter().any(|x| x == c)));
        }
    }

    #[test]
    fn town_centres_are_plausible() {
        let km = |a: &TownDef, b: &TownDef| {
            let dy = (a.lat - b.lat) * M_PER_DEG_LAT / 1000.0;
            let dx = (a.lon - b.lon) * M_PER_DEG_LON / 1000.0;
            (dx * dx + dy * dy).sqrt()
        };
        let seat = &TOWNS[0];
        for t in TOWNS.iter().filter(|t| !t.is_subdistrict()) {
            let d = km(seat, t);
            assert!((5.0..=35.0).contains(&d), "{} is {d} km out", t.name);
            for u in TOWNS.iter().filter(|u| u.name != t.name) {
                assert!(km(t, u) > 4.0, "{} and {} too close", t.name, u.name);
            }
        }
    }
}
