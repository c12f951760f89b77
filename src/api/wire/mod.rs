//! Wire types of the OpenAI-compatible API, named after the API objects. They accept what real
//! servers add or leave out: unknown fields are ignored, optional fields may be missing or null.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize};

/// `POST /chat/completions` body. Only the fields the service reads. The messages may borrow
/// their text (a prompt of megabytes, a conversation's earlier turns) from whoever holds it.
#[derive(Debug, Clone, Serialize)]
pub struct ChatRequest<'a> {
    pub model: String,
    pub messages: Vec<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// `{"type":"json_schema",…}` for servers that constrain decoding (`chat --schema`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message<'a> {
    pub role: Role,
    pub content: Cow<'a, str>,
}

impl<'a> Message<'a> {
    pub fn new(role: Role, content: impl Into<Cow<'a, str>>) -> Message<'a> {
        Message { role, content: content.into() }
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// A non-streamed chat completion.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChatCompletion {
    pub id: Option<String>,
    pub model: Option<String>,
    pub choices: Vec<Choice>,
    #[serde(deserialize_with = "lenient_usage")]
    pub usage: Option<Usage>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Choice {
    pub message: Option<AssistantMessage>,
    pub finish_reason: Option<String>,
}

/// A whole message (`message`) or a streamed piece of one (`delta`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AssistantMessage {
    pub role: Option<String>,
    pub content: Option<String>,
    /// Kimi and DeepSeek name it `reasoning_content`; vLLM and others `reasoning` (some send both).
    pub reasoning_content: Option<String>,
    pub reasoning: Option<String>,
}

impl AssistantMessage {
    pub fn reasoning(&self) -> Option<&str> {
        self.reasoning_content.as_deref().or(self.reasoning.as_deref()).filter(|r| !r.is_empty())
    }
}

/// One `data:` event of a streamed chat completion. Strings borrow from the event's text where
/// they have no escapes, and only the first choice is kept: a stream is thousands of these, so
/// each should cost no allocation.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatChunk<'a> {
    #[serde(borrow)]
    pub model: Option<Text<'a>>,
    /// The first of `choices` (tokenfactory never asks for more than one).
    #[serde(borrow, rename = "choices", deserialize_with = "first_choice")]
    pub choice: Option<ChunkChoice<'a>>,
    #[serde(deserialize_with = "lenient_usage")]
    pub usage: Option<Usage>,
    /// An error event (`{"error": …}`) in the middle of a stream.
    pub error: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChunkChoice<'a> {
    #[serde(borrow)]
    pub delta: Option<Delta<'a>>,
    #[serde(borrow)]
    pub finish_reason: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Delta<'a> {
    #[serde(borrow)]
    pub content: Option<Text<'a>>,
    #[serde(borrow)]
    pub reasoning_content: Option<Text<'a>>,
    #[serde(borrow)]
    pub reasoning: Option<Text<'a>>,
}

impl Delta<'_> {
    pub fn reasoning(&self) -> Option<&str> {
        self.reasoning_content.as_deref().or(self.reasoning.as_deref()).filter(|r| !r.is_empty())
    }
}

/// A string borrowed from the JSON text when it has no escapes, owned otherwise. (A plain
/// `Option<Cow<str>>` is always owned: serde's `borrow` does not reach inside the `Option`.)
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// Keeps the first element of `choices` and skips the rest, without collecting them.
fn first_choice<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<ChunkChoice<'a>>, D::Error> {
    struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
    impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
        type Value = Option<ChunkChoice<'a>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of choices")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let first = seq.next_element::<ChunkChoice<'a>>()?;
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(first)
        }
    }
    d.deserialize_any(Visitor(std::marker::PhantomData))
}

/// Token counts, as the server reports them. Usage is advisory: a count that is not a whole
/// non-negative number (`-5`, `1.5`, `"many"`, `1e300`) is dropped, never the answer it came with;
/// `unreadable` names the first one dropped, for `--verbose`. A whole float (`5.0`) is a count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub total_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
    pub completion_tokens_details: Option<CompletionTokensDetails>,
    /// The first count the server sent that is not one.
    pub unreadable: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompletionTokensDetails {
    pub reasoning_tokens: Option<u64>,
}

impl Usage {
    /// Reasoning tokens wherever the server put them.
    pub fn reasoning(&self) -> Option<u64> {
        self.reasoning_tokens.or(self.completion_tokens_details.and_then(|d| d.reasoning_tokens))
    }
}

/// The largest count believed (10^15 tokens): beyond, a number is noise.
const LARGEST_COUNT: f64 = 1e15;

/// Usage as it arrives, every count any JSON value.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RawUsage {
    prompt_tokens: Option<serde_json::Value>,
    completion_tokens: Option<serde_json::Value>,
    total_tokens: Option<serde_json::Value>,
    reasoning_tokens: Option<serde_json::Value>,
    completion_tokens_details: Option<RawDetails>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawDetails {
    reasoning_tokens: Option<serde_json::Value>,
}

impl From<RawUsage> for Usage {
    fn from(raw: RawUsage) -> Usage {
        let mut unreadable = None;
        let mut count = |name: &'static str, value: Option<serde_json::Value>| match value.as_ref().map(count_of) {
            Some(Some(read)) => read,
            Some(None) => {
                unreadable.get_or_insert(name);
                None
            }
            None => None,
        };
        let usage = Usage {
            prompt_tokens: count("prompt_tokens", raw.prompt_tokens),
            completion_tokens: count("completion_tokens", raw.completion_tokens),
            total_tokens: count("total_tokens", raw.total_tokens),
            reasoning_tokens: count("reasoning_tokens", raw.reasoning_tokens),
            completion_tokens_details: raw.completion_tokens_details.map(|d| CompletionTokensDetails {
                reasoning_tokens: count("completion_tokens_details.reasoning_tokens", d.reasoning_tokens),
            }),
            unreadable: None,
        };
        Usage { unreadable, ..usage }
    }
}

/// A count: `Some(None)` for null, `Some(Some(n))` for a whole non-negative number within reason,
/// `None` for anything else.
fn count_of(value: &serde_json::Value) -> Option<Option<u64>> {
    match value {
        serde_json::Value::Null => Some(None),
        serde_json::Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(n), _) if (n as f64) <= LARGEST_COUNT => Some(Some(n)),
            (None, Some(f)) if f >= 0.0 && f.fract() == 0.0 && f <= LARGEST_COUNT => Some(Some(f as u64)),
            _ => None,
        },
        _ => None,
    }
}

/// `usage` read leniently: anything but an object of counts is no usage, never a failed reply.
fn lenient_usage<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Usage>, D::Error> {
    // One small value per answer: read whole, then as usage if it is one.
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value::<RawUsage>(value).ok().map(Usage::from))
}

/// `POST /embeddings` body.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddingRequest<'a> {
    pub model: &'a str,
    pub input: EmbeddingInput<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
}

/// One text, or many.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum EmbeddingInput<'a> {
    One(&'a str),
    Many(Vec<&'a str>),
}

/// An embeddings response, read without building the vectors: each `embedding` stays the JSON
/// text the server sent (a thousand floats need no parsing to be written out again).
#[derive(Debug, Deserialize)]
pub struct EmbeddingList<'a> {
    #[serde(borrow)]
    pub data: Vec<EmbeddingItem<'a>>,
    #[serde(default)]
    #[serde(deserialize_with = "lenient_usage")]
    pub usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
pub struct EmbeddingItem<'a> {
    pub index: usize,
    #[serde(borrow)]
    pub embedding: &'a serde_json::value::RawValue,
}

/// Any response, read only for its token usage (its text is kept whole elsewhere).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct UsageOnly {
    #[serde(deserialize_with = "lenient_usage")]
    pub usage: Option<Usage>,
}

/// `GET /models`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ModelList {
    pub data: Vec<Model>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Model {
    pub id: String,
    /// Unix seconds; `0` or missing means unknown.
    pub created: Option<i64>,
    pub owned_by: Option<String>,
}

/// `{"error": {...}}`, the OpenAI error envelope. `error` may also be a bare string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorField,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ErrorField {
    Object(ErrorObject),
    Text(String),
}

impl Default for ErrorField {
    fn default() -> Self {
        ErrorField::Text(String::new())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ErrorObject {
    #[serde(deserialize_with = "lenient_string")]
    pub message: Option<String>,
    #[serde(rename = "type", deserialize_with = "lenient_string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub code: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub param: Option<String>,
}

/// Accepts a string, a number or null; treats `""` and Python's `"None"` as absent.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::String(s) if s.is_empty() || s == "None" => None,
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests;
