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
//!
//! With funding sources (more limited resources than the standard three) a bound needs several hundred
//! evaluations; each reads only the items whose best choice the prices can still change within a box around the
//! point (`Screen`, which copies them into arrays of their own), the others summed once per box. A large instance
//! starts from a sample's prices (itself from a smaller sample's), and then the trust region and the box are
//! measured in each limit's own price, not in its ceiling (30–700 times the price, unevenly): the cutting planes
//! take a third of the iterations.

use crate::master::Master;
use crate::{Free, MANY_LIMITS, PARALLEL_ABOVE};

/// Stop when the model promises less than this share of the bound.
const TOLERANCE: f64 = 1e-7;
/// With many limits, from a sample's prices (trust region in each limit's own price): the trust region's first
/// radius, as a share of each price; the share of the mean price that limits the sample left unpriced move by; and
/// the stopping tolerance — looser, as a tighter one costs twice the iterations for a few hundredths of a percent.
const RESCALED_RADIUS: f64 = 0.1;
const UNIT_FLOOR: f64 = 0.2;
const RESCALED_TOLERANCE: f64 = 1e-6;
const MAX_ITERATIONS: usize = 400;

/// Per year and kept resource (`t * res + r`, as [`Free::room`]), the price of one unit (value per fen, per compound,
/// per household); 0 where the limit is absent or never binds.
pub type Prices = Vec<f64>;

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
            prices: vec![0.0; years * free.res],
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
            .map(|(l, u)| (prices[l.year * free.res + l.resource] * l.size / scale).clamp(0.0, *u))
            .collect(),
        None => vec![0.0; limits.len()],
    };
    // With many limits the function is evaluated on the items whose choice the prices can still change (`Screen`).
    let screened = free.res > MANY_LIMITS;
    // From a sample's prices, the trust region and the screen's box are measured in each limit's own price (the
    // ceilings are 30–700 times the prices, unevenly): a small relative step then moves every price alike.
    let rescaled = screened && start.is_some();
    let units: Vec<f64> = if rescaled {
        let positive: Vec<f64> = centre.iter().copied().filter(|&c| c > 0.0).collect();
        // Limits the sample left unpriced move by a share of the mean price.
        let floor = if positive.is_empty() {
            f64::INFINITY
        } else {
            UNIT_FLOOR * positive.iter().sum::<f64>() / positive.len() as f64
        };
        centre
            .iter()
            .zip(&ceilings)
            .map(|(&c, &u)| c.max(floor).min(u))
            .collect()
    } else {
        ceilings.clone()
    };
    let start_radius = if rescaled {
        RESCALED_RADIUS
    } else {
        radius_at_start(start.is_some())
    };
    let max_radius = if rescaled { 4.0 } else { 1.0 };
    let tolerance = if rescaled {
        RESCALED_TOLERANCE
    } else {
        TOLERANCE
    };
    let mut screen: Option<Screen> = None;
    let mut width = SCREEN_WIDTH;
    let mut evaluate_at = |point: &[f64], radius: f64| {
        if !screened {
            return evaluate(free, &limits, point, scale);
        }
        if !screen.as_ref().is_some_and(|s| s.holds(point)) {
            if screen.is_some() {
                width = (width * 2.0).min(SCREEN_WIDTH_MAX);
            }
            // Around the point, `width` trust-region radii either side; a point outside it widens the next one.
            let lo: Vec<f64> = point
                .iter()
                .zip(&units)
                .map(|(c, u)| (c - width * radius * u).max(0.0))
                .collect();
            let hi: Vec<f64> = point
                .iter()
                .zip(units.iter().zip(&ceilings))
                .map(|(c, (u, top))| (c + width * radius * u).min(*top))
                .collect();
            screen = Some(Screen::new(free, &limits, lo, hi, scale));
        }
        let screen = screen.as_ref().expect("just built");
        screen.evaluate(free, &limits, point, scale)
    };
    let mut at_centre = evaluate_at(&centre, start_radius);
    add_cut(&mut master, &centre, &at_centre);
    points.push(centre.clone());
    // From a good start the trust region starts small; it doubles whenever a step reaches its edge.
    let mut radius = start_radius;
    let mut iterations = 0;
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let lo: Vec<f64> = centre
            .iter()
            .zip(&units)
            .map(|(c, u)| (c - radius * u).max(0.0))
            .collect();
        let hi: Vec<f64> = centre
            .iter()
            .zip(units.iter().zip(&ceilings))
            .map(|(c, (u, top))| (c + radius * u).min(*top))
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
        if promised <= tolerance * at_centre.value {
            break;
        }
        let at_point = evaluate_at(&point, radius);
        add_cut(&mut master, &point, &at_point);
        points.push(point.clone());
        let gained = at_centre.value - at_point.value;
        if gained >= 0.1 * promised {
            let reached_edge = point
                .iter()
                .zip(&centre)
                .zip(&units)
                .any(|((p, c), u)| (p - c).abs() >= 0.99 * radius * u);
            centre = point;
            at_centre = at_point;
            if reached_edge {
                radius = (radius * 2.0).min(max_radius);
            }
        } else if gained < 0.0 {
            radius = (radius * 0.5).max(1e-12);
        }
    }

    let mut prices = vec![0.0; years * free.res];
    for (limit, y) in limits.iter().zip(&centre) {
        prices[limit.year * free.res + limit.resource] = y * scale / limit.size;
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
        for r in 0..free.res {
            let Some(size) = free.room(t)[r].filter(|&s| s > 0) else {
                continue;
            };
            let size = size as f64;
            let ceiling = (0..free.len())
                .filter(|&k| free.is_allowed(k, t) && free.needs(k)[r] > 0)
                .map(|k| free.value[k] * free.weight[t] * size / free.needs(k)[r] as f64)
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

/// Price per unit of each kept resource per year (`t * res + r`), and the years' weights, in scaled value.
fn unit_prices(free: &Free, limits: &[Limit], y: &[f64], scale: f64) -> (Vec<f64>, Vec<f64>) {
    let mut price = vec![0.0f64; free.years() * free.res];
    for (limit, y) in limits.iter().zip(y) {
        price[limit.year * free.res + limit.resource] = y / limit.size;
    }
    let weight = free.weight.iter().map(|w| w / scale).collect();
    (price, weight)
}

fn assign_range(
    free: &Free,
    price: &[f64],
    weight: &[f64],
    items: impl Iterator<Item = usize>,
    each: impl FnMut(usize, Option<usize>),
) -> f64 {
    // The hot loop of the bound, compiled for each small number of kept resources so that the dot products unroll.
    match free.res {
        1 => assign_fixed::<1>(free, price, weight, items, each),
        2 => assign_fixed::<2>(free, price, weight, items, each),
        3 => assign_fixed::<3>(free, price, weight, items, each),
        4 => assign_fixed::<4>(free, price, weight, items, each),
        5 => assign_fixed::<5>(free, price, weight, items, each),
        6 => assign_fixed::<6>(free, price, weight, items, each),
        7 => assign_fixed::<7>(free, price, weight, items, each),
        8 => assign_fixed::<8>(free, price, weight, items, each),
        _ => assign_any(free, price, weight, items, each),
    }
}

fn assign_fixed<const R: usize>(
    free: &Free,
    price: &[f64],
    weight: &[f64],
    items: impl Iterator<Item = usize>,
    mut each: impl FnMut(usize, Option<usize>),
) -> f64 {
    let mut total = 0.0;
    for k in items {
        let own = &free.needs[k * R..(k + 1) * R];
        let needs: [f64; R] = std::array::from_fn(|r| own[r] as f64);
        let mut best = 0.0;
        let mut best_year = None;
        let mut mask = free.allowed[k];
        while mask != 0 {
            let t = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let p = &price[t * R..(t + 1) * R];
            let mut priced = 0.0;
            for r in 0..R {
                priced += p[r] * needs[r];
            }
            let reduced = free.value[k] * weight[t] - priced;
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

fn assign_any(
    free: &Free,
    price: &[f64],
    weight: &[f64],
    items: impl Iterator<Item = usize>,
    mut each: impl FnMut(usize, Option<usize>),
) -> f64 {
    let res = free.res;
    let mut total = 0.0;
    // The item's needs as floats, converted once per item into one buffer.
    let mut needs = vec![0.0f64; res];
    for k in items {
        for (n, &o) in needs.iter_mut().zip(free.needs(k)) {
            *n = o as f64;
        }
        let mut best = 0.0;
        let mut best_year = None;
        let mut mask = free.allowed[k];
        while mask != 0 {
            let t = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let p = &price[t * res..(t + 1) * res];
            let priced: f64 = p.iter().zip(&needs).map(|(p, n)| p * n).sum();
            let reduced = free.value[k] * weight[t] - priced;
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

fn radius_at_start(started: bool) -> f64 {
    if started { 0.005 } else { 0.25 }
}

/// The screen's box starts this many trust-region radii either side of the point it is built at, and doubles, up to
/// the most, each time a point falls outside it.
const SCREEN_WIDTH: f64 = 0.05;
const SCREEN_WIDTH_MAX: f64 = 3.0;

/// The items whose best choice (a year, or none) cannot change while the normalised prices stay within a box, summed
/// once — their part of L is linear there — and the others, which each evaluation goes through. Near the minimum,
/// in a small trust region, most items are settled: each iteration then reads a small share of them.
struct Screen {
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// The open items (whose choice the box leaves open), copied into arrays of their own so that an evaluation
    /// reads them in sequence: needs as floats (`i * res + r`), values, allowed years.
    needs: Vec<f64>,
    values: Vec<f64>,
    allowed: Vec<u64>,
    /// Σ value × weight (scaled) of the settled items in their year, and their needs per year and resource.
    value: f64,
    usage: Vec<f64>,
}

impl Screen {
    fn new(free: &Free, limits: &[Limit], lo: Vec<f64>, hi: Vec<f64>, scale: f64) -> Screen {
        let res = free.res;
        let (low, weight) = unit_prices(free, limits, &lo, scale);
        let (high, _) = unit_prices(free, limits, &hi, scale);
        let part = |items: std::ops::Range<usize>| {
            let mut open = Vec::new();
            let mut value = 0.0;
            let mut usage = vec![0.0; free.years() * res];
            // Per allowed year, the least and the most the item's reduced value can be in the box.
            let mut range: Vec<(usize, f64, f64)> = Vec::with_capacity(free.years());
            for k in items {
                let needs = free.needs(k);
                range.clear();
                let mut mask = free.allowed[k];
                while mask != 0 {
                    let t = mask.trailing_zeros() as usize;
                    mask &= mask - 1;
                    let gross = free.value[k] * weight[t];
                    let dot = |p: &[f64]| -> f64 {
                        p[t * res..(t + 1) * res]
                            .iter()
                            .zip(needs)
                            .map(|(p, &n)| p * n as f64)
                            .sum()
                    };
                    range.push((t, gross - dot(&high), gross - dot(&low)));
                }
                // The option whose least beats every other option's most (leaving out is worth 0 in any box).
                let best = range
                    .iter()
                    .copied()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .filter(|b| b.1 > 0.0);
                let settled = match best {
                    Some((t, least, _)) => range.iter().all(|&(s, _, most)| s == t || most < least),
                    None => range.iter().all(|&(_, _, most)| most < 0.0),
                };
                if !settled {
                    open.push(k);
                } else if let Some((t, _, _)) = best {
                    value += free.value[k] * weight[t];
                    for (u, &n) in usage[t * res..(t + 1) * res].iter_mut().zip(needs) {
                        *u += n as f64;
                    }
                }
            }
            (open, value, usage)
        };
        // Large instances: fixed halves on two threads, joined in a fixed order.
        let n = free.len();
        let (open, value, usage) = if n > PARALLEL_ABOVE {
            let (first, second) = std::thread::scope(|scope| {
                let second = scope.spawn(|| part(n / 2..n));
                (
                    part(0..n / 2),
                    second.join().expect("a screen thread panicked"),
                )
            });
            let (mut open, value, mut usage) = first;
            open.extend(second.0);
            for (u, v) in usage.iter_mut().zip(&second.2) {
                *u += v;
            }
            (open, value + second.1, usage)
        } else {
            part(0..n)
        };
        Screen {
            lo,
            hi,
            needs: open
                .iter()
                .flat_map(|&k| free.needs(k).iter().map(|&n| n as f64))
                .collect(),
            values: open.iter().map(|&k| free.value[k]).collect(),
            allowed: open.iter().map(|&k| free.allowed[k]).collect(),
            value,
            usage,
        }
    }

    fn holds(&self, y: &[f64]) -> bool {
        y.iter()
            .zip(self.lo.iter().zip(&self.hi))
            .all(|(y, (lo, hi))| *lo <= *y && *y <= *hi)
    }

    /// L at `y` (within the box) and a subgradient.
    fn evaluate(&self, free: &Free, limits: &[Limit], y: &[f64], scale: f64) -> Evaluation {
        let res = free.res;
        let (price, weight) = unit_prices(free, limits, y, scale);
        let part = |items: std::ops::Range<usize>| {
            let mut usage = vec![0.0f64; free.years() * res];
            let total = match res {
                4 => self.open_part::<4>(&price, &weight, items, &mut usage),
                5 => self.open_part::<5>(&price, &weight, items, &mut usage),
                6 => self.open_part::<6>(&price, &weight, items, &mut usage),
                7 => self.open_part::<7>(&price, &weight, items, &mut usage),
                8 => self.open_part::<8>(&price, &weight, items, &mut usage),
                _ => self.open_any(res, &price, &weight, items, &mut usage),
            };
            (total, usage)
        };
        // As in `evaluate`: fixed halves on two threads, added in a fixed order.
        let n = self.values.len();
        let (open, open_usage) = if n > PARALLEL_ABOVE / 2 {
            let (a, b) = std::thread::scope(|scope| {
                let b = scope.spawn(|| part(n / 2..n));
                (
                    part(0..n / 2),
                    b.join().expect("an evaluation thread panicked"),
                )
            });
            let mut usage = a.1;
            for (u, v) in usage.iter_mut().zip(&b.1) {
                *u += v;
            }
            (a.0 + b.0, usage)
        } else {
            part(0..n)
        };
        let mut usage = self.usage.clone();
        for (u, v) in usage.iter_mut().zip(&open_usage) {
            *u += v;
        }
        let settled_prices: f64 = price.iter().zip(&self.usage).map(|(p, u)| p * u).sum();
        let slope = limits
            .iter()
            .map(|l| 1.0 - usage[l.year * res + l.resource] / l.size)
            .collect();
        Evaluation {
            value: y.iter().sum::<f64>() + self.value - settled_prices + open,
            slope,
        }
    }

    /// Σ of the open items' best reduced values, and what the chosen ones use, added to `usage`: the same arithmetic
    /// as [`assign_fixed`], on the screen's own arrays.
    fn open_part<const R: usize>(
        &self,
        price: &[f64],
        weight: &[f64],
        items: std::ops::Range<usize>,
        usage: &mut [f64],
    ) -> f64 {
        let mut total = 0.0;
        for i in items {
            let needs: &[f64; R] = self.needs[i * R..(i + 1) * R]
                .try_into()
                .expect("R needs per item");
            let mut best = 0.0;
            let mut best_year = usize::MAX;
            let mut mask = self.allowed[i];
            while mask != 0 {
                let t = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                let p: &[f64; R] = price[t * R..(t + 1) * R]
                    .try_into()
                    .expect("R prices per year");
                let mut priced = 0.0;
                for r in 0..R {
                    priced += p[r] * needs[r];
                }
                let reduced = self.values[i] * weight[t] - priced;
                if reduced > best {
                    best = reduced;
                    best_year = t;
                }
            }
            total += best;
            if best_year != usize::MAX {
                let u = &mut usage[best_year * R..(best_year + 1) * R];
                for r in 0..R {
                    u[r] += needs[r];
                }
            }
        }
        total
    }

    fn open_any(
        &self,
        res: usize,
        price: &[f64],
        weight: &[f64],
        items: std::ops::Range<usize>,
        usage: &mut [f64],
    ) -> f64 {
        let mut total = 0.0;
        for i in items {
            let needs = &self.needs[i * res..(i + 1) * res];
            let mut best = 0.0;
            let mut best_year = None;
            let mut mask = self.allowed[i];
            while mask != 0 {
                let t = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                let p = &price[t * res..(t + 1) * res];
                let priced: f64 = p.iter().zip(needs).map(|(p, n)| p * n).sum();
                let reduced = self.values[i] * weight[t] - priced;
                if reduced > best {
                    best = reduced;
                    best_year = Some(t);
                }
            }
            total += best;
            if let Some(t) = best_year {
                for (u, n) in usage[t * res..(t + 1) * res].iter_mut().zip(needs) {
                    *u += n;
                }
            }
        }
        total
    }
}

/// L at `y` and a subgradient. Large instances are split in two halves evaluated on two threads; the halves are
/// always the same and added in the same order, so the result does not depend on the threads.
fn evaluate(free: &Free, limits: &[Limit], y: &[f64], scale: f64) -> Evaluation {
    let (price, weight) = unit_prices(free, limits, y, scale);
    let part = |items: std::ops::Range<usize>| {
        let res = free.res;
        let mut usage = vec![0.0f64; free.years() * res];
        let total = assign_range(free, &price, &weight, items, |k, year| {
            if let Some(t) = year {
                for (u, &n) in usage[t * res..(t + 1) * res].iter_mut().zip(free.needs(k)) {
                    *u += n as f64;
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
            *u += v;
        }
        (first.0 + second.0, usage)
    } else {
        part(0..n)
    };
    let slope = limits
        .iter()
        .map(|l| 1.0 - usage[l.year * free.res + l.resource] / l.size)
        .collect();
    Evaluation {
        value: y.iter().sum::<f64>() + items,
        slope,
    }
}
