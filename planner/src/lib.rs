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
//! Resources are whole numbers (budget in fen, compounds, households, and any others an instance declares — the
//! funding sources, in fen) so that "within budget" is exact. An instance has as many as it declares; the three
//! standard ones come first ([`Resource`]).

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

/// A resource: an index into [`Instance::resources`], and into every year's `limits` and every item's `needs`. The
/// three standard resources come first ([`Resource::BUDGET`], [`Resource::COMPOUNDS`], [`Resource::HOUSEHOLDS`]); any
/// others (the funding sources of issue 18, say) follow, as many as the instance declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Resource(pub usize);

impl Resource {
    /// Budget (年度预算), in fen.
    pub const BUDGET: Resource = Resource(0);
    /// Number of compounds (改造小区个数).
    pub const COMPOUNDS: Resource = Resource(1);
    /// Number of households (惠及户数).
    pub const HOUSEHOLDS: Resource = Resource(2);
}

/// The names of the three standard resources, in index order.
pub const STANDARD_RESOURCES: [&str; 3] = ["budget", "compounds", "households"];

/// [`STANDARD_RESOURCES`] as an instance's `resources`: what an instance with no other resource declares.
pub fn standard_resources() -> Vec<String> {
    STANDARD_RESOURCES.iter().map(|&s| s.to_owned()).collect()
}

/// The most years a horizon may have (the planner keeps a year mask in a `u64`).
/// Kept limits per year above which an instance has funding sources besides the standard three.
pub(crate) const MANY_LIMITS: usize = 3;

pub const MAX_YEARS: usize = 64;

/// One year of the horizon: its limit per resource, in the order of [`Instance::resources`] (`None`: no limit).
#[derive(Debug, Clone, PartialEq)]
pub struct Year {
    pub limits: Vec<Option<u64>>,
}

/// One schedulable unit: a compound or a bundle, never split.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Priority × households, summed over the item's compounds; ≥ 0 and finite.
    pub value: f64,
    /// What the item uses of each resource (in the order of [`Instance::resources`]) in the year it is scheduled.
    pub needs: Vec<u64>,
    /// Scheduled in this year (index into the horizon) whatever else happens: a pin, or an approved batch.
    pub fixed: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The resources' names, by index (for messages): [`STANDARD_RESOURCES`] first, then any others — the funding
    /// sources, each limited per year by what it provides and needed per item by its share of the item's cost. Every
    /// year has one limit and every item one need per resource. At least one.
    pub resources: Vec<String>,
    pub years: Vec<Year>,
    /// Weight of a year relative to the one before, in (0, 1].
    pub discount: f64,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    NoYears,
    TooManyYears(usize),
    /// The instance declares no resource.
    NoResources,
    /// A year whose `limits` do not have one entry per resource.
    Limits {
        year: usize,
        found: usize,
        expected: usize,
    },
    /// An item whose `needs` do not have one entry per resource.
    Needs {
        item: usize,
        found: usize,
        expected: usize,
    },
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
        /// The resource's name in [`Instance::resources`].
        name: String,
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
            Error::NoResources => write!(f, "the instance declares no resource"),
            Error::Limits {
                year,
                found,
                expected,
            } => write!(f, "year {year}: {found} limits for {expected} resources"),
            Error::Needs {
                item,
                found,
                expected,
            } => write!(f, "item {item}: {found} needs for {expected} resources"),
            Error::Discount(d) => write!(f, "discount {d} is not in (0, 1]"),
            Error::Value { item } => write!(f, "item {item}: value must be finite and ≥ 0"),
            Error::FixedYear { item, year } => {
                write!(f, "item {item}: fixed to year {year}, outside the horizon")
            }
            Error::FixedOverLimit {
                year,
                resource,
                name,
                needed,
                limit,
            } => write!(
                f,
                "year {year}: fixed items need {needed} of resource {} ({name}), the limit is {limit}",
                resource.0
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
    /// Per year, what the scheduled items use of each resource (in the order of [`Instance::resources`]).
    pub used: Vec<Vec<u64>>,
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
    /// use not counted when it is in that year), in index order. Empty when it would fit.
    pub fn short_of(&self, instance: &Instance, item: usize, year: usize) -> Vec<Resource> {
        let needs = &instance.items[item].needs;
        let own = self.year_of[item] == Some(year);
        instance.years[year]
            .limits
            .iter()
            .enumerate()
            .filter(|&(r, limit)| {
                limit.is_some_and(|limit| {
                    let used = self.used[year][r] - if own { needs[r] } else { 0 };
                    used + needs[r] > limit
                })
            })
            .map(|(r, _)| Resource(r))
            .collect()
    }
}

/// Checks the instance's shape: years, resources, one limit per resource and year, one need per resource and item,
/// the discount, the values and the fixed years.
fn check(instance: &Instance) -> Result<(), Error> {
    let years = instance.years.len();
    if years == 0 {
        return Err(Error::NoYears);
    }
    if years > MAX_YEARS {
        return Err(Error::TooManyYears(years));
    }
    let resources = instance.resources.len();
    if resources == 0 {
        return Err(Error::NoResources);
    }
    for (t, year) in instance.years.iter().enumerate() {
        if year.limits.len() != resources {
            return Err(Error::Limits {
                year: t,
                found: year.limits.len(),
                expected: resources,
            });
        }
    }
    let d = instance.discount;
    if !(d > 0.0 && d <= 1.0) {
        return Err(Error::Discount(d));
    }
    for (i, item) in instance.items.iter().enumerate() {
        if item.needs.len() != resources {
            return Err(Error::Needs {
                item: i,
                found: item.needs.len(),
                expected: resources,
            });
        }
        if !(item.value.is_finite() && item.value >= 0.0) {
            return Err(Error::Value { item: i });
        }
        if let Some(t) = item.fixed
            && t >= years
        {
            return Err(Error::FixedYear { item: i, year: t });
        }
    }
    Ok(())
}

/// Plans the instance: fixed items in their years, the others where they serve best.
pub fn plan(instance: &Instance) -> Result<Plan, Error> {
    check(instance)?;
    let years = instance.years.len();
    let resources = instance.resources.len();
    let weight: Vec<f64> = (0..years)
        .map(|t| instance.discount.powi(t as i32))
        .collect();

    // Fixed items first: what they use comes off the year's limits.
    let mut year_of = vec![None; instance.items.len()];
    let mut used = vec![vec![0u64; resources]; years];
    let mut fixed_value = 0.0;
    for (i, item) in instance.items.iter().enumerate() {
        if let Some(t) = item.fixed {
            year_of[i] = Some(t);
            for (u, &need) in used[t].iter_mut().zip(&item.needs) {
                *u = u.saturating_add(need);
            }
            fixed_value += item.value * weight[t];
        }
    }
    let mut room = vec![vec![None::<u64>; resources]; years];
    for t in 0..years {
        for r in 0..resources {
            if let Some(limit) = instance.years[t].limits[r] {
                if used[t][r] > limit {
                    return Err(Error::FixedOverLimit {
                        year: t,
                        resource: Resource(r),
                        name: instance.resources[r].clone(),
                        needed: used[t][r],
                        limit,
                    });
                }
                room[t][r] = Some(limit - used[t][r]);
            }
        }
    }

    let free = Free::new(instance, &room, weight);
    // A large instance starts from the prices of a sample: most of the way there for a fraction of the work. With
    // many limits the sample is larger (the whole instance's iterations cost the most) and itself starts from a
    // smaller one's prices.
    let start = (free.len() > SAMPLE_ABOVE).then(|| {
        if free.res > MANY_LIMITS {
            let first = bound::minimise(&free.sample(SMALL_SAMPLE), None).prices;
            let size = (free.len() / 4).clamp(SAMPLE, MANY_LIMITS_SAMPLE);
            bound::minimise(&free.sample(size), Some(&first)).prices
        } else {
            bound::minimise(&free.sample(SAMPLE), None).prices
        }
    });
    let dual = bound::minimise(&free, start.as_ref());
    let chosen = schedule::schedule(&free, &dual);

    let mut objective = fixed_value;
    for (k, year) in chosen.iter().enumerate() {
        if let Some(t) = *year {
            let i = free.index[k];
            year_of[i] = Some(t);
            objective += free.value[k] * free.weight[t];
            for (u, &need) in used[t].iter_mut().zip(&instance.items[i].needs) {
                *u += need;
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
/// With many limits, the sample has up to `MANY_LIMITS_SAMPLE` items (a quarter of the instance), and starts from
/// the prices of a smaller one.
const MANY_LIMITS_SAMPLE: usize = 40_000;
const SMALL_SAMPLE: usize = 2_000;

/// The items still to place, the room left in each year once the fixed items are in, and the discount weights.
///
/// Only the resources limited in some year are kept (`res` of them, in instance order; the first one when none is):
/// the others cannot change a plan. Needs and room are flat, item- and year-major with stride `res`, so that the hot
/// loops read them in sequence and no item carries an allocation of its own.
struct Free {
    /// Index of each free item in the instance.
    index: Vec<usize>,
    value: Vec<f64>,
    /// Resources kept.
    res: usize,
    /// Per item, its need of each kept resource (`k * res + r`).
    needs: Vec<u64>,
    /// Bit t set: the item fits year t's room on its own.
    allowed: Vec<u64>,
    /// Per year, the room left in each kept resource (`t * res + r`).
    room: Vec<Option<u64>>,
    weight: Vec<f64>,
}

impl Free {
    fn new(instance: &Instance, room: &[Vec<Option<u64>>], weight: Vec<f64>) -> Free {
        let resources = instance.resources.len();
        let mut kept: Vec<usize> = (0..resources)
            .filter(|&r| room.iter().any(|room| room[r].is_some()))
            .collect();
        if kept.is_empty() {
            kept.push(0);
        }
        let res = kept.len();
        let mut free = Free {
            index: Vec::new(),
            value: Vec::new(),
            res,
            needs: Vec::new(),
            allowed: Vec::new(),
            room: room
                .iter()
                .flat_map(|room| kept.iter().map(|&r| room[r]))
                .collect(),
            weight,
        };
        for (i, item) in instance.items.iter().enumerate() {
            if item.fixed.is_some() || item.value <= 0.0 {
                continue;
            }
            let mut mask = 0u64;
            for (t, room) in room.iter().enumerate() {
                let fits = kept
                    .iter()
                    .all(|&r| room[r].is_none_or(|left| item.needs[r] <= left));
                if fits {
                    mask |= 1 << t;
                }
            }
            if mask != 0 {
                free.index.push(i);
                free.value.push(item.value);
                free.needs.extend(kept.iter().map(|&r| item.needs[r]));
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
            res: self.res,
            needs: picked
                .iter()
                .flat_map(|&k| self.needs(k).iter().copied())
                .collect(),
            allowed: picked.iter().map(|&k| self.allowed[k]).collect(),
            room: self
                .room
                .iter()
                .map(|r| r.map(|r| (r as f64 * share).round() as u64))
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

    /// What item `k` needs of each kept resource.
    fn needs(&self, k: usize) -> &[u64] {
        &self.needs[k * self.res..(k + 1) * self.res]
    }

    /// The room left in year `t`, per kept resource.
    fn room(&self, t: usize) -> &[Option<u64>] {
        &self.room[t * self.res..(t + 1) * self.res]
    }

    fn is_allowed(&self, k: usize, t: usize) -> bool {
        self.allowed[k] & (1 << t) != 0
    }
}

#[cfg(test)]
mod tests;
