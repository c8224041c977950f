//! Streaming over the big JSON exports (Telegram Desktop, DiscordChatExporter, Slack day
//! files): a reader that counts the bytes the parser pulls and refuses an element longer than
//! [`MAX_ELEMENT_BYTES`] before it is in memory, a visitor that hands the elements of an
//! array to a sink one at a time, and the translation of the parser's errors into import
//! errors that name the file, the line and column, and the element being read. It owns no
//! format's mapping and writes nothing to the store.

use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, SeqAccess, Visitor};
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
    Malformed { problem: String, hint: String },
    Store(StoreError),
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
    failure: Option<Failure>,
    arrays: Vec<ArrayPosition>,
}

impl JsonFile {
    /// Opens `path` for streaming.
    pub fn open(path: &Path) -> Result<(JsonFile, impl Read), ImportError> {
        let io_error = |source| ImportError::Io { path: path.to_path_buf(), source };
        let handle = File::open(path).map_err(io_error)?;
        let size = handle.metadata().map_err(io_error)?.len();
        let meter = Rc::new(Meter::default());
        let reader = BufReader::new(MeteredReader::new(handle, Rc::clone(&meter)));
        Ok((JsonFile::new(path, size, meter), reader))
    }

    /// A file read through a [`MeteredReader`] on `meter` made by the caller.
    pub fn new(path: &Path, size: u64, meter: Rc<Meter>) -> JsonFile {
        JsonFile { path: path.to_path_buf(), size, meter, failure: None, arrays: Vec::new() }
    }

    /// Keeps `failure` for [`JsonFile::import_error`] and hands the parser an error to
    /// unwind with.
    pub fn fail<E: de::Error>(&mut self, failure: Failure) -> E {
        let summary = match &failure {
            Failure::Malformed { problem, .. } => problem.clone(),
            Failure::Store(error) => error.to_string(),
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

    /// Elements read so far in the innermost array.
    pub fn elements_read(&self) -> u64 {
        self.arrays.last().map_or(0, |array| array.read)
    }

    /// "line L, column C", then the element of each array the parser is inside.
    pub fn position(&self, error: &serde_json::Error) -> String {
        let mut position = format!("line {}, column {}", error.line(), error.column());
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
        match self.failure.take() {
            Some(Failure::Store(error)) => return ImportError::Store(error),
            Some(Failure::Malformed { problem, hint }) => return ImportError::Malformed { path, position, problem, hint },
            None => {}
        }
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
    fn id(&self) -> Option<String>;
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
        loop {
            sink.json_file().meter.begin_element();
            let next = seq.next_element::<T>();
            sink.json_file().meter.end_element();
            let Some(element) = next? else { break };
            let id = element.id();
            sink.element(element).map_err(|failure| sink.json_file().fail::<A::Error>(failure))?;
            sink.json_file().element_done(id);
        }
        sink.json_file().leave_array();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
