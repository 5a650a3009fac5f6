//! T1: maximal runs of NaN in a float64 series.

/// `(starts, lengths)` of the maximal NaN runs, in ascending order of start.
///
/// Two branch-free passes: count the runs, then write each row index to both
/// outputs and advance a cursor only where a run starts (ends). Missing values
/// fall at random in real series, so a branch per row would mispredict often.
pub fn find_missing_runs(values: &[f64]) -> (Vec<i64>, Vec<i64>) {
    let mut runs = 0usize;
    let mut prev = false;
    for v in values {
        let cur = v.is_nan();
        runs += usize::from(cur & !prev);
        prev = cur;
    }
    // One spare slot: the last, discarded write of each pass lands there.
    let mut starts = vec![0i64; runs + 1];
    let mut ends = vec![0i64; runs + 1];
    let (mut ks, mut ke) = (0usize, 0usize);
    prev = false;
    for (i, v) in values.iter().enumerate() {
        let cur = v.is_nan();
        let at = to_i64(i);
        starts[ks] = at;
        ks += usize::from(cur & !prev);
        ends[ke] = at;
        ke += usize::from(!cur & prev);
        prev = cur;
    }
    if prev {
        ends[ke] = to_i64(values.len());
    }
    starts.truncate(runs);
    ends.truncate(runs);
    let lengths = ends.iter().zip(&starts).map(|(e, s)| e - s).collect();
    (starts, lengths)
}

/// Slice indices fit in i64 on every platform numpy supports.
pub(crate) fn to_i64(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_no_nan() {
        assert_eq!(find_missing_runs(&[]), (vec![], vec![]));
        assert_eq!(find_missing_runs(&[1.0, 2.0]), (vec![], vec![]));
    }

    #[test]
    fn runs_at_edges_and_inside() {
        let n = f64::NAN;
        let (s, l) = find_missing_runs(&[n, n, 1.0, n, 2.0, n, n, n]);
        assert_eq!(s, vec![0, 3, 5]);
        assert_eq!(l, vec![2, 1, 3]);
    }

    #[test]
    fn all_nan() {
        let (s, l) = find_missing_runs(&[f64::NAN; 4]);
        assert_eq!((s, l), (vec![0], vec![4]));
    }
}
