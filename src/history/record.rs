//! What the history holds: an exchange (one prompt and what came back), a conversation as
//! listed, a search hit, and what an ID prefix names.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Complete,
    /// The token budget ran out (`finish_reason: length`), or the stream broke after content.
    CutOff,
    /// Ctrl-C.
    Interrupted,
    Failed,
    /// Asked again in the interactive session (`/retry`): kept, but no longer part of what the
    /// model is sent.
    Replaced,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::CutOff => "cut_off",
            Status::Interrupted => "interrupted",
            Status::Failed => "failed",
            Status::Replaced => "replaced",
        }
    }

    pub(super) fn parse(s: &str) -> Status {
        match s {
            "complete" => Status::Complete,
            "cut_off" => Status::CutOff,
            "interrupted" => Status::Interrupted,
            "replaced" => Status::Replaced,
            _ => Status::Failed,
        }
    }
}

impl Exchange {
    /// Whether the model is sent this exchange when the conversation goes on: it produced an
    /// answer (even one cut off or interrupted) that was not asked again.
    pub fn is_sent_again(&self) -> bool {
        !self.answer.is_empty() && self.status != Status::Replaced
    }
}

/// One prompt and what came back. Written by `chat`, read by `chat -c` and `history`.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    pub turn: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub host: String,
    pub model_asked: String,
    pub model_answered: Option<String>,
    pub system: Option<String>,
    pub prompt: String,
    pub answer: String,
    pub reasoning: Option<String>,
    pub finish_reason: Option<String>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    pub duration_ms: Option<i64>,
    pub first_token_ms: Option<i64>,
    pub request_id: Option<String>,
    pub status: Status,
    pub failure: Option<String>,
    pub error: Option<String>,
}

/// A conversation as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: String,
    pub started_at: i64,
    pub updated_at: i64,
    pub title: String,
    pub model: String,
    pub system: Option<String>,
    pub turns: i64,
}

/// A search result: where the match is and a snippet with the matched words between
/// [`MATCH_START`] and [`MATCH_END`].
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub conversation: String,
    pub turn: i64,
    pub at: i64,
    pub model: String,
    pub snippet: String,
}

/// The markers around matched words in a [`Hit`]'s snippet.
pub const MATCH_START: char = '\u{2}';
pub const MATCH_END: char = '\u{3}';

/// What a conversation ID (or a prefix of one) names.
pub enum Found {
    One(String),
    None,
    Several(Vec<Summary>),
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A conversation's title: the first words of its first prompt, on one line (a prompt of
/// megabytes is stored once, in its exchange).
pub fn title(prompt: &str) -> String {
    const LONGEST: usize = 80;
    let mut title = String::new();
    for word in prompt.split_whitespace() {
        if title.chars().count() + word.chars().count() + 1 > LONGEST {
            if title.is_empty() {
                title.extend(word.chars().take(LONGEST));
            }
            title.push('…');
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(word);
    }
    title
}
