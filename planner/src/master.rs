//! The master problem of the cutting-plane method: the lowest point of `max_j (b_j + g_j·y)` over a box
//! `lo ≤ y ≤ hi`, and the value there.
//!
//! It is solved through its dual,
//!
//! ```text
//! maximise Σ_j b_j π_j + Σ_k lo_k α_k − Σ_k hi_k β_k
//! s.t.     Σ_j π_j = 1,   α_k − β_k − Σ_j g_jk π_j = 0 (every k),   π, α, β ≥ 0,
//! ```
//!
//! a standard-form LP with only d + 1 rows whose feasible set does not depend on the box: the basis carries over
//! from one iteration of the cutting-plane method to the next (a new cut is a new column, a new box new costs), so
//! each iteration costs a few pivots. A dense revised simplex with an explicit basis inverse is the right tool at
//! this size (d ≤ limited resources × years: 10 with a budget and a cap over five years, 30 with four funding sources
//! too); the master's (y, θ) are the simplex multipliers of the d + 1 rows.

/// Reduced costs below this count as zero.
const EPS: f64 = 1e-11;
/// Refactor the basis inverse from scratch this often, so that rounding does not accumulate.
const REFACTOR_EVERY: usize = 50;
/// After this many pivots without progress, Bland's rule (which cannot cycle) picks the entering column.
const STALL: usize = 30;
const MAX_PIVOTS: usize = 5_000;

pub struct Master {
    dims: usize,
    /// Columns of the dual LP: α_k, β_k for every k (2d), then one per cut. Each of length d + 1.
    columns: Vec<Vec<f64>>,
    /// The cuts' offsets b_j, in column order after the first 2d.
    offsets: Vec<f64>,
    /// The basic column of each row; empty until the first cut.
    basis: Vec<usize>,
    inverse: Vec<Vec<f64>>,
    values: Vec<f64>,
    pivots: usize,
}

impl Master {
    pub fn new(dims: usize) -> Master {
        let mut columns = Vec::with_capacity(2 * dims);
        for k in 0..dims {
            let mut alpha = vec![0.0; dims + 1];
            alpha[k + 1] = 1.0;
            let beta = alpha.iter().map(|v| -v).collect();
            columns.push(alpha);
            columns.push(beta);
        }
        Master {
            dims,
            columns,
            offsets: Vec::new(),
            basis: Vec::new(),
            inverse: Vec::new(),
            values: Vec::new(),
            pivots: 0,
        }
    }

    /// Adds the cut `θ ≥ offset + slope·y`.
    pub fn add_cut(&mut self, offset: f64, slope: &[f64]) {
        debug_assert_eq!(slope.len(), self.dims);
        let mut column = Vec::with_capacity(self.dims + 1);
        column.push(1.0);
        column.extend(slope.iter().map(|g| -g));
        self.columns.push(column);
        self.offsets.push(offset);
        if self.basis.is_empty() {
            // π = 1 on this cut; α_k − β_k = g_k settles every other row.
            let cut = self.columns.len() - 1;
            self.basis = std::iter::once(cut)
                .chain(
                    slope
                        .iter()
                        .enumerate()
                        .map(|(k, &g)| if g >= 0.0 { 2 * k } else { 2 * k + 1 }),
                )
                .collect();
            self.refactor();
        }
    }

    /// The lowest point of the model within the box, and the model's value there; `None` if there is no cut yet
    /// or the arithmetic breaks down (the caller keeps what it has).
    pub fn solve(&mut self, lo: &[f64], hi: &[f64]) -> Option<(Vec<f64>, f64)> {
        if self.basis.is_empty() {
            return None;
        }
        let costs = self.costs(lo, hi);
        let rows = self.dims + 1;
        let mut stalled = 0;
        loop {
            if self.pivots.is_multiple_of(REFACTOR_EVERY) && !self.refactor() {
                return None;
            }
            let multipliers = self.multipliers(&costs);
            let bland = stalled >= STALL;
            let mut entering = None;
            let mut best = EPS;
            for (j, column) in self.columns.iter().enumerate() {
                let reduced = costs[j] - dot(&multipliers, column);
                if reduced > best && !self.basis.contains(&j) {
                    entering = Some(j);
                    if bland {
                        break;
                    }
                    best = reduced;
                }
            }
            let Some(q) = entering else {
                let theta = multipliers[0];
                return Some((multipliers[1..].to_vec(), theta));
            };
            let direction: Vec<f64> = (0..rows)
                .map(|r| dot(&self.inverse[r], &self.columns[q]))
                .collect();
            let mut leaving: Option<(usize, f64)> = None;
            for r in 0..rows {
                if direction[r] > 1e-12 {
                    let ratio = self.values[r].max(0.0) / direction[r];
                    let better = match leaving {
                        None => true,
                        Some((p, best)) => {
                            ratio < best - 1e-15
                                || (ratio <= best + 1e-15 && self.basis[r] < self.basis[p])
                        }
                    };
                    if better {
                        leaving = Some((r, ratio));
                    }
                }
            }
            // Unbounded only if some box is empty (lo > hi), which the caller never asks.
            let (p, step) = leaving?;
            stalled = if step <= 1e-15 { stalled + 1 } else { 0 };
            self.pivot(p, q, &direction, step);
            self.pivots += 1;
            if self.pivots > MAX_PIVOTS {
                return None;
            }
        }
    }

    /// The cuts that make up the model's lowest point, with their weights (the dual solution π, summing to 1): the
    /// same combination of the cuts' assignments is an optimal solution of the LP relaxation.
    pub fn weights(&self) -> Vec<(usize, f64)> {
        let first_cut = 2 * self.dims;
        self.basis
            .iter()
            .zip(&self.values)
            .filter(|&(&j, &v)| j >= first_cut && v > 1e-12)
            .map(|(&j, &v)| (j - first_cut, v))
            .collect()
    }

    fn costs(&self, lo: &[f64], hi: &[f64]) -> Vec<f64> {
        let mut costs = Vec::with_capacity(self.columns.len());
        for k in 0..self.dims {
            costs.push(lo[k]);
            costs.push(-hi[k]);
        }
        costs.extend(&self.offsets);
        costs
    }

    fn multipliers(&self, costs: &[f64]) -> Vec<f64> {
        let rows = self.dims + 1;
        let mut u = vec![0.0; rows];
        for (r, &j) in self.basis.iter().enumerate() {
            let c = costs[j];
            if c != 0.0 {
                for (ui, b) in u.iter_mut().zip(&self.inverse[r]) {
                    *ui += c * b;
                }
            }
        }
        u
    }

    fn pivot(&mut self, p: usize, q: usize, direction: &[f64], step: f64) {
        let rows = self.dims + 1;
        for r in 0..rows {
            self.values[r] -= step * direction[r];
        }
        self.values[p] = step;
        let pivot_row: Vec<f64> = self.inverse[p].iter().map(|v| v / direction[p]).collect();
        for r in 0..rows {
            if r != p && direction[r] != 0.0 {
                let factor = direction[r];
                for (v, pr) in self.inverse[r].iter_mut().zip(&pivot_row) {
                    *v -= factor * pr;
                }
            }
        }
        self.inverse[p] = pivot_row;
        self.basis[p] = q;
    }

    /// Recomputes the basis inverse and the basic values by Gauss–Jordan elimination with partial pivoting; false if
    /// the basis has become singular.
    fn refactor(&mut self) -> bool {
        let rows = self.dims + 1;
        // a = [B | I]
        let mut a: Vec<Vec<f64>> = (0..rows)
            .map(|r| {
                let mut row: Vec<f64> = self.basis.iter().map(|&j| self.columns[j][r]).collect();
                row.extend((0..rows).map(|c| if c == r { 1.0 } else { 0.0 }));
                row
            })
            .collect();
        for c in 0..rows {
            let Some(p) = (c..rows).max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs())) else {
                return false;
            };
            if a[p][c].abs() < 1e-12 {
                return false;
            }
            a.swap(c, p);
            let d = a[c][c];
            for v in a[c].iter_mut() {
                *v /= d;
            }
            let pivot_row = a[c].clone();
            for (r, row) in a.iter_mut().enumerate() {
                if r != c && row[c] != 0.0 {
                    let f = row[c];
                    for (v, pr) in row.iter_mut().zip(&pivot_row) {
                        *v -= f * pr;
                    }
                }
            }
        }
        self.inverse = a.into_iter().map(|row| row[rows..].to_vec()).collect();
        // Right-hand side (1, 0, …, 0): the values are the inverse's first column.
        self.values = self.inverse.iter().map(|row| row[0]).collect();
        true
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use microlp::{ComparisonOp, OptimizationDirection, Problem};
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::{Rng, SeedableRng};

    use super::*;

    fn reference(cuts: &[(f64, Vec<f64>)], lo: &[f64], hi: &[f64]) -> f64 {
        let mut lp = Problem::new(OptimizationDirection::Minimize);
        let theta = lp.add_var(1.0, (f64::NEG_INFINITY, f64::INFINITY));
        let y: Vec<_> = lo
            .iter()
            .zip(hi)
            .map(|(&l, &h)| lp.add_var(0.0, (l, h)))
            .collect();
        for (b, g) in cuts {
            let mut terms = vec![(theta, 1.0)];
            terms.extend(y.iter().zip(g).map(|(&v, &g)| (v, -g)));
            lp.add_constraint(terms.as_slice(), ComparisonOp::Ge, *b);
        }
        lp.solve().unwrap().objective()
    }

    #[test]
    fn agrees_with_a_general_lp_solver_as_cuts_and_boxes_change() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut unit = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        for dims in [1, 2, 5, 10, 15] {
            let mut master = Master::new(dims);
            let mut cuts = Vec::new();
            for _ in 0..60 {
                let g: Vec<f64> = (0..dims).map(|_| unit() * 6.0 - 5.0).collect();
                let b = unit();
                master.add_cut(b, &g);
                cuts.push((b, g));
                let centre: Vec<f64> = (0..dims).map(|_| unit()).collect();
                let r = unit() * 0.6;
                let lo: Vec<f64> = centre.iter().map(|c| (c - r).max(0.0)).collect();
                let hi: Vec<f64> = centre.iter().map(|c| (c + r).min(1.0)).collect();
                let (y, theta) = master.solve(&lo, &hi).unwrap();
                let expected = reference(&cuts, &lo, &hi);
                assert!(
                    (theta - expected).abs() < 1e-7,
                    "dims {dims}: {theta} vs {expected}"
                );
                // The point is in the box and the model's value there is θ.
                let model = cuts
                    .iter()
                    .map(|(b, g)| b + dot(g, &y))
                    .fold(f64::NEG_INFINITY, f64::max);
                assert!((model - theta).abs() < 1e-7);
                for k in 0..dims {
                    assert!(y[k] >= lo[k] - 1e-9 && y[k] <= hi[k] + 1e-9);
                }
            }
        }
    }
}
