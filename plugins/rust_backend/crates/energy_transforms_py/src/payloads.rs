//! T3..T5 bindings: the raw body bytes are borrowed (never copied into Python
//! objects), the columns come back as numpy arrays that own the Rust vectors,
//! and each string column as (distinct values, uint32 row codes).
//!
//! The `*_batch` functions take a list of `bytes` bodies: each body's buffer is
//! borrowed under the GIL, then the core reads them in parallel (one rayon task
//! per body) with the GIL released, and one set of columns comes back: one
//! Python round trip per call, whatever the number of bodies.

use energy_transforms::asos::{asos_from_bodies, asos_from_body, AsosFrame};
use energy_transforms::columns::StrColumn;
use energy_transforms::limits::Limits;
use energy_transforms::pv::{pv_from_bodies, pv_from_body, pv_from_records_json, PvLong};
use energy_transforms::wind::{
    wind_from_bodies, wind_from_body, wind_from_records_json, HourLabel, WindLong,
};
use energy_transforms::TransformError;
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::guard::run;

type F64Array<'py> = Bound<'py, PyArray1<f64>>;
type I64Array<'py> = Bound<'py, PyArray1<i64>>;

fn strings<'py>(py: Python<'py>, col: StrColumn) -> PyResult<Bound<'py, PyTuple>> {
    (col.values, col.codes.into_pyarray(py)).into_pyobject(py)
}

fn utf8(body: &[u8]) -> Result<&str, TransformError> {
    std::str::from_utf8(body)
        .map_err(|e| TransformError::input(format!("records are not UTF-8 JSON: {e}")))
}

/// T3 on a raw page body (`records=False`) or on the glue's JSON list of
/// record dicts (`records=True`): `(timestamp, plant_code, unit, plant_name,
/// generation, (records, dropped_bad_date, duplicates))`. The limits
/// (`[limits]`, passed by the glue) apply to a raw body only.
#[pyfunction]
fn wind_to_long<'py>(
    py: Python<'py>,
    body: &[u8],
    hour_label: &str,
    records: bool,
    max_body_bytes: usize,
    max_json_depth: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let limits = Limits {
        max_body_bytes,
        max_json_depth,
    };
    let label = hour_label_of(hour_label)?;
    let out: WindLong = run(py, || {
        if records {
            wind_from_records_json(utf8(body)?, label)
        } else {
            wind_from_body(body, label, &limits)
        }
    })?;
    wind_output(py, out)
}

/// T3 on a list of raw page bodies: one output, as [`wind_to_long`]'s.
#[pyfunction]
fn wind_to_long_batch<'py>(
    py: Python<'py>,
    bodies: Vec<Bound<'py, PyBytes>>,
    hour_label: &str,
    max_body_bytes: usize,
    max_json_depth: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let limits = Limits {
        max_body_bytes,
        max_json_depth,
    };
    let label = hour_label_of(hour_label)?;
    let slices = borrowed(&bodies);
    let out = run(py, || wind_from_bodies(&slices, label, &limits))?;
    wind_output(py, out)
}

/// The bodies' buffers, borrowed: `bytes` are immutable and `bodies` outlives the call.
fn borrowed<'a>(bodies: &'a [Bound<'_, PyBytes>]) -> Vec<&'a [u8]> {
    bodies.iter().map(|b| b.as_bytes()).collect()
}

fn hour_label_of(hour_label: &str) -> PyResult<HourLabel> {
    HourLabel::parse(hour_label).ok_or_else(|| {
        crate::guard::InputError::new_err((
            format!("wind_to_long: unknown hour_label {hour_label:?}"),
            None::<usize>,
        ))
    })
}

fn wind_output(py: Python<'_>, out: WindLong) -> PyResult<Bound<'_, PyTuple>> {
    let report = (out.records, out.dropped_bad_date, out.duplicates);
    (
        out.timestamp.into_pyarray(py),
        strings(py, out.plant_code)?,
        out.unit.into_pyarray(py),
        strings(py, out.plant_name)?,
        out.generation.into_pyarray(py),
        report,
    )
        .into_pyobject(py)
}

/// T4 on a raw XML body or the glue's JSON list of item dicts: `(datetime,
/// gencd, plant_name, hogi, generation, (daily_total, daily_avg, daily_max,
/// daily_min), (items, dropped_invalid))`. `max_body_bytes` applies to a raw body only.
#[pyfunction]
fn pv_to_long<'py>(
    py: Python<'py>,
    body: &[u8],
    records: bool,
    max_body_bytes: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let limits = Limits {
        max_body_bytes,
        ..Limits::default()
    };
    let out: PvLong = run(py, || {
        if records {
            pv_from_records_json(utf8(body)?)
        } else {
            pv_from_body(body, &limits)
        }
    })?;
    pv_output(py, out)
}

/// T4 on a list of raw XML bodies: one output, as [`pv_to_long`]'s.
#[pyfunction]
fn pv_to_long_batch<'py>(
    py: Python<'py>,
    bodies: Vec<Bound<'py, PyBytes>>,
    max_body_bytes: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let limits = Limits {
        max_body_bytes,
        ..Limits::default()
    };
    let slices = borrowed(&bodies);
    let out = run(py, || pv_from_bodies(&slices, &limits))?;
    pv_output(py, out)
}

fn pv_output(py: Python<'_>, out: PvLong) -> PyResult<Bound<'_, PyTuple>> {
    let report = (out.items, out.dropped_invalid());
    let [total, avg, max, min] = out.daily;
    let daily: (F64Array<'_>, F64Array<'_>, F64Array<'_>, F64Array<'_>) = (
        total.into_pyarray(py),
        avg.into_pyarray(py),
        max.into_pyarray(py),
        min.into_pyarray(py),
    );
    (
        out.datetime.into_pyarray(py),
        strings(py, out.gencd)?,
        strings(py, out.plant_name)?,
        out.hogi.into_pyarray(py),
        out.generation.into_pyarray(py),
        daily,
        report,
    )
        .into_pyobject(py)
}

/// T5: `(tm, stnId, stnNm, [one float64 array per field])`.
#[pyfunction]
fn asos_to_frame<'py>(
    py: Python<'py>,
    body: &[u8],
    fields: Vec<String>,
    max_body_bytes: usize,
    max_json_depth: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let limits = Limits {
        max_body_bytes,
        max_json_depth,
    };
    let out = run(py, || asos_from_body(body, &fields, &limits))?;
    asos_output(py, out)
}

/// T5 on a list of raw bodies: one frame's columns, as [`asos_to_frame`]'s.
#[pyfunction]
fn asos_to_frame_batch<'py>(
    py: Python<'py>,
    bodies: Vec<Bound<'py, PyBytes>>,
    fields: Vec<String>,
    max_body_bytes: usize,
    max_json_depth: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let limits = Limits {
        max_body_bytes,
        max_json_depth,
    };
    let slices = borrowed(&bodies);
    let out = run(py, || asos_from_bodies(&slices, &fields, &limits))?;
    asos_output(py, out)
}

fn asos_output(py: Python<'_>, out: AsosFrame) -> PyResult<Bound<'_, PyTuple>> {
    let values: Vec<F64Array<'_>> = out.values.into_iter().map(|v| v.into_pyarray(py)).collect();
    let tm: I64Array<'_> = out.tm.into_pyarray(py);
    (
        tm,
        out.stn_id.into_pyarray(py),
        strings(py, out.stn_nm)?,
        values,
    )
        .into_pyobject(py)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(wind_to_long, m)?)?;
    m.add_function(wrap_pyfunction!(wind_to_long_batch, m)?)?;
    m.add_function(wrap_pyfunction!(pv_to_long, m)?)?;
    m.add_function(wrap_pyfunction!(pv_to_long_batch, m)?)?;
    m.add_function(wrap_pyfunction!(asos_to_frame, m)?)?;
    m.add_function(wrap_pyfunction!(asos_to_frame_batch, m)?)
}
