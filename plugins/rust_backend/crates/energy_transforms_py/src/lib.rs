//! `energy_rust_backend._native`: the PyO3 binding of `energy_transforms`.
//!
//! Arrays come in as borrowed numpy buffers and go out as numpy arrays that
//! own the Rust `Vec` they were built from (no copy either way); payloads come
//! in as the raw `bytes`. Each call releases the GIL while it computes
//! (`guard::run`). DataFrames are built by the Python glue, with the python
//! backend's frame builders, so dtypes cannot drift between backends.

mod guard;
mod impute;
mod impute_frame;
mod payloads;

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use guard::run;

type I64Array<'py> = Bound<'py, PyArray1<i64>>;

/// T1: `(starts, lengths)` of the NaN runs of a contiguous 1-D float64 array.
#[pyfunction]
fn find_missing_runs<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
) -> PyResult<(I64Array<'py>, I64Array<'py>)> {
    let values = slice(&values)?;
    let (starts, lengths) = run(py, || {
        Ok(energy_transforms::runs::find_missing_runs(values))
    })?;
    Ok((starts.into_pyarray(py), lengths.into_pyarray(py)))
}

/// Raises a Rust panic inside `guard::run`, so tests can check that it arrives
/// as an ordinary exception (`RustPanic`) the registry can fall back on. Takes
/// and ignores any arguments, so it can stand in for any entry point.
#[pyfunction]
#[pyo3(signature = (*_args))]
fn _panic_for_tests(py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
    run(py, || -> energy_transforms::Result<()> {
        panic!("deliberate panic for tests")
    })
}

/// The address of the buffer Rust reads for `values`: tests compare it with
/// the array's own data pointer to show that input arrays are not copied.
#[pyfunction]
fn _buffer_address(values: PyReadonlyArray1<'_, f64>) -> PyResult<usize> {
    Ok(slice(&values)?.as_ptr() as usize)
}

/// A borrowed view of a numpy array's buffer; the glue passes contiguous arrays.
pub(crate) fn slice<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|e| guard::InputError::new_err(format!("array not contiguous: {e}")))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("API_VERSION", energy_transforms::API_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("InputError", py.get_type::<guard::InputError>())?;
    m.add("PortalError", py.get_type::<guard::PortalError>())?;
    m.add("RustPanic", py.get_type::<guard::RustPanic>())?;
    m.add_function(wrap_pyfunction!(find_missing_runs, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(_buffer_address, m)?)?;
    impute::register(m)?;
    impute_frame::register(m)?;
    payloads::register(m)?;
    Ok(())
}
