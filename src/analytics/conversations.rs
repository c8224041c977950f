//! Conversations, questions and responses (analytics §0).
//!
//! A conversation is a message and everything linked to it by explicit replies; on
//! platforms without threads, consecutive messages of a channel whose gaps are under the
//! configured gap (30 minutes) also belong together. The response to a conversation is
//! its first message by a member other than the one who started it. Bots neither start
//! conversations nor respond.

use super::{IdMap, Index, MixMap};
use crate::model::UnixSeconds;

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// Activity id of the message that started it.
    pub root_id: i64,
    pub author_id: i64,
    pub started_at: UnixSeconds,
    pub is_question: bool,
    /// The first message by someone else: who and when.
    pub response: Option<Response>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    pub activity_id: i64,
    pub responder_id: i64,
    pub at: UnixSeconds,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversationConfig {
    /// Gap that ends a conversation on platforms without threads.
    pub gap_seconds: i64,
    /// Words that make a message a question when it starts with them (lowercase).
    pub question_words: Vec<String>,
}

impl Default for ConversationConfig {
    fn default() -> Self {
        let words = [
            "how",
            "what",
            "why",
            "when",
            "where",
            "who",
            "which",
            "is",
            "are",
            "can",
            "could",
            "does",
            "do",
            "should",
            "would",
            "will",
            "anyone",
            "any",
            "怎么",
            "如何",
            "为什么",
            "什么",
            "哪",
            "谁",
            "是否",
            "能否",
            "可以",
            "请问",
            "有没有",
            "有人",
        ];
        ConversationConfig { gap_seconds: 30 * 60, question_words: words.iter().map(|word| word.to_string()).collect() }
    }
}

/// Whether a message text reads as a question: it ends with `?`/`？`, or its first word is
/// one of the question words. English words must be whole words ("island" is not "is");
/// Chinese words are matched as a prefix because Chinese does not separate words.
pub fn is_question(text: &str, config: &ConversationConfig) -> bool {
    QuestionTest::new(config).is_question(text)
}

/// [`is_question`] for many texts: the words' first bytes are looked up once, and only the
/// beginning of a text is lowercased, into a buffer kept between texts (lowercasing whole
/// texts, each in a new string, was a tenth of the conversations' time).
struct QuestionTest<'a> {
    words: &'a [String],
    /// Whether some word starts with this byte (every byte when a word is empty).
    first_bytes: [bool; 256],
    /// Characters of a text to lowercase: enough for the longest word (each character
    /// lowercases to at least one byte) and the character after it.
    prefix_chars: usize,
    lower: String,
}

impl<'a> QuestionTest<'a> {
    fn new(config: &'a ConversationConfig) -> QuestionTest<'a> {
        let mut first_bytes = [false; 256];
        for word in &config.question_words {
            match word.as_bytes().first() {
                Some(byte) => first_bytes[*byte as usize] = true,
                None => first_bytes = [true; 256],
            }
        }
        let prefix_chars = config.question_words.iter().map(String::len).max().unwrap_or(0) + 1;
        QuestionTest { words: &config.question_words, first_bytes, prefix_chars, lower: String::new() }
    }

    fn is_question(&mut self, text: &str) -> bool {
        let trimmed = text.trim();
        if trimmed.ends_with('?') || trimmed.ends_with('？') {
            return true;
        }
        let end = trimmed.char_indices().nth(self.prefix_chars).map_or(trimmed.len(), |(at, _)| at);
        let prefix = &trimmed[..end];
        self.lower.clear();
        if prefix.contains(['Σ', 'ͅ']) {
            // Whose lowercase depends on what follows (final sigma, the iota subscript):
            // lowercase the whole text as one string does.
            self.lower.push_str(&trimmed.to_lowercase());
        } else if prefix.is_ascii() {
            self.lower.push_str(prefix);
            self.lower.make_ascii_lowercase();
        } else {
            self.lower.extend(prefix.chars().flat_map(char::to_lowercase));
        }
        let lower = self.lower.as_str();
        // An empty text can only start with an empty word, which sets every first byte.
        if !lower.as_bytes().first().map_or(self.first_bytes[0], |byte| self.first_bytes[*byte as usize]) {
            return false;
        }
        let first = lower.as_bytes().first();
        self.words.iter().any(|word| {
            if word.as_bytes().first().is_some_and(|byte| Some(byte) != first) || !lower.starts_with(word.as_str()) {
                return false;
            }
            let ascii_word = word.chars().all(|c| c.is_ascii_alphabetic());
            !ascii_word || lower[word.len()..].chars().next().is_none_or(|next| !next.is_alphanumeric())
        })
    }
}

/// All conversations of a group, in the order they started.
pub fn conversations(index: &Index<'_>, threaded: bool, config: &ConversationConfig) -> Vec<Conversation> {
    let mut builder = ConversationBuilder::default();
    builder.extend(index, 0, threaded, config);
    builder.found
}

/// The conversations of the rows seen so far, with what placing a later row needs (which
/// conversation each post is in, and each channel's latest): rows come in time order, so
/// rows added after the last one seen extend it, and give what one pass over all rows gives.
/// A later row may still answer an old conversation (a reply to an old post).
#[derive(Default)]
pub struct ConversationBuilder {
    /// The conversations in the order they started.
    pub found: Vec<Conversation>,
    /// Activity id -> conversation, for posts already placed.
    conversation_of: IdMap,
    /// Channel -> (conversation, time of its latest message), for gap chaining.
    latest_in_channel: MixMap<i64, (u32, UnixSeconds)>,
}

impl ConversationBuilder {
    /// Places the rows of `index.data` from position `from` on (every row before it was
    /// placed by earlier calls); returns the positions of the conversations that were
    /// answered by these rows but started before them, ascending (the ones they started
    /// are those after the previous end of `found`).
    pub fn extend(&mut self, index: &Index<'_>, from: usize, threaded: bool, config: &ConversationConfig) -> Vec<u32> {
        let mut answered = Vec::new();
        let found = &mut self.found;
        let started_before = found.len();
        let mut questions = QuestionTest::new(config);
        if from == 0 && self.conversation_of.is_empty() {
            self.conversation_of = IdMap::for_posts(&index.data.activities);
        } else {
            // Each new row starts at most one conversation.
            super::make_room(found, index.data.activities.len().saturating_sub(from));
        }
        for activity in &index.data.activities[from..] {
            if !activity.kind.is_post() || !index.is_human(activity.member_id) {
                continue;
            }
            let by_reply = activity.parent_id.and_then(|parent| self.conversation_of.get(parent));
            let by_gap = || {
                if threaded {
                    return None;
                }
                self.latest_in_channel
                    .get(&activity.channel_id)
                    .filter(|(_, latest)| activity.at - latest < config.gap_seconds)
                    .map(|(conversation, _)| *conversation)
            };
            let conversation = match by_reply.or_else(by_gap) {
                Some(existing) => {
                    let entry = &mut found[existing as usize];
                    if entry.response.is_none() && activity.member_id != entry.author_id {
                        entry.response = Some(Response { activity_id: activity.id, responder_id: activity.member_id, at: activity.at });
                        if (existing as usize) < started_before {
                            answered.push(existing);
                        }
                    }
                    existing
                }
                None => {
                    found.push(Conversation {
                        root_id: activity.id,
                        author_id: activity.member_id,
                        started_at: activity.at,
                        is_question: index.data.text(activity).is_some_and(|text| questions.is_question(text)),
                        response: None,
                    });
                    (found.len() - 1) as u32
                }
            };
            self.conversation_of.insert(activity.id, conversation);
            match self.latest_in_channel.get_mut(&activity.channel_id) {
                Some(latest) => *latest = (conversation, activity.at),
                None => {
                    self.latest_in_channel.insert(activity.channel_id, (conversation, activity.at));
                }
            }
        }
        if from == 0 {
            // Built from scratch: give back most of the growth's spare room (tens of
            // megabytes at a million posts), keeping some for rows added later.
            found.shrink_to(super::kept_capacity(found.len()));
        }
        answered.sort_unstable();
        answered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::tests_support::{group, member, post, reply};

    #[test]
    fn questions_by_mark_or_first_word() {
        let config = ConversationConfig::default();
        for (text, expected) in [
            ("Where is the meetup?", true),
            ("anyone tried the new release", true),
            ("this works？", true),
            ("请问怎么安装", true),
            ("island hopping this weekend", false),
            ("Thanks!", false),
            ("  How  ", true),
            ("", false),
        ] {
            assert_eq!(is_question(text, &config), expected, "{text:?}");
        }
    }

    #[test]
    fn the_question_test_lowercases_only_the_beginning_yet_answers_as_the_whole_text_would() {
        // The rule as written: the whole text lowercased, then each word tried.
        fn by_the_whole_text(text: &str, config: &ConversationConfig) -> bool {
            let trimmed = text.trim();
            if trimmed.ends_with('?') || trimmed.ends_with('？') {
                return true;
            }
            let lower = trimmed.to_lowercase();
            config.question_words.iter().any(|word| {
                lower.starts_with(word.as_str())
                    && (!word.chars().all(|c| c.is_ascii_alphabetic())
                        || lower[word.len()..].chars().next().is_none_or(|next| !next.is_alphanumeric()))
            })
        }
        let mut config = ConversationConfig::default();
        let texts = [
            "HOW do I",
            "Howdy",
            "how",
            "WHO?",
            "İs it",
            "Is",
            "ISLAND",
            "请问",
            "請問",
            "有没有人",
            "ΠΩΣ ΕΙΣΑΙ",
            "πως",
            "ΣΑΣ ΑΡΕΣΕΙ",
            "σας",
            "Anyone",
            "ANYONE2",
            "any-one",
            "  what  ",
            "",
            " ",
            "Ｗhat",
            "whAt's up",
            "ﬁle",
            "ß",
            "can't",
            "Can",
        ];
        for text in texts {
            assert_eq!(is_question(text, &config), by_the_whole_text(text, &config), "{text:?}");
        }
        // Words a manager added: Greek (final sigma), one with a capital (never matches), an
        // empty one (matches what starts with no letter or digit).
        config.question_words.extend(["πως".to_string(), "σας".to_string(), "Why".to_string(), String::new()]);
        for text in texts {
            assert_eq!(is_question(text, &config), by_the_whole_text(text, &config), "{text:?} with more words");
        }
    }

    #[test]
    fn replies_join_their_parent_and_first_other_author_responds() {
        // m1 asks at t=0; m1 adds to it at 60 (same author, not a response); m2 replies at
        // 300 (the response); m3 replies at 900 (too late to be the first).
        let data = group(
            true,
            vec![member(1), member(2), member(3)],
            vec![post(10, 1, 0, "How do I deploy?"), reply(11, 1, 60, 10), reply(12, 2, 300, 11), reply(13, 3, 900, 10)],
        );
        let index = Index::new(&data);
        let found = conversations(&index, true, &ConversationConfig::default());
        assert_eq!(found.len(), 1);
        assert!(found[0].is_question);
        assert_eq!(found[0].response, Some(Response { activity_id: 12, responder_id: 2, at: 300 }));
    }

    #[test]
    fn without_threads_gaps_under_thirty_minutes_chain_messages() {
        // Unthreaded: 0 and 1000 s chain (gap 1000 < 1800); 5000 starts anew (gap 4000).
        let data =
            group(false, vec![member(1), member(2)], vec![post(1, 1, 0, "hi all"), post(2, 2, 1000, "hello"), post(3, 2, 5000, "later")]);
        let index = Index::new(&data);
        let found = conversations(&index, false, &ConversationConfig::default());
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].response.map(|response| response.at), Some(1000));
        assert_eq!(found[1].response, None);
        // The same rows on a threaded platform are three separate conversations.
        assert_eq!(conversations(&index, true, &ConversationConfig::default()).len(), 3);
    }

    #[test]
    fn bots_neither_start_nor_answer() {
        let mut bot = member(9);
        bot.is_bot = true;
        let data = group(true, vec![member(1), bot], vec![post(1, 9, 0, "daily digest?"), post(2, 1, 10, "why?"), reply(3, 9, 20, 2)]);
        let index = Index::new(&data);
        let found = conversations(&index, true, &ConversationConfig::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].root_id, 2);
        assert_eq!(found[0].response, None);
    }
}
