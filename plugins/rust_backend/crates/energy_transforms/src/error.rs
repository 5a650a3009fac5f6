//! The ways a transform can refuse its input, mirrored by the Python-visible
//! `foundations.errors.TransformInputError` and `PortalError`.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransformError {
    /// Malformed input: the message names the offending rows, columns or fields.
    #[error("{0}")]
    Input(String),
    /// The portal answered with an error body instead of data.
    #[error("portal error {code}: {message}")]
    Portal { code: String, message: String },
    /// The error of body `index` (0-based) of a batch of bodies: the binding
    /// raises the inner error's type with `body {index}: ` before its message
    /// and `body_index = index` on the exception.
    #[error("body {index}: {error}")]
    InBody {
        index: usize,
        error: Box<TransformError>,
    },
}

impl TransformError {
    pub fn input(msg: impl Into<String>) -> Self {
        Self::Input(msg.into())
    }

    /// This error, as the error of body `index` of a batch.
    #[must_use]
    pub fn in_body(self, index: usize) -> Self {
        Self::InBody {
            index,
            error: Box::new(self),
        }
    }
}

pub type Result<T> = std::result::Result<T, TransformError>;
