//! Pure-Rust core of the energy pipeline's transforms (no Python types).
//!
//! T1 `runs`, T2 `impute_frame` on a frame's raw columns (+ `timeparse`,
//! `impute_report`) around the kernel `impute` (+ `spline`), T3 `wind`, T4 `pv` (+ `xml`), T5
//! `asos`; `portal` detects the data.go.kr error bodies all of them share,
//! `body` and `json` read a raw body, `records` and `fields` its records, and
//! `batch` runs T3..T5 over many bodies at once. The PyO3 binding
//! (`energy_transforms_py`) only converts arrays and errors.

pub mod asos;
pub mod batch;
pub mod body;
mod climatology;
pub mod columns;
pub mod error;
pub mod fields;
pub mod impute;
pub mod impute_frame;
pub mod impute_report;
pub mod json;
pub mod limits;
pub mod portal;
pub mod pv;
pub mod pyrepr;
pub mod records;
pub mod runs;
pub mod spline;
mod sum;
pub mod text;
pub mod timeparse;
pub mod wind;
pub mod xml;

pub use error::{Result, TransformError};

/// The hook contract version this code implements (`registry.contracts.API_VERSION`).
/// Compiled in, so the Python handshake refuses a stale native module.
pub const API_VERSION: u32 = 1;
