//! `chat --stream`: each network read's answer text goes to stdout at once (one write per read,
//! so a burst costs one syscall), reasoning to stderr, and every fault keeps what was printed.
//! The stream's events come from `api::ChatStream`; this module only prints them.

use crate::report::Result;

use super::stats::Outcome;
use super::{Stdout, print_whole};
use crate::api::wire::ChatRequest;
use crate::api::{ApiError, Case, ChatEvent, Client, RetryNotice, StreamStart};
use crate::cli::ChatArgs;
use crate::commands::{Context, announce_retry};
use crate::output::{AnswerWriter, Spinner};

/// Streams the answer to `out`, filling in `outcome` as it arrives.
pub async fn run(
    ctx: &Context,
    args: &ChatArgs,
    client: &Client,
    request: &mut ChatRequest<'_>,
    out: &mut Stdout,
    spinner: &mut Spinner,
    outcome: &mut Outcome,
) -> Result<()> {
    let mut stream = match open(ctx, client, request, spinner).await {
        Ok(StreamStart::Events(stream)) => stream,
        Ok(StreamStart::Whole(reply)) => {
            spinner.clear();
            return print_whole(ctx, args, reply, out, outcome);
        }
        Err(e) => {
            spinner.clear();
            return Err(e.into());
        }
    };
    outcome.request_id = stream.request_id().map(str::to_string);
    outcome.chunks = Some(0);
    let mut printer = Printer::new(ctx, args, outcome);
    let result = loop {
        let read = stream.read(|event| printer.take(event)).await;
        // What the read brought is printed even when the stream then failed.
        if let Err(e) = printer.show(out, spinner) {
            break Err(e.into());
        }
        match read {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(e) => break Err(e.into()),
        }
    };
    // Whatever happened, the printed part stays and its line is ended.
    spinner.clear();
    printer.finish_reasoning();
    out.finish()?;
    result
}

/// Sends the request (with retries). Some servers reject `stream_options`, naming it or not; the
/// stats can do without usage, so they get the request once more without it (a different
/// request, not a retry).
async fn open(
    ctx: &Context,
    client: &Client,
    request: &mut ChatRequest<'_>,
    spinner: &Spinner,
) -> Result<StreamStart, ApiError> {
    let policy = ctx.retry_policy();
    let idle = ctx.settings.idle_timeout;
    let notify = |n: &RetryNotice| announce_retry(&ctx.ui, spinner, n);
    match policy.run(|| client.chat_stream(request, idle), notify).await {
        Err(e) if request.stream_options.is_some() && rejects_stream_options(&e) => {
            request.stream_options = None;
            policy.run(|| client.chat_stream(request, idle), notify).await
        }
        other => other,
    }
}

/// A 400/422 that names `stream_options`, or one that the classification finds about nothing
/// else (not the model, not the context length): some servers reject the field without saying so.
fn rejects_stream_options(error: &ApiError) -> bool {
    match error {
        ApiError::Status(h) => {
            h.rejects_field("stream_options") || (matches!(h.status, 400 | 422) && error.case() == Case::BadRequest)
        }
        _ => false,
    }
}

/// Takes in a stream's events and prints them a read at a time: the buffers of one read, and
/// where what the chunks tell goes.
struct Printer<'a> {
    args: &'a ChatArgs,
    outcome: &'a mut Outcome,
    reasoning: AnswerWriter<std::io::Stderr>,
    /// The answer text (or, with --json, the chunk lines) of the current read.
    text: String,
    thoughts: String,
    /// The current chunk was counted (it carried text or reasoning).
    counted: bool,
}

impl<'a> Printer<'a> {
    fn new(ctx: &Context, args: &'a ChatArgs, outcome: &'a mut Outcome) -> Printer<'a> {
        Printer {
            args,
            outcome,
            reasoning: ctx.ui.reasoning_writer(),
            text: String::new(),
            thoughts: String::new(),
            counted: false,
        }
    }

    /// One event of the stream: text and reasoning wait in this read's buffers (the outcome keeps
    /// them too when something needs the whole answer); the rest fills in the outcome.
    fn take(&mut self, event: ChatEvent<'_>) {
        let outcome = &mut *self.outcome;
        match event {
            ChatEvent::Chunk(data) => {
                self.counted = false;
                if self.args.json {
                    self.text.push_str(data);
                    self.text.push('\n');
                }
            }
            ChatEvent::Model(model) => {
                if outcome.model.as_deref() != Some(model) {
                    outcome.model = Some(model.to_string());
                }
            }
            ChatEvent::Usage(usage) => outcome.usage = Some(usage),
            ChatEvent::Finish(reason) => outcome.finish_reason = Some(reason.to_string()),
            ChatEvent::Reasoning(r) => {
                self.thoughts.push_str(r);
                outcome.keep_reasoning(r);
                self.count();
            }
            ChatEvent::Text(t) => {
                if !self.args.json {
                    self.text.push_str(t);
                }
                self.outcome.keep_answer(t);
                self.count();
            }
        }
    }

    fn count(&mut self) {
        if !self.counted {
            *self.outcome.chunks.get_or_insert(0) += 1;
            self.counted = true;
        }
    }

    /// Prints what the read brought: reasoning (or a "thinking…" spinner), then the answer.
    fn show(&mut self, out: &mut Stdout, spinner: &mut Spinner) -> std::io::Result<()> {
        if !self.thoughts.is_empty() {
            if self.args.reasoning {
                spinner.clear();
                let _ = self.reasoning.write(&self.thoughts); // stderr is diagnostics: its failure must not stop the answer
            } else {
                spinner.set_message("thinking…");
            }
            self.thoughts.clear();
        }
        if !self.text.is_empty() {
            spinner.clear();
            self.finish_reasoning();
            let started = self.outcome.started;
            self.outcome.first_token.get_or_insert_with(|| started.elapsed());
            out.write(&self.text)?;
            self.outcome.content = true;
            self.text.clear();
        }
        Ok(())
    }

    fn finish_reasoning(&mut self) {
        let _ = self.reasoning.finish();
    }
}
