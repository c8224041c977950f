//! The archive browser's use cases: channels, pages of a channel, threads, and search.

use serde::Serialize;
use ts_rs::TS;

use super::{Error, ErrorCode, Result};
use crate::model::{GroupId, UnixSeconds};
use crate::store::Store;
pub use crate::store::{Anchor, ArchiveChannel, ArchiveMessage, ArchivePage, ParentRef, SearchHit, SnippetPart};

/// The most lines one page may ask for.
pub const MAX_PAGE: usize = 500;
/// The most search hits one search returns.
pub const MAX_HITS: usize = 200;

/// How a search was run, so the UI can say what "match" meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum SearchMethod {
    /// Whole words, the last one as a prefix (SQLite FTS5).
    Words,
    /// The text as written, anywhere in a message: for Chinese and Japanese, which do not
    /// put spaces between words.
    Substring,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct SearchResults {
    pub query: String,
    pub method: SearchMethod,
    pub hits: Vec<SearchHit>,
    /// Whether more messages matched than were returned.
    pub truncated: bool,
}

pub fn archive_channels(store: &Store, group: GroupId) -> Result<Vec<ArchiveChannel>> {
    known_group(store, group)?;
    Ok(store.archive_channels(group)?)
}

/// Up to `limit` lines of one of the group's channels around `anchor`.
pub fn archive_page(store: &Store, group: GroupId, channel: i64, anchor: Anchor, limit: usize) -> Result<ArchivePage> {
    known_group(store, group)?;
    if store.channel_of_group(group, channel)?.is_none() {
        return Err(Error::new(ErrorCode::NotFound, format!("group {} has no channel {channel}; pick one from the channel list", group.0)));
    }
    if let Anchor::Message(id) | Anchor::Before(id) | Anchor::After(id) = anchor {
        match store.message_position(group, id)? {
            Some((line_channel, _)) if line_channel == channel => {}
            _ => return Err(Error::new(ErrorCode::NotFound, format!("channel {channel} has no message {id}"))),
        }
    }
    Ok(store.archive_page(channel, anchor, limit.clamp(1, MAX_PAGE))?)
}

/// The page of the channel a message is in, opened at that message (for search hits).
pub fn archive_page_at_message(store: &Store, group: GroupId, message: i64, limit: usize) -> Result<ArchivePage> {
    known_group(store, group)?;
    let Some((channel, _)) = store.message_position(group, message)? else {
        return Err(Error::new(ErrorCode::NotFound, format!("group {} has no message {message}", group.0)));
    };
    Ok(store.archive_page(channel, Anchor::Message(message), limit.clamp(1, MAX_PAGE))?)
}

/// A message and every reply below it.
pub fn archive_thread(store: &Store, group: GroupId, root: i64) -> Result<Vec<ArchiveMessage>> {
    known_group(store, group)?;
    if store.message_position(group, root)?.is_none() {
        return Err(Error::new(ErrorCode::NotFound, format!("group {} has no message {root}", group.0)));
    }
    Ok(store.archive_thread(root)?)
}

fn known_group(store: &Store, group: GroupId) -> Result<()> {
    match store.group(group)? {
        Some(_) => Ok(()),
        None => Err(Error::new(ErrorCode::NotFound, format!("group {} is not in the store; pick another from the list", group.0))),
    }
}

/// Full-text search over a group's messages, newest first.
pub fn search(store: &Store, group: GroupId, query: &str, limit: usize) -> Result<SearchResults> {
    known_group(store, group)?;
    let query = query.trim();
    if query.is_empty() {
        return Err(Error::new(ErrorCode::InvalidInput, "the search is empty; type a word to look for"));
    }
    let limit = limit.clamp(1, MAX_HITS);
    let (method, mut hits) = if has_unspaced_script(query) {
        (SearchMethod::Substring, store.search_messages_containing(group, query, limit + 1)?)
    } else {
        (SearchMethod::Words, store.search_messages(group, &fts_query(query), limit + 1)?)
    };
    let truncated = hits.len() > limit;
    hits.truncate(limit);
    Ok(SearchResults { query: query.to_string(), method, hits, truncated })
}

/// A person's words as an FTS5 query that cannot be a syntax error: every word quoted (so
/// `AND`, `-`, `"` and `*` are just text), all required, the last one also as a prefix so
/// that results come while typing.
pub fn fts_query(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(|word| format!("\"{}\"", word.replace('"', "\"\""))).collect();
    match words.split_last() {
        Some((last, rest)) => {
            let mut parts = rest.to_vec();
            parts.push(format!("{last}*"));
            parts.join(" ")
        }
        None => String::new(),
    }
}

/// Whether the text has characters of scripts written without spaces between words (CJK
/// ideographs, kana, Hangul syllables are spaced but often searched inside words too).
fn has_unspaced_script(text: &str) -> bool {
    text.chars().any(|character| {
        matches!(character as u32,
            0x3040..=0x30FF      // Hiragana, Katakana
            | 0x3400..=0x4DBF    // CJK Extension A
            | 0x4E00..=0x9FFF    // CJK Unified Ideographs
            | 0xAC00..=0xD7AF    // Hangul syllables
            | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
            | 0x20000..=0x2FA1F) // CJK Extensions B–F, supplement
    })
}

/// The instant an archive page opens at for a calendar date: its start, UTC.
pub fn start_of_date(date: chrono::NaiveDate) -> UnixSeconds {
    date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_query_quotes_every_word_and_prefixes_the_last() {
        assert_eq!(fts_query("deploy friday"), "\"deploy\" \"friday\"*");
        assert_eq!(fts_query("  AND -x \"quoted\" "), "\"AND\" \"-x\" \"\"\"quoted\"\"\"*");
        assert_eq!(fts_query("   "), "");
    }

    #[test]
    fn scripts_without_spaces_are_told_apart() {
        assert!(has_unspaced_script("会议"));
        assert!(has_unspaced_script("meet 会议"));
        assert!(has_unspaced_script("カタカナ"));
        assert!(!has_unspaced_script("café déjà vu"));
        assert!(!has_unspaced_script("Привет"));
    }
}
