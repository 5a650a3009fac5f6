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
    "Malformed transform input, args (message, body_index or None); the Python glue re-raises it as foundations.errors.TransformInputError."
);
create_exception!(
    energy_rust_backend._native,
    PortalError,
    PyException,
    "A portal error body, args (code, message, body_index or None); re-raised as foundations.errors.PortalError."
);
create_exception!(
    energy_rust_backend._native,
    RustPanic,
    PyRuntimeError,
    "A panic inside the native code (a bug): an ordinary exception the registry can fall back on."
);

/// The Python exception of a core error; a batch's body error carries the
/// body's index, and its message (the portal's message, for a portal error)
/// starts with `body {index}: `.
pub fn to_pyerr(err: TransformError) -> PyErr {
    match err {
        TransformError::Input(msg) => InputError::new_err((msg, None::<usize>)),
        TransformError::Portal { code, message } => {
            PortalError::new_err((code, message, None::<usize>))
        }
        TransformError::InBody { index, error } => match *error {
            TransformError::Input(msg) => {
                InputError::new_err((format!("body {index}: {msg}"), index))
            }
            TransformError::Portal { code, message } => {
                PortalError::new_err((code, format!("body {index}: {message}"), index))
            }
            nested @ TransformError::InBody { .. } => {
                InputError::new_err((format!("body {index}: {nested}"), index))
            }
        },
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
