//! T2's report counts as compact arrays; the glue turns them into the
//! `{column: {station: {"gaps_by_length", "methods", "unfilled"}}}` dict
//! (cheaper than building Python dicts here, and the dict layout stays in
//! one place next to the python reference's `build_report`).

use crate::impute::method;

/// Method codes 0..=7.
pub const N_METHODS: usize = 8;

/// One value column's counts, per station group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnReport {
    /// `(group, gap length, count)`, ascending by group then length.
    pub gap_group: Vec<i64>,
    pub gap_length: Vec<i64>,
    pub gap_count: Vec<i64>,
    /// `groups x 8`, row-major: rows of group `g` filled by method code `m`.
    pub method_counts: Vec<i64>,
}

/// The counts of one column from its sorted-order input values and methods.
pub fn column_report(values: &[f64], methods: &[i8], group_starts: &[i64]) -> ColumnReport {
    let mut report = ColumnReport::default();
    let groups = group_starts.len().saturating_sub(1);
    report.method_counts = vec![0; groups * N_METHODS];
    let mut lengths: Vec<i64> = Vec::new();
    for g in 0..groups {
        let a = usize::try_from(group_starts[g]).unwrap_or_default();
        let b = usize::try_from(group_starts[g + 1]).unwrap_or_default();
        lengths.clear();
        let mut run = 0i64;
        for r in a..b {
            if values[r].is_nan() {
                run += 1;
            } else if run > 0 {
                lengths.push(run);
                run = 0;
            }
            if let Ok(m) = usize::try_from(methods[r]) {
                if m < N_METHODS && methods[r] != method::OBSERVED {
                    report.method_counts[g * N_METHODS + m] += 1;
                }
            }
        }
        if run > 0 {
            lengths.push(run);
        }
        lengths.sort_unstable();
        let gi = i64::try_from(g).unwrap_or(i64::MAX);
        for chunk in lengths.chunk_by(|p, q| p == q) {
            report.gap_group.push(gi);
            report.gap_length.push(chunk[0]);
            report
                .gap_count
                .push(i64::try_from(chunk.len()).unwrap_or(i64::MAX));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: f64 = f64::NAN;

    #[test]
    fn gaps_and_methods_per_group() {
        let values = [N, 1.0, N, N, 2.0, N, /* group 1 */ 1.0, N, 3.0];
        let methods = [3, 0, 1, 1, 0, 3, 0, 2, 0];
        let r = column_report(&values, &methods, &[0, 6, 9]);
        assert_eq!(r.gap_group, vec![0, 0, 1]);
        assert_eq!(r.gap_length, vec![1, 2, 1]);
        assert_eq!(r.gap_count, vec![2, 1, 1]);
        let mut want = vec![0; 16];
        want[1] = 2;
        want[3] = 2;
        want[8 + 2] = 1;
        assert_eq!(r.method_counts, want);
    }
}
