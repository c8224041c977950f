//! WhatsApp's "Export chat" (a `.txt`, or the `.zip` that holds it next to the media): streams
//! its lines, Android and iOS forms, into the store's import transaction as messages, joins
//! and leaves of one group with one channel. It owns only the mapping of that text format; it
//! never extracts the zip, never holds the whole chat in memory and never commits part of it.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{ImportError, ImportOptions, Outcome, Written};
use crate::model::{ActivityKind, GroupId, Platform, Progress, ProgressSink, UnixSeconds};
use crate::store::{ImportTx, NewActivity, NewGroup, NewMember, Store};

const FORMAT: &str = "whatsapp";

/// How many lines are read between two progress reports.
const PROGRESS_EVERY: u64 = 1000;

const PROGRESS_STEP: &str = "Reading chat lines";

/// WhatsApp limits a message to 65,536 characters; a line or message far longer than that is
/// not a chat export, and reading it would only fill memory.
const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// The largest chat text a zip may expand to, and the largest ratio of expanded to compressed
/// size. Chat text compresses about tenfold; a zip bomb compresses a thousandfold or more.
const MAX_EXPANDED_BYTES: u64 = 16 * 1024 * 1024 * 1024;
const MAX_RATIO: u64 = 200;
/// Below this many expanded bytes the ratio is not checked: tiny files compress oddly.
const RATIO_CHECKED_FROM: u64 = 1024 * 1024;

/// WhatsApp started in 2009; a year outside this range is a damaged line, not a message.
const YEARS: std::ops::RangeInclusive<i32> = 2009..=2100;

const EXPORT_HINT: &str = "in WhatsApp open the chat, choose \u{22ee} > More > Export chat (on iPhone: the chat's name > Export \
                           Chat), and import the .txt or .zip it makes";

const SKIP_ENCRYPTION: &str = "end-to-end encryption notice";
const SKIP_YOU: &str = "join or leave of \"you\" (the person who exported the chat, whom the export does not name)";
const SKIP_SYSTEM: &str = "system line without member activity";

/// Which of the first two numbers of a date is the day. WhatsApp writes dates in the phone's
/// locale and says nothing about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum DateOrder {
    /// `31/12/2020`
    DayFirst,
    /// `12/31/20`
    MonthFirst,
}

/// Imports the chat exported at `path`, reading the order of day and month from the dates.
pub fn import(store: &mut Store, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    import_with(store, path, None, now, progress)
}

/// Imports the chat exported at `path`. `date_order` is the user's answer when the dates do
/// not tell (every day and month is 12 or less); `None` reads it from the dates.
pub fn import_with(
    store: &mut Store,
    path: &Path,
    date_order: Option<DateOrder>,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<Outcome, ImportError> {
    let options = ImportOptions { date_order, ..ImportOptions::default() };
    super::import_paths(store, &[path.to_path_buf()], Some(FORMAT), &options, now, progress)
}

/// Writes the chat exported at `path` into the import transaction `tx`. Its times are local
/// times without an offset, read in the options' time zone.
pub fn write(
    tx: &mut ImportTx<'_>,
    path: &Path,
    options: &ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<Written, ImportError> {
    let source = Source::open(path)?;
    let date_order = match options.date_order {
        Some(order) => order,
        None => source.read(&mut |lines| detect_date_order(path, lines))?,
    };
    let (platform_id, name) = source.chat_name();

    // Every write happens in the caller's transaction; an error drops it, which rolls it
    // back, so a bad file leaves the store exactly as it was.
    let group = NewGroup { platform: Platform::Whatsapp, platform_id: &platform_id, name: &name, is_archive: true, is_demo: false };
    let group = tx.upsert_group(&group, now)?;
    let channel = tx.upsert_channel(group, &platform_id, &name)?;
    let total = source.expanded_size;
    let mut lines_read = 0;
    let skipped = {
        let mut writer = Writer { tx: &mut *tx, group, channel, skipped: BTreeMap::new(), ordinals: HashMap::new(), ordinals_at: None };
        source.read(&mut |lines| {
            let mut pending: Option<Entry> = None;
            while lines.next_line()? {
                lines_read = lines.number;
                let line = lines.text.as_str();
                if lines.number % PROGRESS_EVERY == 0 {
                    progress(&Progress::bytes(PROGRESS_STEP, lines.number, lines.bytes_read(), total));
                }
                let line = line.strip_prefix('\u{feff}').unwrap_or(line);
                match parse_header(line) {
                    Some((stamp, rest)) => {
                        if let Some(entry) = pending.take() {
                            writer.write(entry)?;
                        }
                        let (at, wall) = stamp.to_unix(date_order, options).map_err(|(problem, hint)| lines.malformed(problem, hint))?;
                        pending = Some(Entry { line: lines.number, at, wall, body: rest.to_string() });
                    }
                    None => match pending.as_mut() {
                        Some(entry) => {
                            if entry.body.len() + line.len() + 1 > MAX_MESSAGE_BYTES {
                                return Err(lines.malformed(
                                    format!("the message that starts on line {} is longer than {} MiB", entry.line, MAX_MESSAGE_BYTES >> 20),
                                    "WhatsApp writes no message that long; the file is damaged or not a chat export; export the chat again",
                                ));
                            }
                            entry.body.push('\n');
                            entry.body.push_str(line);
                        }
                        None if line.trim().is_empty() => {}
                        None => return Err(lines.malformed("this line does not start with a date and time, so this is not a WhatsApp chat", EXPORT_HINT)),
                    },
                }
            }
            match pending.take() {
                Some(entry) => writer.write(entry),
                None => Err(lines.malformed("the file holds no WhatsApp message (it is empty)", EXPORT_HINT)),
            }
        })?;
        writer.skipped
    };
    progress(&Progress::bytes(PROGRESS_STEP, lines_read, total, total));
    // Every message's time is a local time: the summary says which zone it was read in.
    Ok(Written { groups: vec![group], skipped, read_local_times: true })
}

/// Whether `path` looks like a WhatsApp export: a `.txt` whose first line starts with a
/// WhatsApp date and time, or a `.zip` holding such a chat file. For format detection only.
pub fn looks_like(path: &Path) -> bool {
    let extension = path.extension().map(|extension| extension.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("txt") => {
            let Ok(file) = File::open(path) else { return false };
            let mut first = Vec::new();
            if BufReader::new(file).take(4096).read_until(b'\n', &mut first).is_err() {
                return false;
            }
            let first = String::from_utf8_lossy(&first);
            parse_header(first.trim_start_matches('\u{feff}').trim_end()).is_some()
        }
        Some("zip") => {
            let Ok(file) = File::open(path) else { return false };
            let Ok(archive) = zip::ZipArchive::new(file) else { return false };
            let found = archive.file_names().any(is_chat_entry);
            found
        }
        _ => false,
    }
}

/// Where the chat text comes from.
struct Source {
    path: PathBuf,
    /// The zip entry holding the chat, when `path` is a zip.
    entry: Option<String>,
    /// The size of the chat text, for progress.
    expanded_size: u64,
}

impl Source {
    fn open(path: &Path) -> Result<Source, ImportError> {
        let io = |source| ImportError::Io { path: path.to_path_buf(), source };
        let metadata = std::fs::metadata(path).map_err(io)?;
        if metadata.is_dir() {
            return Err(ImportError::Unsupported {
                path: path.to_path_buf(),
                problem: "this is a folder; a WhatsApp export is one .txt or .zip file".into(),
                hint: format!("import the chat's .txt or .zip itself; {EXPORT_HINT}"),
            });
        }
        let is_zip = path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("zip"));
        if !is_zip {
            return Ok(Source { path: path.to_path_buf(), entry: None, expanded_size: metadata.len() });
        }
        let mut archive = open_zip(path)?;
        let mut chat: Option<(String, u64)> = None;
        for index in 0..archive.len() {
            let entry = archive.by_index_raw(index).map_err(|error| zip_error(path, &format!("entry {}", index + 1), error))?;
            let name = entry.name().to_string();
            if entry.enclosed_name().is_none() {
                return Err(ImportError::Malformed {
                    path: path.to_path_buf(),
                    position: format!("zip entry {} ({name:?})", index + 1),
                    problem:
                        "the entry's name leads outside the archive's folder (\"../\" or an absolute path), which no WhatsApp export does"
                            .into(),
                    hint: "do not import this zip: it was made to write outside its folder; export the chat again from WhatsApp".into(),
                });
            }
            if chat.is_none() && is_chat_entry(&name) {
                check_bomb(path, &name, entry.size(), entry.compressed_size())?;
                chat = Some((name, entry.size()));
            }
        }
        let Some((entry, expanded_size)) = chat else {
            return Err(ImportError::Malformed {
                path: path.to_path_buf(),
                position: "zip contents".into(),
                problem: "the zip holds no chat text (no _chat.txt or \"WhatsApp Chat with ….txt\")".into(),
                hint: EXPORT_HINT.into(),
            });
        };
        Ok(Source { path: path.to_path_buf(), entry: Some(entry), expanded_size })
    }

    /// The group's platform id and name: the chat's name in WhatsApp's file name ("WhatsApp
    /// Chat with Family" is "Family"), else the file's own name. An export carries no id.
    fn chat_name(&self) -> (String, String) {
        let inner = self.entry.as_deref().map(|entry| entry.rsplit('/').next().unwrap_or(entry));
        let from_entry = inner.and_then(|name| strip_chat_prefix(name.trim_end_matches(".txt")));
        let stem = self.path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
        let name = from_entry.or_else(|| strip_chat_prefix(&stem)).unwrap_or_else(|| {
            if stem == "_chat" {
                // An unpacked iOS export: the folder carries the chat's name.
                let folder = self.path.parent().and_then(Path::file_name).map(|name| name.to_string_lossy().into_owned());
                folder.and_then(|folder| strip_chat_prefix(&folder).or(Some(folder))).unwrap_or(stem.clone())
            } else {
                stem.clone()
            }
        });
        (name.clone(), name)
    }

    /// Runs `body` over the chat's lines, from the start.
    fn read<T>(&self, body: &mut dyn FnMut(&mut Lines<'_>) -> Result<T, ImportError>) -> Result<T, ImportError> {
        let io = |source| ImportError::Io { path: self.path.clone(), source };
        match &self.entry {
            None => {
                let file = File::open(&self.path).map_err(io)?;
                let mut lines = Lines::new(&self.path, "", Box::new(file), None);
                body(&mut lines)
            }
            Some(name) => {
                let mut archive = open_zip(&self.path)?;
                let entry = archive.by_name(name).map_err(|error| zip_error(&self.path, &format!("entry {name:?}"), error))?;
                let compressed = entry.compressed_size();
                let where_ = format!(" of {name} in the zip");
                let mut lines = Lines::new(&self.path, &where_, Box::new(entry), Some(compressed));
                body(&mut lines)
            }
        }
    }
}

fn open_zip(path: &Path) -> Result<zip::ZipArchive<File>, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    zip::ZipArchive::new(file).map_err(|error| zip_error(path, "the zip's directory", error))
}

fn zip_error(path: &Path, position: &str, error: zip::result::ZipError) -> ImportError {
    ImportError::Malformed {
        path: path.to_path_buf(),
        position: position.to_string(),
        problem: format!("the zip is damaged or incomplete ({error})"),
        hint: "download or copy the zip again, or export the chat again from WhatsApp".into(),
    }
}

fn check_bomb(path: &Path, name: &str, expanded: u64, compressed: u64) -> Result<(), ImportError> {
    if expanded > MAX_EXPANDED_BYTES || (expanded > RATIO_CHECKED_FROM && expanded / compressed.max(1) > MAX_RATIO) {
        return Err(bomb(path, &format!("zip entry {name:?}"), expanded, compressed));
    }
    Ok(())
}

fn bomb(path: &Path, position: &str, expanded: u64, compressed: u64) -> ImportError {
    ImportError::Malformed {
        path: path.to_path_buf(),
        position: position.to_string(),
        problem: format!(
            "the chat expands from {compressed} to {expanded} bytes or more, beyond what a chat export does (at most {} GiB, {MAX_RATIO} times its compressed size)",
            MAX_EXPANDED_BYTES >> 30
        ),
        hint: "this looks like a zip bomb; do not import it; export the chat again from WhatsApp".into(),
    }
}

fn is_chat_entry(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    file == "_chat.txt" || (file.starts_with("WhatsApp Chat") && file.ends_with(".txt"))
}

/// "WhatsApp Chat with Family" -> "Family" (also the older "WhatsApp Chat - Family").
fn strip_chat_prefix(name: &str) -> Option<String> {
    let rest = name.strip_prefix("WhatsApp Chat with ").or_else(|| name.strip_prefix("WhatsApp Chat - "))?;
    let rest = rest.trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

/// The chat's lines, read one at a time with their number, never more than one line (of
/// bounded length) in memory. Counts the bytes read and, in a zip, stops a zip bomb.
struct Lines<'a> {
    path: &'a Path,
    /// Says where the lines are, after "line N" (" of _chat.txt in the zip").
    where_: String,
    reader: BufReader<Counting<Box<dyn Read + 'a>>>,
    buffer: Vec<u8>,
    text: String,
    number: u64,
}

impl<'a> Lines<'a> {
    fn new(path: &'a Path, where_: &str, inner: Box<dyn Read + 'a>, compressed: Option<u64>) -> Lines<'a> {
        let counting = Counting { inner, read: 0, compressed };
        Lines { path, where_: where_.to_string(), reader: BufReader::new(counting), buffer: Vec::new(), text: String::new(), number: 0 }
    }

    fn bytes_read(&self) -> u64 {
        self.reader.get_ref().read
    }

    fn malformed(&self, problem: impl Into<String>, hint: impl Into<String>) -> ImportError {
        ImportError::Malformed {
            path: self.path.to_path_buf(),
            position: format!("line {}{}", self.number, self.where_),
            problem: problem.into(),
            hint: hint.into(),
        }
    }

    /// Reads the next line, without its line ending, into `text`; `false` at the end.
    fn next_line(&mut self) -> Result<bool, ImportError> {
        self.buffer.clear();
        self.number += 1;
        let limit = MAX_MESSAGE_BYTES as u64 + 2;
        let read = (&mut self.reader).take(limit).read_until(b'\n', &mut self.buffer);
        let read = read.map_err(|error| self.read_error(error))?;
        if read == 0 {
            return Ok(false);
        }
        if self.buffer.len() as u64 >= limit && self.buffer.last() != Some(&b'\n') {
            return Err(self.malformed(
                format!("the line is longer than {} MiB", MAX_MESSAGE_BYTES >> 20),
                "WhatsApp writes no message that long; the file is damaged or not a chat export; export the chat again",
            ));
        }
        while matches!(self.buffer.last(), Some(b'\n' | b'\r')) {
            self.buffer.pop();
        }
        self.text.clear();
        match std::str::from_utf8(&self.buffer) {
            Ok(text) => self.text.push_str(text),
            Err(error) => {
                return Err(self.malformed(
                    format!("the line is not valid UTF-8 (at byte {} of the line)", error.valid_up_to() + 1),
                    "WhatsApp writes UTF-8; the file was damaged or re-saved in another encoding; export the chat again",
                ))
            }
        }
        Ok(true)
    }

    fn read_error(&self, error: std::io::Error) -> ImportError {
        if let Some(found) = error.get_ref().and_then(|inner| inner.downcast_ref::<BombError>()) {
            return bomb(self.path, &format!("line {}{}", self.number, self.where_), found.expanded, found.compressed);
        }
        match self.reader.get_ref().compressed {
            // Reading a zip entry fails on damaged data (a bad checksum, a cut-off stream).
            Some(_) => self.malformed(
                format!("the zip is damaged ({error})"),
                "download or copy the zip again, or export the chat again from WhatsApp",
            ),
            None => ImportError::Io { path: self.path.to_path_buf(), source: error },
        }
    }
}

#[derive(Debug)]
struct BombError {
    expanded: u64,
    compressed: u64,
}

impl std::fmt::Display for BombError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "expanded {} bytes from {}", self.expanded, self.compressed)
    }
}

impl std::error::Error for BombError {}

/// Counts the bytes read; for a zip entry, stops when the expanded text grows beyond the
/// limits whatever the entry's header claims.
struct Counting<R> {
    inner: R,
    read: u64,
    compressed: Option<u64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.read += read as u64;
        if let Some(compressed) = self.compressed {
            if self.read > MAX_EXPANDED_BYTES || (self.read > RATIO_CHECKED_FROM && self.read / compressed.max(1) > MAX_RATIO) {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, BombError { expanded: self.read, compressed }));
            }
        }
        Ok(read)
    }
}

/// A date and time as the line writes it, before the order of day and month is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    first: u32,
    second: u32,
    year: i32,
    hour: u32,
    minute: u32,
    seconds: u32,
}

impl Stamp {
    /// Unix seconds. WhatsApp writes the phone's local time without its zone; it is read as
    /// UTC for now (the import's timezone option will shift it).
    /// The error is a problem and a hint.
    /// The instant of this local time, read in the options' time zone, and the local time
    /// itself counted as if it were UTC.
    fn to_unix(self, order: DateOrder, options: &ImportOptions) -> Result<(UnixSeconds, UnixSeconds), (String, String)> {
        let (day, month) = match order {
            DateOrder::DayFirst => (self.first, self.second),
            DateOrder::MonthFirst => (self.second, self.first),
        };
        let written = format!("{}/{}/{}", self.first, self.second, self.year);
        if !YEARS.contains(&self.year) {
            return Err((
                format!("the year of {written} is out of range (WhatsApp exists since 2009)"),
                "the line is damaged; fix its date or export the chat again".to_string(),
            ));
        }
        let date = NaiveDate::from_ymd_opt(self.year, month, day).ok_or_else(|| {
            let written_as = match order {
                DateOrder::DayFirst => "day/month",
                DateOrder::MonthFirst => "month/day",
            };
            (format!("{written} is not a date when read as {written_as}/year"), date_hint(order))
        })?;
        let time = date.and_hms_opt(self.hour, self.minute, self.seconds).ok_or_else(|| {
            let problem = format!("{:02}:{:02}:{:02} is not a time of day", self.hour, self.minute, self.seconds);
            (problem, "the line is damaged; fix its time or export the chat again".to_string())
        })?;
        Ok((options.local_to_unix(time), time.and_utc().timestamp()))
    }
}

fn date_hint(order: DateOrder) -> String {
    let other = match order {
        DateOrder::DayFirst => "month first",
        DateOrder::MonthFirst => "day first",
    };
    format!("the line is damaged, or its dates are written {other}; fix the line or import again giving the other order")
}

/// Reads the order of day and month from the dates: a first number above 12 is a day, a
/// second number above 12 is a day. Stops at the first date that tells.
fn detect_date_order(path: &Path, lines: &mut Lines<'_>) -> Result<DateOrder, ImportError> {
    let mut undecided: Option<(u64, Stamp)> = None;
    while lines.next_line()? {
        let line = lines.text.as_str();
        let Some((stamp, _)) = parse_header(line.strip_prefix('\u{feff}').unwrap_or(line)) else { continue };
        if stamp.first > 12 {
            return Ok(DateOrder::DayFirst);
        }
        if stamp.second > 12 {
            return Ok(DateOrder::MonthFirst);
        }
        if stamp.first != stamp.second && undecided.is_none() {
            undecided = Some((lines.number, stamp));
        }
    }
    match undecided {
        // Every date reads the same either way (1/1, 2/2, …), or there is none (which the
        // import itself reports).
        None => Ok(DateOrder::DayFirst),
        Some((line, stamp)) => Err(ImportError::NeedsDateOrder {
            path: path.to_path_buf(),
            position: format!("line {line}{}", lines.where_),
            problem: format!(
                "no date in the chat says whether {}/{} is day/month or month/day (every day and month is 12 or less)",
                stamp.first, stamp.second
            ),
            hint: "say which order the phone writes dates in: `hearth import PATH --date-order day-first` (31/12) or \
                   `--date-order month-first` (12/31)"
                .into(),
        }),
    }
}

/// Splits a line that starts a message into its date and time and the rest: Android's
/// `12/31/20, 9:41 PM - Rest` (or 24-hour `31/12/2020, 21:41 - Rest`) and iOS's
/// `[31/12/2020, 21:41:05] Rest`, with the direction marks iOS puts in front. `None` for a
/// line that continues the message before it.
fn parse_header(line: &str) -> Option<(Stamp, &str)> {
    let line = line.trim_start_matches(is_mark);
    let (bracketed, text) = match line.strip_prefix('[') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let mut cursor = Cursor { text };
    let first = cursor.number(1, 2)?;
    let separator = cursor.one_of(&['/', '.', '-'])?;
    let second = cursor.number(1, 2)?;
    cursor.exact(separator)?;
    let year_start = cursor.text.len();
    let year = cursor.number(2, 4)?;
    let year_digits = year_start - cursor.text.len();
    if year_digits == 3 {
        return None;
    }
    let year = if year_digits == 2 { 2000 + year as i32 } else { year as i32 };
    cursor.optional(',');
    cursor.spaces(1)?;
    let mut hour = cursor.number(1, 2)?;
    cursor.one_of(&[':', '.'])?;
    let minute = cursor.number(2, 2)?;
    let mut seconds = 0;
    if cursor.optional(':') {
        seconds = cursor.number(2, 2)?;
    }
    if let Some(pm) = cursor.meridiem() {
        if !(1..=12).contains(&hour) {
            hour = 99;
        } else {
            hour = match (hour, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (hour, true) => hour + 12,
                (hour, false) => hour,
            };
        }
    }
    let rest = if bracketed {
        cursor.exact(']')?;
        cursor.spaces(1)?;
        cursor.text
    } else {
        cursor.spaces(1)?;
        cursor.one_of(&['-', '\u{2013}'])?;
        cursor.spaces(1)?;
        cursor.text
    };
    Some((Stamp { first, second, year, hour, minute, seconds }, rest))
}

/// Direction marks and the like that WhatsApp puts around names and system text.
fn is_mark(character: char) -> bool {
    matches!(character, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

fn is_space(character: char) -> bool {
    matches!(character, ' ' | '\u{a0}' | '\u{202f}')
}

struct Cursor<'a> {
    text: &'a str,
}

impl<'a> Cursor<'a> {
    fn number(&mut self, min_digits: usize, max_digits: usize) -> Option<u32> {
        let digits = self.text.bytes().take(max_digits).take_while(u8::is_ascii_digit).count();
        if digits < min_digits {
            return None;
        }
        let value = self.text[..digits].parse().ok()?;
        self.text = &self.text[digits..];
        Some(value)
    }

    fn one_of(&mut self, characters: &[char]) -> Option<char> {
        let next = self.text.chars().next().filter(|next| characters.contains(next))?;
        self.text = &self.text[next.len_utf8()..];
        Some(next)
    }

    fn exact(&mut self, character: char) -> Option<()> {
        self.one_of(&[character]).map(|_| ())
    }

    fn optional(&mut self, character: char) -> bool {
        self.exact(character).is_some()
    }

    fn spaces(&mut self, at_least: usize) -> Option<()> {
        let trimmed = self.text.trim_start_matches(is_space);
        let count = self.text[..self.text.len() - trimmed.len()].chars().count();
        self.text = trimmed;
        (count >= at_least).then_some(())
    }

    /// An "AM"/"PM" (also "am", "a.m.") after the time: `Some(true)` for PM.
    fn meridiem(&mut self) -> Option<bool> {
        let trimmed = self.text.trim_start_matches(is_space);
        let lower: String = trimmed.chars().take(4).collect::<String>().to_ascii_lowercase();
        for (written, pm) in [("a.m.", false), ("p.m.", true), ("am", false), ("pm", true)] {
            if lower.starts_with(written) {
                let after = &trimmed[written.len()..];
                if after.is_empty() || after.starts_with(|next: char| is_space(next) || next == ']') {
                    self.text = after;
                    return Some(pm);
                }
            }
        }
        None
    }
}

/// One message or system line, with its continuation lines.
struct Entry {
    line: u64,
    at: UnixSeconds,
    /// The local time as written, counted as if it were UTC: the key of the line's id, so
    /// that importing the chat again in another time zone finds the same ids.
    wall: UnixSeconds,
    /// What follows the date: "Name: text" or a system line.
    body: String,
}

/// What a system line means for membership.
enum Event<'a> {
    Join(Vec<&'a str>),
    Leave(Vec<&'a str>),
    Skip(&'static str),
}

/// Reads an English system line. Other languages' system lines are skipped, counted.
fn system_event(text: &str) -> Event<'_> {
    let text = text.trim_matches(is_mark).trim();
    if text.contains("end-to-end encrypted") {
        return Event::Skip(SKIP_ENCRYPTION);
    }
    if let Some(name) = text.strip_suffix(" joined using this group's invite link") {
        return Event::Join(vec![name]);
    }
    if let Some(name) = text.strip_suffix(" joined") {
        return Event::Join(vec![name]);
    }
    if let Some(name) = text.strip_suffix(" left") {
        return Event::Leave(vec![name]);
    }
    if let Some((creator, _)) = text.split_once(" created group ") {
        return Event::Join(vec![creator]);
    }
    if let Some((_, added)) = text.split_once(" added ") {
        return Event::Join(names_in(added));
    }
    if let Some((_, removed)) = text.split_once(" removed ") {
        return Event::Leave(names_in(removed));
    }
    Event::Skip(SKIP_SYSTEM)
}

/// "Bob, Carol and Dan" -> ["Bob", "Carol", "Dan"].
fn names_in(list: &str) -> Vec<&str> {
    list.split(", ")
        .flat_map(|part| part.split(" and "))
        .map(|name| name.trim_matches(is_mark).trim())
        .filter(|name| !name.is_empty())
        .collect()
}

/// Media WhatsApp leaves out of a text export, as the placeholder it writes instead.
fn is_media_placeholder(text: &str) -> bool {
    let text = text.trim_matches(is_mark).trim();
    let lower = text.to_ascii_lowercase();
    if lower == "<media omitted>" || (lower.starts_with("<attached: ") && lower.ends_with('>')) {
        return true;
    }
    let Some(kind) = lower.strip_suffix(" omitted") else { return false };
    let kind = kind.rsplit(|character: char| is_space(character) || is_mark(character)).next().unwrap_or(kind);
    matches!(kind, "image" | "video" | "audio" | "sticker" | "gif" | "document" | "contact card" | "card" | "media")
}

struct Writer<'w, 'conn> {
    tx: &'w mut ImportTx<'conn>,
    group: GroupId,
    channel: i64,
    skipped: BTreeMap<String, u64>,
    /// How many identical lines were seen at the current timestamp, so that two identical
    /// messages in the same minute stay two. Cleared when the timestamp changes: identical
    /// lines come together.
    ordinals: HashMap<u128, u32>,
    ordinals_at: Option<UnixSeconds>,
}

impl Writer<'_, '_> {
    fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
    }

    /// A platform id for a line: a hash of what it says and of how many identical lines came
    /// before it, so that importing the chat again, or an export that overlaps it, finds the
    /// same ids. An export has no ids of its own.
    fn platform_id(&mut self, wall: UnixSeconds, author: &str, text: &str) -> String {
        if self.ordinals_at != Some(wall) {
            self.ordinals.clear();
            self.ordinals_at = Some(wall);
        }
        let content = fnv128(&[wall.to_string().as_bytes(), author.as_bytes(), text.as_bytes()]);
        let ordinal = self.ordinals.entry(content).or_insert(0);
        let id = fnv128(&[&content.to_le_bytes(), &ordinal.to_le_bytes()]);
        *ordinal += 1;
        format!("{id:032x}")
    }

    fn member(&mut self, name: &str) -> Result<i64, ImportError> {
        Ok(self.tx.upsert_member(self.group, &NewMember { platform_id: name, display_name: name, is_bot: false })?)
    }

    fn write(&mut self, entry: Entry) -> Result<(), ImportError> {
        match entry.body.split_once(": ") {
            // iOS writes system lines as "Group name: \u{200e}text".
            Some((_, text)) if text.starts_with(is_mark) && is_system_shaped(text) => self.system(&entry, text)?,
            Some((author, text)) => {
                let author = author.trim_matches(is_mark).trim();
                let platform_id = self.platform_id(entry.wall, author, text);
                let member = self.member(author)?;
                let media = is_media_placeholder(text);
                let activity = NewActivity {
                    channel_id: self.channel,
                    member_id: member,
                    platform_id: &platform_id,
                    kind: ActivityKind::Message,
                    at: entry.at,
                    parent_platform_id: None,
                    text: if media { None } else { Some(text) },
                    raw_kind: media.then_some("media"),
                };
                self.tx.insert_activity(self.group, &activity)?;
            }
            None => self.system(&entry, &entry.body)?,
        }
        Ok(())
    }

    fn system(&mut self, entry: &Entry, text: &str) -> Result<(), ImportError> {
        let at = entry.at;
        let (kind, names) = match system_event(text) {
            Event::Skip(reason) => {
                self.skip(reason);
                return Ok(());
            }
            Event::Join(names) => (ActivityKind::Join, names),
            Event::Leave(names) => (ActivityKind::Leave, names),
        };
        for name in names {
            if name.eq_ignore_ascii_case("you") {
                self.skip(SKIP_YOU);
                continue;
            }
            let platform_id = self.platform_id(entry.wall, name, &format!("{}\u{0}{text}", kind.as_str()));
            let member = self.member(name)?;
            let activity = NewActivity {
                channel_id: self.channel,
                member_id: member,
                platform_id: &platform_id,
                kind,
                at,
                parent_platform_id: None,
                text: None,
                raw_kind: Some(kind.as_str()),
            };
            self.tx.insert_activity(self.group, &activity)?;
        }
        Ok(())
    }
}

/// Whether a text after "Name: " that starts with a direction mark is an iOS system line
/// rather than a media placeholder (which iOS marks the same way).
fn is_system_shaped(text: &str) -> bool {
    !is_media_placeholder(text) && !matches!(system_event(text), Event::Skip(SKIP_SYSTEM))
}

/// FNV-1a with 128 bits over the parts, each followed by a byte that UTF-8 never holds.
fn fnv128(parts: &[&[u8]]) -> u128 {
    const OFFSET: u128 = 144_066_263_297_769_815_596_495_629_667_062_367_629;
    const PRIME: u128 = 309_485_009_821_345_068_724_781_371;
    let mut hash = OFFSET;
    for part in parts {
        for &byte in part.iter().chain(std::iter::once(&0xff)) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> Option<(Stamp, &str)> {
        parse_header(line)
    }

    #[test]
    fn android_and_ios_headers_are_read() {
        let (stamp, rest) = header("12/31/20, 9:41 PM - Ann: hi").unwrap();
        assert_eq!((stamp.first, stamp.second, stamp.year, stamp.hour, stamp.minute), (12, 31, 2020, 21, 41));
        assert_eq!(rest, "Ann: hi");
        let (stamp, rest) = header("31/12/2020, 21:41 - Ann: hi").unwrap();
        assert_eq!((stamp.first, stamp.hour, stamp.seconds), (31, 21, 0));
        assert_eq!(rest, "Ann: hi");
        let (stamp, rest) = header("\u{200e}[31/12/2020, 21:41:05] Ann: \u{200e}image omitted").unwrap();
        assert_eq!((stamp.first, stamp.second, stamp.hour, stamp.seconds), (31, 12, 21, 5));
        assert_eq!(rest, "Ann: \u{200e}image omitted");
        assert_eq!(header("1/1/21, 12:00\u{202f}AM - A: x").unwrap().0.hour, 0);
        assert!(header("just a continuation").is_none());
        assert!(header("12/31/20 and more").is_none());
    }

    #[test]
    fn system_lines_are_read() {
        assert!(matches!(system_event("Bob joined using this group's invite link"), Event::Join(names) if names == ["Bob"]));
        assert!(matches!(system_event("Bob left"), Event::Leave(names) if names == ["Bob"]));
        assert!(matches!(system_event("Ann added Bob, Carol and Dan"), Event::Join(names) if names == ["Bob", "Carol", "Dan"]));
        assert!(matches!(system_event("Ann changed this group's icon"), Event::Skip(SKIP_SYSTEM)));
        assert!(is_media_placeholder("<Media omitted>"));
        assert!(is_media_placeholder("\u{200e}image omitted"));
        assert!(is_media_placeholder("<attached: 00000012-PHOTO-2020-12-31-21-41-05.jpg>"));
        assert!(!is_media_placeholder("nothing omitted"));
    }
}
