//! T2's frame binding: the glue's columns in, `energy_transforms::impute_frame` off the GIL.
//!
//! Each column arrives as a tagged tuple (see `_native.pyi`). Numeric columns
//! are borrowed numpy buffers. A text column is a numpy object array of `str`
//! (or missing values): under the GIL only the `&str` of each element is
//! collected (`PyString::to_str`, UTF-8 CPython keeps with the string: no
//! Python allocation), then everything runs with the GIL released.

use energy_transforms::impute_frame::NAT;
use energy_transforms::impute_frame::{
    impute_frame as run_impute, History, Imputed, Name, Outcome, Request, Resolved, Stations, Strs,
    Table, Times, Values,
};
use energy_transforms::timeparse::{parse_kst_cached, DateCache};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyList, PyString, PyTuple};

use crate::guard::{run, InputError};
use crate::slice;

type I64In<'py> = PyReadonlyArray1<'py, i64>;
type ObjIn<'py> = PyReadonlyArray1<'py, Py<PyAny>>;

/// Below this many rows per thread, starting a thread costs more than it saves.
const MIN_ROWS_PER_THREAD: usize = 100_000;

/// The `&str`s of an object array, `None` for every non-string (the glue
/// passes only strings and missing values). A string Python cannot encode as
/// UTF-8 (a lone surrogate) is kept lossily: it is never a recognised time
/// (so python parses the original) and never a number.
struct Text<'a> {
    refs: Vec<Option<&'a str>>,
    lossy: Vec<(usize, String)>,
    first_missing_repr: Option<String>,
    /// A strong reference to every distinct str object read. The `&str`s
    /// point into these objects, and while the GIL is released another
    /// thread could overwrite the array's slots and free the objects they
    /// held: these references keep every borrowed text alive for the call.
    keep: Vec<Py<PyAny>>,
}

impl<'a> Text<'a> {
    fn read<'py: 'a>(py: Python<'py>, items: &'a [Py<PyAny>]) -> PyResult<Self> {
        let mut refs = Vec::with_capacity(items.len());
        let mut lossy = Vec::new();
        let mut first_missing_repr = None;
        let mut keep = Vec::new();
        // Station columns repeat one str object for a whole run (a portal
        // page per station): reuse its text without touching the object.
        let mut last: Option<(*mut pyo3::ffi::PyObject, &'a str)> = None;
        for (i, item) in items.iter().enumerate() {
            let ptr = item.as_ptr();
            if let Some((p, text)) = last {
                if p == ptr {
                    refs.push(Some(text));
                    continue;
                }
            }
            let item = item.bind(py);
            if let Ok(s) = item.cast::<PyString>() {
                if let Ok(text) = s.to_str() {
                    refs.push(Some(text));
                    keep.push(item.clone().unbind());
                    last = Some((ptr, text));
                } else {
                    lossy.push((i, s.to_string_lossy().into_owned()));
                    refs.push(None);
                }
                continue;
            }
            if first_missing_repr.is_none() {
                first_missing_repr = Some(missing_repr(item)?);
            }
            refs.push(None);
        }
        Ok(Self {
            refs,
            keep,
            lossy,
            first_missing_repr,
        })
    }

    /// The strings, each lossy one (set aside by `take_lossy`) put back.
    fn into_strs<'b>(self, lossy: &'b [(usize, String)]) -> Strs<'b>
    where
        'a: 'b,
    {
        let mut refs: Strs<'b> = self.refs;
        for (i, s) in lossy {
            refs[*i] = Some(s);
        }
        refs
    }
}

/// A text column as the glue hands it over: a numpy object array of `str`,
/// or the chunks of an Arrow `string` / `large_string` array (pandas'
/// `str` dtype with pyarrow storage), whose buffers are read in place.
enum TextHeld<'py> {
    Objects(ObjIn<'py>),
    Arrow {
        chunks: Vec<ArrowChunk<'py>>,
        /// `repr` of the column's missing value (`nan` or `<NA>`).
        missing_repr: String,
    },
}

/// One Arrow chunk: value `i` is `data[offsets[offset + i]..offsets[offset + i + 1]]`,
/// missing where bit `offset + i` of `validity` is 0.
struct ArrowChunk<'py> {
    offsets: Offsets<'py>,
    data: PyReadonlyArray1<'py, u8>,
    validity: Option<PyReadonlyArray1<'py, u8>>,
    offset: usize,
    len: usize,
}

enum Offsets<'py> {
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

impl<'py> TextHeld<'py> {
    /// An object array, or `("arrow", [(offsets, data, validity | None, offset, len)...], missing_repr)`.
    fn read(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        let Ok(spec) = obj.cast::<PyTuple>() else {
            return Ok(Self::Objects(obj.extract()?));
        };
        if tag(spec)? != "arrow" {
            return Err(bad_spec("text", &tag(spec)?));
        }
        let mut chunks = Vec::new();
        for chunk in spec.get_item(1)?.cast_into::<PyList>()?.iter() {
            let chunk = chunk.cast_into::<PyTuple>()?;
            let offsets = chunk.get_item(0)?;
            let offsets = match offsets.extract::<PyReadonlyArray1<'py, i64>>() {
                Ok(o) => Offsets::I64(o),
                Err(_) => Offsets::I32(offsets.extract()?),
            };
            let validity = chunk.get_item(2)?;
            chunks.push(ArrowChunk {
                offsets,
                data: chunk.get_item(1)?.extract()?,
                validity: if validity.is_none() {
                    None
                } else {
                    Some(validity.extract()?)
                },
                offset: chunk.get_item(3)?.extract()?,
                len: chunk.get_item(4)?.extract()?,
            });
        }
        Ok(Self::Arrow {
            chunks,
            missing_repr: spec.get_item(2)?.extract()?,
        })
    }
}

impl<'a> Text<'a> {
    /// The `&str`s of Arrow string chunks, borrowed from their data buffers
    /// (immutable, and kept alive by the arrays the glue passed).
    fn read_arrow(chunks: &'a [ArrowChunk<'_>], missing_repr: &str) -> PyResult<Self> {
        let bad = || InputError::new_err("impute_frame: an Arrow string chunk is malformed");
        let mut refs = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
        let mut first_missing_repr = None;
        for c in chunks {
            let data = slice(&c.data)?;
            let validity = c.validity.as_ref().map(slice).transpose()?;
            let (narrow, wide) = match &c.offsets {
                Offsets::I32(o) => (slice(o)?, &[][..]),
                Offsets::I64(o) => (&[][..], slice(o)?),
            };
            let bound = |k: usize| -> PyResult<usize> {
                let v = if wide.is_empty() {
                    narrow.get(k).map(|&v| i64::from(v))
                } else {
                    wide.get(k).copied()
                };
                v.and_then(|v| usize::try_from(v).ok()).ok_or_else(bad)
            };
            if c.len == 0 {
                continue;
            }
            // UTF-8 is checked once for the chunk's whole text; each value is
            // then a sub-slice, whose ends `str::get` checks are char boundaries.
            let (lo, hi) = (bound(c.offset)?, bound(c.offset + c.len)?);
            let text = std::str::from_utf8(data.get(lo..hi).ok_or_else(bad)?).map_err(|_| bad())?;
            for i in 0..c.len {
                let k = c.offset + i;
                let valid = validity.map_or(Ok(true), |bits| {
                    bits.get(k / 8)
                        .map(|b| b >> (k % 8) & 1 == 1)
                        .ok_or_else(bad)
                })?;
                if !valid {
                    first_missing_repr.get_or_insert_with(|| missing_repr.to_owned());
                    refs.push(None);
                    continue;
                }
                let (a, b) = (bound(k)?, bound(k + 1)?);
                let value = a
                    .checked_sub(lo)
                    .zip(b.checked_sub(lo))
                    .and_then(|(a, b)| text.get(a..b))
                    .ok_or_else(bad)?;
                refs.push(Some(value));
            }
        }
        Ok(Self {
            refs,
            lossy: Vec::new(),
            first_missing_repr,
            keep: Vec::new(),
        })
    }
}

fn missing_repr(item: &Bound<'_, PyAny>) -> PyResult<String> {
    if item.is_exact_instance_of::<PyFloat>() {
        return Ok("nan".to_owned());
    }
    Ok(item.repr()?.to_str()?.to_owned())
}

fn tag(spec: &Bound<'_, PyTuple>) -> PyResult<String> {
    spec.get_item(0)?.extract()
}

fn bad_spec(what: &str, tag: &str) -> PyErr {
    InputError::new_err(format!("impute_frame: unknown {what} column kind {tag:?}"))
}

/// The Python objects of one table, kept alive (and borrowed) for the call.
struct Held<'py> {
    times: TimesHeld<'py>,
    stations: StationsHeld<'py>,
    values: Vec<ValuesHeld<'py>>,
}

enum TimesHeld<'py> {
    Kst(I64In<'py>),
    Utc(I64In<'py>),
    Text(TextHeld<'py>, Option<(I64In<'py>, I64In<'py>)>),
    Failed(String),
}

enum StationsHeld<'py> {
    Text(TextHeld<'py>),
    Codes(I64In<'py>, Vec<String>),
    Groups(I64In<'py>),
    Failed(String),
}

enum ValuesHeld<'py> {
    Floats(PyReadonlyArray1<'py, f64>),
    Text(TextHeld<'py>),
    Failed(String),
}

impl<'py> Held<'py> {
    fn read(table: &Bound<'py, PyTuple>) -> PyResult<Self> {
        let times = table.get_item(0)?.cast_into::<PyTuple>()?;
        let times = match tag(&times)?.as_str() {
            "kst_ns" => TimesHeld::Kst(times.get_item(1)?.extract()?),
            "utc_ns" => TimesHeld::Utc(times.get_item(1)?.extract()?),
            "text" => {
                let resolved = times.get_item(2)?;
                let resolved = if resolved.is_none() {
                    None
                } else {
                    let pair = resolved.cast_into::<PyTuple>()?;
                    Some((pair.get_item(0)?.extract()?, pair.get_item(1)?.extract()?))
                };
                TimesHeld::Text(TextHeld::read(&times.get_item(1)?)?, resolved)
            }
            "failed" => TimesHeld::Failed(times.get_item(1)?.extract()?),
            other => return Err(bad_spec("time", other)),
        };
        let stations = table.get_item(1)?.cast_into::<PyTuple>()?;
        let stations = match tag(&stations)?.as_str() {
            "text" => StationsHeld::Text(TextHeld::read(&stations.get_item(1)?)?),
            "codes" => StationsHeld::Codes(
                stations.get_item(1)?.extract()?,
                stations.get_item(2)?.extract()?,
            ),
            "groups" => StationsHeld::Groups(stations.get_item(1)?.extract()?),
            "failed" => StationsHeld::Failed(stations.get_item(1)?.extract()?),
            other => return Err(bad_spec("station", other)),
        };
        let mut values = Vec::new();
        for spec in table.get_item(2)?.cast_into::<PyList>()?.iter() {
            let spec = spec.cast_into::<PyTuple>()?;
            values.push(match tag(&spec)?.as_str() {
                "floats" => ValuesHeld::Floats(spec.get_item(1)?.extract()?),
                "text" => ValuesHeld::Text(TextHeld::read(&spec.get_item(1)?)?),
                "failed" => ValuesHeld::Failed(spec.get_item(1)?.extract()?),
                other => return Err(bad_spec("value", other)),
            });
        }
        Ok(Self {
            times,
            stations,
            values,
        })
    }
}

/// The `&str`s of a table's text columns (time, station, values in order).
struct Texts<'a> {
    times: Option<Text<'a>>,
    stations: Option<Text<'a>>,
    values: Vec<Option<Text<'a>>>,
}

/// The lossy strings of a table's text columns, kept apart so that the
/// columns' string vectors can be moved into the request.
#[derive(Default)]
struct Lossy {
    times: Vec<(usize, String)>,
    /// `repr` of the time column's first missing value (for the error message).
    times_missing_repr: Option<String>,
    stations: Vec<(usize, String)>,
    values: Vec<Vec<(usize, String)>>,
    /// Every text column's `Text::keep`, dropped (with the GIL) after the call.
    _keep: Vec<Vec<Py<PyAny>>>,
}

impl<'a> Texts<'a> {
    fn read<'py: 'a>(py: Python<'py>, held: &'a Held<'_>) -> PyResult<Self> {
        let text = |a: &'a TextHeld<'_>| -> PyResult<Text<'a>> {
            match a {
                TextHeld::Objects(items) => Text::read(py, slice(items)?),
                TextHeld::Arrow {
                    chunks,
                    missing_repr,
                } => Text::read_arrow(chunks, missing_repr),
            }
        };
        Ok(Self {
            times: match &held.times {
                TimesHeld::Text(a, _) => Some(text(a)?),
                _ => None,
            },
            stations: match &held.stations {
                StationsHeld::Text(a) => Some(text(a)?),
                _ => None,
            },
            values: held
                .values
                .iter()
                .map(|v| match v {
                    ValuesHeld::Text(a) => text(a).map(Some),
                    _ => Ok(None),
                })
                .collect::<PyResult<_>>()?,
        })
    }

    fn take_lossy(&mut self) -> Lossy {
        let take = |t: &mut Option<Text<'_>>| {
            t.as_mut()
                .map(|t| std::mem::take(&mut t.lossy))
                .unwrap_or_default()
        };
        let keep = std::iter::once(&mut self.times)
            .chain(std::iter::once(&mut self.stations))
            .chain(self.values.iter_mut())
            .filter_map(|t| t.as_mut().map(|t| std::mem::take(&mut t.keep)))
            .collect();
        Lossy {
            _keep: keep,
            times_missing_repr: self
                .times
                .as_mut()
                .and_then(|t| t.first_missing_repr.take()),
            times: take(&mut self.times),
            stations: take(&mut self.stations),
            values: self.values.iter_mut().map(take).collect(),
        }
    }
}

/// The core's view of one table; the text columns' vectors move into it.
fn table<'b>(held: &'b Held<'_>, texts: Texts<'b>, lossy: &'b Lossy) -> PyResult<Table<'b>> {
    let Texts {
        times: time_text,
        stations: station_text,
        values: value_texts,
    } = texts;
    let times = match &held.times {
        TimesHeld::Kst(a) => Times::KstNs(slice(a)?),
        TimesHeld::Utc(a) => Times::UtcNs(slice(a)?),
        TimesHeld::Text(_, resolved) => {
            let text = time_text.ok_or_else(|| missing_text("time"))?;
            Times::Text {
                values: text.into_strs(&lossy.times),
                first_missing_repr: lossy.times_missing_repr.as_deref(),
                resolved: match resolved {
                    Some((rows, ns)) => Some(Resolved {
                        rows: slice(rows)?,
                        ns: slice(ns)?,
                    }),
                    None => None,
                },
            }
        }
        TimesHeld::Failed(msg) => Times::Failed(msg),
    };
    let stations = match &held.stations {
        StationsHeld::Text(_) => Stations::Text(
            station_text
                .ok_or_else(|| missing_text("station"))?
                .into_strs(&lossy.stations),
        ),
        StationsHeld::Codes(codes, reprs) => Stations::Codes {
            codes: slice(codes)?,
            reprs,
        },
        StationsHeld::Groups(groups) => Stations::Groups(slice(groups)?),
        StationsHeld::Failed(msg) => Stations::Failed(msg),
    };
    let mut values = Vec::with_capacity(held.values.len());
    for ((v, text), lossy) in held.values.iter().zip(value_texts).zip(&lossy.values) {
        values.push(match v {
            ValuesHeld::Floats(a) => Values::Floats(slice(a)?),
            ValuesHeld::Text(_) => {
                Values::Text(text.ok_or_else(|| missing_text("value"))?.into_strs(lossy))
            }
            ValuesHeld::Failed(msg) => Values::Failed(msg),
        });
    }
    Ok(Table {
        times,
        stations,
        values,
    })
}

fn missing_text(what: &str) -> PyErr {
    InputError::new_err(format!(
        "impute_frame: the {what} column's strings were not read"
    ))
}

/// T2 on the frame's columns. `frame` is `(times, stations, [values...])`;
/// `history` is `None`, a refusal message (`str`) or such a tuple. Returns
/// `(need_frame, need_history, group_first_row, columns)`: if either `need`
/// array is not empty, those rows' time strings must be parsed by python and
/// the call repeated with them resolved; else `columns` holds, per value
/// column, `(filled, methods, gap_group, gap_length, gap_count, method_counts)`.
#[pyfunction]
#[pyo3(signature = (frame, history, time_col, station_col, columns, max_spline_gap, threads=0))]
#[allow(clippy::too_many_arguments)] // the hook's inputs, one argument each
fn impute_frame<'py>(
    py: Python<'py>,
    frame: &Bound<'py, PyTuple>,
    history: &Bound<'py, PyAny>,
    time_col: (String, String),
    station_col: (String, String),
    columns: Vec<(String, String)>,
    max_spline_gap: i64,
    threads: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let frame_held = Held::read(frame)?;
    let (history_held, history_failed) = if history.is_none() {
        (None, None)
    } else if let Ok(msg) = history.extract::<String>() {
        (None, Some(msg))
    } else {
        (Some(Held::read(history.cast::<PyTuple>()?)?), None)
    };
    let mut frame_texts = Texts::read(py, &frame_held)?;
    let mut history_texts = history_held
        .as_ref()
        .map(|h| Texts::read(py, h))
        .transpose()?;
    let frame_lossy = frame_texts.take_lossy();
    let history_lossy = history_texts
        .as_mut()
        .map(Texts::take_lossy)
        .unwrap_or_default();
    let rows = frame_held.rows(&frame_texts);
    let history = match (&history_held, history_texts, &history_failed) {
        (Some(h), Some(t), _) => History::Given(table(h, t, &history_lossy)?),
        (_, _, Some(msg)) => History::Failed(msg),
        _ => History::Absent,
    };
    let req = Request {
        frame: table(&frame_held, frame_texts, &frame_lossy)?,
        history,
        time_col: Name {
            repr: &time_col.0,
            text: &time_col.1,
        },
        station_col: Name {
            repr: &station_col.0,
            text: &station_col.1,
        },
        columns: columns
            .iter()
            .map(|(repr, text)| Name { repr, text })
            .collect(),
        max_spline_gap,
        threads: if threads == 0 {
            auto_threads(rows)
        } else {
            threads
        },
    };
    let outcome = run(py, move || run_impute(req))?;
    let (need_frame, need_history, done) = match outcome {
        Outcome::NeedTimes { frame, history } => (frame, history, None),
        Outcome::Done(done) => (Vec::new(), Vec::new(), Some(done)),
    };
    let (first_rows, results) = match done {
        Some(Imputed {
            group_first_row,
            columns,
        }) => (group_first_row, columns),
        None => (Vec::new(), Vec::new()),
    };
    let out = PyList::empty(py);
    for c in results {
        let r = c.report;
        out.append((
            c.filled.into_pyarray(py),
            c.methods.into_pyarray(py),
            r.gap_group.into_pyarray(py),
            r.gap_length.into_pyarray(py),
            r.gap_count.into_pyarray(py),
            r.method_counts.into_pyarray(py),
        ))?;
    }
    (
        need_frame.into_pyarray(py),
        need_history.into_pyarray(py),
        first_rows.into_pyarray(py),
        out,
    )
        .into_pyobject(py)
}

impl Held<'_> {
    /// The table's row count, from its time column.
    fn rows(&self, texts: &Texts<'_>) -> usize {
        match &self.times {
            TimesHeld::Kst(a) | TimesHeld::Utc(a) => a.len(),
            _ => texts.times.as_ref().map_or(0, |t| t.refs.len()),
        }
    }
}

fn auto_threads(rows: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    (rows / MIN_ROWS_PER_THREAD).clamp(1, cores)
}

/// Rust's reading of each time string (naive KST ns), NaT where it leaves the
/// string to python: lets the tests compare the parser with pandas value by value.
#[pyfunction]
fn _parse_times<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, Py<PyAny>>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let mut text = Text::read(py, slice(&values)?)?;
    let _keep = std::mem::take(&mut text.keep); // alive until the end of the call
    let lossy = std::mem::take(&mut text.lossy);
    let strs = text.into_strs(&lossy);
    let ns = run(py, || {
        // One date cache across the array, as impute_frame parses a column.
        let mut cache = DateCache::default();
        Ok(strs
            .iter()
            .map(|v| {
                v.and_then(|s| parse_kst_cached(s, &mut cache))
                    .unwrap_or(NAT)
            })
            .collect::<Vec<i64>>())
    })?;
    Ok(ns.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(impute_frame, m)?)?;
    m.add_function(wrap_pyfunction!(_parse_times, m)?)
}
