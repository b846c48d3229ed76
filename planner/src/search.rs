//! The moves the plan is made with: a greedy start from the LP relaxation, filling, upgrades, moves and swaps.
//!
//! A plain greedy by value per yuan serves the budget well but wastes a binding count cap (it fills the year with
//! many cheap, low-value compounds). The bound's prices weigh every limit at what it is worth, and the LP relaxation
//! says which items belong in which year; the plan starts from that in two ways — from the LP's shares (best when
//! caps and budgets both bind) and from the prices alone (best when only budgets bind) — and keeps the better.
//! What a start leaves — a little room in each year, an item or two in a slightly worse year — is taken back by
//! upgrades (an item gives way to a more valuable one that fits its place) and by moves and swaps near the margin;
//! up to a few thousand items, the deeper searches of `reshape` follow. [`crate::schedule`] runs them in order.

use crate::bound::{Dual, Prices};
use crate::{Free, MANY_LIMITS, PARALLEL_ABOVE};

/// Items near the margin that the local search considers, at most.
const CANDIDATES: usize = 600;
const MANY_LIMITS_ALL_NEAR_UP_TO: usize = 5_000;
const MAX_ROUNDS: usize = 40;
/// Block size of the coarse index of costs.
const COARSE: usize = 64;

/// How the first pass orders and places items.
#[derive(Clone, Copy)]
pub(crate) enum Start {
    /// By the share of each item the LP relaxation schedules, into the year holding most of it.
    Shares,
    /// By the best reduced value at the bound's prices, into the year where it is best.
    Prices,
}

/// The plan with the highest objective; the first of equals.
pub fn best_of(free: &Free, states: Vec<State>) -> State {
    let mut best: Option<(f64, State)> = None;
    for state in states {
        let objective = state.objective(free);
        if best.as_ref().is_none_or(|(b, _)| objective > *b) {
            best = Some((objective, state));
        }
    }
    best.map(|(_, state)| state).expect("there are two starts")
}

/// The reduced value of each item in each allowed year (value × weight − priced use; item-major), and its best.
pub(crate) struct Reduced {
    years: usize,
    best: Vec<f64>,
    by_year: Vec<f64>,
}

impl Reduced {
    pub(crate) fn new(free: &Free, prices: &Prices) -> Reduced {
        let years = free.years();
        let mut by_year = vec![f64::NEG_INFINITY; free.len() * years];
        let mut best = vec![f64::NEG_INFINITY; free.len()];
        for k in 0..free.len() {
            for t in 0..years {
                if free.is_allowed(k, t) {
                    let r = free.value[k] * free.weight[t] - priced(free, prices, k, t);
                    by_year[k * years + t] = r;
                    best[k] = best[k].max(r);
                }
            }
        }
        Reduced {
            years,
            best,
            by_year,
        }
    }

    fn of(&self, k: usize) -> &[f64] {
        &self.by_year[k * self.years..(k + 1) * self.years]
    }
}

/// Orders of the items that do not change while a plan is improved.
pub struct Orders {
    /// Per year, the items allowed there by value per priced use, best first.
    fill: Vec<Vec<usize>>,
    /// Per year and position in `fill`, the least each resource is needed by the items from there on (flat,
    /// position-major with stride `res`): once the room left is below it, nothing further can fit.
    least: Vec<Vec<u64>>,
    /// All items by cost (then index), and their costs, values and allowed years in that order; each item's place
    /// in it. Kept in cost order so that building an upgrade's tree reads memory in sequence.
    by_cost: Vec<usize>,
    costs: Vec<u64>,
    values_by_cost: Vec<f64>,
    allowed_by_cost: Vec<u64>,
    cost_rank: Vec<u32>,
    /// Every `COARSE`-th cost: a small index that narrows a search of `costs` to one block.
    coarse: Vec<u64>,
    /// The items nearest the margin (smallest best reduced value in magnitude), at most `CANDIDATES`, by index.
    near: Vec<usize>,
}

impl Orders {
    pub(crate) fn new(free: &Free, prices: &Prices, reduced: &Reduced) -> Orders {
        // A tiny floor on the priced use keeps the ratio finite where every limit is slack.
        let floor = 1e-12 * free.value.iter().fold(0.0f64, |a, &v| a.max(v));
        let order = |t: usize| {
            let mut items: Vec<u128> = (0..free.len())
                .filter(|&k| free.is_allowed(k, t))
                .map(|k| {
                    let ratio = free.value[k] / (priced(free, prices, k, t) + floor);
                    u128::from(!ordered(ratio)) << 64 | k as u128
                })
                .collect();
            // Best ratio first, then by index: as one integer, which sorts faster than a pair of keys.
            items.sort_unstable();
            items
                .into_iter()
                .map(|key| key as u64 as usize)
                .collect::<Vec<usize>>()
        };
        let years = free.years();
        // On large instances the later years are sorted on a second thread.
        let fill: Vec<Vec<usize>> = if free.len() > PARALLEL_ABOVE {
            std::thread::scope(|scope| {
                let later = scope.spawn(|| (years / 2..years).map(order).collect::<Vec<_>>());
                let mut fill: Vec<Vec<usize>> = (0..years / 2).map(order).collect();
                fill.extend(later.join().expect("a sort panicked"));
                fill
            })
        } else {
            (0..years).map(order).collect()
        };
        let res = free.res;
        let least = fill
            .iter()
            .map(|items| {
                let mut least = vec![u64::MAX; (items.len() + 1) * res];
                for (i, &k) in items.iter().enumerate().rev() {
                    for (r, &need) in free.needs(k).iter().enumerate() {
                        least[i * res + r] = least[(i + 1) * res + r].min(need);
                    }
                }
                least
            })
            .collect();
        // The first kept resource (the budget, as a rule) is the cost the upgrades search by.
        let mut by_cost: Vec<usize> = (0..free.len()).collect();
        by_cost.sort_unstable_by_key(|&k| (free.needs(k)[0], k));
        let costs: Vec<u64> = by_cost.iter().map(|&k| free.needs(k)[0]).collect();
        let coarse = costs.iter().step_by(COARSE).copied().collect();
        let values_by_cost = by_cost.iter().map(|&k| free.value[k]).collect();
        let allowed_by_cost = by_cost.iter().map(|&k| free.allowed[k]).collect();
        let mut cost_rank = vec![0u32; free.len()];
        for (rank, &k) in by_cost.iter().enumerate() {
            cost_rank[k] = rank as u32;
        }
        let mut near: Vec<usize> = (0..free.len()).collect();
        // With funding sources (more limits than the standard three) the exchanges a plan lacks are spread wider:
        // up to a few thousand items, every item is a candidate.
        let candidates = if free.res > MANY_LIMITS && free.len() <= MANY_LIMITS_ALL_NEAR_UP_TO {
            free.len()
        } else {
            CANDIDATES
        };
        if near.len() > candidates {
            let margin = |k: usize| reduced.best[k].abs();
            near.select_nth_unstable_by(candidates, |&a, &b| {
                margin(a).total_cmp(&margin(b)).then(a.cmp(&b))
            });
            near.truncate(candidates);
            near.sort_unstable();
        }
        Orders {
            fill,
            least,
            by_cost,
            costs,
            values_by_cost,
            allowed_by_cost,
            cost_rank,
            coarse,
            near,
        }
    }
}

/// `x` as an integer in the same order as `f64::total_cmp`.
fn ordered(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn ordered32(x: f32) -> u32 {
    let bits = x.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    }
}

impl Orders {
    /// How many items cost at most `most`.
    fn cost_end(&self, most: u64) -> usize {
        let block = self.coarse.partition_point(|&c| c <= most);
        if block == 0 {
            return 0;
        }
        let start = (block - 1) * COARSE;
        let end = (block * COARSE).min(self.costs.len());
        start + self.costs[start..end].partition_point(|&c| c <= most)
    }
}

/// What item `k` uses of year `t`'s limits, at the prices.
pub(crate) fn priced(free: &Free, prices: &Prices, k: usize, t: usize) -> f64 {
    let res = free.res;
    prices[t * res..(t + 1) * res]
        .iter()
        .zip(free.needs(k))
        .map(|(p, &n)| p * n as f64)
        .sum()
}

#[derive(Clone)]
pub struct State {
    pub year_of: Vec<Option<usize>>,
    /// Room left per year and kept resource, `t * res + r` (`u64::MAX` where unlimited).
    left: Vec<u64>,
    res: usize,
}

impl State {
    pub(crate) fn new(free: &Free) -> State {
        State {
            year_of: vec![None; free.len()],
            left: free.room.iter().map(|r| r.unwrap_or(u64::MAX)).collect(),
            res: free.res,
        }
    }

    /// The room left in year `t`, per kept resource.
    pub fn left(&self, t: usize) -> &[u64] {
        &self.left[t * self.res..(t + 1) * self.res]
    }

    fn fits(&self, free: &Free, k: usize, t: usize) -> bool {
        free.is_allowed(k, t)
            && free
                .needs(k)
                .iter()
                .zip(self.left(t))
                .all(|(need, left)| need <= left)
    }

    /// Whether `k` fits year `t` once `out` has left it.
    fn fits_instead(&self, free: &Free, k: usize, out: usize, t: usize) -> bool {
        free.is_allowed(k, t)
            && free
                .needs(k)
                .iter()
                .zip(free.needs(out))
                .zip(self.left(t))
                .all(|((&need, &freed), &left)| need <= left.saturating_add(freed))
    }

    pub fn objective(&self, free: &Free) -> f64 {
        (0..free.len())
            .filter_map(|k| self.year_of[k].map(|t| free.value[k] * free.weight[t]))
            .sum()
    }

    pub fn put(&mut self, free: &Free, k: usize, year: Option<usize>) {
        let res = self.res;
        if let Some(t) = self.year_of[k] {
            for (left, &need) in self.left[t * res..(t + 1) * res]
                .iter_mut()
                .zip(free.needs(k))
            {
                *left = left.saturating_add(need);
            }
        }
        if let Some(t) = year {
            for (left, &need) in self.left[t * res..(t + 1) * res]
                .iter_mut()
                .zip(free.needs(k))
            {
                *left -= need;
            }
        }
        self.year_of[k] = year;
    }
}

fn gain(free: &Free, k: usize, from: Option<usize>, to: Option<usize>) -> f64 {
    let w = |y: Option<usize>| y.map_or(0.0, |t| free.weight[t]);
    free.value[k] * (w(to) - w(from))
}

/// Places the items the start ranks first in the year it prefers for them, as long as there is room.
pub(crate) fn first_pass(
    free: &Free,
    dual: &Dual,
    reduced: &Reduced,
    start: Start,
    state: &mut State,
) {
    let years = free.years();
    let shares = |k: usize| &dual.shares[k * years..(k + 1) * years];
    let largest = |k: usize| shares(k).iter().fold(0.0f32, |a, &s| a.max(s));
    // By share, then reduced value, best first, then by index; as one integer (32 + 64 + 32 bits).
    let mut order: Vec<u128> = (0..free.len())
        .filter_map(|k| {
            let key = match start {
                Start::Shares => (largest(k), reduced.best[k]),
                Start::Prices => (0.0, reduced.best[k]),
            };
            let wanted = match start {
                Start::Shares => key.0 > 1e-6,
                Start::Prices => key.1 > 0.0,
            };
            let share = u128::from(!ordered32(key.0));
            wanted.then(|| share << 96 | u128::from(!ordered(key.1)) << 32 | k as u128)
        })
        .collect();
    order.sort_unstable();
    let mut choices: Vec<(f64, usize)> = Vec::with_capacity(years);
    for k in order.into_iter().map(|key| key as u32 as usize) {
        choices.clear();
        match start {
            Start::Shares => choices.extend(
                (0..years)
                    .filter(|&t| shares(k)[t] > 1e-6)
                    .map(|t| (f64::from(shares(k)[t]), t)),
            ),
            Start::Prices => choices.extend(
                (0..years)
                    .filter(|&t| reduced.of(k)[t] > 0.0)
                    .map(|t| (reduced.of(k)[t], t)),
            ),
        }
        choices.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        if let Some(&(_, t)) = choices.iter().find(|&&(_, t)| state.fits(free, k, t)) {
            state.put(free, k, Some(t));
        }
    }
}

/// Fills year `t` with the unscheduled items that fit, by value per priced use.
pub fn fill(free: &Free, orders: &Orders, state: &mut State, t: usize) {
    let res = free.res;
    for (i, &k) in orders.fill[t].iter().enumerate() {
        let least = &orders.least[t][i * res..(i + 1) * res];
        if least.iter().zip(state.left(t)).any(|(l, left)| l > left) {
            break;
        }
        if state.year_of[k].is_none() && state.fits(free, k, t) {
            state.put(free, k, Some(t));
        }
    }
}

/// Per year, earliest first: each scheduled item, weakest first, gives way to the most valuable unscheduled item
/// that fits in its place (its room plus the year's slack), if that is worth more; then the year is filled again.
/// Catches what the greedy leaves when one limit of a year is full and the other is not. True if anything changed.
pub(crate) fn upgrade(free: &Free, orders: &Orders, state: &mut State) -> bool {
    let mut changed = false;
    let by_cost = &orders.by_cost;
    for t in 0..free.years() {
        let mut open = vec![false; free.len()];
        for (k, year) in state.year_of.iter().enumerate() {
            open[orders.cost_rank[k] as usize] = year.is_none();
        }
        let mut out = MaxTree::new((0..free.len()).map(|p| {
            (open[p] && orders.allowed_by_cost[p] & (1 << t) != 0).then(|| orders.values_by_cost[p])
        }));
        // (value, cost, item), weakest first; carried along so that the loop reads memory in sequence.
        let mut inside: Vec<(f64, u64, usize)> = (0..free.len())
            .filter(|&k| state.year_of[k] == Some(t))
            .map(|k| (free.value[k], free.needs(k)[0], k))
            .collect();
        inside.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        let dearest = inside.iter().map(|i| i.1).max().unwrap_or(0);
        // The most valuable item left out that could take any place here: once an item is worth more, so are the
        // rest. Only falls as items come in, so it is brought up to date after each upgrade.
        let reachable = |out: &MaxTree, left: u64| {
            out.max(orders.cost_end(dearest.saturating_add(left)))
                .map_or(f64::NEG_INFINITY, |(_, v)| v)
        };
        let mut best_reachable = reachable(&out, state.left(t)[0]);
        let mut upgraded = false;
        for (value_a, cost_a, a) in inside {
            if best_reachable <= value_a {
                break;
            }
            let most = cost_a.saturating_add(state.left(t)[0]);
            let Some((position, value)) = out.max(orders.cost_end(most)) else {
                continue;
            };
            let b = by_cost[position];
            if value > value_a * (1.0 + 1e-12) && state.fits_instead(free, b, a, t) {
                state.put(free, a, None);
                state.put(free, b, Some(t));
                out.clear(position);
                upgraded = true;
                best_reachable = reachable(&out, state.left(t)[0]);
            }
        }
        if upgraded {
            fill(free, orders, state, t);
            changed = true;
        }
    }
    changed
}

/// Maximum over a prefix of slots that can be emptied: a segment tree.
struct MaxTree {
    size: usize,
    /// Best (value, slot) per node, leaves at size..2·size; an empty slot holds −∞.
    nodes: Vec<(f64, u32)>,
}

impl MaxTree {
    const EMPTY: (f64, u32) = (f64::NEG_INFINITY, u32::MAX);

    fn new(values: impl ExactSizeIterator<Item = Option<f64>>) -> MaxTree {
        let size = values.len().next_power_of_two().max(1);
        let mut nodes = vec![Self::EMPTY; 2 * size];
        for (slot, v) in values.enumerate() {
            if let Some(v) = v {
                nodes[size + slot] = (v, slot as u32);
            }
        }
        for n in (1..size).rev() {
            nodes[n] = Self::better(nodes[2 * n], nodes[2 * n + 1]);
        }
        MaxTree { size, nodes }
    }

    /// The higher value; on a tie the lower slot, so that the answer does not depend on the tree's shape.
    fn better(a: (f64, u32), b: (f64, u32)) -> (f64, u32) {
        if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
            b
        } else {
            a
        }
    }

    /// The best slot below `end`: (slot, value).
    fn max(&self, end: usize) -> Option<(usize, f64)> {
        let (mut lo, mut hi) = (self.size, self.size + end.min(self.size));
        let mut best = Self::EMPTY;
        while lo < hi {
            if lo & 1 == 1 {
                best = Self::better(best, self.nodes[lo]);
                lo += 1;
            }
            if hi & 1 == 1 {
                hi -= 1;
                best = Self::better(best, self.nodes[hi]);
            }
            lo /= 2;
            hi /= 2;
        }
        (best.1 != u32::MAX).then_some((best.1 as usize, best.0))
    }

    fn clear(&mut self, slot: usize) {
        let mut n = self.size + slot;
        self.nodes[n] = Self::EMPTY;
        while n > 1 {
            n /= 2;
            self.nodes[n] = Self::better(self.nodes[2 * n], self.nodes[2 * n + 1]);
        }
    }
}

/// First-improvement local search among the items nearest the margin: move an item to an earlier year (or into the
/// plan), or let it take the place of another, which moves to the first's old year or leaves the plan.
pub fn improve(free: &Free, orders: &Orders, state: &mut State) {
    let years = free.years();
    let near = &orders.near;
    let tiny = 1e-12 * free.value.iter().fold(0.0f64, |a, &v| a.max(v));
    // The near items in each year, kept up to date as they move.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); years];
    for &k in near {
        if let Some(t) = state.year_of[k] {
            members[t].push(k);
        }
    }
    let place = |state: &mut State, members: &mut Vec<Vec<usize>>, k: usize, to: Option<usize>| {
        if let Some(from) = state.year_of[k] {
            let list = &mut members[from];
            if let Some(i) = list.iter().position(|&m| m == k) {
                list.remove(i);
            }
        }
        if let Some(t) = to {
            members[t].push(k);
        }
        state.put(free, k, to);
    };
    for _ in 0..MAX_ROUNDS {
        let mut improved = false;
        for &b in near {
            let from = state.year_of[b];
            for t in 0..from.unwrap_or(years) {
                if !free.is_allowed(b, t) {
                    continue;
                }
                if state.fits(free, b, t) {
                    place(state, &mut members, b, Some(t));
                    improved = true;
                    break;
                }
                // b takes a's place in year t; a moves to b's old year, or out.
                let gain_b = gain(free, b, from, Some(t));
                let swap = members[t].iter().copied().find(|&a| {
                    gain_b + gain(free, a, Some(t), from) > tiny
                        && state.fits_instead(free, b, a, t)
                        && from.is_none_or(|f| state.fits_instead(free, a, b, f))
                });
                let out = swap.map(|a| (a, from)).or_else(|| {
                    members[t]
                        .iter()
                        .copied()
                        .find(|&a| {
                            gain_b + gain(free, a, Some(t), None) > tiny
                                && state.fits_instead(free, b, a, t)
                        })
                        .map(|a| (a, None))
                });
                if let Some((a, to)) = out {
                    place(state, &mut members, a, None);
                    place(state, &mut members, b, Some(t));
                    place(state, &mut members, a, to);
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            break;
        }
    }
}
