//! `batch run`'s input, one request per line, read as a stream (never whole): OpenAI batch lines
//! (`{"custom_id","method","url","body"}`, chat completions or embeddings), shorthand lines
//! (`{"prompt","system","id"}`), or with `--lines` one prompt per non-empty line. The whole file is
//! checked before anything is sent: each bad line named by its number, duplicate IDs refused.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::{Map, Value};

use crate::api::wire::{ChatRequest, Message, Role};
use crate::jobs::results::InputKey;
use crate::jobs::{IdSet, fingerprint};
use crate::report::{Error, InputError};

/// What the options give a line that does not say otherwise.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub model: String,
    pub embedding_model: String,
    pub system: Option<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    /// `--lines`: each non-empty line is a prompt.
    pub lines: bool,
}

/// The endpoints a batch line may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Chat,
    Embeddings,
}

impl Endpoint {
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Chat => "chat/completions",
            Endpoint::Embeddings => "embeddings",
        }
    }
}

/// One request, ready to send.
#[derive(Debug, Clone)]
pub struct Request {
    pub line: usize,
    pub id: String,
    pub endpoint: Endpoint,
    pub body: Value,
    /// The fingerprint of the ID and the body as sent: the results file records it, so a resume
    /// knows which request each result answered.
    pub binding: u64,
}

impl Request {
    fn new(line: usize, id: String, endpoint: Endpoint, body: Value) -> Request {
        // serde_json's objects keep their keys sorted: the same body always prints the same.
        let text = format!("{id}\n{}\n{body}", endpoint.path());
        Request { line, binding: fingerprint(text.as_bytes()), id, endpoint, body }
    }
}

/// Reads the requests of `path`, one per non-empty line; each item is a request or the problem of
/// its line (`line N: …`).
pub fn requests(
    path: &Path,
    defaults: &Defaults,
) -> std::io::Result<impl Iterator<Item = Result<Request, String>> + use<>> {
    let reader = BufReader::new(File::open(path)?);
    let defaults = defaults.clone();
    Ok(reader.lines().enumerate().filter_map(move |(i, line)| {
        let number = i + 1;
        match line {
            Err(e) => Some(Err(format!("line {number}: cannot be read ({e})"))),
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => Some(parse(&text, number, &defaults).map_err(|why| format!("line {number}: {why}"))),
        }
    }))
}

/// The most problems named; the rest are counted.
const NAMED: usize = 10;

/// Checks the whole file (`name` in messages): every line valid, no ID twice. Returns each
/// request's key, in input order.
pub fn check(path: &Path, defaults: &Defaults, name: &str) -> Result<Vec<InputKey>, Error> {
    let mut seen = IdSet::default();
    let (mut problems, mut more, mut keys) = (Vec::new(), 0, Vec::new());
    let mut not_json = 0;
    let requests = requests(path, defaults).map_err(|e| Error::io(format!("cannot read {name}"), e))?;
    for item in requests {
        let problem = match item {
            Ok(request) if !seen.insert(&request.id) => {
                Some(format!("line {}: the id {:?} was used before (ids must be unique)", request.line, request.id))
            }
            Ok(request) => {
                keys.push(InputKey {
                    id: fingerprint(request.id.as_bytes()),
                    binding: request.binding,
                    line: request.line,
                });
                None
            }
            Err(problem) => {
                not_json += usize::from(problem.contains(": not JSON"));
                Some(problem)
            }
        };
        match problem {
            Some(p) if problems.len() < NAMED => problems.push(p),
            Some(_) => more += 1,
            None => {}
        }
    }
    if problems.is_empty() && keys.is_empty() {
        problems.push("there are no requests in it (every line is empty)".into());
    }
    if keys.is_empty() && not_json > 0 && not_json == problems.len() + more {
        return Err(crate::report::UsageError {
            message: format!("{name} looks like a text file: none of its lines is a JSON request"),
            hint: Some(format!("to send each line as a prompt: tokenfactory batch run --lines {name}")),
        }
        .into());
    }
    if more > 0 {
        problems.push(format!("… and {more} more"));
    }
    if problems.is_empty() {
        return Ok(keys);
    }
    Err(InputError { message: format!("{name} has lines batch run cannot send"), problems }.into())
}

fn parse(text: &str, number: usize, defaults: &Defaults) -> Result<Request, String> {
    if defaults.lines {
        let prompt = text.trim_end_matches('\r').to_string();
        return Ok(Request::new(number, number.to_string(), Endpoint::Chat, chat_body(defaults, prompt)));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let Value::Object(object) = value else { return Err("not a JSON object".into()) };
    if object.contains_key("custom_id") || object.contains_key("body") || object.contains_key("url") {
        batch_line(object, number, defaults)
    } else if object.contains_key("prompt") {
        shorthand(object, number, defaults)
    } else {
        Err("a request line has custom_id, method, url and body (the OpenAI batch format), or a prompt".into())
    }
}

/// `{"custom_id","method":"POST","url":"/v1/chat/completions","body":{…}}`.
fn batch_line(mut object: Map<String, Value>, number: usize, defaults: &Defaults) -> Result<Request, String> {
    let id = match object.get("custom_id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(_) => return Err("custom_id must be a non-empty string".into()),
        None => return Err("custom_id is missing".into()),
    };
    match object.get("method").and_then(Value::as_str) {
        None | Some("POST") => {}
        Some(other) => return Err(format!("method {other:?} is not supported (only POST)")),
    }
    let url = object.get("url").and_then(Value::as_str).unwrap_or_default();
    let endpoint = match url.trim_end_matches('/') {
        "/v1/chat/completions" | "/chat/completions" => Endpoint::Chat,
        "/v1/embeddings" | "/embeddings" => Endpoint::Embeddings,
        "" => return Err("url is missing (/v1/chat/completions or /v1/embeddings)".into()),
        other => {
            return Err(format!("url {other:?} is not one batch run sends (/v1/chat/completions, /v1/embeddings)"));
        }
    };
    let Some(Value::Object(mut body)) = object.remove("body") else { return Err("body must be a JSON object".into()) };
    match endpoint {
        Endpoint::Chat => {
            if body.get("messages").and_then(Value::as_array).is_none_or(|m| m.is_empty()) {
                return Err("body.messages must be a non-empty list".into());
            }
            if body.get("stream").and_then(Value::as_bool) == Some(true) {
                return Err("body.stream is true; batch run does not stream".into());
            }
            body.entry("model").or_insert_with(|| Value::from(defaults.model.as_str()));
        }
        Endpoint::Embeddings => {
            let input_ok = match body.get("input") {
                Some(Value::String(s)) => !s.is_empty(),
                Some(Value::Array(items)) => !items.is_empty(),
                _ => false,
            };
            if !input_ok {
                return Err("body.input must be a string or a non-empty list".into());
            }
            body.entry("model").or_insert_with(|| Value::from(defaults.embedding_model.as_str()));
        }
    }
    if !body.get("model").is_some_and(Value::is_string) {
        return Err("body.model must be a string".into());
    }
    Ok(Request::new(number, id, endpoint, Value::Object(body)))
}

/// `{"prompt":"…","system":"…","id":"t-1"}`, also `model`, `temperature`, `max_tokens`.
fn shorthand(object: Map<String, Value>, number: usize, defaults: &Defaults) -> Result<Request, String> {
    let prompt = match object.get("prompt") {
        Some(Value::String(p)) if !p.trim().is_empty() => p.clone(),
        _ => return Err("prompt must be a non-empty string".into()),
    };
    let id = match object.get("id") {
        None | Some(Value::Null) => number.to_string(),
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err("id must be a string or a number".into()),
    };
    let text = |key: &str| match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{key} must be a string")),
    };
    let mut defaults = defaults.clone();
    if let Some(model) = text("model")? {
        defaults.model = model;
    }
    if let Some(system) = text("system")? {
        defaults.system = Some(system);
    }
    if let Some(t) = object.get("temperature").filter(|v| !v.is_null()) {
        let t = t.as_f64().filter(|t| (0.0..=2.0).contains(t)).ok_or("temperature must be a number from 0 to 2")?;
        defaults.temperature = Some(t);
    }
    if let Some(n) = object.get("max_tokens").filter(|v| !v.is_null()) {
        let n = n
            .as_u64()
            .filter(|n| *n >= 1 && *n <= u64::from(u32::MAX))
            .ok_or("max_tokens must be a positive integer")?;
        defaults.max_tokens = Some(n as u32);
    }
    Ok(Request::new(number, id, Endpoint::Chat, chat_body(&defaults, prompt)))
}

/// A chat completion body, as `chat` would send it.
fn chat_body(defaults: &Defaults, prompt: String) -> Value {
    let mut messages = Vec::with_capacity(2);
    if let Some(content) = defaults.system.clone() {
        messages.push(Message::new(Role::System, content));
    }
    messages.push(Message::new(Role::User, prompt));
    let request = ChatRequest {
        model: defaults.model.clone(),
        messages,
        temperature: defaults.temperature,
        max_tokens: defaults.max_tokens,
        stream: false,
        stream_options: None,
        response_format: None,
    };
    serde_json::to_value(&request).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            model: "m".into(),
            embedding_model: "e".into(),
            system: Some("sys".into()),
            temperature: Some(0.5),
            max_tokens: None,
            lines: false,
        }
    }

    #[test]
    fn the_three_forms() {
        let d = defaults();
        let batch = parse(r#"{"custom_id":"t-1","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"hi"}]}}"#, 1, &d).expect("batch");
        assert_eq!((batch.id.as_str(), batch.endpoint), ("t-1", Endpoint::Chat));
        assert_eq!(batch.body["model"], "m", "a model filled in");
        let short = parse(r#"{"prompt":"hello","temperature":1.5}"#, 7, &d).expect("shorthand");
        assert_eq!(short.id, "7");
        assert_eq!(
            short.body,
            serde_json::json!({"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":"hello"}],"temperature":1.5})
        );
        let lines = Defaults { lines: true, ..d.clone() };
        assert_eq!(parse("just text\r", 3, &lines).expect("line").body["messages"][1]["content"], "just text");
        let embed = parse(r#"{"custom_id":"e1","url":"/v1/embeddings","body":{"input":["a","b"]}}"#, 1, &d)
            .expect("embeddings");
        assert_eq!((embed.endpoint, embed.body["model"].as_str()), (Endpoint::Embeddings, Some("e")));
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let d = defaults();
        let why = |text: &str| parse(text, 1, &d).expect_err(text);
        assert!(why("{nope").starts_with("not JSON"));
        assert_eq!(why("[1]"), "not a JSON object");
        assert_eq!(why(r#"{"url":"/v1/chat/completions","body":{"messages":[{}]}}"#), "custom_id is missing");
        assert!(
            why(r#"{"custom_id":"a","url":"/v1/images","body":{}}"#)
                .starts_with("url \"/v1/images\" is not one batch run sends")
        );
        assert_eq!(
            why(r#"{"custom_id":"a","url":"/v1/chat/completions","body":{"messages":[]}}"#),
            "body.messages must be a non-empty list"
        );
        assert_eq!(
            why(r#"{"custom_id":"a","method":"GET","url":"/v1/chat/completions","body":{}}"#),
            "method \"GET\" is not supported (only POST)"
        );
        assert_eq!(why(r#"{"prompt":""}"#), "prompt must be a non-empty string");
        assert_eq!(
            why(r#"{"text":"hi"}"#),
            "a request line has custom_id, method, url and body (the OpenAI batch format), or a prompt"
        );
    }
}
