//! Telegram Desktop "Machine-readable JSON" export of a single chat (`result.json`).

use std::path::Path;

use super::{ImportError, Outcome};
use crate::model::{ProgressSink, UnixSeconds};
use crate::store::Store;

pub fn import(_store: &mut Store, path: &Path, _now: UnixSeconds, _progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    Err(ImportError::Unsupported { path: path.to_path_buf(), problem: "being written".into(), hint: String::new() })
}
