//! One year's best subset: a knapsack with several limits (one per resource), solved by depth-first branch-and-bound.
//!
//! Candidates are ranked by profit per surrogate weight — the limits folded into one with multipliers µ ≥ 0, which
//! any plan keeping every limit also keeps (Σ_r µ_r·needs_r ≤ Σ_r µ_r·capacity_r). At each node the bound is the
//! surrogate's LP relaxation over the candidates that still fit (Dantzig's bound): whole items in rank order, then
//! the fraction of the first that does not fit. With the bound's prices as multipliers the ranking is the one the
//! LP relaxation of the whole plan uses. The search stops after a fixed number of nodes (so that it always ends soon
//! and gives the same answer on every machine); what it returns is then the best subset found, not a proven one.

/// The candidates of one knapsack: a profit each, and what each needs of every resource, flat (`i * res + r`).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates {
    res: usize,
    profit: Vec<f64>,
    needs: Vec<u64>,
}

impl Candidates {
    pub fn new(res: usize) -> Candidates {
        Candidates {
            res,
            profit: Vec::new(),
            needs: Vec::new(),
        }
    }

    /// Adds a candidate worth `profit` (only those with a positive profit are ever chosen) needing `needs`.
    pub fn push(&mut self, profit: f64, needs: &[u64]) {
        debug_assert_eq!(needs.len(), self.res);
        self.profit.push(profit);
        self.needs.extend_from_slice(needs);
    }

    pub fn len(&self) -> usize {
        self.profit.len()
    }

    fn needs(&self, i: usize) -> &[u64] {
        &self.needs[i * self.res..(i + 1) * self.res]
    }
}

fn fits(needs: &[u64], left: &[u64]) -> bool {
    needs.iter().zip(left).all(|(n, l)| n <= l)
}

/// The most profitable subset of `candidates` within `capacity` (one per resource; `u64::MAX`: no limit), if it is
/// worth more than `floor`: its profit and a flag per candidate. Searches only the `core` candidates either side of
/// where the greedy fill by rank stops (all of them with `usize::MAX`), and visits at most `nodes` nodes.
///
/// With `refine` (several binding limits) the ranking uses the knapsack's own LP prices ([`lp_multipliers`], from
/// `multipliers`) — with six limits a year the plan's prices rank a year's candidates badly once its other items are
/// fixed — and each node is bounded by each limited resource alone too, not only by the surrogate.
pub fn best_subset(
    candidates: &Candidates,
    capacity: &[u64],
    multipliers: &[f64],
    floor: f64,
    core: usize,
    nodes: usize,
    refine: bool,
) -> Option<(f64, Vec<bool>)> {
    let res = candidates.res;
    debug_assert_eq!(capacity.len(), res);
    let own;
    let multipliers = if refine {
        own = lp_multipliers(candidates, capacity, multipliers);
        &own[..]
    } else {
        multipliers
    };
    // Multipliers only on limits; a little of each limit's share so that no limited resource is free.
    let mu: Vec<f64> = (0..res)
        .map(|r| {
            if capacity[r] != u64::MAX && capacity[r] > 0 {
                multipliers[r].max(0.0) + 1e-9 / capacity[r] as f64
            } else {
                0.0
            }
        })
        .collect();
    let surrogate =
        |needs: &[u64]| -> f64 { mu.iter().zip(needs).map(|(m, &n)| m * n as f64).sum() };
    let mut ranked: Vec<(f64, usize)> = (0..candidates.len())
        .filter(|&i| candidates.profit[i] > 0.0 && fits(candidates.needs(i), capacity))
        .map(|i| (candidates.profit[i] / surrogate(candidates.needs(i)), i))
        .collect();
    ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    // The core: the greedy fill in rank order stops at the first item that does not fit (the break); items far
    // above it are taken, items far below it left, and only the `core` on either side are searched.
    let mut cut = ranked.len();
    {
        let mut greedy = capacity.to_vec();
        for (p, &(_, i)) in ranked.iter().enumerate() {
            let needs = candidates.needs(i);
            if !fits(needs, &greedy) {
                cut = p;
                break;
            }
            for (g, n) in greedy.iter_mut().zip(needs) {
                *g -= n;
            }
        }
    }
    let first = cut.saturating_sub(core);
    let end = cut.saturating_add(core).min(ranked.len());
    let mut left = capacity.to_vec();
    let mut value = 0.0;
    for &(_, i) in &ranked[..first] {
        for (l, n) in left.iter_mut().zip(candidates.needs(i)) {
            *l -= n;
        }
        value += candidates.profit[i];
    }
    let room = mu.iter().zip(&left).map(|(m, &l)| m * l as f64).sum();
    let core_items = &ranked[first..end];
    let mut search = Search {
        tiny: 1e-12
            * ranked
                .iter()
                .map(|&(_, i)| candidates.profit[i])
                .sum::<f64>()
                .max(1.0),
        res,
        profit: core_items
            .iter()
            .map(|&(_, i)| candidates.profit[i])
            .collect(),
        weight: core_items
            .iter()
            .map(|&(_, i)| surrogate(candidates.needs(i)))
            .collect(),
        needs: core_items
            .iter()
            .flat_map(|&(_, i)| candidates.needs(i).iter().copied())
            .collect(),
        left,
        room,
        value,
        taken: Vec::new(),
        best: None,
        best_value: floor,
        nodes: 0,
        limit: nodes,
        orders: Vec::new(),
        open: Vec::new(),
    };
    if refine {
        for r in 0..res {
            if capacity[r] == u64::MAX {
                continue;
            }
            let mut order: Vec<usize> = (0..search.profit.len()).collect();
            let ratio = |p: usize| search.profit[p] / search.needs[p * res + r].max(1) as f64;
            order.sort_unstable_by(|&a, &b| ratio(b).total_cmp(&ratio(a)).then(a.cmp(&b)));
            search.orders.push((r, order));
        }
    }
    // The root is the forced part alone: a subset too.
    search.dive(0, true);
    let (value, taken) = search.best?;
    let mut chosen = vec![false; candidates.len()];
    for &(_, i) in &ranked[..first] {
        chosen[i] = true;
    }
    for p in taken {
        chosen[ranked[first + p].1] = true;
    }
    Some((value, chosen))
}

/// The optimal dual prices of the knapsack's LP relaxation (one per resource, per unit; 0 where unlimited), by
/// cutting planes from `start`: the multipliers with which the surrogate ranking is the LP's own.
pub fn lp_multipliers(candidates: &Candidates, capacity: &[u64], start: &[f64]) -> Vec<f64> {
    let res = candidates.res;
    let limited: Vec<usize> = (0..res)
        .filter(|&r| capacity[r] != u64::MAX && capacity[r] > 0)
        .collect();
    let items: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates.profit[i] > 0.0 && fits(candidates.needs(i), capacity))
        .collect();
    let scale: f64 = items.iter().map(|&i| candidates.profit[i]).sum();
    let mut prices = vec![0.0; res];
    if limited.is_empty() || scale <= 0.0 {
        return prices;
    }
    // Normalised: y_r = price_r × capacity_r / scale, so that L(0) = 1.
    let size: Vec<f64> = limited.iter().map(|&r| capacity[r] as f64).collect();
    let ceilings: Vec<f64> = limited
        .iter()
        .zip(&size)
        .map(|(&r, &c)| {
            items
                .iter()
                .filter(|&&i| candidates.needs(i)[r] > 0)
                .map(|&i| candidates.profit[i] * c / (candidates.needs(i)[r] as f64 * scale))
                .fold(0.0, f64::max)
        })
        .collect();
    let evaluate = |y: &[f64]| -> (f64, Vec<f64>) {
        let mut value: f64 = y.iter().sum();
        let mut used = vec![0.0; limited.len()];
        for &i in &items {
            let needs = candidates.needs(i);
            let priced: f64 = limited
                .iter()
                .zip(y.iter().zip(&size))
                .map(|(&r, (y, c))| y * needs[r] as f64 / c)
                .sum();
            let reduced = candidates.profit[i] / scale - priced;
            if reduced > 0.0 {
                value += reduced;
                for (u, &r) in used.iter_mut().zip(&limited) {
                    *u += needs[r] as f64;
                }
            }
        }
        let slope = used.iter().zip(&size).map(|(u, c)| 1.0 - u / c).collect();
        (value, slope)
    };
    let mut master = crate::master::Master::new(limited.len());
    let add_cut = |master: &mut crate::master::Master, y: &[f64], at: &(f64, Vec<f64>)| {
        let offset = at.0 - at.1.iter().zip(y).map(|(g, p)| g * p).sum::<f64>();
        master.add_cut(offset, &at.1);
    };
    let mut centre: Vec<f64> = limited
        .iter()
        .zip(size.iter().zip(&ceilings))
        .map(|(&r, (c, u))| (start[r].max(0.0) * c / scale).min(*u))
        .collect();
    let mut at_centre = evaluate(&centre);
    add_cut(&mut master, &centre, &at_centre);
    let mut radius = 0.1;
    for _ in 0..LP_ITERATIONS {
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
        let promised = at_centre.0 - model;
        if promised <= 1e-7 * at_centre.0 {
            break;
        }
        let at_point = evaluate(&point);
        add_cut(&mut master, &point, &at_point);
        let gained = at_centre.0 - at_point.0;
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
    for ((&r, y), c) in limited.iter().zip(&centre).zip(&size) {
        prices[r] = y * scale / c;
    }
    prices
}

/// Cutting-plane iterations for a knapsack's own prices, at most.
const LP_ITERATIONS: usize = 200;

struct Search {
    /// The core's items by profit per surrogate weight, best first: profit, surrogate weight, needs (`p * res + r`).
    res: usize,
    profit: Vec<f64>,
    weight: Vec<f64>,
    needs: Vec<u64>,
    left: Vec<u64>,
    /// Surrogate room left.
    room: f64,
    value: f64,
    /// Positions taken on the current path.
    taken: Vec<usize>,
    /// The best subset so far (value, positions taken), if any beat the floor.
    best: Option<(f64, Vec<usize>)>,
    best_value: f64,
    tiny: f64,
    nodes: usize,
    limit: usize,
    /// Per limited resource, the core's positions by profit per unit of it, best first: each gives a bound of its
    /// own (one limit alone, relaxed), which with several binding limits is often below the surrogate's.
    orders: Vec<(usize, Vec<usize>)>,
    /// Scratch: per position, whether the item is still open and fits (see `bound`).
    open: Vec<bool>,
}

impl Search {
    fn needs(&self, p: usize) -> &[u64] {
        &self.needs[p * self.res..(p + 1) * self.res]
    }

    fn fits(&self, p: usize) -> bool {
        fits(self.needs(p), &self.left)
    }

    /// `fresh`: the path has just taken an item, so the subset has not been seen yet.
    fn dive(&mut self, p: usize, fresh: bool) {
        if self.nodes >= self.limit {
            return;
        }
        self.nodes += 1;
        if fresh && self.value > self.best_value + self.tiny {
            self.best_value = self.value;
            self.best = Some((self.value, self.taken.clone()));
        }
        if p == self.profit.len() || self.bound(p) <= self.best_value + self.tiny {
            return;
        }
        if self.fits(p) {
            let (profit, weight, res) = (self.profit[p], self.weight[p], self.res);
            for r in 0..res {
                self.left[r] -= self.needs[p * res + r];
            }
            self.room -= weight;
            self.value += profit;
            self.taken.push(p);
            self.dive(p + 1, true);
            self.taken.pop();
            self.value -= profit;
            self.room += weight;
            for r in 0..res {
                self.left[r] += self.needs[p * res + r];
            }
        }
        self.dive(p + 1, false);
    }

    /// The least of the bounds: the surrogate's, and each limited resource's alone.
    fn bound(&mut self, p: usize) -> f64 {
        if self.orders.is_empty() {
            return self.dantzig(p, |q| self.fits(q));
        }
        // Which of the items from `p` on still fit, found once for all the bounds.
        let mut open = std::mem::take(&mut self.open);
        open.clear();
        open.extend((0..self.profit.len()).map(|q| q >= p && self.fits(q)));
        let mut bound = self.dantzig(p, |q| open[q]);
        for (r, order) in &self.orders {
            let r = *r;
            let mut one = self.value;
            let mut room = self.left[r] as f64;
            for &q in order {
                if !open[q] {
                    continue;
                }
                let need = self.needs[q * self.res + r] as f64;
                if need <= room {
                    one += self.profit[q];
                    room -= need;
                } else {
                    one += self.profit[q] * room / need;
                    break;
                }
                if one >= bound {
                    break;
                }
            }
            bound = bound.min(one);
        }
        self.open = open;
        bound
    }

    /// The value so far plus the surrogate LP over the items from `p` on that still fit.
    fn dantzig(&self, p: usize, open: impl Fn(usize) -> bool) -> f64 {
        let mut bound = self.value;
        let mut room = self.room;
        for q in p..self.profit.len() {
            if !open(q) {
                continue;
            }
            if self.weight[q] <= room {
                bound += self.profit[q];
                room -= self.weight[q];
            } else {
                bound += self.profit[q] * room.max(0.0) / self.weight[q];
                break;
            }
        }
        bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: u64 = u64::MAX;

    fn candidates(list: &[(f64, u64, u64)]) -> Candidates {
        let mut c = Candidates::new(3);
        for &(profit, cost, count) in list {
            c.push(profit, &[cost, count, 0]);
        }
        c
    }

    fn brute_force(candidates: &Candidates, capacity: &[u64]) -> f64 {
        let n = candidates.len();
        (0u32..1 << n)
            .filter_map(|set| {
                let mut used = vec![0u64; capacity.len()];
                let mut value = 0.0;
                for i in 0..n {
                    if set & (1 << i) != 0 {
                        for (u, n) in used.iter_mut().zip(candidates.needs(i)) {
                            *u += n;
                        }
                        value += candidates.profit[i];
                    }
                }
                fits(&used, capacity).then_some(value)
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn two_cheap_items_beat_one_dear_one_when_they_fit_together() {
        // By profit per cost the dear one ranks first; the best subset is the two cheap ones.
        let c = candidates(&[(10.0, 6, 1), (7.0, 5, 1), (7.0, 5, 1)]);
        let (value, chosen) = best_subset(
            &c,
            &[10, NONE, NONE],
            &[1.0, 0.0, 0.0],
            0.0,
            usize::MAX,
            1000,
            false,
        )
        .unwrap();
        assert_eq!(value, 14.0);
        assert_eq!(chosen, [false, true, true]);
    }

    #[test]
    fn a_count_cap_trades_many_cheap_items_for_one_dear_one() {
        let c = candidates(&[(3.0, 1, 1), (3.0, 1, 1), (3.0, 1, 1), (8.0, 7, 1)]);
        let (value, chosen) = best_subset(
            &c,
            &[9, 2, NONE],
            &[0.5, 1.0, 0.0],
            0.0,
            usize::MAX,
            1000,
            false,
        )
        .unwrap();
        assert_eq!(value, 11.0);
        assert_eq!(chosen.iter().filter(|&&c| c).count(), 2);
        assert!(chosen[3]);
    }

    #[test]
    fn nothing_is_returned_unless_it_beats_the_floor() {
        let c = candidates(&[(5.0, 5, 1)]);
        let capacity = [5, NONE, NONE];
        let mu = [1.0, 0.0, 0.0];
        assert!(best_subset(&c, &capacity, &mu, 5.0, usize::MAX, 1000, false).is_none());
        assert!(best_subset(&c, &capacity, &mu, 4.0, usize::MAX, 1000, true).is_some());
    }

    #[test]
    fn agrees_with_brute_force_on_random_knapsacks() {
        use rand_chacha::ChaCha8Rng;
        use rand_chacha::rand_core::{Rng, SeedableRng};
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for case in 0..300 {
            let n = 1 + (rng.next_u64() % 14) as usize;
            // Three to six resources: the standard three and up to three funding sources.
            let res = 3 + case % 4;
            let mut c = Candidates::new(res);
            for _ in 0..n {
                let profit = (rng.next_u64() % 100) as f64 - 10.0;
                let mut needs = vec![
                    1 + rng.next_u64() % 40,
                    1 + rng.next_u64() % 3,
                    rng.next_u64() % 20,
                ];
                needs.extend((3..res).map(|_| rng.next_u64() % 25));
                c.push(profit, &needs);
            }
            let mut capacity = vec![
                rng.next_u64() % 120,
                if case % 2 == 0 {
                    1 + rng.next_u64() % 5
                } else {
                    NONE
                },
                if case % 3 == 0 {
                    rng.next_u64() % 50
                } else {
                    NONE
                },
            ];
            capacity.extend((3..res).map(|_| 10 + rng.next_u64() % 60));
            // Any multipliers give the right answer, good ones only give it sooner.
            let multipliers: Vec<f64> = (0..res)
                .map(|r| {
                    if r == 2 {
                        0.5
                    } else {
                        (rng.next_u64() % 3) as f64
                    }
                })
                .collect();
            let expected = brute_force(&c, &capacity);
            // Refined (own prices, a bound per limit) on every other case: the same optimum.
            let refine = case % 2 == 1;
            let found = best_subset(
                &c,
                &capacity,
                &multipliers,
                0.0,
                usize::MAX,
                usize::MAX,
                refine,
            );
            let value = found.as_ref().map_or(0.0, |f| f.0);
            assert!(
                (value - expected).abs() < 1e-9,
                "case {case}: {value} vs {expected}"
            );
            if let Some((value, chosen)) = found {
                let mut used = vec![0u64; res];
                let mut total = 0.0;
                for (i, &on) in chosen.iter().enumerate() {
                    if on {
                        total += c.profit[i];
                        for (u, n) in used.iter_mut().zip(c.needs(i)) {
                            *u += n;
                        }
                    }
                }
                assert!(fits(&used, &capacity));
                assert!((total - value).abs() < 1e-9);
            }
        }
    }

    /// The LP relaxation of a knapsack, by a general LP solver.
    fn lp_optimum(c: &Candidates, capacity: &[u64]) -> f64 {
        use microlp::{ComparisonOp, OptimizationDirection, Problem};
        let mut lp = Problem::new(OptimizationDirection::Maximize);
        let x: Vec<_> = (0..c.len())
            .map(|i| {
                let usable = c.profit[i] > 0.0 && fits(c.needs(i), capacity);
                lp.add_var(c.profit[i], (0.0, if usable { 1.0 } else { 0.0 }))
            })
            .collect();
        for (r, &cap) in capacity.iter().enumerate() {
            if cap != NONE {
                let terms: Vec<_> = x
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| (v, c.needs(i)[r] as f64))
                    .collect();
                lp.add_constraint(terms.as_slice(), ComparisonOp::Le, cap as f64);
            }
        }
        lp.solve().unwrap().objective()
    }

    #[test]
    fn a_knapsacks_own_prices_reach_its_lp_optimum() {
        use rand_chacha::ChaCha8Rng;
        use rand_chacha::rand_core::{Rng, SeedableRng};
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..40 {
            let res = 7;
            let n = 20 + (rng.next_u64() % 60) as usize;
            let mut c = Candidates::new(res);
            for _ in 0..n {
                let needs: Vec<u64> = (0..res).map(|_| rng.next_u64() % 50).collect();
                c.push(1.0 + (rng.next_u64() % 100) as f64, &needs);
            }
            let capacity: Vec<u64> = (0..res)
                .map(|r| {
                    if r == 2 {
                        NONE
                    } else {
                        100 + rng.next_u64() % 400
                    }
                })
                .collect();
            // From poor prices: the plan's, which know nothing of this knapsack.
            let start = vec![0.0; res];
            let prices = lp_multipliers(&c, &capacity, &start);
            assert_eq!(prices[2], 0.0, "an unlimited resource has no price");
            // The Lagrangian value at the prices is an upper bound on the LP, and at the optimal prices equals it.
            let dual: f64 = (0..res)
                .filter(|&r| capacity[r] != NONE)
                .map(|r| prices[r] * capacity[r] as f64)
                .sum::<f64>()
                + (0..n)
                    .filter(|&i| c.profit[i] > 0.0 && fits(c.needs(i), &capacity))
                    .map(|i| {
                        let priced: f64 = (0..res).map(|r| prices[r] * c.needs(i)[r] as f64).sum();
                        (c.profit[i] - priced).max(0.0)
                    })
                    .sum::<f64>();
            let lp = lp_optimum(&c, &capacity);
            assert!(
                dual >= lp * (1.0 - 1e-9),
                "case {case}: {dual} below the LP {lp}"
            );
            assert!(
                dual <= lp * (1.0 + 1e-5),
                "case {case}: {dual} vs the LP {lp}"
            );
        }
    }
}
