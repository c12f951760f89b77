//! A streamed chat completion on the wire: opens the request, reads the body one network read at
//! a time under the first-byte and idle timers, and decodes SSE events. What the events mean is
//! the chat command's business.

use std::future::Future;
use std::task::Poll;
use std::time::{Duration, Instant};

use reqwest::Response;
use reqwest::header::CONTENT_TYPE;

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
    response: Response,
    decoder: SseDecoder,
    /// Until the first byte arrives, reads are bounded by this deadline (`--timeout`).
    first_byte_deadline: Option<Instant>,
    request_timeout: Duration,
    idle: Duration,
    url: String,
    /// How the body ended, when that was seen while draining a burst.
    ended: Option<Option<String>>,
}

/// The most bytes taken in one read before the events go out.
const BURST_LIMIT: usize = 64 * 1024;

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
        Ok(StreamStart::Events(EventStream {
            response,
            decoder: SseDecoder::new(),
            first_byte_deadline: Some(deadline),
            request_timeout: timeout,
            idle,
            url,
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
        let chunk = match tokio::time::timeout(limit, self.response.chunk()).await {
            Err(_) => return Err(StreamFault::Stalled { timer, after }),
            Ok(Err(e)) => {
                let detail = classify_transport(&e, &self.url, None).to_string();
                return Err(StreamFault::Closed { detail });
            }
            Ok(Ok(None)) => return Ok(false),
            Ok(Ok(Some(chunk))) => chunk,
        };
        self.first_byte_deadline = None;
        self.decoder.feed(&chunk, out);
        // Take in whatever else has already arrived, so a burst of events costs one write. The
        // HTTP connection task hands the body over one frame at a time, so when the next frame is
        // not ready, let that task run once (a yield, not a wait) before deciding the burst is over.
        let mut taken = chunk.len();
        let mut yielded = false;
        while taken < BURST_LIMIT {
            let mut next = std::pin::pin!(self.response.chunk());
            match std::future::poll_fn(|cx| Poll::Ready(next.as_mut().poll(cx))).await {
                Poll::Ready(Ok(Some(chunk))) => {
                    taken += chunk.len();
                    self.decoder.feed(&chunk, out);
                    yielded = false;
                }
                Poll::Pending if !yielded => {
                    yielded = true;
                    tokio::task::yield_now().await;
                }
                Poll::Ready(Ok(None)) => {
                    self.ended = Some(None);
                    break;
                }
                Poll::Ready(Err(e)) => {
                    self.ended = Some(Some(classify_transport(&e, &self.url, None).to_string()));
                    break;
                }
                Poll::Pending => break,
            }
        }
        Ok(true)
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}
