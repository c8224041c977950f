//! Streaming over the big JSON exports (Telegram Desktop, DiscordChatExporter, Slack day
//! files): a reader that counts the bytes the parser pulls and refuses an element longer than
//! [`MAX_ELEMENT_BYTES`] before it is in memory, a visitor that hands the elements of an
//! array to a sink one at a time, and the translation of the parser's errors into import
//! errors that name the file, the line and column, and the element being read. It owns no
//! format's mapping and writes nothing to the store.
//!
//! A file opened with [`JsonFile::open`] is read through a [`Source`]: serde_json reads the
//! file's outline (keys, headers, small values) from it a byte at a time, as from any
//! reader, and the arrays of elements (the messages: nearly all of the file) are cut out of
//! its buffer whole by [`EachElement`], one element at a time, and parsed from the slice
//! (serde_json's slice reader scans strings many bytes at a step, where its reader of
//! `io::Read` pulls and checks every byte on its own). Only one element is in memory at a
//! time, never more than [`MAX_ELEMENT_BYTES`] of it. Positions in errors are the file's
//! line and column as if the parser had read every byte itself.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::error::Category;

use super::ImportError;
use crate::store::StoreError;

/// The longest element (one message) an export may hold. Telegram, Discord and Slack cap a
/// message's text at a few thousand characters; with its entities, reactions and attachment
/// records a real message stays far below this. A longer one is a damaged or crafted file,
/// refused before more than this much of it is held in memory.
pub const MAX_ELEMENT_BYTES: u64 = 16 << 20;

/// How far the parser has read a file, and where the element being read started.
#[derive(Debug, Default)]
pub struct Meter {
    bytes_read: Cell<u64>,
    /// Where the guarded element began, while one is being read.
    element_start: Cell<Option<u64>>,
}

impl Meter {
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.get()
    }

    /// Starts guarding an element: from here on, reading more than [`MAX_ELEMENT_BYTES`]
    /// before [`Meter::end_element`] fails the read.
    pub fn begin_element(&self) {
        self.element_start.set(Some(self.bytes_read.get()));
    }

    pub fn end_element(&self) {
        self.element_start.set(None);
    }
}

/// The error a [`MeteredReader`] stops the parser with when an element is too long.
#[derive(Debug)]
pub struct ElementTooLong {
    /// How many bytes the reader had handed out when the element began. The reader runs a
    /// buffer ahead of the parser, so this is not where the element starts: error messages
    /// name the line and column where reading stopped instead.
    pub start: u64,
}

impl fmt::Display for ElementTooLong {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "an element is longer than {} MiB", MAX_ELEMENT_BYTES >> 20)
    }
}

impl std::error::Error for ElementTooLong {}

/// Counts the bytes pulled from `inner` into the meter, and fails once the guarded element
/// has gone on for more than [`MAX_ELEMENT_BYTES`].
pub struct MeteredReader<R> {
    inner: R,
    meter: Rc<Meter>,
}

impl<R> MeteredReader<R> {
    pub fn new(inner: R, meter: Rc<Meter>) -> Self {
        MeteredReader { inner, meter }
    }
}

impl<R: Read> Read for MeteredReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if let Some(start) = self.meter.element_start.get() {
            if self.meter.bytes_read.get() - start > MAX_ELEMENT_BYTES {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, ElementTooLong { start }));
            }
        }
        let read = self.inner.read(buffer)?;
        self.meter.bytes_read.set(self.meter.bytes_read.get() + read as u64);
        Ok(read)
    }
}

/// The [`ElementTooLong`] that stopped a read, if that is what `source` is.
pub fn too_long(source: &std::io::Error) -> Option<&ElementTooLong> {
    source.get_ref().and_then(|inner| inner.downcast_ref::<ElementTooLong>())
}

/// The problem and hint for an element that was too long, in `words`' terms.
pub fn too_long_problem(noun: &str, platform: &str, reexport_hint: &str) -> (String, String) {
    (
        format!(
            "this {noun} is longer than {} MiB, far beyond anything {platform} writes; reading stopped there without loading the rest",
            MAX_ELEMENT_BYTES >> 20
        ),
        format!("the file is damaged or was not written by the exporter; {reexport_hint}"),
    )
}

/// Why reading stopped, when the reason is the importer's rather than the JSON parser's. The
/// parser carries only its own error type through the visitors, so the reason waits in the
/// [`JsonFile`] and the parser's error contributes the line and column.
pub enum Failure {
    Malformed {
        problem: String,
        hint: String,
    },
    Store(StoreError),
    /// The parser's own error for an element read from a slice by [`EachElement`]: worded
    /// as the parser's errors are, at the position kept in the [`JsonFile`].
    Json(serde_json::Error),
    /// An element of an array read by [`EachElement`] is longer than [`MAX_ELEMENT_BYTES`].
    TooLong,
    /// The file could not be read.
    Io(std::io::Error),
}

impl Failure {
    pub fn malformed(problem: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure::Malformed { problem: problem.into(), hint: hint.into() }
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Store(error)
    }
}

/// What an importer tells its users, for the errors this module words.
pub struct Vocabulary {
    /// What the file should be: "a Telegram Desktop chat export".
    pub expected: &'static str,
    /// How to make the right file.
    pub export_hint: &'static str,
    /// How to make the file again.
    pub reexport_hint: &'static str,
    /// The exports of the same program that are not JSON: "the HTML export cannot be imported".
    pub other_exports: &'static str,
    /// Who writes the messages: "Telegram".
    pub platform: &'static str,
}

/// An array being read, for positions like "message 3 of `messages`, the one after id 2".
struct ArrayPosition {
    noun: &'static str,
    name: String,
    read: u64,
    last_id: Option<String>,
}

/// One JSON file being streamed: its size, the meter of its reader, the reason reading
/// stopped, and where in its arrays the parser is.
pub struct JsonFile {
    pub path: PathBuf,
    pub size: u64,
    pub meter: Rc<Meter>,
    /// The buffer the file is read through, when opened with [`JsonFile::open`]: arrays are
    /// cut from it element by element.
    source: Option<Source>,
    failure: Option<Failure>,
    /// Where `failure` happened, when the parser did not see it (an element cut from the
    /// buffer and parsed from a slice).
    failure_at: Option<Position>,
    arrays: Vec<ArrayPosition>,
    /// The id of the element being handed to the sink, until it is counted as read.
    next_id: String,
}

impl JsonFile {
    /// Opens `path` for streaming.
    /// Opens `path` for streaming: the parser reads the returned [`Source`], and the arrays
    /// read with [`EachElement`] are cut from its buffer.
    pub fn open(path: &Path) -> Result<(JsonFile, Source), ImportError> {
        let io_error = |source| ImportError::Io { path: path.to_path_buf(), source };
        let handle = File::open(path).map_err(io_error)?;
        let size = handle.metadata().map_err(io_error)?.len();
        let meter = Rc::new(Meter::default());
        let source = Source::new(MeteredReader::new(handle, Rc::clone(&meter)));
        let mut file = JsonFile::new(path, size, meter);
        file.source = Some(source.clone());
        Ok((file, source))
    }

    /// A file read through a [`MeteredReader`] on `meter` made by the caller.
    pub fn new(path: &Path, size: u64, meter: Rc<Meter>) -> JsonFile {
        JsonFile {
            path: path.to_path_buf(),
            size,
            meter,
            source: None,
            failure: None,
            failure_at: None,
            arrays: Vec::new(),
            next_id: String::new(),
        }
    }

    /// [`JsonFile::fail`] for a failure the parser did not see, which happened `at`.
    fn fail_at<E: de::Error>(&mut self, failure: Failure, at: Position) -> E {
        self.failure_at = Some(at);
        self.fail(failure)
    }

    /// Keeps `failure` for [`JsonFile::import_error`] and hands the parser an error to
    /// unwind with.
    pub fn fail<E: de::Error>(&mut self, failure: Failure) -> E {
        let summary = match &failure {
            Failure::Malformed { problem, .. } => problem.clone(),
            Failure::Store(error) => error.to_string(),
            Failure::Json(error) => error.to_string(),
            Failure::TooLong => format!("an element is longer than {} MiB", MAX_ELEMENT_BYTES >> 20),
            Failure::Io(error) => error.to_string(),
        };
        self.failure = Some(failure);
        E::custom(summary)
    }

    /// Enters an array whose elements are `noun`s, named `name` in positions.
    pub fn enter_array(&mut self, noun: &'static str, name: impl Into<String>) {
        self.arrays.push(ArrayPosition { noun, name: name.into(), read: 0, last_id: None });
    }

    pub fn leave_array(&mut self) {
        self.arrays.pop();
    }

    /// Counts an element of the innermost array as read.
    pub fn element_done(&mut self, id: Option<String>) {
        if let Some(array) = self.arrays.last_mut() {
            array.read += 1;
            if id.is_some() {
                array.last_id = id;
            }
        }
    }

    /// Counts an element of the innermost array as read, whose id (if `identified`) is in
    /// `next_id`.
    fn identified_element_done(&mut self, identified: bool) {
        if let Some(array) = self.arrays.last_mut() {
            array.read += 1;
            if identified {
                match &mut array.last_id {
                    Some(last) => std::mem::swap(last, &mut self.next_id),
                    None => array.last_id = Some(std::mem::take(&mut self.next_id)),
                }
            }
        }
    }

    /// Writes `element`'s id into `next_id`; whether it has one.
    fn take_id<T: Identified>(&mut self, element: &T) -> bool {
        self.next_id.clear();
        element.write_id(&mut self.next_id)
    }

    /// Elements read so far in the innermost array.
    pub fn elements_read(&self) -> u64 {
        self.arrays.last().map_or(0, |array| array.read)
    }

    /// "line L, column C", then the element of each array the parser is inside.
    pub fn position(&self, error: &serde_json::Error) -> String {
        let at = match (self.failure_at, &self.source) {
            (Some(at), _) => at,
            // Once elements were cut from the buffer behind the parser, its own count of lines
            // lags; the buffer counts every byte, the parser's as well.
            (None, Some(source)) if source.0.borrow().cut => source.0.borrow().at,
            _ => Position { line: error.line() as u64, column: error.column() as u64 },
        };
        let mut position = format!("line {}, column {}", at.line, at.column);
        for array in &self.arrays {
            position.push_str(&format!(", {} {} of `{}`", array.noun, array.read + 1, array.name));
            if let Some(previous) = &array.last_id {
                position.push_str(&format!(", the one after id {previous}"));
            }
        }
        position
    }

    /// The import error for the parser's `error`: the importer's own reason when it gave
    /// one, else what the parser found, worded for the user.
    pub fn import_error(&mut self, error: serde_json::Error, words: &Vocabulary) -> ImportError {
        let path = self.path.clone();
        let position = self.position(&error);
        let error = match self.failure.take() {
            Some(Failure::Store(error)) => return ImportError::Store(error),
            Some(Failure::Malformed { problem, hint }) => return ImportError::Malformed { path, position, problem, hint },
            Some(Failure::TooLong) => {
                let noun = self.arrays.last().map_or("element", |array| array.noun);
                let (problem, hint) = too_long_problem(noun, words.platform, words.reexport_hint);
                return ImportError::Malformed { path, position, problem, hint };
            }
            Some(Failure::Io(source)) => return ImportError::Io { path, source },
            // The parser's error on an element cut from the buffer: worded as its own.
            Some(Failure::Json(error)) => error,
            None => error,
        };
        let message = bare_message(&error);
        let (problem, hint) = match error.classify() {
            Category::Io => {
                let source: std::io::Error = error.into();
                if too_long(&source).is_some() {
                    let noun = self.arrays.last().map_or("element", |array| array.noun);
                    let (problem, hint) = too_long_problem(noun, words.platform, words.reexport_hint);
                    return ImportError::Malformed { path, position, problem, hint };
                }
                return ImportError::Io { path, source };
            }
            Category::Eof if self.size == 0 => ("the file is empty".to_string(), words.reexport_hint.to_string()),
            Category::Eof => (
                "the file ends in the middle of the export: it is truncated (the export or a copy of it did not finish)".to_string(),
                words.reexport_hint.to_string(),
            ),
            // serde_json reports bytes that are not UTF-8 inside a string this way.
            Category::Syntax if message.contains("invalid unicode code point") => (
                format!("this is not valid JSON: a text holds bytes that are not UTF-8 ({message})"),
                format!("the file was changed by a program that does not write UTF-8; {}", words.reexport_hint),
            ),
            Category::Syntax => (format!("this is not valid JSON ({message})"), format!("{}; {}", words.export_hint, words.other_exports)),
            Category::Data => (format!("this is not {} ({message})", words.expected), words.export_hint.to_string()),
        };
        ImportError::Malformed { path, position, problem, hint }
    }
}

/// serde_json's message without its " at line L column C" tail, which the position repeats.
pub fn bare_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let tail = format!(" at line {} column {}", error.line(), error.column());
    message.strip_suffix(&tail).map_or(message.clone(), str::to_string)
}

/// An element that knows its own id, for positions ("the one after id 41").
pub trait Identified {
    /// Writes the element's id into `out`, which is empty; false when it has none. (Into a
    /// buffer that is reused from element to element: a new `String` for every message's id
    /// was an allocation per message for a text read only when something goes wrong.)
    fn write_id(&self, out: &mut String) -> bool;
}

/// Where the elements of a streamed array go, one at a time.
pub trait ElementSink<T> {
    fn json_file(&mut self) -> &mut JsonFile;

    /// Takes one element. An error stops the read; its position is the element's.
    fn element(&mut self, element: T) -> Result<(), Failure>;
}

/// Streams the array `name` of `noun`s into `sink`, element by element: no element is
/// held after the sink took it, and none longer than [`MAX_ELEMENT_BYTES`] is read.
pub struct EachElement<'s, S, T> {
    sink: &'s mut S,
    noun: &'static str,
    name: &'static str,
    element: PhantomData<fn() -> T>,
}

impl<'s, S, T> EachElement<'s, S, T> {
    pub fn new(sink: &'s mut S, noun: &'static str, name: &'static str) -> Self {
        EachElement { sink, noun, name, element: PhantomData }
    }
}

impl<'de, S: ElementSink<T>, T: DeserializeOwned + Identified> DeserializeSeed<'de> for EachElement<'_, S, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, S: ElementSink<T>, T: DeserializeOwned + Identified> Visitor<'de> for EachElement<'_, S, T> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "the `{}` array", self.name)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let sink = self.sink;
        sink.json_file().enter_array(self.noun, self.name);
        if let Some(source) = sink.json_file().source.clone() {
            cut_elements(sink, &source)?;
            sink.json_file().leave_array();
            return Ok(());
        }
        loop {
            sink.json_file().meter.begin_element();
            let next = seq.next_element::<T>();
            sink.json_file().meter.end_element();
            let Some(element) = next? else { break };
            let identified = sink.json_file().take_id(&element);
            sink.element(element).map_err(|failure| sink.json_file().fail::<A::Error>(failure))?;
            sink.json_file().identified_element_done(identified);
        }
        sink.json_file().leave_array();
        Ok(())
    }
}

/// A line (from 1) and column (bytes since the line began) of a file, counted as serde_json
/// counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

impl Position {
    /// The position after `bytes`, read from here.
    fn after(self, bytes: &[u8]) -> Position {
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                Position { line: self.line + memchr::memchr_iter(b'\n', bytes).count() as u64, column: (bytes.len() - last - 1) as u64 }
            }
            None => Position { line: self.line, column: self.column + bytes.len() as u64 },
        }
    }

    /// Where a position `relative` to an element that starts here is in the file.
    fn offset_by(self, relative: Position) -> Position {
        match relative.line {
            0 | 1 => Position { line: self.line, column: self.column + relative.column },
            line => Position { line: self.line + line - 1, column: relative.column },
        }
    }
}

/// How much of the file is read from the disk at a time.
const CHUNK_BYTES: usize = 256 << 10;

/// A file being read, shared by serde_json (which reads it as an `io::Read`, a byte at a
/// time) and [`EachElement`] (which cuts whole elements out of its buffer).
#[derive(Clone)]
pub struct Source(Rc<RefCell<Buffer>>);

struct Buffer {
    inner: Box<dyn Read>,
    bytes: Vec<u8>,
    /// The first byte not handed out yet.
    start: usize,
    /// The end of the bytes read from `inner`.
    end: usize,
    /// Where `bytes[start]` is in the file.
    at: Position,
    /// Whether an element was cut out behind the parser (whose line count then lags).
    cut: bool,
}

/// What comes next in an array being cut.
enum Next {
    /// An element of this many bytes at the buffer's start (it may end the file early).
    Element(usize),
    /// A comma followed by the array's end.
    TrailingComma,
    /// Something other than a comma or the array's end after an element.
    MissingComma,
    /// An element that goes on past [`MAX_ELEMENT_BYTES`]; reading stopped there.
    TooLong,
    /// Anything else, for the parser to read: the array's `]`, the end of the file, or a
    /// byte that does not belong there.
    ForParser,
}

impl Source {
    pub fn new(inner: impl Read + 'static) -> Source {
        let buffer =
            Buffer { inner: Box::new(inner), bytes: Vec::new(), start: 0, end: 0, at: Position { line: 1, column: 0 }, cut: false };
        Source(Rc::new(RefCell::new(buffer)))
    }
}

impl Read for Source {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut buffer = self.0.borrow_mut();
        if buffer.start == buffer.end && !buffer.fill()? {
            return Ok(0);
        }
        let count = out.len().min(buffer.end - buffer.start);
        let start = buffer.start;
        out[..count].copy_from_slice(&buffer.bytes[start..start + count]);
        buffer.consume(count);
        Ok(count)
    }
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\t' | b'\r')
}

impl Buffer {
    /// Reads more of the file after what the buffer holds, keeping the bytes not handed out
    /// yet; false at the end of the file.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        } else if self.start > 0 && self.bytes.len() - self.end < CHUNK_BYTES {
            self.bytes.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        if self.bytes.len() - self.end < CHUNK_BYTES {
            self.bytes.resize(self.end + CHUNK_BYTES, 0);
        }
        loop {
            match self.inner.read(&mut self.bytes[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(read) => {
                    self.end += read;
                    return Ok(true);
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// Hands out `count` bytes.
    fn consume(&mut self, count: usize) {
        self.at = match count {
            1 if self.bytes[self.start] == b'\n' => Position { line: self.at.line + 1, column: 0 },
            1 => Position { line: self.at.line, column: self.at.column + 1 },
            _ => self.at.after(&self.bytes[self.start..self.start + count]),
        };
        self.start += count;
    }

    /// Hands out the whitespace at the start; the next byte, if the file has one.
    fn skip_whitespace(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            let blank = self.bytes[self.start..self.end].iter().take_while(|&&byte| is_whitespace(byte)).count();
            self.consume(blank);
            if self.start < self.end {
                return Ok(Some(self.bytes[self.start]));
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Finds the next element of an array whose `[` (`first`) or previous element was just
    /// handed out, and hands out what comes before it.
    fn next(&mut self, first: bool) -> std::io::Result<Next> {
        let Some(byte) = self.skip_whitespace()? else { return Ok(Next::ForParser) };
        if !first {
            match byte {
                b']' => return Ok(Next::ForParser),
                b',' => {}
                _ => return Ok(Next::MissingComma),
            }
            self.consume(1);
            if self.skip_whitespace()? == Some(b']') {
                return Ok(Next::TrailingComma);
            }
        } else if byte == b']' {
            return Ok(Next::ForParser);
        }
        self.element()
    }

    /// The length of the element at the buffer's start, read into the buffer whole: up to
    /// the bracket that closes it, or for a bare value the byte that ends it. The parser
    /// judges the element's bytes; this only finds where they end (or that the file ends
    /// first, or that they go on past [`MAX_ELEMENT_BYTES`]).
    fn element(&mut self) -> std::io::Result<Next> {
        let (mut length, mut depth, mut in_string, mut escaped) = (0usize, 0usize, false, false);
        loop {
            let bytes = &self.bytes[self.start + length..self.end];
            let mut index = 0;
            let mut done = false;
            while index < bytes.len() {
                if in_string {
                    if escaped {
                        escaped = false;
                        index += 1;
                        continue;
                    }
                    match quote_or_backslash(&bytes[index..]) {
                        None => index = bytes.len(),
                        Some(found) => {
                            index += found;
                            if bytes[index] == b'\\' {
                                escaped = true;
                            } else {
                                in_string = false;
                            }
                            index += 1;
                        }
                    }
                    continue;
                }
                match bytes[index] {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth <= 1 => {
                        // The element's own closing bracket, or one that ends the array
                        // after a bare value.
                        index += depth;
                        done = true;
                        break;
                    }
                    b'}' | b']' => depth -= 1,
                    byte if depth == 0 && (byte == b',' || is_whitespace(byte)) => {
                        done = true;
                        break;
                    }
                    _ => {}
                }
                index += 1;
            }
            length += index;
            if done {
                // A stray byte where an element should begin: give the parser that byte to
                // say what is wrong with it.
                return Ok(Next::Element(length.max(1)));
            }
            if length > MAX_ELEMENT_BYTES as usize {
                return Ok(Next::TooLong);
            }
            if !self.fill()? {
                return Ok(Next::Element(length));
            }
        }
    }
}

/// Eight copies of `byte`.
const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// Sets the high bit of the lowest byte of `word` that is zero (and maybe of some above it).
fn zero_byte(word: u64) -> u64 {
    word.wrapping_sub(splat(0x01)) & !word & splat(0x80)
}

/// Where the first `"` or `\` of `bytes` is. Most strings of an export are short (keys,
/// ids, names): their first sixteen bytes are looked at eight at a time, where a call of
/// `memchr2` costs more than the search; longer ones are searched with it.
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    for chunk in bytes.chunks_exact(8).take(2) {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight bytes"));
        let found = zero_byte(word ^ splat(b'"')) | zero_byte(word ^ splat(b'\\'));
        if found != 0 {
            return Some(from + (found.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    memchr::memchr2(b'"', b'\\', &bytes[from..]).map(|found| from + found)
}

/// Cuts the elements of the array whose `[` the parser has just read out of `source`'s
/// buffer, parses each from its slice and hands it to `sink`. Leaves the array's `]` (or
/// whatever else follows the last element) for the parser to read and judge.
fn cut_elements<S, T, E>(sink: &mut S, source: &Source) -> Result<(), E>
where
    S: ElementSink<T>,
    T: DeserializeOwned + Identified,
    E: de::Error,
{
    let mut first = true;
    loop {
        let mut buffer = source.0.borrow_mut();
        let next = buffer.next(first);
        first = false;
        let at = buffer.at;
        let length = match next {
            Ok(Next::Element(length)) => length,
            Ok(Next::ForParser) => return Ok(()),
            Ok(next @ (Next::TrailingComma | Next::MissingComma)) => {
                drop(buffer);
                // serde_json's own error for the same mistake, at the byte it looked at.
                let sample: &[u8] = if matches!(next, Next::TrailingComma) { b"[0,]" } else { b"[0 0]" };
                let error = serde_json::from_slice::<Vec<IgnoredAny>>(sample).expect_err("the sample is not JSON");
                let at = Position { line: at.line, column: at.column + 1 };
                return Err(sink.json_file().fail_at(Failure::Json(error), at));
            }
            Ok(Next::TooLong) => {
                let stopped = at.after(&buffer.bytes[buffer.start..buffer.end]);
                drop(buffer);
                return Err(sink.json_file().fail_at(Failure::TooLong, stopped));
            }
            Err(error) => {
                drop(buffer);
                return Err(sink.json_file().fail_at(Failure::Io(error), at));
            }
        };
        buffer.cut = true;
        let start = buffer.start;
        let parsed = parse_element::<T>(&buffer.bytes[start..start + length]);
        buffer.consume(length);
        let end = buffer.at;
        drop(buffer);
        let element = parsed.map_err(|error| {
            let relative = Position { line: error.line() as u64, column: error.column() as u64 };
            sink.json_file().fail_at::<E>(Failure::Json(error), at.offset_by(relative))
        })?;
        let identified = sink.json_file().take_id(&element);
        sink.element(element).map_err(|failure| sink.json_file().fail_at::<E>(failure, end))?;
        sink.json_file().identified_element_done(identified);
    }
}

/// One element cut out of the file. Valid UTF-8 (checked once, for the whole element) is
/// parsed as text, so that serde_json does not check every string in it again (that check
/// was a fifth of the parser's time); anything else goes to the byte parser, which reports
/// the bad byte where it is.
fn parse_element<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: Vocabulary = Vocabulary {
        expected: "a test export",
        export_hint: "export it",
        reexport_hint: "export it again",
        other_exports: "other exports cannot be imported",
        platform: "Test",
    };

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Element(serde_json::Value);

    impl Identified for Element {
        fn write_id(&self, out: &mut String) -> bool {
            self.0.get("id").map(|id| out.push_str(&id.to_string())).is_some()
        }
    }

    struct Collect {
        json: JsonFile,
        elements: Vec<serde_json::Value>,
    }

    impl ElementSink<Element> for Collect {
        fn json_file(&mut self) -> &mut JsonFile {
            &mut self.json
        }

        fn element(&mut self, element: Element) -> Result<(), Failure> {
            if element.0.get("refuse").is_some() {
                return Err(Failure::malformed("refused", "by the test"));
            }
            self.elements.push(element.0);
            Ok(())
        }
    }

    /// Reads `document` (`{"items": [...]}`) into its elements, cutting them from the
    /// buffer (`cut`) or through the parser alone; the error as the user reads it.
    fn read(document: &[u8], cut: bool) -> Result<Vec<serde_json::Value>, String> {
        struct Top<'c>(&'c mut Collect);
        impl<'de> Visitor<'de> for Top<'_> {
            type Value = ();
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "items" => map.next_value_seed(EachElement::new(&mut *self.0, "item", "items"))?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(())
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.json");
        std::fs::write(&path, document).unwrap();
        let (json, reader): (JsonFile, Box<dyn Read>) = if cut {
            let (json, source) = JsonFile::open(&path).unwrap();
            (json, Box::new(source))
        } else {
            let meter = Rc::new(Meter::default());
            let reader = std::io::BufReader::new(MeteredReader::new(File::open(&path).unwrap(), Rc::clone(&meter)));
            (JsonFile::new(&path, document.len() as u64, meter), Box::new(reader))
        };
        let mut sink = Collect { json, elements: Vec::new() };
        let mut deserializer = serde_json::Deserializer::from_reader(reader);
        let result = deserializer.deserialize_map(Top(&mut sink)).and_then(|()| deserializer.end());
        match result {
            Ok(()) => Ok(sink.elements),
            Err(error) => Err(match sink.json.import_error(error, &WORDS) {
                ImportError::Malformed { position, problem, .. } => format!("{position}: {problem}"),
                other => other.to_string(),
            }),
        }
    }

    #[test]
    fn elements_cut_from_the_buffer_read_as_the_parser_reads_them() {
        let long = "x\\\"y".repeat(CHUNK_BYTES / 3);
        let documents = [
            "{\"items\": []}".to_string(),
            "{\"items\": [ ]}".to_string(),
            "{\"a\": 1, \"items\": [{\"id\": 1, \"t\": \"q\\\"[{\\\\\"}, 2, \"s]}\" ,\n\t[1, [2, {}]] , true,null,-1.5e3, {}\r\n], \"b\": [3]}"
                .to_string(),
            format!("{{\"items\": [{{\"id\": 1, \"text\": \"{long}\"}},\n{{\"id\": 2, \"text\": \"{long}{long}\"}}]}}"),
            // Indentation and numbers across the buffer's chunks, between nested brackets.
            format!("{{\"items\": [{{\"id\": 1, \"n\": [{}0]}}, {{\"id\": 2}}]}}", "  {\"a\": [1 ,\n     2.5e-3]},      ".repeat(CHUNK_BYTES / 20)),
        ];
        for document in documents {
            let cut = read(document.as_bytes(), true);
            assert!(cut.is_ok(), "{cut:?}");
            assert_eq!(cut, read(document.as_bytes(), false));
        }
    }

    #[test]
    fn quote_or_backslash_finds_the_first_of_them() {
        for length in 0..40 {
            for end in [b'"', b'\\'] {
                let mut bytes = vec![b'a'; length];
                assert_eq!(quote_or_backslash(&bytes), None, "{length}");
                for at in 0..length {
                    bytes.fill(b'a');
                    bytes[at] = end;
                    if at + 1 < length {
                        bytes[at + 1] = b'"';
                    }
                    assert_eq!(quote_or_backslash(&bytes), Some(at), "{length} {at}");
                }
            }
        }
    }

    #[test]
    fn errors_in_cut_elements_name_the_same_position_as_the_parser() {
        let documents: [&[u8]; 13] = [
            b"{\"items\": [{\"id\": 1},\n  {\"id\": 2, \"t\": tru}]}",
            b"{\"items\": [{\"id\": 1},\n  {\"id\": 2,\n  \"t\": \"open",
            b"{\"items\": [{\"id\": 1},\n",
            b"{\"items\": [{\"id\": 1},",
            b"{\"items\": [{\"id\": 1}, ]}",
            b"{\"items\": [{\"id\": 1} {\"id\": 2}]}",
            b"{\"items\": [{\"id\": 1},\n  }]}",
            b"{\"items\": [{\"id\": 1},\n {\"id\": 2, \"t\": \"a\xff\"}]}",
            b"{\"items\": [{\"id\": 1},\n {\"id\": 2}],\n \"b\": [1,]}",
            b"{\"items\": [{\"id\": 1},\n {\"id\": 2}]\n \"b\": 1}",
            b"{\"items\": [{\"id\": 1},\n {\"id\": 2}]\n}\n x",
            b"{\"items\": [{\"id\": 1}, {\"id\": [1}]}",
            b"{\"items\": [1, 2 3]}",
        ];
        for document in documents {
            let cut = read(document, true).expect_err("the document is refused");
            assert_eq!(cut, read(document, false).unwrap_err(), "{}", String::from_utf8_lossy(document));
        }
        // An element the sink refuses is named at its end (the parser alone placed it after
        // the byte that follows the element, where it had looked next).
        let refused = read(b"{\"items\": [{\"id\": 1},\n {\"id\": 2, \"refuse\": 1}]}", true).unwrap_err();
        assert_eq!(refused, "line 2, column 23, item 2 of `items`, the one after id 1: refused");
        let refused = read(b"{\"items\": [{\"id\": 1},\n {\"id\": 2, \"refuse\": 1}]}", false).unwrap_err();
        assert_eq!(refused, "line 2, column 24, item 2 of `items`, the one after id 1: refused");
    }

    #[test]
    fn a_cut_element_longer_than_the_limit_is_refused_without_reading_the_rest() {
        let mut document = b"{\"items\": [{\"id\": 1},\n{\"id\": 2, \"t\": \"".to_vec();
        document.resize(document.len() + MAX_ELEMENT_BYTES as usize * 2, b'x');
        document.extend_from_slice(b"\"}]}");
        let error = read(&document, true).unwrap_err();
        assert!(error.starts_with("line 2, column ") && error.contains("item 2 of `items`, the one after id 1"), "{error}");
        assert!(error.contains("longer than 16 MiB"), "{error}");
        let column: u64 = error["line 2, column ".len()..].split(',').next().unwrap().parse().unwrap();
        assert!(column > MAX_ELEMENT_BYTES && column < MAX_ELEMENT_BYTES + 2 * CHUNK_BYTES as u64, "{column}");
    }

    #[test]
    fn reader_refuses_an_element_past_the_limit_but_not_the_bytes_around_it() {
        let meter = Rc::new(Meter::default());
        let mut reader = MeteredReader::new(std::io::repeat(b'x').take(MAX_ELEMENT_BYTES * 3), Rc::clone(&meter));
        let mut buffer = vec![0; 1 << 20];
        // Unguarded bytes pass whatever their number.
        for _ in 0..20 {
            reader.read_exact(&mut buffer).unwrap();
        }
        meter.begin_element();
        let mut guarded = 0u64;
        let error = loop {
            match reader.read(&mut buffer) {
                Ok(read) => guarded += read as u64,
                Err(error) => break error,
            }
        };
        assert!(guarded > MAX_ELEMENT_BYTES && guarded <= MAX_ELEMENT_BYTES + (1 << 20), "{guarded}");
        let too_long = error.get_ref().and_then(|inner| inner.downcast_ref::<ElementTooLong>()).unwrap();
        assert_eq!(too_long.start, 20 << 20);
        meter.end_element();
        assert!(reader.read(&mut buffer).is_ok());
    }
}
