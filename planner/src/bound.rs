//! The upper bound: the Lagrangian dual of the year limits.
//!
//! Put a price y_k ≥ 0 on each limit k = (year, resource), in value per whole limit. A plan that keeps every
//! limit uses at most all of each, so it scores at most
//!
//! ```text
//! L(y) = Σ_k y_k + Σ_i max(0, max_{t allowed for i} value_i·w_t − Σ_{k in year t} y_k · needs_i,k / limit_k)
//! ```
//!
//! for *any* prices — the bound is valid wherever the search stops. L is convex and piecewise linear; its
//! minimum equals the optimum of the LP relaxation. It is minimised by cutting planes (Kelley's method) kept in a
//! trust region around the best point so far, each master problem a small LP over the prices (one variable per
//! limit, one constraint per cut; see `master`). Should a master problem fail, the best bound found so far
//! stands: it is still a bound.

use crate::master::Master;
use crate::{Free, PARALLEL_ABOVE, RESOURCES};

/// Stop when the model promises less than this share of the bound.
const TOLERANCE: f64 = 1e-7;
const MAX_ITERATIONS: usize = 400;

/// Per year and resource, the price of one unit (value per fen, per compound, per household); 0 where the limit
/// is absent or never binds.
pub type Prices = Vec<[f64; RESOURCES]>;

pub struct Dual {
    pub prices: Prices,
    /// Per item and year (item-major), the share of the item the LP relaxation puts in that year.
    pub shares: Vec<f32>,
    /// The bound on what the free items can add to any plan.
    pub value: f64,
    pub iterations: usize,
}

/// A limit worth pricing: some allowed item needs it.
struct Limit {
    year: usize,
    resource: usize,
    size: f64,
    /// Prices above this cannot lower L: every item needing the limit is already priced out.
    ceiling: f64,
}

/// L at the normalised prices `y` (one per limit) and a subgradient.
struct Evaluation {
    value: f64,
    slope: Vec<f64>,
}

/// Minimises L from prices `start` (per unit, as in [`Dual::prices`]), or from zero.
pub fn minimise(free: &Free, start: Option<&Prices>) -> Dual {
    let years = free.years();
    let limits = limits(free);
    // Values are scaled so that L(0) = 1: the numbers the master LP sees stay near 1.
    let scale = best_values(free).iter().sum::<f64>();
    if limits.is_empty() || scale <= 0.0 {
        let mut shares = vec![0.0; free.len() * years];
        for k in 0..free.len() {
            shares[k * years + free.allowed[k].trailing_zeros() as usize] = 1.0;
        }
        return Dual {
            prices: vec![[0.0; RESOURCES]; years],
            shares,
            value: scale,
            iterations: 0,
        };
    }
    let ceilings: Vec<f64> = limits.iter().map(|l| l.ceiling / scale).collect();
    let mut master = Master::new(limits.len());
    let add_cut = |master: &mut Master, point: &[f64], at: &Evaluation| {
        let offset = at.value - at.slope.iter().zip(point).map(|(g, p)| g * p).sum::<f64>();
        master.add_cut(offset, &at.slope);
    };

    let mut points = Vec::new();
    let mut centre: Vec<f64> = match start {
        Some(prices) => limits
            .iter()
            .zip(&ceilings)
            .map(|(l, u)| (prices[l.year][l.resource] * l.size / scale).clamp(0.0, *u))
            .collect(),
        None => vec![0.0; limits.len()],
    };
    let mut at_centre = evaluate(free, &limits, &centre, scale);
    add_cut(&mut master, &centre, &at_centre);
    points.push(centre.clone());
    // From a good start the trust region starts small; it doubles whenever a step reaches its edge.
    let mut radius = if start.is_some() { 0.005 } else { 0.25 };
    let mut iterations = 0;
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let lo: Vec<f64> = centre
            .iter()
            .zip(&ceilings)
            .map(|(c, u)| (c - radius * u).max(0.0))
            .collect();
        let hi: Vec<f64> = centre
            .iter()
            .zip(&ceilings)
            .map(|(c, u)| (c + radius * u).min(*u))
            .collect();
        let Some((point, model)) = master.solve(&lo, &hi) else {
            break;
        };
        let point: Vec<f64> = point
            .iter()
            .zip(lo.iter().zip(&hi))
            .map(|(p, (l, h))| p.clamp(*l, *h))
            .collect();
        let promised = at_centre.value - model;
        if promised <= TOLERANCE * at_centre.value {
            break;
        }
        let at_point = evaluate(free, &limits, &point, scale);
        add_cut(&mut master, &point, &at_point);
        points.push(point.clone());
        let gained = at_centre.value - at_point.value;
        if gained >= 0.1 * promised {
            let reached_edge = point
                .iter()
                .zip(&centre)
                .zip(&ceilings)
                .any(|((p, c), u)| (p - c).abs() >= 0.99 * radius * u);
            centre = point;
            at_centre = at_point;
            if reached_edge {
                radius = (radius * 2.0).min(1.0);
            }
        } else if gained < 0.0 {
            radius = (radius * 0.5).max(1e-12);
        }
    }

    let mut prices = vec![[0.0; RESOURCES]; years];
    for (limit, y) in limits.iter().zip(&centre) {
        prices[limit.year][limit.resource] = y * scale / limit.size;
    }
    // The LP's solution: the cuts' assignments, weighted as the master weighs the cuts.
    let mut shares = vec![0.0f32; free.len() * years];
    for (cut, weight) in master.weights() {
        assign(free, &limits, &points[cut], scale, |k, year| {
            if let Some(t) = year {
                shares[k * years + t] += weight as f32;
            }
        });
    }
    Dual {
        prices,
        shares,
        value: at_centre.value * scale,
        iterations,
    }
}

fn limits(free: &Free) -> Vec<Limit> {
    let mut limits = Vec::new();
    for t in 0..free.years() {
        for r in 0..RESOURCES {
            let Some(size) = free.room[t][r].filter(|&s| s > 0) else {
                continue;
            };
            let size = size as f64;
            let ceiling = (0..free.len())
                .filter(|&k| free.is_allowed(k, t) && free.needs[k][r] > 0)
                .map(|k| free.value[k] * free.weight[t] * size / free.needs[k][r] as f64)
                .fold(0.0, f64::max);
            if ceiling > 0.0 {
                limits.push(Limit {
                    year: t,
                    resource: r,
                    size,
                    ceiling,
                });
            }
        }
    }
    limits
}

/// Each item's value in its best allowed year, before any prices.
fn best_values(free: &Free) -> Vec<f64> {
    (0..free.len())
        .map(|k| {
            let first = free.allowed[k].trailing_zeros() as usize;
            free.value[k] * free.weight[first]
        })
        .collect()
}

/// Each item's best year at the normalised prices `y` (`None`: better left out), with its reduced value there,
/// reported to `each`.
fn assign(
    free: &Free,
    limits: &[Limit],
    y: &[f64],
    scale: f64,
    each: impl FnMut(usize, Option<usize>),
) -> f64 {
    let (price, weight) = unit_prices(free, limits, y, scale);
    assign_range(free, &price, &weight, 0..free.len(), each)
}

/// Price per unit of each resource per year, and the years' weights, in scaled value.
fn unit_prices(
    free: &Free,
    limits: &[Limit],
    y: &[f64],
    scale: f64,
) -> (Vec<[f64; RESOURCES]>, Vec<f64>) {
    let mut price = vec![[0.0f64; RESOURCES]; free.years()];
    for (limit, y) in limits.iter().zip(y) {
        price[limit.year][limit.resource] = y / limit.size;
    }
    let weight = free.weight.iter().map(|w| w / scale).collect();
    (price, weight)
}

fn assign_range(
    free: &Free,
    price: &[[f64; RESOURCES]],
    weight: &[f64],
    items: std::ops::Range<usize>,
    mut each: impl FnMut(usize, Option<usize>),
) -> f64 {
    let mut total = 0.0;
    for k in items {
        let needs = free.needs[k].map(|n| n as f64);
        let mut best = 0.0;
        let mut best_year = None;
        let mut mask = free.allowed[k];
        while mask != 0 {
            let t = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let p = &price[t];
            let reduced =
                free.value[k] * weight[t] - (p[0] * needs[0] + p[1] * needs[1] + p[2] * needs[2]);
            if reduced > best {
                best = reduced;
                best_year = Some(t);
            }
        }
        total += best;
        each(k, best_year);
    }
    total
}

/// L at `y` and a subgradient. Large instances are split in two halves evaluated on two threads; the halves are
/// always the same and added in the same order, so the result does not depend on the threads.
fn evaluate(free: &Free, limits: &[Limit], y: &[f64], scale: f64) -> Evaluation {
    let (price, weight) = unit_prices(free, limits, y, scale);
    let part = |items: std::ops::Range<usize>| {
        let mut usage = vec![[0.0f64; RESOURCES]; free.years()];
        let total = assign_range(free, &price, &weight, items, |k, year| {
            if let Some(t) = year {
                for r in 0..RESOURCES {
                    usage[t][r] += free.needs[k][r] as f64;
                }
            }
        });
        (total, usage)
    };
    let n = free.len();
    let (items, usage) = if n > PARALLEL_ABOVE {
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| part(n / 2..n));
            let first = part(0..n / 2);
            (first, second.join().expect("an evaluation thread panicked"))
        });
        let mut usage = first.1;
        for (u, v) in usage.iter_mut().zip(&second.1) {
            for r in 0..RESOURCES {
                u[r] += v[r];
            }
        }
        (first.0 + second.0, usage)
    } else {
        part(0..n)
    };
    let slope = limits
        .iter()
        .map(|l| 1.0 - usage[l.year][l.resource] / l.size)
        .collect();
    Evaluation {
        value: y.iter().sum::<f64>() + items,
        slope,
    }
}
