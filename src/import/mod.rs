//! Importers: one file per archive format, each streaming its input into the store's
//! import transaction. An importer never loads a whole file and never leaves half an
//! archive behind: any error drops the transaction, so the store is as it was.

pub mod discord;
pub mod git;
pub mod mbox;
pub mod slack;
pub mod telegram;
pub mod whatsapp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::{CancelFlag, Group, ProgressSink, UnixSeconds};
use crate::store::{StoreError, WriteCounts};

/// What an importer did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub format: &'static str,
    pub groups: Vec<Group>,
    pub counts: WriteCounts,
    /// Items not imported, per reason.
    pub skipped: BTreeMap<String, u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not what it should be. `position` is a line:column, byte or record.
    #[error("{}: {problem} (at {position}); {hint}", path.display())]
    Malformed { path: PathBuf, position: String, problem: String, hint: String },
    #[error("cannot read {}: {source}; check the path and that the file is readable", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {problem}; {hint}", path.display())]
    Unsupported { path: PathBuf, problem: String, hint: String },
    /// A WhatsApp chat whose dates read the same day first and month first: importing
    /// again with [`ImportOptions::date_order`] will work.
    #[error("{}: {problem} (at {position}); {hint}", path.display())]
    NeedsDateOrder { path: PathBuf, position: String, problem: String, hint: String },
    /// [`ImportOptions::cancel`] was raised: the import stopped and wrote nothing.
    #[error("the import of {} was cancelled; the store is unchanged", path.display())]
    Cancelled { path: PathBuf },
    #[error("the store refused the import: {0}")]
    Store(#[from] StoreError),
}

/// Formats `import_path` knows, by the name `--format` takes.
pub const FORMATS: &[&str] = &["discord", "git", "mbox", "slack", "telegram", "whatsapp"];

/// Imports `path` in the given format, or the one detected from the file.
pub fn import_path(
    store: &mut crate::store::Store,
    path: &Path,
    format: Option<&str>,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<Outcome, ImportError> {
    import_path_with(store, path, format, &ImportOptions::default(), now, progress)
}

/// What the user can tell an import that the file itself does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// WhatsApp: whether dates are day first or month first, when the chat cannot tell.
    pub date_order: Option<whatsapp::DateOrder>,
    /// Raised by someone else (a Cancel button) to stop the import; it then returns
    /// [`ImportError::Cancelled`] and the store is exactly as it was before.
    pub cancel: CancelFlag,
}

/// [`import_path`] with the user's answers to what the file does not say.
pub fn import_path_with(
    store: &mut crate::store::Store,
    path: &Path,
    format: Option<&str>,
    options: &ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<Outcome, ImportError> {
    let format = match format {
        Some(format) => format.to_ascii_lowercase(),
        None => detect(path)?.to_string(),
    };
    // Every write of the import checks the flag, so it stops within one message of the
    // request; a flag raised after the commit is too late and the import stands.
    store.set_import_cancel(options.cancel.clone());
    let result = dispatch(store, path, &format, options, now, progress);
    store.set_import_cancel(CancelFlag::default());
    match result {
        Err(ImportError::Store(StoreError::Cancelled)) => Err(ImportError::Cancelled { path: path.to_path_buf() }),
        other => other,
    }
}

fn dispatch(
    store: &mut crate::store::Store,
    path: &Path,
    format: &str,
    options: &ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<Outcome, ImportError> {
    match format {
        "telegram" => telegram::import(store, path, now, progress),
        "mbox" => mbox::import(store, path, now, progress),
        "slack" => slack::import(store, path, now, progress),
        "whatsapp" => whatsapp::import_with(store, path, options.date_order, now, progress),
        "git" => git::import(store, path, now, progress),
        "discord" => discord::import(store, path, now, progress),
        other => Err(ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: format!("unknown format {other:?}"),
            hint: format!("use one of: {}", FORMATS.join(", ")),
        }),
    }
}

/// Guesses the format of `path` from its name and first bytes.
pub fn detect(path: &Path) -> Result<&'static str, ImportError> {
    let metadata = std::fs::metadata(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    if metadata.is_dir() && git::looks_like_repository(path) {
        return Ok("git");
    }
    // Before the formats that take any .zip or folder of .json files.
    if slack::looks_like_export(path) {
        return Ok("slack");
    }
    // Before Telegram, which takes any .json file.
    if discord::looks_like_export(path) {
        return Ok("discord");
    }
    if mbox::looks_like(path) {
        return Ok("mbox");
    }
    if whatsapp::looks_like(path) {
        return Ok("whatsapp");
    }
    let file = if metadata.is_dir() { path.join("result.json") } else { path.to_path_buf() };
    if file.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("json")) && file.exists() {
        return Ok("telegram");
    }
    Err(ImportError::Unsupported {
        path: path.to_path_buf(),
        problem: "no export this version of Hearth can read was found here".into(),
        hint:
            "give a Telegram Desktop result.json (Settings > Advanced > Export chat history, format JSON), or name the format with --format"
                .into(),
    })
}
