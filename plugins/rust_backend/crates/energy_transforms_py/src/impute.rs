//! T2's kernel binding: the arrays of `backend_harness.imputation.prepare`.

use energy_transforms::impute::{impute_kernel_threaded, KernelInput};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::guard::run;
use crate::slice;

type KernelOutput<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<i8>>);

/// Below this many rows per thread, starting a thread costs more than it saves.
const MIN_ROWS_PER_THREAD: usize = 100_000;

/// `(filled float64[n], methods int8[n])` for one value column. `threads=0`
/// picks a count from the row count and the machine; the result is the same
/// for every count.
#[pyfunction]
#[pyo3(signature = (x, group_starts, values, clim_key, hist_group, hist_key, hist_values, max_spline_gap, threads=0))]
#[allow(clippy::too_many_arguments)] // mirrors the kernel's fixed signature
fn impute_kernel<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    group_starts: PyReadonlyArray1<'py, i64>,
    values: PyReadonlyArray1<'py, f64>,
    clim_key: PyReadonlyArray1<'py, i64>,
    hist_group: PyReadonlyArray1<'py, i64>,
    hist_key: PyReadonlyArray1<'py, i64>,
    hist_values: PyReadonlyArray1<'py, f64>,
    max_spline_gap: i64,
    threads: usize,
) -> PyResult<KernelOutput<'py>> {
    let input = KernelInput {
        x: slice(&x)?,
        group_starts: slice(&group_starts)?,
        values: slice(&values)?,
        clim_key: slice(&clim_key)?,
        hist_group: slice(&hist_group)?,
        hist_key: slice(&hist_key)?,
        hist_values: slice(&hist_values)?,
        max_spline_gap,
    };
    let threads = if threads == 0 {
        auto_threads(input.values.len())
    } else {
        threads
    };
    let (filled, methods) = run(py, || impute_kernel_threaded(&input, threads))?;
    Ok((filled.into_pyarray(py), methods.into_pyarray(py)))
}

fn auto_threads(rows: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    (rows / MIN_ROWS_PER_THREAD).clamp(1, cores)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(impute_kernel, m)?)
}
