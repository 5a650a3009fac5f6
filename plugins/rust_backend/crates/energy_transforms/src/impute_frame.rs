//! T2 on a frame's raw columns: validation, time parsing, station
//! factorisation, value coercion, ordering, the kernel and the report counts,
//! all in Rust, with the python backend's rules and error messages
//! (`plugins/python_backend/imputation.py` is the reference).
//!
//! The binding hands over each column as it is in the frame: datetime64
//! nanoseconds or borrowed `&str`s for times, `&str`s or python-made codes for
//! stations, float64 or `&str`s for values. A column of some other dtype is
//! read by the python reference in the glue; if that raised, its message
//! arrives as `Failed` and is raised here at the point where python raises
//! it, so the first error reported is the same in both backends.
//!
//! Time strings [`crate::timeparse::parse_kst`] does not recognise are not errors by
//! themselves: [`impute_frame`] returns [`Outcome::NeedTimes`] with their
//! rows, the glue parses just those with the python reference's per-value
//! path, and calls again with the results in `Times::Text::resolved`.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::{Result, TransformError};
use crate::fields::parse_numeric;
use crate::impute::{impute_kernel_threaded, KernelInput};
use crate::impute_report::{column_report, ColumnReport};
use crate::limits::control_char;
use crate::pyrepr::str_repr;
use crate::text::strip;
use crate::timeparse::{
    civil_from_days, parse_kst_cached, timestamp_text, DateCache, KST_OFFSET_NS, NS_HOUR,
};

/// How many offending row positions an error message lists before "and N more".
const MAX_ROWS_IN_MESSAGE: usize = 10;
/// datetime64's NaT.
pub const NAT: i64 = i64::MIN;

/// A column name as python writes it: `repr(name)` and `str(name)`.
#[derive(Debug, Clone, Copy)]
pub struct Name<'a> {
    pub repr: &'a str,
    pub text: &'a str,
}

/// Times that python's per-value path parsed: `ns[k]` is row `rows[k]`, NaT if it failed.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    pub rows: &'a [i64],
    pub ns: &'a [i64],
}

/// A text column: each row's `&str` (borrowed from the Python objects), `None`
/// for a missing value (None, NaN, NA). Owned by the request so that it is
/// freed as soon as the column has been read.
pub type Strs<'a> = Vec<Option<&'a str>>;

#[derive(Debug, Clone)]
pub enum Times<'a> {
    /// Naive datetime64[ns], read as KST; NaT is missing.
    KstNs(&'a [i64]),
    /// Tz-aware datetime64[ns] (UTC), all in the fixed +9 h era or NaT (the glue checks).
    UtcNs(&'a [i64]),
    /// Strings; the first missing value's `repr` is `first_missing_repr` (for
    /// the error message).
    Text {
        values: Strs<'a>,
        first_missing_repr: Option<&'a str>,
        resolved: Option<Resolved<'a>>,
    },
    /// The python reference's error for a column of another dtype.
    Failed(&'a str),
}

#[derive(Debug, Clone)]
pub enum Stations<'a> {
    Text(Strs<'a>),
    /// The python reference's codes (numbered by first appearance, validated),
    /// with `repr` of each station. Frame only.
    Codes {
        codes: &'a [i64],
        reprs: &'a [String],
    },
    /// History only: the input group of each history row, -1 if none.
    Groups(&'a [i64]),
    Failed(&'a str),
}

#[derive(Debug, Clone)]
pub enum Values<'a> {
    Floats(&'a [f64]),
    /// Strings read as `pd.to_numeric(errors="coerce")`; `None` is NaN.
    Text(Strs<'a>),
    Failed(&'a str),
}

#[derive(Debug, Clone)]
pub struct Table<'a> {
    pub times: Times<'a>,
    pub stations: Stations<'a>,
    /// One per value column, in `columns` order.
    pub values: Vec<Values<'a>>,
}

#[derive(Debug, Clone)]
pub enum History<'a> {
    /// No history, or an empty one (python skips every check then).
    Absent,
    /// The python reference refused the history before reading a column.
    Failed(&'a str),
    Given(Table<'a>),
}

#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub frame: Table<'a>,
    pub history: History<'a>,
    pub time_col: Name<'a>,
    pub station_col: Name<'a>,
    pub columns: Vec<Name<'a>>,
    pub max_spline_gap: i64,
    /// Threads for parsing and the kernel (the result is the same for any count).
    pub threads: usize,
}

/// One value column's result, in input row order, and its report counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnResult {
    pub filled: Vec<f64>,
    pub methods: Vec<i8>,
    pub report: ColumnReport,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Imputed {
    /// The input row where each station group first appears (group k is station k).
    pub group_first_row: Vec<i64>,
    pub columns: Vec<ColumnResult>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done(Imputed),
    /// Time strings to parse with python's per-value path, by row, ascending.
    NeedTimes {
        frame: Vec<i64>,
        history: Vec<i64>,
    },
}

/// The frame's rows in (station, time) order, ready for the kernel.
struct Sorted<'a> {
    /// `None` when the input is already in order.
    order: Option<Vec<usize>>,
    group_starts: Vec<i64>,
    x: Vec<f64>,
    clim_key: Vec<i64>,
    values: Vec<Cow<'a, [f64]>>,
}

/// T2 (hook spec rules 1-7) on raw columns; see the module docs. Checks run
/// in the python reference's order, so the first error is the same.
pub fn impute_frame(req: Request<'_>) -> Result<Outcome> {
    let Request {
        frame,
        history,
        time_col,
        station_col,
        columns,
        max_spline_gap,
        threads,
    } = req;
    // Unrecognised time strings first, before any check: python's order of
    // errors can only be kept once every time is known.
    let (frame_ns, need_frame) = read_times(&frame.times, threads);
    let (history_ns, need_history) = match &history {
        History::Given(t) => read_times(&t.times, threads),
        _ => (None, Vec::new()),
    };
    if !need_frame.is_empty() || !need_history.is_empty() {
        return Ok(Outcome::NeedTimes {
            frame: need_frame,
            history: need_history,
        });
    }
    let Table {
        times,
        stations,
        values,
    } = frame;
    let ns = kst_times(frame_ns, times, "frame", time_col)?;
    let (codes, group_first_row, names) = station_codes(stations, ns.len(), "frame", station_col)?;
    let sorted = sort_and_read(
        &ns,
        &codes,
        values,
        &names,
        (time_col, station_col),
        &columns,
    )?;
    drop((ns, codes));
    let groups = group_first_row.len();
    let (hist_group, hist_key, hist_values) = prepare_history(
        history,
        history_ns,
        &names,
        groups,
        (time_col, station_col),
        &columns,
    )?;
    let order = sorted.order.as_deref();
    let mut results = Vec::with_capacity(columns.len());
    for (k, v) in sorted.values.iter().enumerate() {
        let input = KernelInput {
            x: &sorted.x,
            group_starts: &sorted.group_starts,
            values: v,
            clim_key: &sorted.clim_key,
            hist_group: &hist_group,
            hist_key: &hist_key,
            hist_values: hist_values.get(k).map_or(&[][..], |h| &h[..]),
            max_spline_gap,
        };
        let (filled, methods) = impute_kernel_threaded(&input, threads)?;
        let report = column_report(v, &methods, &sorted.group_starts);
        results.push(ColumnResult {
            filled: unpermuted(filled, order),
            methods: unpermuted(methods, order),
            report,
        });
    }
    Ok(Outcome::Done(Imputed {
        group_first_row,
        columns: results,
    }))
}

/// Sorting, the duplicate check, the value columns (in that order, as python
/// checks them) and the kernel's x and climatology keys.
fn sort_and_read<'a>(
    ns: &[i64],
    codes: &[i64],
    values: Vec<Values<'a>>,
    names: &StationNames<'_>,
    (time_col, station_col): (Name<'_>, Name<'_>),
    columns: &[Name<'_>],
) -> Result<Sorted<'a>> {
    let order = sort_order(codes, ns);
    let sorted_codes = permuted(codes, order.as_deref());
    let sorted_ns = permuted(ns, order.as_deref());
    reject_duplicates(
        (time_col, station_col),
        names,
        order.as_deref(),
        &sorted_codes,
        &sorted_ns,
    )?;
    let group_starts = group_starts(&sorted_codes);
    drop(sorted_codes);
    let mut sorted_values = Vec::with_capacity(columns.len());
    for (name, column) in columns.iter().zip(values) {
        let v = as_float(column, ns.len(), "frame", *name)?;
        sorted_values.push(match (v, order.as_deref()) {
            (v, None) => v,
            (v, Some(o)) => Cow::Owned(o.iter().map(|&i| v[i]).collect()),
        });
    }
    let x = sorted_ns.iter().map(|&t| hours_since_epoch(t)).collect();
    let clim_key = clim_keys(&sorted_ns);
    Ok(Sorted {
        order,
        group_starts,
        x,
        clim_key,
        values: sorted_values,
    })
}

/// Text times as [`crate::timeparse::parse_kst`] and `resolved` read them (NaT where neither
/// did), and the rows left to python's per-value path; other kinds are read
/// by [`kst_times`].
fn read_times(times: &Times<'_>, threads: usize) -> (Option<Vec<i64>>, Vec<i64>) {
    let Times::Text {
        values, resolved, ..
    } = times
    else {
        return (None, Vec::new());
    };
    let mut ns = parse_all(values, threads);
    if let Some(r) = resolved {
        for (&row, &t) in r.rows.iter().zip(r.ns) {
            if let Some(slot) = usize::try_from(row).ok().and_then(|i| ns.get_mut(i)) {
                *slot = t;
            }
        }
        return (Some(ns), Vec::new());
    }
    let need = ns
        .iter()
        .zip(values.iter())
        .enumerate()
        .filter(|(_, (&t, v))| t == NAT && v.is_some())
        .map(|(i, _)| to_i64(i))
        .collect();
    (Some(ns), need)
}

/// Rows per thread below which parsing on one thread is cheaper.
const MIN_PARSE_ROWS_PER_THREAD: usize = 100_000;

/// [`crate::timeparse::parse_kst`] of every value (NaT where it does not recognise one), split
/// over up to `threads` threads for large columns (the values are independent).
fn parse_all(values: &[Option<&str>], threads: usize) -> Vec<i64> {
    let parse = |out: &mut [i64], part: &[Option<&str>]| {
        let mut cache = DateCache::default();
        for (o, v) in out.iter_mut().zip(part) {
            *o = v
                .and_then(|s| parse_kst_cached(s, &mut cache))
                .unwrap_or(NAT);
        }
    };
    let mut ns = vec![NAT; values.len()];
    let threads = threads.min(values.len() / MIN_PARSE_ROWS_PER_THREAD).max(1);
    if threads == 1 {
        parse(&mut ns, values);
        return ns;
    }
    let chunk = values.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for (out, part) in ns.chunks_mut(chunk).zip(values.chunks(chunk)) {
            scope.spawn(move || parse(out, part));
        }
    });
    ns
}

/// `_rows_text`: `[0, 1, 2]`, then ` and N more` past ten.
pub fn rows_text(rows: &[usize]) -> String {
    let shown: Vec<String> = rows
        .iter()
        .take(MAX_ROWS_IN_MESSAGE)
        .map(ToString::to_string)
        .collect();
    let more = rows.len() - shown.len();
    let suffix = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("[{}]{suffix}", shown.join(", "))
}

/// `_kst_naive_ns`: naive KST ns per row; missing or unparseable times are an
/// error. `parsed` is [`read_times`]'s reading of a text column, whose strings
/// are freed here.
fn kst_times<'a>(
    parsed: Option<Vec<i64>>,
    times: Times<'a>,
    what: &str,
    col: Name<'_>,
) -> Result<Cow<'a, [i64]>> {
    let ns: Cow<'a, [i64]> = match (&times, parsed) {
        (Times::Failed(msg), _) => return Err(TransformError::input(*msg)),
        (Times::KstNs(ns), _) => Cow::Borrowed(ns),
        (Times::UtcNs(ns), _) => Cow::Owned(
            ns.iter()
                .map(|&t| if t == NAT { NAT } else { t + KST_OFFSET_NS })
                .collect(),
        ),
        (Times::Text { .. }, Some(ns)) => Cow::Owned(ns),
        (Times::Text { values, .. }, None) => Cow::Owned(parse_all(values, 1)),
    };
    let Some(first) = ns.iter().position(|&t| t == NAT) else {
        return Ok(ns);
    };
    let bad: Vec<usize> = (first..ns.len()).filter(|&i| ns[i] == NAT).collect();
    let shown = match times {
        Times::Text {
            values,
            first_missing_repr,
            ..
        } => match values[first] {
            Some(s) => str_repr(s),
            None => first_missing_repr.unwrap_or("None").to_owned(),
        },
        _ => "NaT".to_owned(),
    };
    Err(TransformError::input(format!(
        "{what} time column {} has missing or unparseable times at rows {} (0-based \
         positions), e.g. {shown}; write them like '2024-01-31 13:00' or drop those rows",
        col.repr,
        rows_text(&bad)
    )))
}

/// What is known of each station group once the station column is read.
enum StationNames<'a> {
    /// Text stations: each group's name, and the group of each name.
    Text {
        names: Vec<&'a str>,
        index: HashMap<&'a str, i64>,
    },
    /// Python-made codes: `repr` of each group's station.
    Reprs(&'a [String]),
}

impl StationNames<'_> {
    /// `repr` of group `code`'s station, as the duplicate message shows it.
    fn repr(&self, code: i64) -> String {
        let k = usize::try_from(code).unwrap_or(usize::MAX);
        match self {
            StationNames::Text { names, .. } => names.get(k).map(|s| str_repr(s)),
            StationNames::Reprs(reprs) => reprs.get(k).cloned(),
        }
        .unwrap_or_default()
    }
}

/// `_station_codes`: a code per row, numbered in order of first appearance,
/// each group's first row, and the groups' names. The strings are freed here.
fn station_codes<'a>(
    stations: Stations<'a>,
    n: usize,
    what: &str,
    col: Name<'_>,
) -> Result<(Cow<'a, [i64]>, Vec<i64>, StationNames<'a>)> {
    match stations {
        Stations::Failed(msg) => Err(TransformError::input(msg)),
        Stations::Codes { codes, reprs } => {
            check_len(codes.len(), n, "station codes")?;
            let mut first = Vec::new();
            for (i, &c) in codes.iter().enumerate() {
                if usize::try_from(c).ok() == Some(first.len()) {
                    first.push(to_i64(i));
                }
            }
            Ok((Cow::Borrowed(codes), first, StationNames::Reprs(reprs)))
        }
        Stations::Groups(_) => Err(TransformError::input(
            "impute_frame: station groups are given for history only",
        )),
        Stations::Text(values) => {
            check_len(values.len(), n, "stations")?;
            let mut index: HashMap<&'a str, i64> = HashMap::new();
            let mut names = Vec::new();
            let mut codes = Vec::with_capacity(n);
            let mut first = Vec::new();
            let mut bad = Vec::new();
            // (name, code, blank) of the previous row.
            let mut prev: Option<(&str, i64, bool)> = None;
            for (i, v) in values.iter().enumerate() {
                let Some(s) = *v else {
                    bad.push(i);
                    codes.push(-1);
                    prev = None;
                    continue;
                };
                // Stations come in long runs, mostly of one str object: compare
                // the pointer first, and hash and strip only where the name changes.
                let (code, blank) = match prev {
                    Some((p, c, b)) if std::ptr::eq(p, s) || p == s => (c, b),
                    _ => {
                        let code = *index.entry(s).or_insert_with(|| {
                            first.push(to_i64(i));
                            names.push(s);
                            to_i64(names.len() - 1)
                        });
                        (code, strip(s).is_empty())
                    }
                };
                if blank {
                    bad.push(i);
                }
                prev = Some((s, code, blank));
                codes.push(code);
            }
            if !bad.is_empty() {
                return Err(TransformError::input(format!(
                    "{what} station column {} is empty at rows {} (0-based positions); fill in \
                     the station name or drop those rows",
                    col.repr,
                    rows_text(&bad)
                )));
            }
            Ok((
                Cow::Owned(codes),
                first,
                StationNames::Text { names, index },
            ))
        }
    }
}

fn check_len(got: usize, want: usize, what: &str) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(TransformError::input(format!(
            "impute_frame: {what} have {got} rows, the times {want}"
        )))
    }
}

/// `_sort_order`: `None` when the rows are already in (station, time) order,
/// else the stable order by (code, time).
fn sort_order(codes: &[i64], ns: &[i64]) -> Option<Vec<usize>> {
    let sorted = codes
        .windows(2)
        .zip(ns.windows(2))
        .all(|(c, t)| c[1] > c[0] || (c[1] == c[0] && t[1] >= t[0]));
    if sorted {
        return None;
    }
    let mut order: Vec<usize> = (0..codes.len()).collect();
    order.sort_by_key(|&i| (codes[i], ns[i])); // stable, like np.lexsort
    Some(order)
}

/// `a` in sorted order: `a` itself when the input is already sorted.
fn permuted<'a, T: Copy>(a: &'a [T], order: Option<&[usize]>) -> Cow<'a, [T]> {
    match order {
        None => Cow::Borrowed(a),
        Some(o) => Cow::Owned(o.iter().map(|&i| a[i]).collect()),
    }
}

/// Sorted-order results back in input order.
fn unpermuted<T: Copy + Default>(a: Vec<T>, order: Option<&[usize]>) -> Vec<T> {
    match order {
        None => a,
        Some(o) => {
            let mut out = vec![T::default(); a.len()];
            for (&i, &v) in o.iter().zip(&a) {
                out[i] = v;
            }
            out
        }
    }
}

fn reject_duplicates(
    (time_col, station_col): (Name<'_>, Name<'_>),
    names: &StationNames<'_>,
    order: Option<&[usize]>,
    codes: &[i64],
    ns: &[i64],
) -> Result<()> {
    let same: Vec<usize> = (1..codes.len())
        .filter(|&i| codes[i] == codes[i - 1] && ns[i] == ns[i - 1])
        .map(|i| i - 1)
        .collect();
    let Some(&s0) = same.first() else {
        return Ok(());
    };
    let row = |sorted: usize| order.map_or(sorted, |o| o[sorted]);
    let mut rows: Vec<usize> = same.iter().flat_map(|&s| [row(s), row(s + 1)]).collect();
    rows.sort_unstable();
    rows.dedup();
    let (a, b) = (row(s0), row(s0 + 1));
    let (first, second) = (a.min(b), a.max(b));
    Err(TransformError::input(format!(
        "frame has duplicate ({}, {}) pairs at rows {} (0-based positions), e.g. station \
         {} at {} (KST) in rows {first} and {second}; keep one row per station and time",
        station_col.text,
        time_col.text,
        rows_text(&rows),
        names.repr(codes[s0]),
        timestamp_text(ns[s0])
    )))
}

fn group_starts(sorted_codes: &[i64]) -> Vec<i64> {
    let mut starts = vec![0];
    starts.extend(
        (1..sorted_codes.len())
            .filter(|&i| sorted_codes[i] != sorted_codes[i - 1])
            .map(to_i64),
    );
    if !sorted_codes.is_empty() {
        starts.push(to_i64(sorted_codes.len()));
    }
    starts
}

/// `_as_float`: float64 values; a string with a control character, then an
/// infinite value, is an error naming the rows.
fn as_float<'a>(
    column: Values<'a>,
    n: usize,
    what: &str,
    name: Name<'_>,
) -> Result<Cow<'a, [f64]>> {
    let values: Cow<'a, [f64]> = match column {
        Values::Failed(msg) => return Err(TransformError::input(msg)),
        Values::Floats(v) => {
            check_len(v.len(), n, "values")?;
            Cow::Borrowed(v)
        }
        Values::Text(texts) => {
            check_len(texts.len(), n, "values")?;
            let corrupted: Vec<usize> = texts
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_some_and(|s| control_char(s).is_some()))
                .map(|(i, _)| i)
                .collect();
            if let Some(&first) = corrupted.first() {
                return Err(TransformError::input(format!(
                    "{what} value column {} holds control characters at rows {} (0-based \
                     positions), e.g. {}; a corrupted value is an input error, not a gap (a gap \
                     is an empty cell or NaN)",
                    name.repr,
                    rows_text(&corrupted),
                    str_repr(texts[first].unwrap_or_default())
                )));
            }
            Cow::Owned(
                texts
                    .iter()
                    .map(|v| v.map_or(f64::NAN, parse_numeric))
                    .collect(),
            )
        }
    };
    if let Some(first) = values.iter().position(|v| v.is_infinite()) {
        let infinite: Vec<usize> = (first..values.len())
            .filter(|&i| values[i].is_infinite())
            .collect();
        return Err(TransformError::input(format!(
            "{what} value column {} is infinite at rows {} (0-based positions); replace those \
             values with NaN or finite numbers",
            name.repr,
            rows_text(&infinite)
        )));
    }
    Ok(values)
}

/// `_hours_since_epoch`: whole seconds and the rest apart, as python computes it.
#[allow(clippy::cast_precision_loss)] // whole seconds since the epoch stay below 2^53
fn hours_since_epoch(ns: i64) -> f64 {
    let (seconds, rest) = (ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000));
    seconds as f64 / 3600.0 + rest as f64 / (3600.0 * 1e9)
}

/// `_clim_key`: `month * 10000 + day * 100 + hour` of naive times, one calendar
/// conversion per run of equal days.
fn clim_keys(ns: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(ns.len());
    let mut last: Option<(i64, i64)> = None; // (day, month * 10000 + day * 100)
    for &t in ns {
        let hours = t.div_euclid(NS_HOUR);
        let day = hours.div_euclid(24);
        let base = match last {
            Some((d, b)) if d == day => b,
            _ => {
                let (_, m, d) = civil_from_days(day);
                let b = m * 10_000 + d * 100;
                last = Some((day, b));
                b
            }
        };
        out.push(base + hours.rem_euclid(24));
    }
    out
}

type HistoryArrays<'a> = (Vec<i64>, Vec<i64>, Vec<Cow<'a, [f64]>>);

/// `_prepare_history`: each history row's input group (-1 if none), clim key and values.
fn prepare_history<'a>(
    history: History<'a>,
    parsed: Option<Vec<i64>>,
    names: &StationNames<'_>,
    groups: usize,
    (time_col, station_col): (Name<'_>, Name<'_>),
    columns: &[Name<'_>],
) -> Result<HistoryArrays<'a>> {
    let table = match history {
        History::Absent => {
            let none: Vec<Cow<'a, [f64]>> = vec![Cow::Borrowed(&[]); columns.len()];
            return Ok((Vec::new(), Vec::new(), none));
        }
        History::Failed(msg) => return Err(TransformError::input(msg)),
        History::Given(t) => t,
    };
    let Table {
        times,
        stations,
        values,
    } = table;
    let ns = kst_times(parsed, times, "history", time_col)?;
    let n = ns.len();
    let hist_group =
        match (stations, names) {
            (Stations::Failed(msg), _) => return Err(TransformError::input(msg)),
            (Stations::Groups(g), _) => {
                check_len(g.len(), n, "history station groups")?;
                if let Some(bad) = g.iter().find(|&&k| k < -1 || k >= to_i64(groups)) {
                    return Err(TransformError::input(format!(
                        "impute_frame: history station group {bad} outside -1..{groups}"
                    )));
                }
                g.to_vec()
            }
            (text @ Stations::Text(_), StationNames::Text { index, .. }) => {
                let (codes, _, hist_names) = station_codes(text, n, "history", station_col)?;
                let StationNames::Text {
                    names: hist_names, ..
                } = hist_names
                else {
                    unreachable!("text stations give text names")
                };
                let group_of_code: Vec<i64> = hist_names
                    .iter()
                    .map(|s| index.get(s).copied().unwrap_or(-1))
                    .collect();
                codes
                    .iter()
                    .map(|&c| group_of_code[usize::try_from(c).unwrap_or_default()])
                    .collect()
            }
            _ => return Err(TransformError::input(
                "impute_frame: history stations must be text (with text frame stations) or groups",
            )),
        };
    let mut hist_values = Vec::with_capacity(columns.len());
    for (name, column) in columns.iter().zip(values) {
        hist_values.push(as_float(column, n, "history", *name)?);
    }
    Ok((hist_group, clim_keys(&ns), hist_values))
}

fn to_i64(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = NS_HOUR;

    fn name(s: &'static str) -> Name<'static> {
        Name { repr: s, text: s }
    }

    fn request<'a>(frame: Table<'a>, history: History<'a>) -> Request<'a> {
        Request {
            frame,
            history,
            time_col: Name {
                repr: "'tm'",
                text: "tm",
            },
            station_col: Name {
                repr: "'stnNm'",
                text: "stnNm",
            },
            columns: vec![name("'ta'")],
            max_spline_gap: 3,
            threads: 1,
        }
    }

    fn done(req: Request<'_>) -> Imputed {
        match impute_frame(req).unwrap() {
            Outcome::Done(d) => d,
            other @ Outcome::NeedTimes { .. } => panic!("{other:?}"),
        }
    }

    fn error(req: Request<'_>) -> String {
        match impute_frame(req) {
            Err(TransformError::Input(msg)) => msg,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn string_times_and_stations_in_any_order() {
        let tm = [
            Some("2024-01-01 02:00"),
            Some("2024-01-01 00:00"),
            Some("2024-01-01 01:00"),
            Some("2024-01-01T00:00+09:00"),
        ];
        let st = [Some("b"), Some("a"), Some("a"), Some("b")];
        let ta = [Some("3"), Some(" 1 "), None, Some("x")];
        let frame = Table {
            times: Times::Text {
                values: tm.to_vec(),
                first_missing_repr: None,
                resolved: None,
            },
            stations: Stations::Text(st.to_vec()),
            values: vec![Values::Text(ta.to_vec())],
        };
        let out = done(request(frame, History::Absent));
        assert_eq!(out.group_first_row, vec![0, 1]);
        let col = &out.columns[0];
        // Input order: b@02 observed, a@00 observed, a@01 edge, b@00 edge (from b@02).
        assert_eq!(col.filled, vec![3.0, 1.0, 1.0, 3.0]);
        assert_eq!(col.methods, vec![0, 0, 3, 3]);
        assert_eq!(col.report.gap_group, vec![0, 1]);
        assert_eq!(col.report.gap_length, vec![1, 1]);
    }

    #[test]
    fn unrecognised_times_are_handed_back_then_resolved() {
        let tm = [Some("2024-01-01 00:00"), Some("1 Jan 2024 01:00")];
        let st = [Some("a"), Some("a")];
        let ta = [1.0, 2.0];
        let table = |resolved| Table {
            times: Times::Text {
                values: tm.to_vec(),
                first_missing_repr: None,
                resolved,
            },
            stations: Stations::Text(st.to_vec()),
            values: vec![Values::Floats(&ta)],
        };
        assert_eq!(
            impute_frame(request(table(None), History::Absent)).unwrap(),
            Outcome::NeedTimes {
                frame: vec![1],
                history: vec![]
            }
        );
        let (rows, ns) = ([1i64], [1_704_070_800_000_000_000i64]);
        let out = done(request(
            table(Some(Resolved {
                rows: &rows,
                ns: &ns,
            })),
            History::Absent,
        ));
        assert_eq!(out.columns[0].filled, vec![1.0, 2.0]);
        let bad = [NAT];
        let msg = error(request(
            table(Some(Resolved {
                rows: &rows,
                ns: &bad,
            })),
            History::Absent,
        ));
        assert_eq!(
            msg,
            "frame time column 'tm' has missing or unparseable times at rows [1] (0-based \
             positions), e.g. '1 Jan 2024 01:00'; write them like '2024-01-31 13:00' or drop \
             those rows"
        );
    }

    #[test]
    fn python_messages() {
        let ns = [0, H, H, 2 * H];
        let st = [Some("a"), Some("a"), Some("a"), Some(" ")];
        let ta = [Some("1"), Some("5\u{0}2"), Some("inf"), None];
        let frame = |stations| Table {
            times: Times::KstNs(&ns),
            stations,
            values: vec![Values::Text(ta.to_vec())],
        };
        assert_eq!(
            error(request(frame(Stations::Text(st.to_vec())), History::Absent)),
            "frame station column 'stnNm' is empty at rows [3] (0-based positions); fill in the \
             station name or drop those rows"
        );
        let st = [Some("a"), Some("a"), Some("a"), Some("b")];
        assert_eq!(
            error(request(frame(Stations::Text(st.to_vec())), History::Absent)),
            "frame has duplicate (stnNm, tm) pairs at rows [1, 2] (0-based positions), e.g. \
             station 'a' at 1970-01-01 01:00:00 (KST) in rows 1 and 2; keep one row per station \
             and time"
        );
        let st = [Some("a"), Some("b"), Some("c"), Some("d")];
        assert_eq!(
            error(request(frame(Stations::Text(st.to_vec())), History::Absent)),
            "frame value column 'ta' holds control characters at rows [1] (0-based positions), \
             e.g. '5\\x002'; a corrupted value is an input error, not a gap (a gap is an empty \
             cell or NaN)"
        );
        let ta = [Some("1"), Some("2"), Some("-Infinity"), None];
        let table = Table {
            times: Times::KstNs(&ns),
            stations: Stations::Text(st.to_vec()),
            values: vec![Values::Text(ta.to_vec())],
        };
        assert_eq!(
            error(request(
                table,
                History::Failed("history has no column 'ta'")
            )),
            "frame value column 'ta' is infinite at rows [2] (0-based positions); replace those \
             values with NaN or finite numbers"
        );
    }

    #[test]
    fn history_counts_for_climatology_only() {
        let ns = [0, H, 2 * H, 3 * H, 4 * H];
        let st = [Some("a"); 5];
        let ta = [1.0, f64::NAN, f64::NAN, f64::NAN, f64::NAN];
        let frame = Table {
            times: Times::KstNs(&ns),
            stations: Stations::Text(st.to_vec()),
            values: vec![Values::Floats(&ta)],
        };
        // A year earlier (same month, day, hour) at station a; station z is not in the frame.
        let year = 365 * 24 * H;
        let hns = [year + 2 * H, year + 2 * H];
        let hst = [Some("a"), Some("z")];
        let hta = [Some("7"), Some("100")];
        let history = Table {
            times: Times::KstNs(&hns),
            stations: Stations::Text(hst.to_vec()),
            values: vec![Values::Text(hta.to_vec())],
        };
        let out = done(request(frame, History::Given(history)));
        let col = &out.columns[0];
        assert_eq!(col.methods, vec![0, 5, 4, 5, 5]);
        assert_eq!(col.filled[2], 7.0);
        assert_eq!(col.filled[1], 4.0); // station mean of 1 and the history's 7
    }

    #[test]
    fn rows_text_like_python() {
        assert_eq!(rows_text(&[3]), "[3]");
        assert_eq!(
            rows_text(&(0..13).collect::<Vec<_>>()),
            "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9] and 3 more"
        );
    }

    #[test]
    fn clim_keys_and_hours_like_python() {
        let leap = crate::timeparse::parse_kst("2024-02-29 13:00").unwrap();
        let ns = [0, 23 * H + 1, -H, leap];
        assert_eq!(clim_keys(&ns), vec![10_100, 10_123, 123_123, 22_913]);
        assert_eq!(hours_since_epoch(-H), -1.0);
        assert_eq!(hours_since_epoch(H + 1_800_000_000_000), 1.5);
    }
}
