//! The annual batch planner (年度批次计划): which items — a compound, or a bundle of adjacent compounds renovated
//! together as one district project (片区) — go in which year of the horizon, within every year's budget and
//! caps, so that the highest-priority households are served earliest:
//!
//! ```text
//! maximise   Σ value(item) × discount^(year(item) − first year)       over the scheduled items
//! subject to Σ needs(item, resource) ≤ limit(year, resource)          for every year and resource
//! ```
//!
//! Every plan comes with an upper bound on what *any* plan could achieve — the Lagrangian dual of the year
//! limits, which equals the optimum of the LP relaxation — so its quality is proven, not claimed
//! ([`Plan::gap`]). Pure and deterministic: the same instance gives the same plan, bit for bit.
//!
//! Resources are whole numbers (budget in fen, compounds, households) so that "within budget" is exact.

// Index loops over years and resources read better than zipped iterators in this numeric code.
#![allow(clippy::needless_range_loop)]

mod bound;
mod knapsack;
mod master;
mod reshape;
mod schedule;
mod search;
pub mod synthetic;

use serde::Serialize;

/// What a year's limits are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Budget (年度预算), in fen.
    Budget = 0,
    /// Number of compounds (改造小区个数).
    Compounds = 1,
    /// Number of households (惠及户数).
    Households = 2,
}

impl Resource {
    pub const ALL: [Resource; RESOURCES] =
        [Resource::Budget, Resource::Compounds, Resource::Households];
}

pub const RESOURCES: usize = 3;

/// The most years a horizon may have (the planner keeps a year mask in a `u64`).
pub const MAX_YEARS: usize = 64;

/// One year of the horizon: its limit per resource (`None`: no limit).
#[derive(Debug, Clone, PartialEq)]
pub struct Year {
    pub limits: [Option<u64>; RESOURCES],
}

/// One schedulable unit: a compound or a bundle, never split.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Priority × households, summed over the item's compounds; ≥ 0 and finite.
    pub value: f64,
    /// What the item uses of each resource in the year it is scheduled.
    pub needs: [u64; RESOURCES],
    /// Scheduled in this year (index into the horizon) whatever else happens: a pin, or an approved batch.
    pub fixed: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub years: Vec<Year>,
    /// Weight of a year relative to the one before, in (0, 1].
    pub discount: f64,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    NoYears,
    TooManyYears(usize),
    Discount(f64),
    Value {
        item: usize,
    },
    FixedYear {
        item: usize,
        year: usize,
    },
    /// The fixed items (pins, approved batches) of a year already exceed one of its limits.
    FixedOverLimit {
        year: usize,
        resource: Resource,
        needed: u64,
        limit: u64,
    },
}

/// The messages are for logs and tests; callers word their own for users, in their terms.
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NoYears => write!(f, "the horizon has no years"),
            Error::TooManyYears(n) => write!(f, "{n} years; at most {MAX_YEARS}"),
            Error::Discount(d) => write!(f, "discount {d} is not in (0, 1]"),
            Error::Value { item } => write!(f, "item {item}: value must be finite and ≥ 0"),
            Error::FixedYear { item, year } => {
                write!(f, "item {item}: fixed to year {year}, outside the horizon")
            }
            Error::FixedOverLimit {
                year,
                resource,
                needed,
                limit,
            } => write!(
                f,
                "year {year}: fixed items need {needed} of {resource:?}, the limit is {limit}"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// A plan and the proof of its quality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Per item, the index of its year, or `None` when it is not scheduled within the horizon.
    pub year_of: Vec<Option<usize>>,
    /// Σ value × discount^year of the scheduled items.
    pub objective: f64,
    /// No plan of this instance can score more than this.
    pub bound: f64,
    /// Per year, what the scheduled items use of each resource.
    pub used: Vec<[u64; RESOURCES]>,
    /// Cutting-plane iterations spent on the bound.
    pub iterations: usize,
}

impl Plan {
    /// How far the plan may be from the best possible one, as a share of the bound: 0.0001 is "within 0.01%".
    pub fn gap(&self) -> f64 {
        if self.bound > 0.0 {
            ((self.bound - self.objective) / self.bound).max(0.0)
        } else {
            0.0
        }
    }

    /// The resources of `year` that `item` does not fit into, given what the plan already uses there (its own
    /// use not counted when it is in that year). Empty when it would fit.
    pub fn short_of(&self, instance: &Instance, item: usize, year: usize) -> Vec<Resource> {
        let needs = instance.items[item].needs;
        let own = self.year_of[item] == Some(year);
        Resource::ALL
            .into_iter()
            .filter(|&r| {
                let r = r as usize;
                instance.years[year].limits[r].is_some_and(|limit| {
                    let used = self.used[year][r] - if own { needs[r] } else { 0 };
                    used + needs[r] > limit
                })
            })
            .collect()
    }
}

/// Plans the instance: fixed items in their years, the others where they serve best.
pub fn plan(instance: &Instance) -> Result<Plan, Error> {
    let years = instance.years.len();
    if years == 0 {
        return Err(Error::NoYears);
    }
    if years > MAX_YEARS {
        return Err(Error::TooManyYears(years));
    }
    let d = instance.discount;
    if !(d > 0.0 && d <= 1.0) {
        return Err(Error::Discount(d));
    }
    let weight: Vec<f64> = (0..years).map(|t| d.powi(t as i32)).collect();

    // Fixed items first: what they use comes off the year's limits.
    let mut year_of = vec![None; instance.items.len()];
    let mut used = vec![[0u64; RESOURCES]; years];
    let mut fixed_value = 0.0;
    for (i, item) in instance.items.iter().enumerate() {
        if !(item.value.is_finite() && item.value >= 0.0) {
            return Err(Error::Value { item: i });
        }
        if let Some(t) = item.fixed {
            if t >= years {
                return Err(Error::FixedYear { item: i, year: t });
            }
            year_of[i] = Some(t);
            for r in 0..RESOURCES {
                used[t][r] = used[t][r].saturating_add(item.needs[r]);
            }
            fixed_value += item.value * weight[t];
        }
    }
    let mut room = vec![[None::<u64>; RESOURCES]; years];
    for t in 0..years {
        for r in 0..RESOURCES {
            if let Some(limit) = instance.years[t].limits[r] {
                if used[t][r] > limit {
                    return Err(Error::FixedOverLimit {
                        year: t,
                        resource: Resource::ALL[r],
                        needed: used[t][r],
                        limit,
                    });
                }
                room[t][r] = Some(limit - used[t][r]);
            }
        }
    }

    let free = Free::new(instance, &room, weight);
    // A large instance starts from the prices of a sample: most of the way there for a fraction of the work.
    let start =
        (free.len() > SAMPLE_ABOVE).then(|| bound::minimise(&free.sample(SAMPLE), None).prices);
    let dual = bound::minimise(&free, start.as_ref());
    let chosen = schedule::schedule(&free, &dual);

    let mut objective = fixed_value;
    for (k, year) in chosen.iter().enumerate() {
        if let Some(t) = *year {
            let i = free.index[k];
            year_of[i] = Some(t);
            objective += free.value[k] * free.weight[t];
            for r in 0..RESOURCES {
                used[t][r] += free.needs[k][r];
            }
        }
    }
    Ok(Plan {
        year_of,
        objective,
        // The dual value is a bound in exact arithmetic; rounding must not make it dip below what was achieved.
        bound: (fixed_value + dual.value).max(objective),
        used,
        iterations: dual.iterations,
    })
}

/// From this many free items the heavy loops of the bound and the plan are shared between two threads, in fixed
/// halves combined in a fixed order: the plan does not depend on the threads.
const PARALLEL_ABOVE: usize = 50_000;

/// Instances with more free items than this start the bound from a sample of `SAMPLE` items.
const SAMPLE_ABOVE: usize = 40_000;
const SAMPLE: usize = 20_000;

/// The items still to place, the room left in each year once the fixed items are in, and the discount weights.
struct Free {
    /// Index of each free item in the instance.
    index: Vec<usize>,
    value: Vec<f64>,
    needs: Vec<[u64; RESOURCES]>,
    /// Bit t set: the item fits year t's room on its own.
    allowed: Vec<u64>,
    room: Vec<[Option<u64>; RESOURCES]>,
    weight: Vec<f64>,
}

impl Free {
    fn new(instance: &Instance, room: &[[Option<u64>; RESOURCES]], weight: Vec<f64>) -> Free {
        let mut free = Free {
            index: Vec::new(),
            value: Vec::new(),
            needs: Vec::new(),
            allowed: Vec::new(),
            room: room.to_vec(),
            weight,
        };
        for (i, item) in instance.items.iter().enumerate() {
            if item.fixed.is_some() || item.value <= 0.0 {
                continue;
            }
            let mut mask = 0u64;
            for (t, room) in room.iter().enumerate() {
                let fits = (0..RESOURCES).all(|r| room[r].is_none_or(|left| item.needs[r] <= left));
                if fits {
                    mask |= 1 << t;
                }
            }
            if mask != 0 {
                free.index.push(i);
                free.value.push(item.value);
                free.needs.push(item.needs);
                free.allowed.push(mask);
            }
        }
        free
    }

    /// Every n-th item, with the room in each year scaled down alike: a small instance with about the same prices.
    fn sample(&self, size: usize) -> Free {
        let stride = self.len().div_ceil(size.max(1)).max(1);
        let picked: Vec<usize> = (0..self.len()).step_by(stride).collect();
        let share = picked.len() as f64 / self.len() as f64;
        Free {
            index: picked.iter().map(|&k| self.index[k]).collect(),
            value: picked.iter().map(|&k| self.value[k]).collect(),
            needs: picked.iter().map(|&k| self.needs[k]).collect(),
            allowed: picked.iter().map(|&k| self.allowed[k]).collect(),
            room: self
                .room
                .iter()
                .map(|room| room.map(|r| r.map(|r| (r as f64 * share).round() as u64)))
                .collect(),
            weight: self.weight.clone(),
        }
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn years(&self) -> usize {
        self.weight.len()
    }

    fn is_allowed(&self, k: usize, t: usize) -> bool {
        self.allowed[k] & (1 << t) != 0
    }
}

#[cfg(test)]
mod tests;
