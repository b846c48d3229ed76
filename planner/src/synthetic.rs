//! Seeded synthetic instances for the property tests and the benchmarks: compounds of a county-like mix
//! (households skewed, ¥30,000–65,000 per household, priorities 5–90), some bundled in twos to fours, a few pinned,
//! over a horizon whose budgets cover about `coverage` of the total cost. Same arguments, same instance.
//!
//! With `sources`, each compound's cost is also split over four funding sources — the central subsidy (part of the
//! cost, at most ¥15,000 a household, not for every compound), special bonds (about a third of the compounds), the
//! residents' share, and the pipeline firms (three in ten) — the rest being local funds, which only the budget
//! limits; each source is a resource with a limit per year set below what the budget alone would have it pay, so
//! that it binds.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::{Instance, Item, Year, standard_resources};

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
    /// Per funding source ([`SOURCES`]), its yearly limit as a share of what the budget alone would have it pay (the
    /// year's budget times the source's share of the total cost); `None`: no funding sources, three resources.
    pub sources: Option<[f64; 4]>,
}

/// The funding sources of [`Shape::sources`], as resource names after the standard three.
pub const SOURCES: [&str; 4] = [
    "central_subsidy",
    "special_bonds",
    "residents",
    "pipeline_firms",
];

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
            sources: None,
        }
    }

    /// [`Shape::county`] with the four funding sources, each limited to 50–80% of what the budget would have it pay.
    pub fn sources(compounds: usize) -> Shape {
        Shape {
            sources: Some([0.6, 0.7, 0.8, 0.5]),
            ..Shape::county(compounds)
        }
    }
}

/// What each funding source pays of a compound of `cost` fen and `households`, drawn from `rng`: the central subsidy
/// for three in five compounds (20–50% of the cost, at most ¥15,000 a household), special bonds for about a third
/// (15–35%), the residents 2–10%, the pipeline firms for three in ten (5–15%); local funds pay the rest.
fn source_split(rng: &mut ChaCha8Rng, cost: u64, households: u64) -> [u64; 4] {
    let c = cost as f64;
    let central = if unit(rng) < 0.6 {
        (c * (0.2 + 0.3 * unit(rng))).min(households as f64 * 1_500_000.0)
    } else {
        0.0
    };
    let bonds = if unit(rng) < 0.35 {
        c * (0.15 + 0.2 * unit(rng))
    } else {
        0.0
    };
    let residents = c * (0.02 + 0.08 * unit(rng));
    let pipeline = if unit(rng) < 0.3 {
        c * (0.05 + 0.1 * unit(rng))
    } else {
        0.0
    };
    [central, bonds, residents, pipeline].map(|x| x.floor() as u64)
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

    // The sources' split from a stream of its own, so that the other draws are those of the shape without sources.
    let mut source_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_F00D);
    let split: Vec<[u64; 4]> = if shape.sources.is_some() {
        compounds
            .iter()
            .map(|&(_, cost, households)| source_split(&mut source_rng, cost, households))
            .collect()
    } else {
        Vec::new()
    };

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
        let mut needs = vec![
            members.iter().map(|m| m.1).sum(),
            size as u64,
            members.iter().map(|m| m.2).sum(),
        ];
        if shape.sources.is_some() {
            needs.extend(
                (0..SOURCES.len()).map(|j| split[c..c + size].iter().map(|s| s[j]).sum::<u64>()),
            );
        }
        items.push(Item {
            value: members.iter().map(|m| m.0).sum(),
            needs,
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
    // Each source's share of the total cost.
    let source_share: Vec<f64> = (0..SOURCES.len())
        .map(|j| split.iter().map(|s| s[j] as f64).sum::<f64>() / total_cost.max(1) as f64)
        .collect();
    let years: Vec<Year> = (0..shape.years)
        .map(|t| {
            // Budgets vary a little from year to year, as they do.
            let budget = (per_year as f64 * (0.9 + 0.2 * ((t * 7 % 5) as f64 / 4.0))) as u64;
            let mut limits = vec![Some(budget), cap, None];
            if let Some(tight) = shape.sources {
                // So do the sources' allocations, each in its own rhythm.
                limits.extend((0..SOURCES.len()).map(|j| {
                    let swing = 0.9 + 0.2 * (((t + j) * 3 % 5) as f64 / 4.0);
                    Some((budget as f64 * source_share[j] * tight[j] * swing) as u64)
                }));
            }
            Year { limits }
        })
        .collect();
    let mut resources = standard_resources();
    if shape.sources.is_some() {
        resources.extend(SOURCES.iter().map(|&s| s.to_owned()));
    }
    let res = resources.len();

    let mut used = vec![vec![0u64; res]; years.len()];
    for item in &mut items {
        if unit(rng) >= shape.pinned {
            continue;
        }
        let t = (unit(rng) * years.len() as f64) as usize;
        let fits = (0..res)
            .all(|r| years[t].limits[r].is_none_or(|l| (used[t][r] + item.needs[r]) * 2 <= l));
        if fits {
            item.fixed = Some(t);
            for r in 0..res {
                used[t][r] += item.needs[r];
            }
        }
    }
    Instance {
        resources,
        years,
        discount: shape.discount,
        items,
    }
}
