//! T2's array kernel: fills one value column of rows already sorted by
//! (station, time), station by station, and says how each row was filled.
//!
//! The frame work (parsing times, sorting, grouping, the report) stays in the
//! python backend's `prepare`/`assemble`, shared by both backends; only this
//! loop differs. Rules (hook spec of `impute_missing_values`): interior gap
//! <= max -> spline (>= 4 observed) or linear (2-3 observed); edge gap <= max
//! -> nearest observed value; else climatology -> station mean -> global mean
//! -> unfilled. "Observed" is always the input: fills never feed fills.

use std::sync::OnceLock;

use crate::climatology::Climatology;
use crate::error::{Result, TransformError};
use crate::spline::NotAKnotSpline;
use crate::sum::{pairwise_sum, MeanAcc};

/// `registry.contracts.FillMethod` codes.
pub mod method {
    pub const OBSERVED: i8 = 0;
    pub const SPLINE: i8 = 1;
    pub const LINEAR: i8 = 2;
    pub const EDGE: i8 = 3;
    pub const CLIMATOLOGY: i8 = 4;
    pub const STATION_MEAN: i8 = 5;
    pub const GLOBAL_MEAN: i8 = 6;
    pub const UNFILLED: i8 = 7;
}

/// The arrays `prepare` builds; every `n`-long slice is in (station, time) order.
#[derive(Debug, Clone, Copy)]
pub struct KernelInput<'a> {
    /// Hours since the epoch of the KST wall clock, strictly increasing per station.
    pub x: &'a [f64],
    /// Station `g` owns rows `group_starts[g]..group_starts[g + 1]`.
    pub group_starts: &'a [i64],
    pub values: &'a [f64],
    /// `month * 10000 + day * 100 + hour`.
    pub clim_key: &'a [i64],
    /// Station index of each history row; -1 counts only toward the global mean.
    pub hist_group: &'a [i64],
    pub hist_key: &'a [i64],
    pub hist_values: &'a [f64],
    pub max_spline_gap: i64,
}

/// `(filled, methods)`, both in the input's (station, time) order.
pub fn impute_kernel(inp: &KernelInput<'_>) -> Result<(Vec<f64>, Vec<i8>)> {
    impute_kernel_threaded(inp, 1)
}

/// [`impute_kernel`] with the stations split over up to `threads` threads.
/// Stations are independent, so the result is identical for any count.
pub fn impute_kernel_threaded(
    inp: &KernelInput<'_>,
    threads: usize,
) -> Result<(Vec<f64>, Vec<i8>)> {
    let groups = validate(inp)?;
    let shared = Shared {
        inp,
        history: bucket_history(inp.hist_group, groups.len()),
        global: OnceLock::new(),
    };
    let mut filled = inp.values.to_vec();
    let mut methods = vec![method::OBSERVED; inp.values.len()];
    let chunks = split_groups(&groups, inp.values.len(), threads.max(1));
    if chunks.len() <= 1 {
        run_stations(&shared, &groups, 0, &mut filled, &mut methods)?;
        return Ok((filled, methods));
    }
    std::thread::scope(|scope| -> Result<()> {
        let mut rest_f: &mut [f64] = &mut filled;
        let mut rest_m: &mut [i8] = &mut methods;
        let mut first_row = 0;
        let mut handles = Vec::with_capacity(chunks.len());
        for chunk in chunks {
            let part = &groups[chunk];
            let end_row = part.last().map_or(first_row, |g| g.2);
            let (f, tail_f) = std::mem::take(&mut rest_f).split_at_mut(end_row - first_row);
            let (m, tail_m) = std::mem::take(&mut rest_m).split_at_mut(end_row - first_row);
            rest_f = tail_f;
            rest_m = tail_m;
            let offset = first_row;
            let shared = &shared;
            handles.push(scope.spawn(move || run_stations(shared, part, offset, f, m)));
            first_row = end_row;
        }
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })?;
    Ok((filled, methods))
}

/// What every thread reads: the input, the history by station, the global mean.
struct Shared<'a, 'b> {
    inp: &'a KernelInput<'b>,
    history: Buckets,
    global: OnceLock<Option<f64>>,
}

/// Contiguous runs of stations with about `rows / threads` rows each.
fn split_groups(groups: &[Group], rows: usize, threads: usize) -> Vec<std::ops::Range<usize>> {
    let target = rows.div_ceil(threads).max(1);
    let mut chunks = Vec::with_capacity(threads);
    let mut start = 0;
    let mut rows_in_chunk = 0;
    for (i, &(_, a, b)) in groups.iter().enumerate() {
        rows_in_chunk += b - a;
        if rows_in_chunk >= target && chunks.len() + 1 < threads {
            chunks.push(start..i + 1);
            start = i + 1;
            rows_in_chunk = 0;
        }
    }
    if start < groups.len() {
        chunks.push(start..groups.len());
    }
    chunks
}

/// Stations whose spline systems are solved together (see `spline`).
const SPLINE_BATCH: usize = 4;

/// A station waiting for its spline: its rows and its short interior gaps
/// as `(start, end, interval)`, `interval` being the observed point left of the gap.
struct PendingSpline {
    a: usize,
    b: usize,
    gaps: Vec<(usize, usize, usize)>,
}

/// Rules 4-6 for `groups`, whose rows start at `offset` in `filled` / `methods`.
fn run_stations(
    shared: &Shared<'_, '_>,
    groups: &[Group],
    offset: usize,
    filled: &mut [f64],
    methods: &mut [i8],
) -> Result<()> {
    let mut climatology = Climatology::default();
    let mut long = Vec::new();
    let mut pending: Vec<PendingSpline> = Vec::with_capacity(SPLINE_BATCH);
    for &(g, a, b) in groups {
        long.clear();
        let mut gaps = Vec::new();
        fill_station(
            shared.inp, a, b, offset, filled, methods, &mut long, &mut gaps,
        );
        if !long.is_empty() {
            fill_long_gaps(
                shared,
                (g, a, b),
                &long,
                offset,
                filled,
                methods,
                &mut climatology,
            );
        }
        if !gaps.is_empty() {
            pending.push(PendingSpline { a, b, gaps });
            if pending.len() == SPLINE_BATCH {
                fill_splines(shared.inp, &mut pending, offset, filled, methods)?;
            }
        }
    }
    fill_splines(shared.inp, &mut pending, offset, filled, methods)
}

/// Rule 4 with >= 4 observed points, for the pending stations (then forgotten).
fn fill_splines(
    inp: &KernelInput<'_>,
    pending: &mut Vec<PendingSpline>,
    offset: usize,
    filled: &mut [f64],
    methods: &mut [i8],
) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let (x, v) = (inp.x, inp.values);
    let points = pending
        .iter()
        .map(|p| {
            (p.a..p.b)
                .filter(|&r| !v[r].is_nan())
                .map(|r| (x[r], v[r]))
                .unzip()
        })
        .collect();
    let splines = NotAKnotSpline::fit_many(points)?;
    for (p, spline) in pending.iter().zip(&splines) {
        for &(s, e, interval) in &p.gaps {
            for r in s..e {
                filled[r - offset] = spline.eval_in(interval, x[r]);
            }
            methods[s - offset..e - offset].fill(method::SPLINE);
        }
    }
    pending.clear();
    Ok(())
}

/// A station: its index and its rows `a..b`.
type Group = (usize, usize, usize);

fn validate(inp: &KernelInput<'_>) -> Result<Vec<Group>> {
    let n = inp.values.len();
    if inp.x.len() != n || inp.clim_key.len() != n {
        return Err(TransformError::input(format!(
            "impute kernel: x ({}), values ({n}) and clim_key ({}) differ in length",
            inp.x.len(),
            inp.clim_key.len()
        )));
    }
    if inp.max_spline_gap < 0 {
        return Err(TransformError::input(format!(
            "impute kernel: max_spline_gap must be >= 0, got {}",
            inp.max_spline_gap
        )));
    }
    let h = inp.hist_values.len();
    if inp.hist_group.len() != h || inp.hist_key.len() != h {
        return Err(TransformError::input(
            "impute kernel: hist_group, hist_key and hist_values differ in length",
        ));
    }
    let starts = inp.group_starts;
    let bad_starts = || {
        TransformError::input(format!(
            "impute kernel: group_starts must rise from 0 to the row count {n}"
        ))
    };
    if starts.is_empty() {
        return if n == 0 {
            Ok(Vec::new())
        } else {
            Err(bad_starts())
        };
    }
    if starts[0] != 0 || usize::try_from(starts[starts.len() - 1]).ok() != Some(n) {
        return Err(bad_starts());
    }
    let mut groups = Vec::with_capacity(starts.len() - 1);
    for w in starts.windows(2) {
        let (a, b) = (usize::try_from(w[0]), usize::try_from(w[1]));
        let (Ok(a), Ok(b)) = (a, b) else {
            return Err(bad_starts());
        };
        if b < a {
            return Err(bad_starts());
        }
        if let Some(i) = (a + 1..b)
            .find(|&i| inp.x[i].partial_cmp(&inp.x[i - 1]) != Some(std::cmp::Ordering::Greater))
        {
            return Err(TransformError::input(format!(
                "impute kernel: times of station {} not strictly increasing at sorted row {i}",
                groups.len()
            )));
        }
        groups.push((groups.len(), a, b));
    }
    let g = groups.len();
    if let Some(bad) = inp
        .hist_group
        .iter()
        .find(|&&k| k < -1 || usize::try_from(k).is_ok_and(|k| k >= g))
    {
        return Err(TransformError::input(format!(
            "impute kernel: history station index {bad} outside -1..{g}"
        )));
    }
    Ok(groups)
}

/// Rules 4 (linear) and 5 for the rows `a..b` of one station; its spline gaps
/// go to `spline_gaps`, its rule-6 rows to `long`. `filled` and `methods`
/// hold the rows from `offset` on.
#[allow(clippy::too_many_arguments)] // one station's slice of the kernel state
fn fill_station(
    inp: &KernelInput<'_>,
    a: usize,
    b: usize,
    offset: usize,
    filled: &mut [f64],
    methods: &mut [i8],
    long: &mut Vec<usize>,
    spline_gaps: &mut Vec<(usize, usize, usize)>,
) {
    let (x, v) = (inp.x, inp.values);
    let n_obs = v[a..b].iter().filter(|y| !y.is_nan()).count();
    if n_obs == b - a {
        return;
    }
    let max_gap = usize::try_from(inp.max_spline_gap).unwrap_or(usize::MAX);
    let mut seen = 0usize; // observed rows before position i
    let mut i = a;
    while i < b {
        if !v[i].is_nan() {
            seen += 1;
            i += 1;
            continue;
        }
        let s = i;
        while i < b && v[i].is_nan() {
            i += 1;
        }
        let e = i;
        let (left, right) = (s > a, e < b);
        let (fo, mo) = (
            &mut filled[s - offset..e - offset],
            &mut methods[s - offset..e - offset],
        );
        if e - s > max_gap || !(left || right) {
            long.extend(s..e);
        } else if left && right && n_obs >= 4 {
            spline_gaps.push((s, e, seen - 1));
        } else if left && right {
            let (x0, y0, x1, y1) = (x[s - 1], v[s - 1], x[e], v[e]);
            let slope = (y1 - y0) / (x1 - x0);
            for (out, &xr) in fo.iter_mut().zip(&x[s..e]) {
                *out = slope * (xr - x0) + y0;
            }
            mo.fill(method::LINEAR);
        } else {
            fo.fill(if left { v[s - 1] } else { v[e] });
            mo.fill(method::EDGE);
        }
    }
}

/// Rule 6 for the rows `long` of station `g` (rows `a..b`).
#[allow(clippy::too_many_arguments)] // one station's slice of the kernel state
fn fill_long_gaps(
    shared: &Shared<'_, '_>,
    (g, a, b): Group,
    long: &[usize],
    offset: usize,
    filled: &mut [f64],
    methods: &mut [i8],
    climatology: &mut Climatology,
) {
    let inp = shared.inp;
    climatology.want(long.iter().map(|&r| inp.clim_key[r]));
    let mut station = MeanAcc::default();
    let rows = (a..b).map(|r| (inp.clim_key[r], inp.values[r]));
    let history = shared
        .history
        .rows(g)
        .iter()
        .map(|&h| (inp.hist_key[h], inp.hist_values[h]));
    for (key, val) in rows.chain(history) {
        if !val.is_nan() {
            station.add(val);
            climatology.add(key, val);
        }
    }
    for &r in long {
        let (val, how) = if let Some(m) = climatology.mean(inp.clim_key[r]) {
            (m, method::CLIMATOLOGY)
        } else if let Some(m) = station.mean() {
            (m, method::STATION_MEAN)
        } else if let Some(m) = *shared.global.get_or_init(|| global_mean(inp)) {
            (m, method::GLOBAL_MEAN)
        } else {
            (f64::NAN, method::UNFILLED)
        };
        filled[r - offset] = val;
        methods[r - offset] = how;
    }
    climatology.reset();
}

/// The mean of every observed input value and history value, as the python
/// kernel computes it (`np.concatenate` of both, then `.sum() / count`).
fn global_mean(inp: &KernelInput<'_>) -> Option<f64> {
    let values: Vec<f64> = inp
        .values
        .iter()
        .chain(inp.hist_values)
        .copied()
        .filter(|v| !v.is_nan())
        .collect();
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^53
    (!values.is_empty()).then(|| pairwise_sum(&values) / values.len() as f64)
}

/// History row indices grouped by station (a counting sort; -1 rows left out).
struct Buckets {
    offsets: Vec<usize>,
    rows: Vec<usize>,
}

impl Buckets {
    fn rows(&self, g: usize) -> &[usize] {
        &self.rows[self.offsets[g]..self.offsets[g + 1]]
    }
}

fn bucket_history(hist_group: &[i64], groups: usize) -> Buckets {
    let mut offsets = vec![0usize; groups + 1];
    for &k in hist_group {
        if let Ok(k) = usize::try_from(k) {
            offsets[k + 1] += 1;
        }
    }
    for g in 0..groups {
        offsets[g + 1] += offsets[g];
    }
    let mut next = offsets.clone();
    let mut rows = vec![0usize; offsets[groups]];
    for (h, &k) in hist_group.iter().enumerate() {
        if let Ok(k) = usize::try_from(k) {
            rows[next[k]] = h;
            next[k] += 1;
        }
    }
    Buckets { offsets, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: f64 = f64::NAN;

    fn run(x: &[f64], starts: &[i64], v: &[f64], key: &[i64], max: i64) -> (Vec<f64>, Vec<i8>) {
        impute_kernel(&KernelInput {
            x,
            group_starts: starts,
            values: v,
            clim_key: key,
            hist_group: &[],
            hist_key: &[],
            hist_values: &[],
            max_spline_gap: max,
        })
        .unwrap()
    }

    #[test]
    fn linear_and_edge_with_few_points() {
        let x = [0.0, 1.0, 2.0, 3.0, 4.0];
        let (f, m) = run(&x, &[0, 5], &[N, 1.0, N, 3.0, N], &[0; 5], 3);
        assert_eq!(f, vec![1.0, 1.0, 2.0, 3.0, 3.0]);
        assert_eq!(m, vec![3, 0, 2, 0, 3]);
    }

    #[test]
    fn spline_uses_all_observed_points() {
        let x: Vec<f64> = (0..6).map(f64::from).collect();
        let v = [0.0, 1.0, 8.0, N, 64.0, 125.0];
        let (f, m) = run(&x, &[0, 6], &v, &[0; 6], 3);
        assert!((f[3] - 27.0).abs() < 1e-9);
        assert_eq!(m[3], method::SPLINE);
    }

    #[test]
    fn long_gap_falls_back_through_the_means() {
        // station 0: keys 1,2 observed, long gap rows with key 1 (clim) and 9 (station mean)
        let x: Vec<f64> = (0..8).map(f64::from).collect();
        let v = [2.0, 4.0, N, N, N, N, 1.0, 1.0];
        let key = [1, 2, 1, 9, 9, 9, 3, 3];
        let (f, m) = run(&x, &[0, 8], &v, &key, 3);
        assert_eq!(m[2..6], [4, 5, 5, 5]);
        assert_eq!(f[2], 2.0);
        assert_eq!(f[3], 2.0); // (2 + 4 + 1 + 1) / 4
    }

    #[test]
    fn all_nan_station_uses_global_mean_and_history() {
        let x = [0.0, 1.0, 0.0, 1.0];
        let v = [N, N, 5.0, 7.0];
        let out = impute_kernel(&KernelInput {
            x: &x,
            group_starts: &[0, 2, 4],
            values: &v,
            clim_key: &[1, 2, 1, 2],
            hist_group: &[0, -1],
            hist_key: &[1, 5],
            hist_values: &[10.0, 0.0],
            max_spline_gap: 3,
        })
        .unwrap();
        assert_eq!(out.0[..2], [10.0, 10.0]);
        assert_eq!(out.1[..2], [method::CLIMATOLOGY, method::STATION_MEAN]);
        // nothing anywhere: unfilled
        let (f, m) = run(&[0.0, 1.0], &[0, 2], &[N, N], &[1, 2], 3);
        assert!(f.iter().all(|v| v.is_nan()));
        assert_eq!(m, vec![method::UNFILLED; 2]);
    }

    #[test]
    fn global_mean_counts_every_history_row() {
        let out = impute_kernel(&KernelInput {
            x: &[0.0, 1.0],
            group_starts: &[0, 2],
            values: &[N, N],
            clim_key: &[1, 2],
            hist_group: &[-1, -1],
            hist_key: &[1, 5],
            hist_values: &[3.0, 5.0],
            max_spline_gap: 3,
        })
        .unwrap();
        assert_eq!(out.0, vec![4.0, 4.0]);
        assert_eq!(out.1, vec![method::GLOBAL_MEAN; 2]);
    }

    #[test]
    fn threads_do_not_change_the_result() {
        let n = 1000;
        let x: Vec<f64> = (0..n).map(|i| f64::from(i % 100)).collect();
        let v: Vec<f64> = (0..n)
            .map(|i| {
                if i % 7 < 3 || i % 97 < 9 {
                    N
                } else {
                    f64::from(i).sin()
                }
            })
            .collect();
        let key: Vec<i64> = (0..n).map(|i| i64::from(10_100 + i % 24)).collect();
        let starts: Vec<i64> = (0..=10).map(|g| g * 100).collect();
        let inp = KernelInput {
            x: &x,
            group_starts: &starts,
            values: &v,
            clim_key: &key,
            hist_group: &[0, 3, -1],
            hist_key: &[10_100, 10_105, 1],
            hist_values: &[1.0, 2.0, 3.0],
            max_spline_gap: 3,
        };
        let one = impute_kernel(&inp).unwrap();
        for threads in [2, 3, 16] {
            let many = impute_kernel_threaded(&inp, threads).unwrap();
            assert_eq!(one.1, many.1);
            assert!(one
                .0
                .iter()
                .zip(&many.0)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    #[test]
    fn refuses_inconsistent_arrays() {
        let bad = |starts: &[i64], x: &[f64]| {
            impute_kernel(&KernelInput {
                x,
                group_starts: starts,
                values: &[1.0, 2.0],
                clim_key: &[0, 0],
                hist_group: &[],
                hist_key: &[],
                hist_values: &[],
                max_spline_gap: 3,
            })
            .is_err()
        };
        assert!(bad(&[0, 1], &[0.0, 1.0]));
        assert!(bad(&[0, 2], &[1.0, 1.0]));
        assert!(bad(&[0, 2], &[0.0]));
        assert!(!bad(&[0, 1, 2], &[1.0, 1.0]));
    }
}
