//! The plan itself: the order the moves of [`crate::search`] and [`crate::reshape`] run in.
//!
//! The plan starts from the LP relaxation in two ways — from the LP's shares (best when caps and budgets both bind)
//! and from the bound's prices alone (best when only budgets bind) — fills each year, then upgrades and improves
//! the starts and keeps the better; up to a few thousand items the deeper searches of [`crate::reshape`] follow.

use crate::bound::Dual;
use crate::reshape;
use crate::search::{Orders, Reduced, Start, State, best_of, fill, first_pass, improve, upgrade};
use crate::{Free, PARALLEL_ABOVE};

/// Upgrade passes, at most: a third one gains almost nothing.
const UPGRADE_ROUNDS: usize = 2;
/// Above this many free items only the better start is improved.
const IMPROVE_BOTH_UP_TO: usize = 50_000;

/// Per free item, its year or `None`.
pub fn schedule(free: &Free, dual: &Dual) -> Vec<Option<usize>> {
    let reduced = Reduced::new(free, &dual.prices);
    let orders = Orders::new(free, &dual.prices, &reduced);
    let start = |start: Start| {
        let mut state = State::new(free);
        first_pass(free, dual, &reduced, start, &mut state);
        for t in 0..free.years() {
            fill(free, &orders, &mut state, t);
        }
        state
    };
    // On large instances the two starts run side by side; they are independent, so the result is the same.
    let mut starts: Vec<State> = if free.len() > PARALLEL_ABOVE {
        std::thread::scope(|scope| {
            let prices = scope.spawn(|| start(Start::Prices));
            let shares = start(Start::Shares);
            vec![shares, prices.join().expect("a start panicked")]
        })
    } else {
        vec![start(Start::Shares), start(Start::Prices)]
    };
    if free.len() > IMPROVE_BOTH_UP_TO || free.len() <= reshape::REPACK_UP_TO {
        // Only the better start is improved: at this size improving is what takes the time; at the small sizes the
        // deeper searches that follow make up for it.
        starts = vec![best_of(free, starts)];
    }
    let improved = starts
        .into_iter()
        .map(|mut state| {
            for _ in 0..UPGRADE_ROUNDS {
                if !upgrade(free, &orders, &mut state) {
                    break;
                }
            }
            improve(free, &orders, &mut state);
            state
        })
        .collect();
    let mut best = best_of(free, improved);
    // Nothing to gain where the plan already meets the bound (everything fits, say).
    if best.objective(free) < dual.value * (1.0 - 1e-9) {
        reshape::deepen(free, &orders, &dual.prices, &mut best);
    }
    best.year_of
}
