//! Random helpers (portable: integer arithmetic and IEEE-exact float operations only).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;

/// Uniform in [0, 1).
pub(super) fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform in 0..n (n > 0), by widening multiplication.
pub(super) fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    debug_assert!(n > 0);
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

/// Uniform integer in lo..=hi.
pub(super) fn int_in(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    debug_assert!(lo <= hi);
    lo + below(rng, (hi - lo + 1) as u64) as i64
}

/// Uniform in [lo, hi).
pub(super) fn float_in(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(rng)
}

pub(super) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    unit(rng) < p
}

pub(super) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[below(rng, items.len() as u64) as usize]
}

pub(super) fn pick_copy<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    *pick(rng, items)
}

/// Index drawn with the given (not all zero) weights.
pub(super) fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let mut r = below(rng, total);
    for (i, &w) in weights.iter().enumerate() {
        if r < u64::from(w) {
            return i;
        }
        r -= u64::from(w);
    }
    weights.len() - 1
}

pub(super) fn round_to(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

/// `k` distinct entries of `items`, in draw order.
pub(super) fn draw_distinct<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], k: usize) -> Vec<T> {
    let mut pool = items.to_vec();
    let k = k.min(pool.len());
    for i in 0..k {
        let j = i + below(rng, (pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(k);
    pool
}
