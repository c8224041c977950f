//! Mailing-list archives in mbox form (one list per file, as Mailman's pipermail and most
//! archivers write them): streams the file one message at a time into the store's import
//! transaction as the posts and replies of one group with one channel. It owns only the
//! mapping of that format; it never holds more than one message in memory and never commits
//! part of a file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use chrono::DateTime;

use super::{ImportError, ImportOptions, Outcome, Written};
use crate::model::{ActivityKind, GroupId, Platform, Progress, ProgressSink, UnixSeconds};
use crate::store::{ImportTx, NewActivity, NewGroup, NewMember, Store};

const FORMAT: &str = "mbox";

/// How many messages are read between two progress reports.
const PROGRESS_EVERY: u64 = 1000;

const PROGRESS_STEP: &str = "Reading messages";

/// No list post is this long; a bigger one is a damaged file, and reading it would fill memory.
const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

const EXPORT_HINT: &str = "give an mbox file: a mailing list's archive as Mailman (pipermail) or the list's host offers it for \
                           download, or a folder exported from a mail program in mbox format";

const SKIP_NO_ID: &str = "message without a Message-ID";
const SKIP_NO_DATE: &str = "message without a readable Date";
const SKIP_DATE_RANGE: &str = "message dated before 1970 or after 2100";
const SKIP_NO_FROM: &str = "message without a From address";

/// Imports the mailing-list archive at `path`.
pub fn import(store: &mut Store, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    super::import_paths(store, &[path.to_path_buf()], Some(FORMAT), &ImportOptions::default(), now, progress)
}

/// Writes the archive at `path` into the import transaction `tx`.
pub fn write(tx: &mut ImportTx<'_>, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Written, ImportError> {
    let io = |source| ImportError::Io { path: path.to_path_buf(), source };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.is_dir() {
        return Err(ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: "this is a folder; a mailing-list archive is one mbox file".into(),
            hint: EXPORT_HINT.into(),
        });
    }
    let total = metadata.len();
    let (platform_id, name) = list_name(path)?;

    // Every write happens in the caller's transaction; an error drops it, which rolls it
    // back, so a bad file leaves the store exactly as it was.
    let group = NewGroup { platform: Platform::Mbox, platform_id: &platform_id, name: &name, is_archive: true, is_demo: false };
    let group = tx.upsert_group(&group, now)?;
    let channel = tx.upsert_channel(group, &platform_id, &name)?;
    let mut writer = Writer { tx: &mut *tx, group, channel, skipped: BTreeMap::new() };
    let mut messages = Messages::open(path)?;
    let mut count = 0u64;
    while let Some(message) = messages.next_message()? {
        writer.write(&message)?;
        count += 1;
        if count % PROGRESS_EVERY == 0 {
            progress(&Progress::bytes(PROGRESS_STEP, count, messages.bytes_read, total));
        }
    }
    if count == 0 {
        return Err(ImportError::Malformed {
            path: path.to_path_buf(),
            position: "line 1".into(),
            problem: "the file holds no message (it is empty)".into(),
            hint: EXPORT_HINT.into(),
        });
    }
    let skipped = writer.skipped;
    progress(&Progress::bytes(PROGRESS_STEP, count, total, total));
    Ok(Written { groups: vec![group], skipped, read_local_times: false })
}

/// Whether `path` looks like an mbox file: its first line is a "From " separator. For format
/// detection only.
pub fn looks_like(path: &Path) -> bool {
    let Ok(file) = File::open(path) else { return false };
    let mut first = Vec::new();
    if BufReader::new(file).take(5).read_to_end(&mut first).is_err() {
        return false;
    }
    first == b"From "
}

/// The group's platform id and name: the first message's `List-Id` ("Name <id>"), else the
/// file's name.
fn list_name(path: &Path) -> Result<(String, String), ImportError> {
    let stem = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    let mut messages = Messages::open(path)?;
    let list_id = match messages.next_message() {
        Ok(Some(message)) => message.header("list-id").map(str::to_string),
        // The import itself reports what is wrong with the file.
        _ => None,
    };
    let Some(list_id) = list_id else { return Ok((stem.clone(), stem)) };
    match (list_id.find('<'), list_id.rfind('>')) {
        (Some(open), Some(close)) if open < close => {
            let id = list_id[open + 1..close].trim().to_string();
            let name = list_id[..open].trim().trim_matches('"').trim();
            let name = if name.is_empty() { id.clone() } else { name.to_string() };
            Ok((id, name))
        }
        _ => Ok((list_id.trim().to_string(), list_id.trim().to_string())),
    }
}

/// One message as the file holds it.
struct Message {
    /// Unfolded headers, names in lower case, values decoded.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header == name).map(|(_, value)| value.as_str())
    }
}

/// The file's messages, one at a time.
struct Messages<'a> {
    path: &'a Path,
    reader: BufReader<File>,
    line: Vec<u8>,
    number: u64,
    bytes_read: u64,
    /// The line number of the next message's "From " line, once it has been read.
    next_start: Option<u64>,
    /// Whether the previous line was empty (a "From " line starts a message only after one).
    after_blank: bool,
}

impl<'a> Messages<'a> {
    fn open(path: &'a Path) -> Result<Messages<'a>, ImportError> {
        let file = File::open(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
        Ok(Messages { path, reader: BufReader::new(file), line: Vec::new(), number: 0, bytes_read: 0, next_start: None, after_blank: true })
    }

    fn malformed(&self, line: u64, problem: impl Into<String>, hint: impl Into<String>) -> ImportError {
        ImportError::Malformed {
            path: self.path.to_path_buf(),
            position: format!("line {line}"),
            problem: problem.into(),
            hint: hint.into(),
        }
    }

    /// Reads one line into `line`; `false` at the end.
    fn read_line(&mut self) -> Result<bool, ImportError> {
        self.line.clear();
        let limit = MAX_MESSAGE_BYTES as u64 + 1;
        let read = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.line)
            .map_err(|source| ImportError::Io { path: self.path.to_path_buf(), source })?;
        if read == 0 {
            return Ok(false);
        }
        self.number += 1;
        self.bytes_read += read as u64;
        if read as u64 >= limit {
            return Err(self.too_long(self.number));
        }
        Ok(true)
    }

    fn too_long(&self, line: u64) -> ImportError {
        self.malformed(
            line,
            format!("the message is longer than {} MiB", MAX_MESSAGE_BYTES >> 20),
            "no list post is that long; the file is damaged; download the archive again",
        )
    }

    fn next_message(&mut self) -> Result<Option<Message>, ImportError> {
        let start = match self.next_start.take() {
            Some(start) => start,
            None => {
                // The file's first line must be a separator.
                if !self.read_line()? {
                    return Ok(None);
                }
                if !self.line.starts_with(b"From ") {
                    return Err(self.malformed(
                        self.number,
                        "the file does not start with a \"From \" line, so this is not an mbox file",
                        EXPORT_HINT,
                    ));
                }
                self.number
            }
        };
        let mut raw_headers: Vec<u8> = Vec::new();
        let mut body: Vec<u8> = Vec::new();
        let mut in_body = false;
        self.after_blank = false;
        while self.read_line()? {
            let trimmed = trim_line_end(&self.line);
            if self.after_blank && self.line.starts_with(b"From ") {
                self.next_start = Some(self.number);
                break;
            }
            self.after_blank = trimmed.is_empty();
            if raw_headers.len() + body.len() + self.line.len() > MAX_MESSAGE_BYTES {
                return Err(self.too_long(start));
            }
            if in_body {
                body.extend_from_slice(&self.line);
            } else if trimmed.is_empty() {
                in_body = true;
            } else {
                raw_headers.extend_from_slice(&self.line);
            }
        }
        Ok(Some(Message { headers: parse_headers(&raw_headers), body }))
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &line[..end]
}

/// Unfolds and decodes a header block: names in lower case, values as text with RFC 2047
/// encoded words decoded.
fn parse_headers(raw: &[u8]) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in raw.split(|&byte| byte == b'\n') {
        let line = decode_bytes(trim_line_end(line), None);
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    for (name, value) in &mut headers {
        if matches!(name.as_str(), "from" | "subject" | "list-id") {
            *value = decode_words(value);
        }
    }
    headers
}

/// Text from bytes in `charset`: UTF-8 when it is valid, else Latin-1 (mail older than UTF-8
/// is mostly Latin-1 or its Windows variant, and every byte is a Latin-1 character).
fn decode_bytes(bytes: &[u8], charset: Option<&str>) -> String {
    let latin = charset.is_some_and(|charset| {
        let charset = charset.to_ascii_lowercase();
        charset.starts_with("iso-8859-1") || charset == "latin1" || charset == "windows-1252" || charset == "us-ascii"
    });
    match std::str::from_utf8(bytes) {
        Ok(text) if !latin || text.is_ascii() => text.to_string(),
        _ => bytes.iter().map(|&byte| char::from(byte)).collect(),
    }
}

/// Decodes RFC 2047 encoded words (`=?charset?Q?…?=` and `=?charset?B?…?=`); leaves anything
/// it cannot read as written.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let candidate = &rest[start + 2..];
        let decoded = candidate.split_once('?').and_then(|(charset, after)| {
            let (encoding, after) = after.split_once('?')?;
            let (text, after) = after.split_once("?=")?;
            let bytes = match encoding {
                "Q" | "q" => quoted_printable(text.as_bytes(), true),
                "B" | "b" => base64(text)?,
                _ => return None,
            };
            Some((decode_bytes(&bytes, Some(charset)), after))
        });
        match decoded {
            Some((text, after)) => {
                let between = &rest[..start];
                // Whitespace between two encoded words is not part of the text.
                if !(last_was_word && between.trim().is_empty()) {
                    out.push_str(between);
                }
                out.push_str(&text);
                rest = after;
                last_was_word = true;
            }
            None => {
                out.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

fn quoted_printable(text: &[u8], underscore_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut index = 0;
    while index < text.len() {
        match text[index] {
            b'_' if underscore_is_space => out.push(b' '),
            b'=' => {
                let hex = text.get(index + 1..index + 3).and_then(|hex| std::str::from_utf8(hex).ok());
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        index += 2;
                    }
                    // A soft line break ("=" at the end of a line) joins the lines.
                    None if text.get(index + 1) == Some(&b'\n') => index += 1,
                    None if text.get(index + 1..index + 3) == Some(b"\r\n") => index += 2,
                    None => out.push(b'='),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    out
}

fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' | b' ' => continue,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// A `Content-Type` value's media type (lower case) and one of its parameters.
fn content_type(value: Option<&str>) -> String {
    value.unwrap_or("text/plain").split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

fn parameter(value: Option<&str>, name: &str) -> Option<String> {
    value?.split(';').skip(1).find_map(|part| {
        let (key, value) = part.split_once('=')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The message's plain text: the body of a text/plain message, or the first text/plain part
/// of a multipart one. `None` when there is none that is simple to read (HTML only, base64).
fn plain_text(content_type_value: Option<&str>, transfer_encoding: Option<&str>, body: &[u8]) -> Option<String> {
    let media = content_type(content_type_value);
    if media == "text/plain" {
        let bytes = match transfer_encoding.map(|encoding| encoding.trim().to_ascii_lowercase()).as_deref() {
            None | Some("7bit" | "8bit" | "binary") => body.to_vec(),
            Some("quoted-printable") => quoted_printable(body, false),
            Some("base64") => base64(&String::from_utf8_lossy(body))?,
            Some(_) => return None,
        };
        let text = decode_bytes(&bytes, parameter(content_type_value, "charset").as_deref());
        let text = text.trim();
        return (!text.is_empty()).then(|| text.to_string());
    }
    if !media.starts_with("multipart/") {
        return None;
    }
    let boundary = parameter(content_type_value, "boundary")?;
    let delimiter = format!("--{boundary}");
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in body.split_inclusive(|&byte| byte == b'\n') {
        let trimmed = trim_line_end(line);
        if trimmed.starts_with(delimiter.as_bytes()) {
            parts.extend(current.take());
            if trimmed.ends_with(b"--") && trimmed.len() == delimiter.len() + 2 {
                break;
            }
            current = Some(Vec::new());
        } else if let Some(part) = current.as_mut() {
            part.extend_from_slice(line);
        }
    }
    parts.extend(current);
    parts.iter().find_map(|part| {
        let split = part.windows(2).position(|pair| pair == b"\n\n").map(|at| (at + 1, at + 2));
        let split = split.or_else(|| part.windows(4).position(|window| window == b"\r\n\r\n").map(|at| (at + 2, at + 4)));
        let (header_end, body_start) = split?;
        let headers = parse_headers(&part[..header_end]);
        let get = |name: &str| headers.iter().find(|(header, _)| header == name).map(|(_, value)| value.as_str());
        if content_type(get("content-type")) != "text/plain" {
            return None;
        }
        plain_text(get("content-type"), get("content-transfer-encoding"), &part[body_start..])
    })
}

/// The first `<…>` of a header (a message id), without its brackets.
fn first_id(value: &str) -> Option<&str> {
    let open = value.find('<')?;
    let close = value[open..].find('>')? + open;
    let id = value[open + 1..close].trim();
    (!id.is_empty()).then_some(id)
}

fn last_id(value: &str) -> Option<&str> {
    let close = value.rfind('>')?;
    let open = value[..close].rfind('<')?;
    let id = value[open + 1..close].trim();
    (!id.is_empty()).then_some(id)
}

/// The address and the display name of a `From` header: `Name <a@b>`, `a@b (Name)` or `a@b`;
/// pipermail's "a at b" becomes "a@b".
fn sender(value: &str) -> Option<(String, String)> {
    let value = value.trim();
    let (address, name) = match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => (&value[open + 1..close], value[..open].trim().trim_matches('"').trim()),
        _ => match (value.find('('), value.rfind(')')) {
            (Some(open), Some(close)) if open < close => (value[..open].trim(), value[open + 1..close].trim()),
            _ => (value, ""),
        },
    };
    let address = address.trim().replace(" at ", "@").to_lowercase();
    if address.is_empty() {
        return None;
    }
    let name = if name.is_empty() { address.clone() } else { name.to_string() };
    Some((address, name))
}

/// Unix seconds of an RFC 2822 date, with a trailing "(CET)"-like comment allowed.
fn parse_date(value: &str) -> Option<UnixSeconds> {
    let value = value.trim();
    let value = match value.rfind('(') {
        Some(open) if value.ends_with(')') => value[..open].trim(),
        _ => value,
    };
    DateTime::parse_from_rfc2822(value).ok().map(|date| date.timestamp())
}

struct Writer<'w, 'conn> {
    tx: &'w mut ImportTx<'conn>,
    group: GroupId,
    channel: i64,
    skipped: BTreeMap<String, u64>,
}

impl Writer<'_, '_> {
    fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
    }

    fn write(&mut self, message: &Message) -> Result<(), ImportError> {
        let Some(id) = message.header("message-id").and_then(|value| first_id(value).or(Some(value.trim()).filter(|id| !id.is_empty())))
        else {
            self.skip(SKIP_NO_ID);
            return Ok(());
        };
        let Some(at) = message.header("date").and_then(parse_date) else {
            self.skip(SKIP_NO_DATE);
            return Ok(());
        };
        // Mail clients with a wrong clock write such dates; the rest of the archive is good.
        if !(0..4_102_444_800).contains(&at) {
            self.skip(SKIP_DATE_RANGE);
            return Ok(());
        }
        let Some((address, name)) = message.header("from").and_then(sender) else {
            self.skip(SKIP_NO_FROM);
            return Ok(());
        };
        let parent = message
            .header("in-reply-to")
            .and_then(first_id)
            .or_else(|| message.header("references").and_then(last_id))
            .filter(|parent| *parent != id);
        let text = plain_text(message.header("content-type"), message.header("content-transfer-encoding"), &message.body)
            .or_else(|| message.header("subject").map(str::to_string));
        let member = self.tx.upsert_member(self.group, &NewMember { platform_id: &address, display_name: &name, is_bot: false })?;
        let activity = NewActivity {
            channel_id: self.channel,
            member_id: member,
            platform_id: id,
            kind: if parent.is_some() { ActivityKind::Reply } else { ActivityKind::Message },
            at,
            parent_platform_id: parent,
            text: text.as_deref(),
            raw_kind: None,
        };
        self.tx.insert_activity(self.group, &activity)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_are_read_in_every_form() {
        assert_eq!(sender("\"Ann Example\" <Ann@Example.org>"), Some(("ann@example.org".into(), "Ann Example".into())));
        assert_eq!(sender("ann at example.org (Ann Example)"), Some(("ann@example.org".into(), "Ann Example".into())));
        assert_eq!(sender("ann@example.org"), Some(("ann@example.org".into(), "ann@example.org".into())));
    }

    #[test]
    fn encoded_words_are_decoded() {
        assert_eq!(decode_words("=?ISO-8859-1?Q?G=F6ran_Lastname?="), "Göran Lastname");
        assert_eq!(decode_words("Danilo =?utf-8?Q?=C5=A0egan?="), "Danilo Šegan");
        assert_eq!(decode_words("=?utf-8?B?SMOpbGxv?= =?utf-8?Q?_world?="), "Héllo world");
        assert_eq!(decode_words("plain =? text"), "plain =? text");
    }

    #[test]
    fn dates_with_comments_are_read() {
        assert_eq!(parse_date("Wed, 01 Dec 2010 14:26:40 +0100"), Some(1_291_210_000));
        assert_eq!(parse_date("Wed, 01 Dec 2010 14:26:40 +0100 (CET)"), Some(1_291_210_000));
        assert_eq!(parse_date("RANDOM_Wed, 21 Sep 2016 22:42:07 +0300"), None);
    }
}
