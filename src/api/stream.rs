//! A streamed chat completion on the wire: opens the request, reads the body one network read at
//! a time under the first-byte and idle timers, and decodes SSE events. What the events mean is
//! the chat command's business.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Response;
use reqwest::header::CONTENT_TYPE;
use tokio::sync::mpsc;

use super::client::{Client, Reply};
use super::error::{ApiError, Timer};
use super::sse::{SseBatch, SseDecoder};
use super::transport::{classify_transport, within_request_timeout};
use super::wire::{ChatCompletion, ChatRequest};

/// What the server answered to a streamed request.
pub enum StreamStart {
    /// A `text/event-stream` body to read.
    Events(EventStream),
    /// The server ignored `stream: true` and sent one JSON completion.
    Whole(Reply<ChatCompletion>),
}

/// Why an open stream stopped delivering before its terminator.
#[derive(Debug)]
pub enum StreamFault {
    /// The connection broke (a reset, a malformed chunk): what the transport said.
    Closed { detail: String },
    /// A timer fired: `--timeout` before the first byte, `--idle-timeout` after.
    Stalled { timer: Timer, after: Duration },
}

/// The event that ends a stream.
pub fn is_done(data: &str) -> bool {
    data.trim() == "[DONE]"
}

/// How a stream that ended cleanly ended. One rule for every reader: `data: [DONE]` ends it;
/// a close right after a finish reason is complete too (servers that omit `[DONE]` exist), but
/// worth a note where someone diagnoses the server; anything else is cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Done,
    FinishedWithoutDone,
    Cut,
}

impl Ending {
    pub fn of(done: bool, finish_reason_seen: bool) -> Ending {
        match (done, finish_reason_seen) {
            (true, _) => Ending::Done,
            (false, true) => Ending::FinishedWithoutDone,
            (false, false) => Ending::Cut,
        }
    }
}

pub struct EventStream {
    /// The body's frames, pumped by their own task (see [`pump`]).
    frames: mpsc::Receiver<Result<Bytes, String>>,
    pump: tokio::task::JoinHandle<()>,
    decoder: SseDecoder,
    /// Until the first byte arrives, reads are bounded by this deadline (`--timeout`).
    first_byte_deadline: Option<Instant>,
    request_timeout: Duration,
    idle: Duration,
    url: String,
    request_id: Option<String>,
    /// How the body ended, when that was seen while draining a burst.
    ended: Option<Option<String>>,
}

/// The most bytes taken in one read before the events go out.
const BURST_LIMIT: usize = 64 * 1024;

/// Frames the pump may run ahead of the reader: bounded, so a slow stdout holds the connection
/// back instead of letting memory grow.
const FRAMES_AHEAD: usize = 256;

impl Client {
    /// `POST /chat/completions` with `stream: true`. The wait for the response headers and the
    /// first body byte is bounded by `--timeout`; later gaps by `idle`.
    pub async fn chat_stream(&self, request: &ChatRequest, idle: Duration) -> Result<StreamStart, ApiError> {
        let url = self.url("chat/completions");
        let body =
            serde_json::to_vec(request).map_err(|e| ApiError::Decode { what: "request", detail: e.to_string() })?;
        let timeout = self.request_timeout();
        let deadline = Instant::now() + timeout;
        let send = self.send(reqwest::Method::POST, &url, Some(body), Some(&request.model));
        let response = within_request_timeout(timeout, timeout, &url, send).await?;
        let is_sse = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("text/event-stream"));
        if !is_sse {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let reply = within_request_timeout(remaining, timeout, &url, self.read_json(response, "chat completion"));
            return Ok(StreamStart::Whole(reply.await?));
        }
        let request_id =
            super::headers::ResponseHeaders::read(response.headers(), std::time::SystemTime::now()).request_id;
        let (tx, frames) = mpsc::channel(FRAMES_AHEAD);
        let pump = tokio::spawn(pump(response, url.clone(), tx));
        Ok(StreamStart::Events(EventStream {
            frames,
            pump,
            decoder: SseDecoder::new(),
            first_byte_deadline: Some(deadline),
            request_timeout: timeout,
            idle,
            url,
            request_id,
            ended: None,
        }))
    }
}

impl EventStream {
    /// Waits for the next network read and appends the events it completed to `out` (it may
    /// complete none). Returns `Ok(false)` at the end of the body.
    pub async fn read(&mut self, out: &mut SseBatch) -> Result<bool, StreamFault> {
        match self.ended.take() {
            Some(None) => return Ok(false),
            Some(Some(detail)) => return Err(StreamFault::Closed { detail }),
            None => {}
        }
        let (limit, timer) = match self.first_byte_deadline {
            Some(deadline) => (deadline.saturating_duration_since(Instant::now()), Timer::Request),
            None => (self.idle, Timer::Idle),
        };
        let after = if timer == Timer::Request { self.request_timeout } else { self.idle };
        let chunk = match tokio::time::timeout(limit, self.frames.recv()).await {
            Err(_) => return Err(StreamFault::Stalled { timer, after }),
            Ok(Some(Err(detail))) => return Err(StreamFault::Closed { detail }),
            Ok(None) => return Ok(false),
            Ok(Some(Ok(chunk))) => chunk,
        };
        self.first_byte_deadline = None;
        self.decoder.feed(&chunk, out);
        // Take in whatever else has already arrived, so a burst of events costs one write.
        let mut taken = chunk.len();
        while taken < BURST_LIMIT {
            match self.frames.try_recv() {
                Ok(Ok(chunk)) => {
                    taken += chunk.len();
                    self.decoder.feed(&chunk, out);
                }
                Ok(Err(detail)) => {
                    self.ended = Some(Some(detail));
                    break;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.ended = Some(None);
                    break;
                }
                Err(mpsc::error::TryRecvError::Empty) => break,
            }
        }
        Ok(true)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's request id header, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        // An abandoned stream (Ctrl-C, a fault) closes its connection now.
        self.pump.abort();
    }
}

/// Moves the body's frames into a channel from a task of its own. hyper hands a body over one
/// frame at a time from its connection task; as two tasks, the connection and the pump pass
/// frames back and forth without waking the reader, which then takes a whole burst at once.
/// (Read directly, every frame cost a round through the runtime and an `epoll_wait`.)
async fn pump(mut response: Response, url: String, frames: mpsc::Sender<Result<Bytes, String>>) {
    loop {
        let frame = match response.chunk().await {
            Ok(Some(chunk)) => Ok(chunk),
            Ok(None) => return,
            Err(e) => Err(classify_transport(&e, &url, None).to_string()),
        };
        let last = frame.is_err();
        if frames.send(frame).await.is_err() || last {
            return;
        }
    }
}
