//! `chat --stream`: each network read's content goes to stdout at once (one write per read, so a
//! burst costs one syscall), reasoning to stderr, and every fault keeps what was printed.

use std::time::Instant;

use anyhow::Result;

use super::stats::Outcome;
use super::{Stdout, print_whole, reasoning_sink};
use crate::api::wire::{ChatChunk, ChatRequest, StreamOptions};
use crate::api::{ApiError, Client, Ending, ServerMessage, SseEvent, StreamFault, StreamStart, Timer, is_done};
use crate::cli::ChatArgs;
use crate::commands::Context;
use crate::output::Spinner;

pub async fn run(
    ctx: &Context,
    args: &ChatArgs,
    client: &Client,
    request: &mut ChatRequest,
    out: &mut Stdout,
    spinner: &mut Spinner,
    started: Instant,
) -> Result<Outcome> {
    let policy = &ctx.retry_policy();
    let idle = ctx.settings.idle_timeout;
    if args.stats {
        request.stream_options = Some(StreamOptions { include_usage: true });
    }
    let notify = |n: &crate::api::RetryNotice| crate::commands::announce_retry(&ctx.ui, spinner, n);
    let first = policy.run(|| client.chat_stream(request, idle), notify).await;
    let start = match first {
        // Some servers reject `stream_options`; the stats can do without usage, so ask once more
        // without it. (A different request, not a retry.)
        Err(ApiError::Status(h))
            if request.stream_options.is_some() && matches!(h.status, 400 | 422) && !h.names_model() =>
        {
            request.stream_options = None;
            policy.run(|| client.chat_stream(request, idle), notify).await
        }
        other => other,
    };
    let mut events = match start {
        Ok(StreamStart::Events(events)) => events,
        Ok(StreamStart::Whole(reply)) => {
            spinner.clear();
            return print_whole(ctx, args, reply, out, started);
        }
        Err(e) => {
            spinner.clear();
            return Err(e.into());
        }
    };

    let mut state = State::default();
    let mut reasoning = reasoning_sink(ctx);
    let mut batch: Vec<SseEvent> = Vec::new();
    let mut text = String::new();
    let mut thoughts = String::new();
    let result = loop {
        batch.clear();
        match events.read(&mut batch).await {
            Ok(true) => {}
            // The one end-of-stream rule: [DONE], or a finish reason followed by the close.
            Ok(false) | Err(StreamFault::Closed { .. })
                if Ending::of(state.done, state.finish_reason.is_some()) != Ending::Cut =>
            {
                break Ok(());
            }
            Ok(false) => {
                break Err(ApiError::StreamCut {
                    url: events.url().to_string(),
                    content_received: state.content,
                    detail: None,
                });
            }
            Err(StreamFault::Closed { detail }) => {
                break Err(ApiError::StreamCut {
                    url: events.url().to_string(),
                    content_received: state.content,
                    detail: Some(detail),
                });
            }
            Err(StreamFault::Stalled { timer: Timer::Request, after }) => {
                break Err(ApiError::Timeout { timer: Timer::Request, after, url: events.url().to_string() });
            }
            Err(StreamFault::Stalled { timer: Timer::Idle, after }) => {
                break Err(ApiError::StreamStalled {
                    url: events.url().to_string(),
                    after,
                    content_received: state.content,
                });
            }
        }
        text.clear();
        thoughts.clear();
        let mut failure = None;
        for event in &batch {
            if is_done(&event.data) {
                state.done = true;
                break;
            }
            if args.json {
                text.push_str(&event.data);
                text.push('\n');
            }
            if let Err(e) = state.absorb(&event.data, &mut text, &mut thoughts, args) {
                failure = Some(e);
                break;
            }
        }
        if !thoughts.is_empty() {
            if args.reasoning {
                spinner.clear();
                let _ = reasoning.write(&thoughts); // stderr is diagnostics: its failure must not stop the answer
            } else {
                spinner.set_message("thinking…");
            }
        }
        if !text.is_empty() {
            spinner.clear();
            let _ = reasoning.finish();
            state.first_token.get_or_insert_with(|| started.elapsed());
            out.write(&text)?;
            state.content = true;
        }
        if let Some(e) = failure {
            break Err(e);
        }
        if state.done {
            break Ok(());
        }
    };
    spinner.clear();
    let _ = reasoning.finish();
    // Whatever happened, the printed part stays and its line is ended.
    out.finish()?;
    result?;
    Ok(Outcome {
        model: state.model,
        usage: state.usage,
        finish_reason: state.finish_reason,
        content_empty: !state.content,
        elapsed: started.elapsed(),
        first_token: state.first_token,
        chunks: Some(state.chunks),
    })
}

/// What the chunks so far have told.
#[derive(Default)]
struct State {
    done: bool,
    /// Content (or, with --json, a chunk) has been written to stdout.
    content: bool,
    model: Option<String>,
    usage: Option<crate::api::wire::Usage>,
    finish_reason: Option<String>,
    first_token: Option<std::time::Duration>,
    chunks: u64,
}

impl State {
    /// Takes in one event's data: content is appended to `text` (unless --json, which prints the
    /// chunks themselves), reasoning to `thoughts`.
    fn absorb(
        &mut self,
        data: &str,
        text: &mut String,
        thoughts: &mut String,
        args: &ChatArgs,
    ) -> Result<(), ApiError> {
        let chunk: ChatChunk = serde_json::from_str(data).map_err(|e| ApiError::Decode {
            what: "stream chunk",
            detail: format!("{e}; the chunk starts with {:?}", data.chars().take(80).collect::<String>()),
        })?;
        if let Some(error) = chunk.error.filter(|e| !e.is_null()) {
            let server = ServerMessage::from_event(&serde_json::json!({ "error": error })).unwrap_or_default();
            return Err(ApiError::StreamError { server, content_received: self.content || !text.is_empty() });
        }
        if let Some(model) = chunk.model
            && self.model.as_deref() != Some(&*model)
        {
            self.model = Some(model.into_owned());
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        let Some(choice) = chunk.choices.into_iter().next() else {
            return Ok(()); // a usage-only chunk
        };
        if let Some(reason) = choice.finish_reason {
            self.finish_reason = Some(reason.into_owned());
        }
        let Some(delta) = choice.delta else { return Ok(()) };
        let mut counted = false;
        if let Some(r) = delta.reasoning() {
            thoughts.push_str(r);
            counted = true;
        }
        if let Some(c) = delta.content.as_deref().filter(|c| !c.is_empty()) {
            if !args.json {
                text.push_str(c);
            }
            counted = true;
        }
        if counted {
            self.chunks += 1;
        }
        Ok(())
    }
}
