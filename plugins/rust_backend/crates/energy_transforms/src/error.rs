//! The two ways a transform can refuse its input, mirrored one-to-one by the
//! Python-visible `foundations.errors.TransformInputError` and `PortalError`.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransformError {
    /// Malformed input: the message names the offending rows, columns or fields.
    #[error("{0}")]
    Input(String),
    /// The portal answered with an error body instead of data.
    #[error("portal error {code}: {message}")]
    Portal { code: String, message: String },
}

impl TransformError {
    pub fn input(msg: impl Into<String>) -> Self {
        Self::Input(msg.into())
    }
}

pub type Result<T> = std::result::Result<T, TransformError>;
