//! One year's best subset: a knapsack with up to three limits, solved by depth-first branch-and-bound.
//!
//! Candidates are ranked by profit per surrogate weight — the limits folded into one with multipliers µ ≥ 0, which
//! any plan keeping every limit also keeps (Σ_r µ_r·needs_r ≤ Σ_r µ_r·capacity_r). At each node the bound is the
//! surrogate's LP relaxation over the candidates that still fit (Dantzig's bound): whole items in rank order, then
//! the fraction of the first that does not fit. With the bound's prices as multipliers the ranking is the one the
//! LP relaxation of the whole plan uses. The search stops after a fixed number of nodes (so that it always ends soon
//! and gives the same answer on every machine); what it returns is then the best subset found, not a proven one.

use crate::RESOURCES;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// What choosing it adds to the objective; only candidates with a positive profit are ever chosen.
    pub profit: f64,
    pub needs: [u64; RESOURCES],
}

/// The most profitable subset of `candidates` within `capacity` (`u64::MAX`: no limit), if it is worth more than
/// `floor`: its profit and a flag per candidate. Searches only the `core` candidates either side of where the
/// greedy fill by rank stops (all of them with `usize::MAX`), and visits at most `nodes` nodes.
pub fn best_subset(
    candidates: &[Candidate],
    capacity: [u64; RESOURCES],
    multipliers: [f64; RESOURCES],
    floor: f64,
    core: usize,
    nodes: usize,
) -> Option<(f64, Vec<bool>)> {
    let limited: [bool; RESOURCES] = std::array::from_fn(|r| capacity[r] != u64::MAX);
    // Multipliers only on limits; a little of each limit's share so that no limited resource is free.
    let mu: [f64; RESOURCES] = std::array::from_fn(|r| {
        if limited[r] && capacity[r] > 0 {
            multipliers[r].max(0.0) + 1e-9 / capacity[r] as f64
        } else {
            0.0
        }
    });
    let surrogate = |needs: &[u64; RESOURCES]| -> f64 {
        (0..RESOURCES)
            .filter(|&r| limited[r])
            .map(|r| mu[r] * needs[r] as f64)
            .sum()
    };
    let mut ranked: Vec<(f64, usize)> = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.profit > 0.0 && (0..RESOURCES).all(|r| c.needs[r] <= capacity[r]))
        .map(|(i, c)| (c.profit / surrogate(&c.needs), i))
        .collect();
    ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let items: Vec<Item> = ranked
        .iter()
        .map(|&(_, i)| Item {
            profit: candidates[i].profit,
            needs: candidates[i].needs,
            weight: surrogate(&candidates[i].needs),
        })
        .collect();
    // The core: the greedy fill in rank order stops at the first item that does not fit (the break); items far
    // above it are taken, items far below it left, and only the `core` on either side are searched.
    let mut left = capacity;
    let mut value = 0.0;
    let fits =
        |left: &[u64; RESOURCES], item: &Item| (0..RESOURCES).all(|r| item.needs[r] <= left[r]);
    let mut cut = items.len();
    {
        let mut greedy = capacity;
        for (p, item) in items.iter().enumerate() {
            if !fits(&greedy, item) {
                cut = p;
                break;
            }
            for r in 0..RESOURCES {
                greedy[r] -= item.needs[r];
            }
        }
    }
    let first = cut.saturating_sub(core);
    let end = cut.saturating_add(core).min(items.len());
    for item in &items[..first] {
        for r in 0..RESOURCES {
            left[r] -= item.needs[r];
        }
        value += item.profit;
    }
    let room = (0..RESOURCES)
        .filter(|&r| limited[r])
        .map(|r| mu[r] * left[r] as f64)
        .sum();
    let mut search = Search {
        tiny: 1e-12 * items.iter().map(|i| i.profit).sum::<f64>().max(1.0),
        items: items[first..end].to_vec(),
        left,
        room,
        value,
        taken: Vec::new(),
        best: None,
        best_value: floor,
        nodes: 0,
        limit: nodes,
    };
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

#[derive(Clone)]
struct Item {
    profit: f64,
    needs: [u64; RESOURCES],
    /// Surrogate weight.
    weight: f64,
}

struct Search {
    /// By profit per surrogate weight, best first.
    items: Vec<Item>,
    left: [u64; RESOURCES],
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
}

impl Search {
    fn fits(&self, p: usize) -> bool {
        (0..RESOURCES).all(|r| self.items[p].needs[r] <= self.left[r])
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
        if p == self.items.len() || self.dantzig(p) <= self.best_value + self.tiny {
            return;
        }
        if self.fits(p) {
            let item = &self.items[p];
            let (profit, weight, needs) = (item.profit, item.weight, item.needs);
            for r in 0..RESOURCES {
                self.left[r] -= needs[r];
            }
            self.room -= weight;
            self.value += profit;
            self.taken.push(p);
            self.dive(p + 1, true);
            self.taken.pop();
            self.value -= profit;
            self.room += weight;
            for r in 0..RESOURCES {
                self.left[r] += needs[r];
            }
        }
        self.dive(p + 1, false);
    }

    /// The value so far plus the surrogate LP over the items from `p` on that still fit.
    fn dantzig(&self, p: usize) -> f64 {
        let mut bound = self.value;
        let mut room = self.room;
        for q in p..self.items.len() {
            if !self.fits(q) {
                continue;
            }
            let item = &self.items[q];
            if item.weight <= room {
                bound += item.profit;
                room -= item.weight;
            } else {
                bound += item.profit * room.max(0.0) / item.weight;
                break;
            }
        }
        bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(profit: f64, cost: u64, count: u64) -> Candidate {
        Candidate {
            profit,
            needs: [cost, count, 0],
        }
    }

    fn brute_force(candidates: &[Candidate], capacity: [u64; RESOURCES]) -> f64 {
        let n = candidates.len();
        (0u32..1 << n)
            .filter_map(|set| {
                let mut used = [0u64; RESOURCES];
                let mut value = 0.0;
                for (i, c) in candidates.iter().enumerate() {
                    if set & (1 << i) != 0 {
                        for r in 0..RESOURCES {
                            used[r] += c.needs[r];
                        }
                        value += c.profit;
                    }
                }
                (0..RESOURCES)
                    .all(|r| used[r] <= capacity[r])
                    .then_some(value)
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn two_cheap_items_beat_one_dear_one_when_they_fit_together() {
        // By profit per cost the dear one ranks first; the best subset is the two cheap ones.
        let candidates = [
            candidate(10.0, 6, 1),
            candidate(7.0, 5, 1),
            candidate(7.0, 5, 1),
        ];
        let (value, chosen) = best_subset(
            &candidates,
            [10, u64::MAX, u64::MAX],
            [1.0, 0.0, 0.0],
            0.0,
            usize::MAX,
            1000,
        )
        .unwrap();
        assert_eq!(value, 14.0);
        assert_eq!(chosen, [false, true, true]);
    }

    #[test]
    fn a_count_cap_trades_many_cheap_items_for_one_dear_one() {
        let candidates = [
            candidate(3.0, 1, 1),
            candidate(3.0, 1, 1),
            candidate(3.0, 1, 1),
            candidate(8.0, 7, 1),
        ];
        let (value, chosen) = best_subset(
            &candidates,
            [9, 2, u64::MAX],
            [0.5, 1.0, 0.0],
            0.0,
            usize::MAX,
            1000,
        )
        .unwrap();
        assert_eq!(value, 11.0);
        assert_eq!(chosen.iter().filter(|&&c| c).count(), 2);
        assert!(chosen[3]);
    }

    #[test]
    fn nothing_is_returned_unless_it_beats_the_floor() {
        let candidates = [candidate(5.0, 5, 1)];
        let capacity = [5, u64::MAX, u64::MAX];
        assert!(
            best_subset(
                &candidates,
                capacity,
                [1.0, 0.0, 0.0],
                5.0,
                usize::MAX,
                1000
            )
            .is_none()
        );
        assert!(
            best_subset(
                &candidates,
                capacity,
                [1.0, 0.0, 0.0],
                4.0,
                usize::MAX,
                1000
            )
            .is_some()
        );
    }

    #[test]
    fn agrees_with_brute_force_on_random_knapsacks() {
        use rand_chacha::ChaCha8Rng;
        use rand_chacha::rand_core::{Rng, SeedableRng};
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for case in 0..300 {
            let n = 1 + (rng.next_u64() % 14) as usize;
            let candidates: Vec<Candidate> = (0..n)
                .map(|_| Candidate {
                    profit: (rng.next_u64() % 100) as f64 - 10.0,
                    needs: [
                        1 + rng.next_u64() % 40,
                        1 + rng.next_u64() % 3,
                        rng.next_u64() % 20,
                    ],
                })
                .collect();
            let capacity = [
                rng.next_u64() % 120,
                if case % 2 == 0 {
                    1 + rng.next_u64() % 5
                } else {
                    u64::MAX
                },
                if case % 3 == 0 {
                    rng.next_u64() % 50
                } else {
                    u64::MAX
                },
            ];
            // Any multipliers give the right answer, good ones only give it sooner.
            let multipliers = [
                (rng.next_u64() % 3) as f64,
                (rng.next_u64() % 3) as f64,
                0.5,
            ];
            let expected = brute_force(&candidates, capacity);
            let found = best_subset(
                &candidates,
                capacity,
                multipliers,
                0.0,
                usize::MAX,
                usize::MAX,
            );
            let value = found.as_ref().map_or(0.0, |f| f.0);
            assert!(
                (value - expected).abs() < 1e-9,
                "case {case}: {value} vs {expected}"
            );
            if let Some((value, chosen)) = found {
                let mut used = [0u64; RESOURCES];
                let mut total = 0.0;
                for (c, &on) in candidates.iter().zip(&chosen) {
                    if on {
                        total += c.profit;
                        for r in 0..RESOURCES {
                            used[r] += c.needs[r];
                        }
                    }
                }
                assert!((0..RESOURCES).all(|r| used[r] <= capacity[r]));
                assert!((total - value).abs() < 1e-9);
            }
        }
    }
}
