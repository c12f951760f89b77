//! A streamed chat completion as typed events: each network read's chunks become text, reasoning,
//! the model's name, a finish reason and usage, handed to the reader in order. The one
//! end-of-stream rule lives here (`[DONE]`, or a finish reason and then the close), and so do the
//! stream's timers, which count content, not bytes: keep-alive comments may hold a connection
//! open, but a stream that sends no content within `--timeout`, or none for `--idle-timeout`
//! between two pieces, stalls.

use std::time::{Duration, Instant};

use super::error::{ApiError, Timer};
use super::server_message::ServerMessage;
use super::sse::SseBatch;
use super::stream::{EventStream, StreamFault};
use super::wire::{ChatChunk, Usage};

/// What one chunk of a streamed answer told, in the order it told it.
#[derive(Debug, PartialEq)]
pub enum ChatEvent<'a> {
    /// The event's data as sent: every chunk comes first as this (for `--json`).
    Chunk(&'a str),
    /// The model that answers, as the server names it.
    Model(&'a str),
    Reasoning(&'a str),
    Text(&'a str),
    Finish(&'a str),
    Usage(Usage),
}

/// How a stream that ended cleanly ended. `[DONE]` ends it; a close right after a finish reason
/// is complete too (servers that omit `[DONE]` exist), but worth a note where someone diagnoses
/// the server; anything else is cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Done,
    FinishedWithoutDone,
    Cut,
}

/// A streamed chat completion being read.
pub struct ChatStream {
    events: EventStream,
    batch: SseBatch,
    url: String,
    request_id: Option<String>,
    timeout: Duration,
    idle: Duration,
    /// When the next content must have arrived, and which timer says so.
    deadline: Instant,
    timer: Timer,
    /// What the stream has shown so far.
    content_seen: bool,
    choices_seen: bool,
    finish_seen: bool,
    done: bool,
    /// The stream is over (complete): reads return `Ok(false)`.
    over: bool,
}

impl ChatStream {
    /// A stream whose request was sent at `sent`: its first content is due within `timeout`, each
    /// next piece within `idle` of the one before.
    pub(super) fn new(
        events: EventStream,
        url: String,
        request_id: Option<String>,
        sent: Instant,
        timeout: Duration,
        idle: Duration,
    ) -> ChatStream {
        ChatStream {
            events,
            batch: SseBatch::default(),
            url,
            request_id,
            timeout,
            idle,
            deadline: sent.checked_add(timeout).unwrap_or(sent),
            timer: Timer::Request,
            content_seen: false,
            choices_seen: false,
            finish_seen: false,
            done: false,
            over: false,
        }
    }

    /// Waits for the next network read and hands its events to `each`, in order. `Ok(true)`: more
    /// may come; `Ok(false)`: the stream ended complete. An error (a cut, a stall, an error
    /// event, a chunk that is not one) comes after the events before it were handed over.
    pub async fn read(&mut self, mut each: impl FnMut(ChatEvent<'_>)) -> Result<bool, ApiError> {
        if self.over {
            return Ok(false);
        }
        self.batch.clear();
        let more = match self.events.read(&mut self.batch, self.deadline).await {
            Ok(more) => more,
            Err(fault) => {
                // A close right after a finish reason is a complete answer.
                if matches!(fault, StreamFault::Closed { .. }) && self.ending(false) != Ending::Cut {
                    self.over = true;
                    return Ok(false);
                }
                return Err(self.fault(fault));
            }
        };
        let batch = std::mem::take(&mut self.batch);
        let absorbed = self.absorb(&batch, &mut each);
        self.batch = batch;
        absorbed?;
        if self.done || !more {
            self.over = true;
            return match self.ending(false) {
                Ending::Cut => Err(self.cut(None)),
                _ if !self.choices_seen => {
                    Err(ApiError::NoAnswer { what: "stream", detail: "none of its chunks held a choice".into() })
                }
                _ => Ok(false),
            };
        }
        Ok(true)
    }

    /// Hands each event of `batch` to `each`, up to `[DONE]` or an error event.
    fn absorb(&mut self, batch: &SseBatch, each: &mut impl FnMut(ChatEvent<'_>)) -> Result<(), ApiError> {
        let mut content = false;
        for event in batch.iter() {
            if event.data.trim() == "[DONE]" {
                self.done = true;
                break;
            }
            each(ChatEvent::Chunk(event.data));
            let chunk: ChatChunk = serde_json::from_str(event.data).map_err(|e| ApiError::Decode {
                what: "stream chunk",
                detail: format!("{e}; the chunk starts with {:?}", event.data.chars().take(80).collect::<String>()),
            })?;
            if let Some(error) = chunk.error.filter(|e| !e.is_null()) {
                let server = ServerMessage::from_event(&serde_json::json!({ "error": error })).unwrap_or_default();
                return Err(ApiError::StreamError { server, content_received: self.content_seen });
            }
            if let Some(model) = &chunk.model {
                each(ChatEvent::Model(model));
            }
            if let Some(usage) = chunk.usage {
                each(ChatEvent::Usage(usage));
            }
            let Some(choice) = chunk.choice else { continue };
            self.choices_seen = true;
            if let Some(delta) = &choice.delta {
                if let Some(reasoning) = delta.reasoning() {
                    content = true;
                    each(ChatEvent::Reasoning(reasoning));
                }
                if let Some(text) = delta.content.as_deref().filter(|c| !c.is_empty()) {
                    content = true;
                    self.content_seen = true;
                    each(ChatEvent::Text(text));
                }
            }
            if let Some(reason) = &choice.finish_reason {
                self.finish_seen = true;
                each(ChatEvent::Finish(reason));
            }
        }
        if content {
            // The next piece is due within the idle timeout of this one.
            self.timer = Timer::Idle;
            self.deadline = Instant::now().checked_add(self.idle).unwrap_or(self.deadline);
        }
        Ok(())
    }

    /// How the stream ends if it ends now (`done`: `[DONE]` was seen).
    fn ending(&self, done: bool) -> Ending {
        match (done || self.done, self.finish_seen) {
            (true, _) => Ending::Done,
            (false, true) => Ending::FinishedWithoutDone,
            (false, false) => Ending::Cut,
        }
    }

    /// How the stream ended, once `read` returned `Ok(false)`.
    pub fn ended(&self) -> Ending {
        self.ending(false)
    }

    fn fault(&self, fault: StreamFault) -> ApiError {
        match fault {
            StreamFault::Closed { detail } => self.cut(Some(detail)),
            StreamFault::Stalled => ApiError::StreamStalled {
                url: self.url.clone(),
                timer: self.timer,
                after: if self.timer == Timer::Request { self.timeout } else { self.idle },
                content_received: self.content_seen,
                kept_alive: self.events.bytes_seen,
            },
            StreamFault::TooLarge(what) => ApiError::StreamMalformed {
                url: self.url.clone(),
                detail: what.describe(),
                content_received: self.content_seen,
            },
        }
    }

    fn cut(&self, detail: Option<String>) -> ApiError {
        ApiError::StreamCut { url: self.url.clone(), content_received: self.content_seen, detail }
    }

    /// The server's request id header, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// What the server answered to a streamed request.
pub enum StreamStart {
    /// A `text/event-stream` body to read.
    Events(ChatStream),
    /// The server ignored `stream: true` and sent one JSON completion.
    Whole(super::client::Reply<super::wire::ChatCompletion>),
}

impl super::client::Client {
    /// `POST /chat/completions` with `stream: true`. The response headers and the first content
    /// are due within `--timeout`; each next piece within `idle` of the one before.
    pub async fn chat_stream(
        &self,
        request: &super::wire::ChatRequest<'_>,
        idle: Duration,
    ) -> Result<StreamStart, ApiError> {
        use super::transport::within_request_timeout;
        let url = self.url("chat/completions");
        let body =
            serde_json::to_vec(request).map_err(|e| ApiError::Decode { what: "request", detail: e.to_string() })?;
        let timeout = self.request_timeout();
        let sent = Instant::now();
        let send = self.send(reqwest::Method::POST, &url, Some(body), Some(&request.model));
        let response = within_request_timeout(timeout, timeout, &url, send).await?;
        let headers = super::headers::ResponseHeaders::read(response.headers(), std::time::SystemTime::now());
        let is_sse =
            headers.content_type.as_deref().is_some_and(|v| v.to_ascii_lowercase().contains("text/event-stream"));
        if !is_sse {
            let remaining = (sent + timeout).saturating_duration_since(Instant::now());
            let reply = within_request_timeout(remaining, timeout, &url, self.read_json(response, "chat completion"));
            return Ok(StreamStart::Whole(reply.await?));
        }
        let events = EventStream::start(response, url.clone());
        Ok(StreamStart::Events(ChatStream::new(events, url, headers.request_id, sent, timeout, idle)))
    }
}
