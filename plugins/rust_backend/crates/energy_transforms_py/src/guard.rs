//! Runs core code off the GIL and turns every failure into an ordinary Python
//! exception.
//!
//! A Rust panic must not reach Python as PyO3's `PanicException`: that class
//! derives from `BaseException`, which the registry's fallback (and most
//! `except Exception` handlers) would not catch. So every computation runs
//! under `catch_unwind`, and a panic becomes `_native.RustPanic`, a
//! `RuntimeError`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use energy_transforms::TransformError;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError};
use pyo3::prelude::*;

create_exception!(
    energy_rust_backend._native,
    InputError,
    PyException,
    "Malformed transform input; the Python glue re-raises it as foundations.errors.TransformInputError."
);
create_exception!(
    energy_rust_backend._native,
    PortalError,
    PyException,
    "A portal error body, args (code, message); re-raised as foundations.errors.PortalError."
);
create_exception!(
    energy_rust_backend._native,
    RustPanic,
    PyRuntimeError,
    "A panic inside the native code (a bug): an ordinary exception the registry can fall back on."
);

pub fn to_pyerr(err: TransformError) -> PyErr {
    match err {
        TransformError::Input(msg) => InputError::new_err(msg),
        TransformError::Portal { code, message } => PortalError::new_err((code, message)),
    }
}

/// `f()` with the GIL released, its errors and panics as Python exceptions.
pub fn run<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> Result<T, TransformError> + Send,
{
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_pyerr(e)),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_owned());
            Err(RustPanic::new_err(format!(
                "panic in energy_rust_backend._native: {what}"
            )))
        }
    }
}
