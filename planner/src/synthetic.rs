//! Seeded synthetic instances for the property tests and the benchmarks: compounds of a county-like mix
//! (households skewed, ¥30,000–65,000 per household, priorities 5–90), some bundled in twos to fours, a few pinned,
//! over a horizon whose budgets cover about `coverage` of the total cost. Same arguments, same instance.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::{Instance, Item, RESOURCES, Year};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub compounds: usize,
    pub years: usize,
    /// Share of the total cost the horizon's budgets cover.
    pub coverage: f64,
    /// A per-year count cap, as a share of the compounds the budget alone would admit; `None`: no cap.
    pub count_cap: Option<f64>,
    /// Share of compounds in bundles of 2–4.
    pub bundled: f64,
    /// Share of items pinned to a year (kept only where the pin fits).
    pub pinned: f64,
    pub discount: f64,
}

impl Shape {
    /// Budgets and a count cap that both bind, bundles and pins in play.
    pub fn county(compounds: usize) -> Shape {
        Shape {
            compounds,
            years: 5,
            coverage: 0.6,
            count_cap: Some(0.8),
            bundled: 0.15,
            pinned: 0.02,
            discount: 0.9,
        }
    }
}

fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

pub fn instance(shape: &Shape, seed: u64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let rng = &mut rng;
    // Compounds: (value, cost in fen, households).
    let compounds: Vec<(f64, u64, u64)> = (0..shape.compounds)
        .map(|_| {
            let households = (30.0 + 770.0 * unit(rng).powi(3)).round() as u64;
            let per_household = 30_000.0 + 35_000.0 * unit(rng);
            let cost = (households as f64 * per_household).round() as u64 * 100;
            let priority = 5.0 + 85.0 * unit(rng) * unit(rng).sqrt();
            (
                (priority * 100.0).round() / 100.0 * households as f64,
                cost,
                households,
            )
        })
        .collect();

    let mut items = Vec::new();
    let mut c = 0;
    while c < compounds.len() {
        let size = if unit(rng) < shape.bundled / 3.0 {
            2 + (unit(rng) * 3.0) as usize
        } else {
            1
        }
        .min(compounds.len() - c);
        let members = &compounds[c..c + size];
        items.push(Item {
            value: members.iter().map(|m| m.0).sum(),
            needs: [
                members.iter().map(|m| m.1).sum(),
                size as u64,
                members.iter().map(|m| m.2).sum(),
            ],
            fixed: None,
        });
        c += size;
    }

    let total_cost: u64 = compounds.iter().map(|m| m.1).sum();
    let per_year = (total_cost as f64 * shape.coverage / shape.years as f64) as u64;
    let mean_cost = total_cost as f64 / compounds.len().max(1) as f64;
    let cap = shape
        .count_cap
        .map(|share| ((per_year as f64 / mean_cost) * share).max(1.0).round() as u64);
    let years: Vec<Year> = (0..shape.years)
        .map(|t| {
            // Budgets vary a little from year to year, as they do.
            let budget = (per_year as f64 * (0.9 + 0.2 * ((t * 7 % 5) as f64 / 4.0))) as u64;
            Year {
                limits: [Some(budget), cap, None],
            }
        })
        .collect();

    let mut used = vec![[0u64; RESOURCES]; years.len()];
    for item in &mut items {
        if unit(rng) >= shape.pinned {
            continue;
        }
        let t = (unit(rng) * years.len() as f64) as usize;
        let fits = (0..RESOURCES)
            .all(|r| years[t].limits[r].is_none_or(|l| (used[t][r] + item.needs[r]) * 2 <= l));
        if fits {
            item.fixed = Some(t);
            for r in 0..RESOURCES {
                used[t][r] += item.needs[r];
            }
        }
    }
    Instance {
        years,
        discount: shape.discount,
        items,
    }
}
