//! Sums for T2's means, in the python kernel's order and manner, so the two
//! backends' means agree to the bit, not just to the tolerance:
//!
//! * station and climatology means: `np.bincount(..., weights=...)` adds the
//!   observed rows of a station in (sorted) row order, then its history rows
//!   in history order, one by one: [`MeanAcc`] adds in that same order;
//! * the global mean: `ndarray.sum()` over the same values, which numpy adds
//!   by pairwise summation: [`pairwise_sum`] is numpy's algorithm.

#[derive(Debug, Clone, Copy, Default)]
pub struct MeanAcc {
    sum: f64,
    count: u64,
}

impl MeanAcc {
    #[inline]
    pub fn add(&mut self, v: f64) {
        self.sum += v;
        self.count += 1;
    }

    /// The mean, or `None` without any value.
    pub fn mean(&self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)] // counts stay far below 2^53
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

/// numpy's `pairwise_sum` (numpy/_core/src/umath/loops_utils.h.src) for a
/// contiguous float64 array: blocks of up to 128 values summed with eight
/// interleaved accumulators, larger arrays split in halves (multiples of 8).
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        // numpy starts from -0.0 so that a sum of -0.0 values stays -0.0.
        return a.iter().fold(-0.0, |s, v| s + v);
    }
    if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (k, acc) in r.iter_mut().enumerate() {
                *acc += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[i..] {
            res += v;
        }
        return res;
    }
    let mut half = n / 2;
    half -= half % 8;
    pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means() {
        let mut m = MeanAcc::default();
        assert_eq!(m.mean(), None);
        for v in [1.0, 2.0, 6.0] {
            m.add(v);
        }
        assert_eq!(m.mean(), Some(3.0));
    }

    #[test]
    fn pairwise_matches_a_sum_on_exact_values() {
        for n in [0usize, 1, 7, 8, 9, 127, 128, 129, 1000, 4097] {
            let a: Vec<f64> = (0..n).map(|i| (i % 17) as f64 - 8.0).collect();
            let exact: f64 = a.iter().sum();
            assert_eq!(pairwise_sum(&a), exact, "{n}");
        }
    }
}
