//! A `text/event-stream` body on the wire: a task pumps the body's frames into a bounded channel,
//! and each read takes the next frame (and every frame already waiting) before a deadline the
//! reader gives, decoding SSE events into a reusable batch. What the events mean is
//! `chat_stream`'s business.

use std::time::Instant;

use bytes::Bytes;
use reqwest::Response;
use tokio::sync::mpsc;

use super::sse::{SseBatch, SseDecoder, TooLarge};
use super::transport::classify_transport;

/// Why an open stream stopped delivering.
#[derive(Debug)]
pub enum StreamFault {
    /// The connection broke (a reset, a malformed chunk): what the transport said.
    Closed { detail: String },
    /// Nothing arrived before the deadline.
    Stalled,
    /// A line or an event passed the decoder's limit.
    TooLarge(TooLarge),
}

/// How the body ended, when that was seen while taking in a burst.
#[derive(Debug)]
enum BodyEnd {
    Clean,
    Broken(String),
}

pub struct EventStream {
    /// The body's frames, pumped by their own task (see [`pump`]).
    frames: mpsc::Receiver<Result<Bytes, String>>,
    pump: tokio::task::JoinHandle<()>,
    decoder: SseDecoder,
    /// How the body ended, when a burst already showed it.
    ended: Option<BodyEnd>,
    /// Bytes have arrived (comments included).
    pub(super) bytes_seen: bool,
}

/// The most bytes taken in one read before the events go out.
const BURST_LIMIT: usize = 64 * 1024;

/// Frames the pump may run ahead of the reader: bounded, so a slow stdout holds the connection
/// back instead of letting memory grow.
const FRAMES_AHEAD: usize = 256;

impl EventStream {
    /// Starts pumping the body of `response` (its headers said `text/event-stream`).
    pub(super) fn start(response: Response, url: String) -> EventStream {
        let (tx, frames) = mpsc::channel(FRAMES_AHEAD);
        let pump = tokio::spawn(pump(response, url, tx));
        EventStream { frames, pump, decoder: SseDecoder::new(), ended: None, bytes_seen: false }
    }

    /// Waits until `deadline` for the next network read and appends the events it completed to
    /// `out` (it may complete none). Returns `Ok(false)` at the end of the body.
    pub(super) async fn read(&mut self, out: &mut SseBatch, deadline: Instant) -> Result<bool, StreamFault> {
        match self.ended.take() {
            Some(BodyEnd::Clean) => return Ok(false),
            Some(BodyEnd::Broken(detail)) => return Err(StreamFault::Closed { detail }),
            None => {}
        }
        let chunk = match tokio::time::timeout_at(deadline.into(), self.frames.recv()).await {
            Err(_) => return Err(StreamFault::Stalled),
            Ok(Some(Err(detail))) => return Err(StreamFault::Closed { detail }),
            Ok(None) => return Ok(false),
            Ok(Some(Ok(chunk))) => chunk,
        };
        self.bytes_seen = true;
        self.decoder.feed(&chunk, out).map_err(StreamFault::TooLarge)?;
        // Take in whatever else has already arrived, so a burst of events costs one write.
        let mut taken = chunk.len();
        while taken < BURST_LIMIT {
            match self.frames.try_recv() {
                Ok(Ok(chunk)) => {
                    taken += chunk.len();
                    self.decoder.feed(&chunk, out).map_err(StreamFault::TooLarge)?;
                }
                Ok(Err(detail)) => {
                    self.ended = Some(BodyEnd::Broken(detail));
                    break;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.ended = Some(BodyEnd::Clean);
                    break;
                }
                Err(mpsc::error::TryRecvError::Empty) => break,
            }
        }
        Ok(true)
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
