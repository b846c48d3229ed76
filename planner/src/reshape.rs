//! Deeper searches for instances of up to a few thousand items, where moves and swaps of single items stop short:
//! the best plan there often differs from a greedy one by exchanges of several items at once — two cheap items for
//! a dear one, a large item moved a year with a few small ones going the other way — worth a few tenths of a
//! percent at a few hundred items and several percent at a few dozen.
//!
//! Three neighbourhoods, each built on the one-year knapsack search of [`knapsack`] (exact within its node budget),
//! widest last, each only for the sizes it pays at:
//!
//! - **rebuild** (up to `REBUILD_UP_TO` items): each year's best subset of what could be in it;
//! - **repack** (up to `REPACK_UP_TO`): two years emptied and packed again;
//! - **perturb** (up to `PERTURB_UP_TO`): repacks with noisy values, accepted when within a shrinking threshold
//!   of the current plan (threshold accepting), in a few chains of different noise.
//!
//! With funding sources (more limited resources than the standard three) and more than `PERTURB_UP_TO` items, the
//! knapsacks rank by their own LP prices and bound by each limit alone as well as by the surrogate
//! ([`knapsack::best_subset`]'s `refine`), the plan is also built afresh year by year — each year, earliest first,
//! the best knapsack of what is left — the rebuilds move items up from later years, and two such searches with
//! knapsack cores of different widths run side by side, the better plan kept.
//!
//! Every search is bounded by counts, never by time, and the random numbers come from fixed seeds: the same
//! instance always gets the same plan. The plan is only ever replaced by a better one.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::Free;
use crate::MANY_LIMITS;
use crate::bound::Prices;
use crate::knapsack::{self, Candidates};
use crate::search::{Orders, State, best_of, fill, improve};

const REBUILD_UP_TO: usize = 5_000;
const REBUILD_ROUNDS: usize = 10;
pub const REPACK_UP_TO: usize = 1_000;
/// Repacks tried, at most, over all rounds: each one costs about a rebuild.
const REPACK_TRIALS: usize = 10;
const PERTURB_UP_TO: usize = 100;
/// One chain per noise level: the share by which values are randomly scaled (±half of it) while packing. Low noise
/// polishes, high noise escapes; which finds the best plan differs from instance to instance.
const NOISES: [f64; 6] = [0.2, 0.4, 0.7, 1.0, 0.3, 0.55];
/// Iterations per chain: per free item, up to a maximum (a few items need few).
const PERTURB_PER_ITEM: usize = 25;
const PERTURB_ITERATIONS: usize = 1_000;
/// A worse plan is accepted while it is within this share of the current one, shrinking to 0 over a chain.
const THRESHOLD: f64 = 0.005;
/// Branch-and-bound nodes per knapsack, and the candidates either side of its break that it searches.
const KNAPSACK_NODES: usize = 300;
const CORE: usize = 30;
/// With more limits per year than the standard three (funding sources), a greedy plan is further from the best one
/// and its exchanges harder to find: each knapsack searches more nodes.
const MANY_LIMITS_NODES: usize = 5_000;
/// With funding sources, the two searches' knapsack cores (from `PERTURB_UP_TO` to `REBUILD_UP_TO` items): which
/// width finds the better plan differs from instance to instance.
const MANY_LIMITS_CORES: [usize; 2] = [15, 30];
/// With funding sources, repacks tried at most (every ordered pair of five years twice).
const MANY_LIMITS_REPACK_TRIALS: usize = 40;

/// How the knapsacks of a search are solved and how far it goes.
#[derive(Clone, Copy)]
struct Settings {
    /// Candidates either side of a knapsack's break, and its branch-and-bound nodes.
    core: usize,
    nodes: usize,
    /// Rank by the knapsack's own LP prices and bound by each limit alone too ([`knapsack::best_subset`]).
    refine: bool,
    /// Rebuilds may move items from later years up.
    later: bool,
    repack_trials: usize,
}

/// Runs the searches that fit the instance's size on `state`.
pub fn deepen(free: &Free, orders: &Orders, prices: &Prices, state: &mut State) {
    let n = free.len();
    let many = free.res > MANY_LIMITS;
    if many && n > PERTURB_UP_TO && n <= REBUILD_UP_TO {
        // Two searches whose knapsacks differ in width, side by side; compared in a fixed order.
        let search = |core: usize| {
            let settings = Settings {
                core,
                nodes: MANY_LIMITS_NODES,
                refine: true,
                later: true,
                repack_trials: MANY_LIMITS_REPACK_TRIALS,
            };
            let fresh = year_by_year(free, orders, prices, &settings);
            let mut plan = best_of(free, vec![state.clone(), fresh]);
            search_with(free, orders, prices, &mut plan, &settings);
            plan
        };
        let [first, second] = MANY_LIMITS_CORES;
        let plans = std::thread::scope(|scope| {
            let other = scope.spawn(|| search(second));
            let plan = search(first);
            vec![plan, other.join().expect("a search panicked")]
        });
        *state = best_of(free, std::iter::once(state.clone()).chain(plans).collect());
        return;
    }
    let settings = Settings {
        core: CORE,
        nodes: if many {
            MANY_LIMITS_NODES
        } else {
            KNAPSACK_NODES
        },
        refine: false,
        // Small instances afford moving items from later years up in a rebuild.
        later: n <= PERTURB_UP_TO,
        repack_trials: REPACK_TRIALS,
    };
    search_with(free, orders, prices, state, &settings);
}

/// A plan built afresh, year by year, earliest first: each year the best knapsack of what no earlier year took, then
/// every year filled and rebuilt, and moves and swaps.
fn year_by_year(free: &Free, orders: &Orders, prices: &Prices, settings: &Settings) -> State {
    let mut plan = State::new(free);
    for t in 0..free.years() {
        pack(free, prices, &mut plan, t, settings, |k| {
            free.value[k] * free.weight[t]
        });
    }
    fill_all(free, orders, &mut plan);
    for _ in 0..REBUILD_ROUNDS {
        if !rebuild(free, orders, prices, &mut plan, settings) {
            break;
        }
    }
    improve(free, orders, &mut plan);
    plan
}

/// Rebuilds, repacks and perturbations, as far as the instance's size affords them.
fn search_with(
    free: &Free,
    orders: &Orders,
    prices: &Prices,
    state: &mut State,
    settings: &Settings,
) {
    let n = free.len();
    if n <= REBUILD_UP_TO {
        for _ in 0..REBUILD_ROUNDS {
            if !rebuild(free, orders, prices, state, settings) {
                break;
            }
        }
        improve(free, orders, state);
    }
    if n <= REPACK_UP_TO {
        repack(free, orders, prices, state, settings);
        if settings.refine {
            improve(free, orders, state);
        }
    }
    if n <= PERTURB_UP_TO {
        // Independent chains: half of them on a second thread; the results are compared in chain order, so the
        // plan does not depend on which finishes first.
        let chain = |(seed, &noise): (usize, &f64)| {
            let mut chain = state.clone();
            perturb(
                free,
                orders,
                prices,
                &mut chain,
                settings,
                noise,
                seed as u64,
            );
            chain
        };
        let half = NOISES.len() / 2;
        let chains: Vec<State> = std::thread::scope(|scope| {
            let second = scope.spawn(|| {
                NOISES
                    .iter()
                    .enumerate()
                    .skip(half)
                    .map(chain)
                    .collect::<Vec<_>>()
            });
            let mut chains: Vec<State> = NOISES.iter().enumerate().take(half).map(chain).collect();
            chains.extend(second.join().expect("a search chain panicked"));
            chains
        });
        *state = best_of(free, std::iter::once(state.clone()).chain(chains).collect());
    }
}

/// Per year, earliest first: the best subset of what could be there — its own items, the unscheduled ones, and with
/// `later` those of later years (which would move up) — as a knapsack over the year's whole room, each candidate
/// worth what it adds there; the items it drops leave the plan, and the years are filled again. Finds the exchanges
/// that single moves and swaps cannot: two items for one, one for three, a cheap item out for a dear one when a
/// count cap binds. True if anything changed.
fn rebuild(
    free: &Free,
    orders: &Orders,
    prices: &Prices,
    state: &mut State,
    settings: &Settings,
) -> bool {
    let later = settings.later;
    let mut changed = false;
    let res = free.res;
    for t in 0..free.years() {
        let mut ids = Vec::new();
        let mut candidates = Candidates::new(res);
        let mut capacity = state.left(t).to_vec();
        let mut floor = 0.0;
        for k in 0..free.len() {
            if !free.is_allowed(k, t) {
                continue;
            }
            let here = free.value[k] * free.weight[t];
            let profit = match state.year_of[k] {
                Some(s) if s == t => {
                    for (c, &need) in capacity.iter_mut().zip(free.needs(k)) {
                        *c = c.saturating_add(need);
                    }
                    floor += here;
                    here
                }
                Some(s) if later && s > t => here - free.value[k] * free.weight[s],
                Some(_) => continue,
                None => here,
            };
            ids.push(k);
            candidates.push(profit, free.needs(k));
        }
        let Some((_, chosen)) = knapsack::best_subset(
            &candidates,
            &capacity,
            &prices[t * res..(t + 1) * res],
            floor,
            settings.core,
            settings.nodes,
            settings.refine,
        ) else {
            continue;
        };
        // Out first, so that the room is there for what comes in.
        for (&k, &on) in ids.iter().zip(&chosen) {
            if !on && state.year_of[k] == Some(t) {
                state.put(free, k, None);
            }
        }
        for (&k, &on) in ids.iter().zip(&chosen) {
            if on && state.year_of[k] != Some(t) {
                state.put(free, k, Some(t));
            }
        }
        fill_all(free, orders, state);
        changed = true;
    }
    changed
}

/// Two years emptied and packed again, one after the other, each with the best knapsack of what is unscheduled,
/// then every year rebuilt: every ordered pair of years in turn, kept when the plan gains, until none does or
/// `REPACK_TRIALS` have been tried.
fn repack(free: &Free, orders: &Orders, prices: &Prices, state: &mut State, settings: &Settings) {
    let years = free.years();
    let pairs: Vec<[usize; 2]> = (0..years)
        .flat_map(|a| (0..years).filter(move |&b| b != a).map(move |b| [a, b]))
        .collect();
    let mut value = state.objective(free);
    let mut trials = 0;
    for _ in 0..REBUILD_ROUNDS {
        let mut improved = false;
        for pair in &pairs {
            if trials == settings.repack_trials {
                return;
            }
            trials += 1;
            let mut trial = state.clone();
            empty(free, &mut trial, pair);
            for &t in pair {
                pack(free, prices, &mut trial, t, settings, |k| {
                    free.value[k] * free.weight[t]
                });
            }
            fill_all(free, orders, &mut trial);
            rebuild(free, orders, prices, &mut trial, settings);
            let trial_value = trial.objective(free);
            if trial_value > value * (1.0 + 1e-12) {
                *state = trial;
                value = trial_value;
                improved = true;
            }
        }
        if !improved {
            return;
        }
    }
}

/// A chain of repacks of two random years with values scaled by random factors in 1 ± noise/2, from `best`;
/// accepted when within a threshold of the current plan that shrinks to 0, so that the chain can leave a local
/// optimum early and settles late. `best` ends as the best plan seen.
fn perturb(
    free: &Free,
    orders: &Orders,
    prices: &Prices,
    best: &mut State,
    settings: &Settings,
    noise: f64,
    seed: u64,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut unit = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let years = free.years();
    let mut best_value = best.objective(free);
    let mut current = best.clone();
    let mut current_value = best_value;
    let mut factors = vec![1.0; free.len()];
    let iterations = (PERTURB_PER_ITEM * free.len()).min(PERTURB_ITERATIONS);
    for i in 0..iterations {
        let a = (unit() * years as f64) as usize % years;
        let b = (a + 1 + (unit() * (years - 1) as f64) as usize) % years;
        let mut trial = current.clone();
        empty(free, &mut trial, &[a, b]);
        for f in factors.iter_mut() {
            *f = 1.0 + noise * (unit() - 0.5);
        }
        for t in [a, b] {
            pack(free, prices, &mut trial, t, settings, |k| {
                free.value[k] * free.weight[t] * factors[k]
            });
        }
        fill_all(free, orders, &mut trial);
        let value = trial.objective(free);
        let threshold = THRESHOLD * (1.0 - i as f64 / iterations as f64);
        if value >= current_value * (1.0 - threshold) {
            current = trial;
            current_value = value;
            if value > best_value * (1.0 + 1e-12) {
                best_value = value;
                *best = current.clone();
            }
        }
    }
}

/// Takes the items of `years` out of the plan.
fn empty(free: &Free, state: &mut State, years: &[usize]) {
    for k in 0..free.len() {
        if state.year_of[k].is_some_and(|t| years.contains(&t)) {
            state.put(free, k, None);
        }
    }
}

/// Puts into year `t` the best knapsack of the unscheduled items, each worth `profit`.
fn pack(
    free: &Free,
    prices: &Prices,
    state: &mut State,
    t: usize,
    settings: &Settings,
    profit: impl Fn(usize) -> f64,
) {
    let ids: Vec<usize> = (0..free.len())
        .filter(|&k| state.year_of[k].is_none() && free.is_allowed(k, t))
        .collect();
    let mut candidates = Candidates::new(free.res);
    for &k in &ids {
        candidates.push(profit(k), free.needs(k));
    }
    let found = knapsack::best_subset(
        &candidates,
        state.left(t),
        &prices[t * free.res..(t + 1) * free.res],
        0.0,
        settings.core,
        settings.nodes,
        settings.refine,
    );
    if let Some((_, chosen)) = found {
        for (&k, &on) in ids.iter().zip(&chosen) {
            if on {
                state.put(free, k, Some(t));
            }
        }
    }
}

fn fill_all(free: &Free, orders: &Orders, state: &mut State) {
    for t in 0..free.years() {
        fill(free, orders, state, t);
    }
}
