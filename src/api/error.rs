//! The one error type of the use cases. Its `code` is what callers branch on (the UI
//! shows different help for each); its `message` names the file, record or group and
//! says what to do.

use serde::Serialize;
use ts_rs::TS;

use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum ErrorCode {
    /// The group, member or file asked for does not exist.
    NotFound,
    /// The request itself is wrong (a bad date, an unknown format, an ambiguous name).
    InvalidInput,
    /// The file could not be imported; the message says where and why.
    BadArchive,
    /// The store was written by a newer Hearth.
    StoreTooNew,
    /// The store could not be opened, read or written.
    Store,
    /// A WhatsApp chat's dates do not tell day from month: ask the user and import again
    /// with the order they give.
    NeedsDateOrder,
    /// The work was cancelled on request; nothing was written.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export, export_to = "bindings/")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Error {
        let code = match error {
            StoreError::NewerSchema { .. } => ErrorCode::StoreTooNew,
            StoreError::Cancelled => ErrorCode::Cancelled,
            _ => ErrorCode::Store,
        };
        Error::new(code, error.to_string())
    }
}

impl From<crate::import::ImportError> for Error {
    fn from(error: crate::import::ImportError) -> Error {
        use crate::import::ImportError;
        let code = match &error {
            ImportError::Malformed { .. } => ErrorCode::BadArchive,
            ImportError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => ErrorCode::NotFound,
            ImportError::Io { .. } => ErrorCode::BadArchive,
            ImportError::Unsupported { .. } => ErrorCode::InvalidInput,
            ImportError::NeedsDateOrder { .. } => ErrorCode::NeedsDateOrder,
            ImportError::Cancelled { .. } | ImportError::Store(StoreError::Cancelled) => ErrorCode::Cancelled,
            ImportError::Store(StoreError::NewerSchema { .. }) => ErrorCode::StoreTooNew,
            ImportError::Store(_) => ErrorCode::Store,
        };
        Error::new(code, error.to_string())
    }
}
