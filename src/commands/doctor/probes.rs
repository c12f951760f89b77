//! doctor's checks of the API itself, each request sent once: auth (`GET /models`), the model in
//! the catalog, one small completion, a stream read as `chat --stream` reads it, and with
//! `--embeddings` one embedding.

use std::time::{Duration, Instant};

use super::{failed, plural};
use crate::api::wire::{ChatRequest, Message, Role};
use crate::api::{ApiError, Case, ChatEvent, Client, Ending, StreamStart};
use crate::explain::{self, Facts};
use crate::output::doctor::{Check, Status};
use crate::settings::Settings;

fn api_failure(id: &'static str, name: &'static str, error: &ApiError, settings: &Settings) -> Check {
    failure_with(id, name, error, Facts::of_api_error(error, Some(settings.model.clone())))
}

/// A failed request's check: the error, its case's hints from `facts`, and what the server said
/// about the request.
fn failure_with(id: &'static str, name: &'static str, error: &ApiError, facts: Facts) -> Check {
    let mut c = failed(id, name, error.to_string(), error.case(), &facts);
    if let ApiError::Status(h) = error {
        if let Some(request_id) = h.request_id() {
            c.details.push(format!("request id: {request_id}"));
        }
        if let Some(wait) = h.headers.retry_after {
            c.details.push(format!("retry-after: {}", crate::time_text::span(wait)));
        }
        c.details.extend(h.headers.rate_limit_text.iter().map(|(k, v)| format!("{k}: {v}")));
    }
    c
}

/// What `GET /models` told.
pub enum Catalog {
    Listed(Vec<String>),
    /// The base URL serves no catalog (404), which says nothing about the key or the base URL:
    /// the completion check decides.
    Missing,
    Failed,
}

/// Why the model check is skipped when the catalog endpoint is missing.
pub const NO_CATALOG: &str = "the catalog endpoint (GET /models) is not available at this base URL";

/// Auth: `GET /models` with the key. `chat_follows` says whether a completion check comes after,
/// which then verifies the key when there is no catalog.
pub async fn auth(client: &Client, settings: &Settings, chat_follows: bool) -> (Check, Catalog) {
    match client.models().await {
        Ok(reply) => {
            let ids: Vec<String> = reply.value.data.into_iter().map(|m| m.id).collect();
            let c = Check::new(
                "auth",
                "auth",
                Status::Pass,
                format!("the key was accepted (GET /models listed {} model{})", ids.len(), plural(ids.len())),
            );
            (c, Catalog::Listed(ids))
        }
        // A 404 on the catalog, whatever its body says: this server has no catalog endpoint.
        Err(e) if e.http().is_some_and(|h| h.status == 404) => {
            let c = if chat_follows {
                Check::skipped("auth", "auth", format!("{NO_CATALOG} (404); the completion check verifies the key"))
            } else {
                let mut c = Check::new(
                    "auth",
                    "auth",
                    Status::Warn,
                    format!("not verified: {NO_CATALOG} (404), and no completion is sent to verify the key"),
                );
                c.hints = vec![
                    "run doctor without --no-chat to verify the key with one small completion".into(),
                    "if chat answers 404 too, the base URL is wrong (it usually ends in /v1)".into(),
                ];
                c
            };
            (c, Catalog::Missing)
        }
        Err(e) => (api_failure("auth", "auth", &e, settings), Catalog::Failed),
    }
}

pub fn model(settings: &Settings, ids: &[String]) -> Check {
    let wanted = &settings.model;
    if ids.iter().any(|id| id == wanted) {
        return Check::new("model", "model", Status::Pass, format!("{wanted} is in the catalog"));
    }
    let suggestions = crate::suggest::closest(wanted, ids.iter().map(String::as_str), 3);
    let mut c = Check::new(
        "model",
        "model",
        Status::Warn,
        format!("{wanted} is not in the catalog; the completion below shows whether the server answers for it"),
    );
    c.hints = vec!["some servers answer for models they do not list (wildcard routes); others refuse them".into()];
    if !suggestions.is_empty() {
        c.hints.push(format!("closest IDs in the catalog: {}", suggestions.join(", ")));
    }
    c
}

/// The smallest request that proves inference works.
fn probe_request(settings: &Settings, stream: bool) -> ChatRequest<'static> {
    ChatRequest {
        model: settings.model.clone(),
        messages: vec![Message::new(Role::User, "Reply with the single word OK.")],
        temperature: None,
        max_tokens: Some(PROBE_MAX_TOKENS),
        stream,
        stream_options: None,
        response_format: None,
    }
}

/// Enough for a short answer; a reasoning model may still spend it all thinking, which passes.
const PROBE_MAX_TOKENS: u32 = 32;

pub async fn completion(client: &Client, settings: &Settings) -> Check {
    let started = Instant::now();
    match client.chat(&probe_request(settings, false)).await {
        Ok(reply) => {
            let choice = reply.value.choices.first();
            let content =
                choice.and_then(|c| c.message.as_ref()).and_then(|m| m.content.as_deref()).unwrap_or("").trim();
            let summary = if content.is_empty() {
                let reasoned = choice.and_then(|c| c.message.as_ref()).and_then(|m| m.reasoning()).is_some();
                if reasoned || choice.and_then(|c| c.finish_reason.as_deref()) == Some("length") {
                    format!(
                        "200 OK with an empty answer: a reasoning model spent the {PROBE_MAX_TOKENS}-token budget thinking, which is fine"
                    )
                } else {
                    "200 OK with an empty answer".to_string()
                }
            } else {
                let short: String = crate::output::Sanitizer::clean(content).chars().take(40).collect();
                format!("answered {short:?} in {:.1} s", started.elapsed().as_secs_f64())
            };
            Check::new("completion", "completion", Status::Pass, summary)
        }
        Err(e) => api_failure("completion", "completion", &e, settings),
    }
}

/// One small embeddings request (`--embeddings`) for the model `embed` uses by default: doctor's
/// `-m` names the chat model, so only `OMNIVA_EMBEDDING_MODEL` (else the default) counts here.
pub async fn embeddings(client: &Client, settings: &Settings) -> Check {
    let model = settings.embedding_model.clone();
    let started = Instant::now();
    match crate::commands::embed::probe(client, &model).await {
        Ok(dimensions) => Check::new(
            "embeddings",
            "embeddings",
            Status::Pass,
            format!("{model} gave a vector of {dimensions} dimensions in {:.1} s", started.elapsed().as_secs_f64()),
        ),
        Err(e) => {
            let facts = Facts { embeddings: true, ..Facts::of_api_error(&e, Some(model)) };
            failure_with("embeddings", "embeddings", &e, facts)
        }
    }
}

pub async fn streaming(client: &Client, settings: &Settings) -> Check {
    let started = Instant::now();
    let mut stream = match client.chat_stream(&probe_request(settings, true), settings.idle_timeout).await {
        Ok(StreamStart::Events(stream)) => stream,
        Ok(StreamStart::Whole(_)) => {
            let mut c = Check::new(
                "streaming",
                "streaming",
                Status::Warn,
                "the server ignored stream: true and sent one JSON answer",
            );
            c.hints = explain::hints(Case::StreamSilent, &Facts::default());
            return c;
        }
        Err(e) => return api_failure("streaming", "streaming", &e, settings),
    };
    let mut seen = Seen::default();
    let ended = loop {
        let before = seen.chunks;
        let read = stream
            .read(|event| {
                if let ChatEvent::Chunk(_) = event {
                    seen.chunks += 1;
                    seen.first.get_or_insert_with(|| started.elapsed());
                }
            })
            .await;
        if seen.chunks > before {
            seen.reads += 1;
        }
        match read {
            Ok(true) => {}
            Ok(false) => break Ok(stream.ended()),
            Err(e) => break Err(e),
        }
    };
    stream_verdict(&seen, ended, settings)
}

/// What doctor saw of a stream.
#[derive(Default)]
struct Seen {
    /// Reads that brought chunks.
    reads: usize,
    chunks: usize,
    first: Option<Duration>,
}

impl Seen {
    /// `2 chunks`
    fn count(&self) -> String {
        format!("{} chunk{}", self.chunks, plural(self.chunks))
    }

    /// `, first after 12 ms`
    fn first_after(&self) -> String {
        self.first.map(|d| format!(", first after {} ms", d.as_millis())).unwrap_or_default()
    }
}

/// The check of a stream that ended as `ended` says (the same end-of-stream rule as `chat`).
fn stream_verdict(seen: &Seen, ended: Result<Ending, ApiError>, settings: &Settings) -> Check {
    const ID: &str = "streaming";
    let (chunks, first) = (seen.count(), seen.first_after());
    let ending = match ended {
        Ok(ending) => ending,
        Err(ApiError::StreamStalled { .. }) => {
            let what = format!("the stream went silent (no content for the idle timeout) after {chunks}{first}");
            return failed(ID, ID, what, Case::StreamSilent, &Facts::default());
        }
        Err(ApiError::StreamCut { detail, .. }) => {
            let what = match detail {
                Some(_) => format!("the stream ended before data: [DONE] after {chunks}{first}"),
                None => format!("the stream ended without data: [DONE] or a finish reason after {chunks}{first}"),
            };
            return failed(ID, ID, what, Case::StreamCut, &Facts::default());
        }
        Err(error) => return api_failure(ID, ID, &error, settings),
    };
    if ending == Ending::FinishedWithoutDone {
        let what = format!("the stream ended after its finish reason, without data: [DONE] ({chunks}{first})");
        let mut c = Check::new(ID, ID, Status::Warn, what);
        c.hints = vec!["tokenfactory treats this as complete; strict clients may report the stream as cut off".into()];
        return c;
    }
    if seen.chunks > 1 && seen.reads > 1 {
        return Check::new(ID, ID, Status::Pass, format!("{chunks} arrived incrementally{first}"));
    }
    let mut c = Check::new(
        ID,
        ID,
        Status::Warn,
        format!("the whole answer arrived at once ({chunks} in {} read{}){first}", seen.reads, plural(seen.reads)),
    );
    c.hints = vec![
        "something between here and the server may buffer the stream (a proxy), or the answer was just very short"
            .into(),
        "clients that buffer look silent too: test with curl -N (--no-buffer)".into(),
    ];
    c
}
