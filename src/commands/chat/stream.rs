//! `chat --stream`: each network read's content goes to stdout at once (one write per read, so a
//! burst costs one syscall), reasoning to stderr, and every fault keeps what was printed.

use anyhow::Result;

use super::stats::Outcome;
use super::{Stdout, print_whole};
use crate::api::wire::{ChatChunk, ChatRequest};
use crate::api::{
    ApiError, Client, Ending, EventStream, RetryNotice, ServerMessage, SseBatch, StreamFault, StreamStart, Timer,
    is_done,
};
use crate::cli::ChatArgs;
use crate::commands::{Context, announce_retry};
use crate::output::{AnswerWriter, Spinner};

/// Streams the answer to `out`, filling in `outcome` as it arrives.
pub async fn run(
    ctx: &Context,
    args: &ChatArgs,
    client: &Client,
    request: &mut ChatRequest,
    out: &mut Stdout,
    spinner: &mut Spinner,
    outcome: &mut Outcome,
) -> Result<()> {
    let mut events = match open(ctx, client, request, spinner).await {
        Ok(StreamStart::Events(events)) => events,
        Ok(StreamStart::Whole(reply)) => {
            spinner.clear();
            return print_whole(ctx, args, reply, out, outcome);
        }
        Err(e) => {
            spinner.clear();
            return Err(e.into());
        }
    };
    outcome.request_id = events.request_id().map(str::to_string);
    outcome.chunks = Some(0);
    let mut printer = Printer::new(ctx, args, outcome);
    let result = loop {
        if let Err(e) = printer.next_read(&mut events).await {
            break Err(e.into());
        }
        match printer.show(out, spinner) {
            Ok(Flow::More) => {}
            Ok(Flow::Ended) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    // Whatever happened, the printed part stays and its line is ended.
    spinner.clear();
    printer.finish_reasoning();
    out.finish()?;
    result
}

/// Sends the request (with retries). Some servers reject `stream_options`; the stats can do
/// without usage, so they get the request once more without it (a different request, not a retry).
async fn open(
    ctx: &Context,
    client: &Client,
    request: &mut ChatRequest,
    spinner: &Spinner,
) -> Result<StreamStart, ApiError> {
    let policy = ctx.retry_policy();
    let idle = ctx.settings.idle_timeout;
    let notify = |n: &RetryNotice| announce_retry(&ctx.ui, spinner, n);
    match policy.run(|| client.chat_stream(request, idle), notify).await {
        Err(ApiError::Status(h))
            if request.stream_options.is_some() && matches!(h.status, 400 | 422) && !h.names_model() =>
        {
            request.stream_options = None;
            policy.run(|| client.chat_stream(request, idle), notify).await
        }
        other => other,
    }
}

/// Whether the stream goes on after a read.
enum Flow {
    More,
    Ended,
}

/// Reads a stream and prints it: the buffers of one read, and where what the chunks tell goes.
struct Printer<'a> {
    args: &'a ChatArgs,
    outcome: &'a mut Outcome,
    reasoning: AnswerWriter<std::io::Stderr>,
    batch: SseBatch,
    /// The answer text (or, with --json, the chunk lines) of the current read.
    text: String,
    thoughts: String,
    /// An error event in the current read.
    failure: Option<ApiError>,
    /// The read ended the stream (it was the last one).
    last: bool,
    done: bool,
}

impl<'a> Printer<'a> {
    fn new(ctx: &Context, args: &'a ChatArgs, outcome: &'a mut Outcome) -> Printer<'a> {
        Printer {
            args,
            outcome,
            reasoning: ctx.ui.reasoning_writer(),
            batch: SseBatch::default(),
            text: String::new(),
            thoughts: String::new(),
            failure: None,
            last: false,
            done: false,
        }
    }

    /// Waits for the next network read and takes in its events. A clean end of the stream is
    /// an empty last read; a broken or silent one is an error.
    async fn next_read(&mut self, events: &mut EventStream) -> Result<(), ApiError> {
        self.batch.clear();
        self.text.clear();
        self.thoughts.clear();
        let fault = match events.read(&mut self.batch).await {
            Ok(more) => {
                self.last = !more;
                None
            }
            Err(fault) => Some(fault),
        };
        // The one end-of-stream rule: [DONE], or a finish reason followed by the close.
        if (self.last || matches!(fault, Some(StreamFault::Closed { .. })))
            && Ending::of(self.done, self.outcome.finish_reason.is_some()) != Ending::Cut
        {
            self.last = true;
            return Ok(());
        }
        if self.last {
            return Err(self.cut(events.url(), None));
        }
        match fault {
            None => {
                self.absorb_batch();
                Ok(())
            }
            Some(StreamFault::Closed { detail }) => Err(self.cut(events.url(), Some(detail))),
            Some(StreamFault::Stalled { timer: Timer::Request, after }) => {
                Err(ApiError::Timeout { timer: Timer::Request, after, url: events.url().to_string() })
            }
            Some(StreamFault::Stalled { timer: Timer::Idle, after }) => Err(ApiError::StreamStalled {
                url: events.url().to_string(),
                after,
                content_received: self.outcome.content,
            }),
        }
    }

    fn cut(&self, url: &str, detail: Option<String>) -> ApiError {
        ApiError::StreamCut { url: url.to_string(), content_received: self.outcome.content, detail }
    }

    /// Takes in the events of one read, up to `[DONE]` or an error event.
    fn absorb_batch(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        for event in batch.iter() {
            if is_done(event.data) {
                self.done = true;
                break;
            }
            if self.args.json {
                self.text.push_str(event.data);
                self.text.push('\n');
            }
            if let Err(e) = self.absorb(event.data) {
                self.failure = Some(e);
                break;
            }
        }
        self.batch = batch;
    }

    /// Takes in one event's data: content is appended to `text` (unless --json, which prints the
    /// chunks themselves), reasoning to `thoughts`.
    fn absorb(&mut self, data: &str) -> Result<(), ApiError> {
        let chunk: ChatChunk = serde_json::from_str(data).map_err(|e| ApiError::Decode {
            what: "stream chunk",
            detail: format!("{e}; the chunk starts with {:?}", data.chars().take(80).collect::<String>()),
        })?;
        if let Some(error) = chunk.error.filter(|e| !e.is_null()) {
            let server = ServerMessage::from_event(&serde_json::json!({ "error": error })).unwrap_or_default();
            let content_received = self.outcome.content || !self.text.is_empty();
            return Err(ApiError::StreamError { server, content_received });
        }
        let outcome = &mut *self.outcome;
        if let Some(model) = chunk.model
            && outcome.model.as_deref() != Some(&*model)
        {
            outcome.model = Some(model.0.into_owned());
        }
        if chunk.usage.is_some() {
            outcome.usage = chunk.usage;
        }
        let Some(choice) = chunk.choice else {
            return Ok(()); // a usage-only chunk
        };
        if let Some(reason) = choice.finish_reason {
            outcome.finish_reason = Some(reason.0.into_owned());
        }
        let Some(delta) = choice.delta else { return Ok(()) };
        let reasoning = delta.reasoning();
        let content = delta.content.as_deref().filter(|c| !c.is_empty());
        if let Some(r) = reasoning {
            self.thoughts.push_str(r);
            outcome.reasoning.push_str(r);
        }
        if let Some(c) = content {
            if !self.args.json {
                self.text.push_str(c);
            }
            outcome.answer.push_str(c);
        }
        if reasoning.is_some() || content.is_some() {
            *outcome.chunks.get_or_insert(0) += 1;
        }
        Ok(())
    }

    /// Prints what the read brought: reasoning (or a "thinking…" spinner), then the answer.
    fn show(&mut self, out: &mut Stdout, spinner: &mut Spinner) -> Result<Flow> {
        if !self.thoughts.is_empty() {
            if self.args.reasoning {
                spinner.clear();
                let _ = self.reasoning.write(&self.thoughts); // stderr is diagnostics: its failure must not stop the answer
            } else {
                spinner.set_message("thinking…");
            }
        }
        if !self.text.is_empty() {
            spinner.clear();
            self.finish_reasoning();
            let started = self.outcome.started;
            self.outcome.first_token.get_or_insert_with(|| started.elapsed());
            out.write(&self.text)?;
            self.outcome.content = true;
        }
        if let Some(e) = self.failure.take() {
            return Err(e.into());
        }
        Ok(if self.done || self.last { Flow::Ended } else { Flow::More })
    }

    fn finish_reasoning(&mut self) {
        let _ = self.reasoning.finish();
    }
}
