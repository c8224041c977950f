//! Importers: one file per archive format, each streaming its input into the store's
//! import transaction. An importer never loads a whole file and never leaves half an
//! archive behind: any error drops the transaction, so the store is as it was.

pub mod discord;
pub mod git;
pub mod json_stream;
pub mod mbox;
pub mod slack;
pub mod telegram;
pub mod whatsapp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Duration, LocalResult, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use crate::model::{CancelFlag, Group, GroupId, Progress, ProgressSink, UnixSeconds};
use crate::store::{ImportTx, Store, StoreError, WriteCounts};

/// What an importer did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub format: &'static str,
    pub groups: Vec<Group>,
    pub counts: WriteCounts,
    /// Items not imported, per reason.
    pub skipped: BTreeMap<String, u64>,
    /// The time zone local times without an offset were read in, when the export had any.
    pub timezone_assumed: Option<String>,
}

/// What an importer wrote into an import's transaction (which its caller finishes).
#[derive(Debug, Default)]
pub struct Written {
    /// The groups written, in the order first seen.
    pub groups: Vec<GroupId>,
    pub skipped: BTreeMap<String, u64>,
    /// Whether some time was a local time without an offset, read in the options' zone.
    pub read_local_times: bool,
}

impl Written {
    /// Adds what another file of the same import wrote.
    fn merge(&mut self, other: Written) {
        for group in other.groups {
            if !self.groups.contains(&group) {
                self.groups.push(group);
            }
        }
        for (reason, count) in other.skipped {
            *self.skipped.entry(reason).or_default() += count;
        }
        self.read_local_times |= other.read_local_times;
    }
}

/// Runs `write` in one import transaction of `store` and describes what it did. `write`
/// returning an error drops the transaction, so the store is as it was.
#[cfg(test)]
pub(crate) fn run(
    store: &mut Store,
    format: &'static str,
    options: &ImportOptions,
    write: impl FnOnce(&mut ImportTx<'_>) -> Result<Written, ImportError>,
) -> Result<Outcome, ImportError> {
    let mut tx = store.begin_import()?;
    let written = write(&mut tx)?;
    let counts = tx.finish()?;
    outcome(store, format, options, counts, written)
}

fn outcome(
    store: &Store,
    format: &'static str,
    options: &ImportOptions,
    counts: WriteCounts,
    written: Written,
) -> Result<Outcome, ImportError> {
    let mut groups = Vec::with_capacity(written.groups.len());
    for group in written.groups {
        groups.extend(store.group(group)?);
    }
    let timezone_assumed = written.read_local_times.then(|| options.zone().name().to_string());
    Ok(Outcome { format, groups, counts, skipped: written.skipped, timezone_assumed })
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
    /// The time zone of local times an export writes without an offset (older Telegram
    /// exports, WhatsApp chats, the old DiscordChatExporter CSV): the exporting computer's.
    /// `None` reads them as UTC; the CLI passes the computer's own zone.
    pub timezone: Option<Tz>,
    /// Raised by someone else (a Cancel button) to stop the import; it then returns
    /// [`ImportError::Cancelled`] and the store is exactly as it was before.
    pub cancel: CancelFlag,
    /// Write messages without their text (the person chose not to keep message text).
    pub discard_text: bool,
}

impl ImportOptions {
    /// The zone local times are read in.
    pub fn zone(&self) -> Tz {
        self.timezone.unwrap_or(Tz::UTC)
    }

    /// `local` read in [`ImportOptions::zone`].
    pub fn local_to_unix(&self, local: NaiveDateTime) -> UnixSeconds {
        local_to_unix(local, self.zone())
    }
}

/// A wall-clock time read in `zone`. A time that happened twice (the hour repeated when
/// daylight saving ends) is read as the earlier of the two instants; a time that never
/// happened (the hour skipped when it starts) is read with the offset in force after the
/// change, the earlier of its two possible readings. Neither fails: the export did write
/// that time, and an hour off is the most it can be wrong by.
pub fn local_to_unix(local: NaiveDateTime, zone: Tz) -> UnixSeconds {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(time) => time.timestamp(),
        LocalResult::Ambiguous(first, second) => first.timestamp().min(second.timestamp()),
        LocalResult::None => {
            // The offsets a day before and after: a zone changes at most once in between.
            let offset_at = |at: NaiveDateTime| i64::from(zone.offset_from_utc_datetime(&at).fix().local_minus_utc());
            let as_utc = local.and_utc().timestamp();
            let before = as_utc - offset_at(local - Duration::days(1));
            let after = as_utc - offset_at(local + Duration::days(1));
            before.min(after)
        }
    }
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
    import_paths(store, &[path.to_path_buf()], format, options, now, progress)
}

/// Imports several paths (files or folders, each in the given format or the one detected)
/// as one import: one transaction, so all of them land or none does, and one outcome.
pub fn import_paths(
    store: &mut crate::store::Store,
    paths: &[PathBuf],
    format: Option<&str>,
    options: &ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<Outcome, ImportError> {
    if paths.is_empty() {
        return Err(ImportError::Unsupported {
            path: PathBuf::new(),
            problem: "no file or folder was given".into(),
            hint: "name at least one export to import".into(),
        });
    }
    // Every format is known before anything is written, so that a path that cannot be read
    // stops the import before it starts.
    let mut formats = Vec::with_capacity(paths.len());
    for path in paths {
        formats.push(resolve_format(path, format)?);
    }
    // Every write of the import checks the flag, so it stops within one message of the
    // request; a flag raised after the commit is too late and the import stands.
    store.set_import_cancel(options.cancel.clone());
    let result = write_all(store, paths, &formats, options, now, progress);
    store.set_import_cancel(CancelFlag::default());
    let counts;
    let written;
    match result {
        Err(ImportError::Store(StoreError::Cancelled)) => return Err(ImportError::Cancelled { path: paths[0].clone() }),
        Err(other) => return Err(other),
        Ok((done, wrote)) => {
            counts = done;
            written = wrote;
        }
    }
    let format = if formats.iter().all(|other| other == &formats[0]) { formats[0] } else { "mixed" };
    outcome(store, format, options, counts, written)
}

/// Writes every path into one import transaction and commits it.
fn write_all(
    store: &mut Store,
    paths: &[PathBuf],
    formats: &[&'static str],
    options: &ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<(WriteCounts, Written), ImportError> {
    let mut tx = store.begin_import()?;
    tx.discard_text(options.discard_text);
    let mut written = Written::default();
    // Items read by the paths before this one, and so far in this one, for the last step.
    let mut items_before = 0;
    for (path, format) in paths.iter().zip(formats) {
        let mut items = 0;
        let mut forward = |report: &Progress| {
            items = report.items;
            progress(report);
        };
        written.merge(write(&mut tx, path, format, options, now, &mut forward)?);
        items_before += items;
    }
    progress(&Progress::indexing(items_before));
    Ok((tx.finish()?, written))
}

/// The format `path` is read in: `format` when given and known, else the detected one.
fn resolve_format(path: &Path, format: Option<&str>) -> Result<&'static str, ImportError> {
    let Some(format) = format else { return detect(path) };
    let format = format.to_ascii_lowercase();
    FORMATS.iter().copied().find(|known| *known == format).ok_or_else(|| ImportError::Unsupported {
        path: path.to_path_buf(),
        problem: format!("unknown format {format:?}"),
        hint: format!("use one of: {}", FORMATS.join(", ")),
    })
}

/// Writes `path`, in `format`, into the import transaction `tx`.
fn write(
    tx: &mut ImportTx<'_>,
    path: &Path,
    format: &str,
    options: &ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<Written, ImportError> {
    match format {
        "telegram" => telegram::write(tx, path, options, now, progress),
        "mbox" => mbox::write(tx, path, now, progress),
        "slack" => slack::write(tx, path, now, progress),
        "whatsapp" => whatsapp::write(tx, path, options, now, progress),
        "git" => git::write(tx, path, now, progress),
        "discord" => discord::write(tx, path, options, now, progress),
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

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn local(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(year, month, day).unwrap().and_hms_opt(hour, minute, 0).unwrap()
    }

    #[test]
    fn local_times_are_read_in_the_zone() {
        // 08:00 in Berlin in summer (UTC+2), noon in New York in winter (UTC-5), and UTC.
        assert_eq!(local_to_unix(local(2021, 6, 1, 8, 0), chrono_tz::Europe::Berlin), 1_622_527_200);
        assert_eq!(local_to_unix(local(2021, 1, 15, 12, 0), chrono_tz::America::New_York), 1_610_730_000);
        assert_eq!(local_to_unix(local(2021, 6, 1, 8, 0), Tz::UTC), 1_622_534_400);
    }

    #[test]
    fn a_skipped_local_time_is_read_as_the_earlier_instant() {
        // Berlin skipped 02:00-03:00 on 2021-03-28. 02:30 read at UTC+2 is 00:30Z (at UTC+1
        // it would be 01:30Z).
        assert_eq!(local_to_unix(local(2021, 3, 28, 2, 30), chrono_tz::Europe::Berlin), 1_616_891_400);
    }

    #[test]
    fn a_repeated_local_time_is_read_as_the_earlier_instant() {
        // Berlin lived 02:00-03:00 twice on 2021-10-31: first at UTC+2 (00:30Z), then at UTC+1.
        assert_eq!(local_to_unix(local(2021, 10, 31, 2, 30), chrono_tz::Europe::Berlin), 1_635_640_200);
    }

    #[test]
    fn options_without_a_zone_read_utc() {
        let options = ImportOptions::default();
        assert_eq!(options.zone(), Tz::UTC);
        assert_eq!(options.local_to_unix(local(2021, 6, 1, 8, 0)), 1_622_534_400);
    }
}
