//! After the answer: `--stats` on stderr, and the warnings about a token budget that ran out.

use std::time::{Duration, Instant};

use crate::api::wire::{ChatRequest, Usage};
use crate::cli::ChatArgs;
use crate::commands::Context;
use crate::report::Exit;

/// What the answer turned out to be, filled in as it arrives: when a stream breaks or Ctrl-C
/// stops it, this is what was printed.
#[derive(Debug)]
pub struct Outcome {
    /// When the first request was sent.
    pub started: Instant,
    /// The model the answering request asked for (a fallback, after one).
    pub model_asked: String,
    /// The model that answered, as the server named it.
    pub model: Option<String>,
    pub usage: Option<Usage>,
    pub finish_reason: Option<String>,
    /// Content (or, with --json, a chunk) reached stdout.
    pub content: bool,
    /// The answer holds more than whitespace.
    pub answered: bool,
    /// Whether the answer and reasoning are kept whole (for the history or `--schema`); a
    /// streamed answer nothing needs again is not held in memory.
    pub keep: bool,
    /// The answer and the reasoning as the model wrote them, when `keep`.
    pub answer: String,
    pub reasoning: String,
    pub request_id: Option<String>,
    pub elapsed: Duration,
    /// Streamed answers: when the first content arrived.
    pub first_token: Option<Duration>,
    /// Streamed answers: how many chunks carried content or reasoning.
    pub chunks: Option<u64>,
}

impl Outcome {
    pub fn new(started: Instant) -> Outcome {
        Outcome {
            started,
            model_asked: String::new(),
            model: None,
            usage: None,
            finish_reason: None,
            content: false,
            answered: false,
            keep: false,
            answer: String::new(),
            reasoning: String::new(),
            request_id: None,
            elapsed: Duration::ZERO,
            first_token: None,
            chunks: None,
        }
    }
}

impl Outcome {
    /// Takes in a piece of the answer.
    pub fn keep_answer(&mut self, text: &str) {
        self.answered |= !text.trim().is_empty();
        if self.keep {
            self.answer.push_str(text);
        }
    }

    /// Takes in a piece of the reasoning.
    pub fn keep_reasoning(&mut self, text: &str) {
        if self.keep {
            self.reasoning.push_str(text);
        }
    }
}

/// Prints the stats and budget warnings; returns the exit code of a completed answer.
pub fn finish(ctx: &Context, args: &ChatArgs, request: &ChatRequest<'_>, outcome: &Outcome) -> Exit {
    if ctx.settings.verbose
        && let Some(field) = outcome.usage.and_then(|u| u.unreadable)
    {
        ctx.ui.dim(&format!("usage: the server's {field} is not a token count; it is left out"));
    }
    if args.stats {
        ctx.ui.dim(&stats_line(request, outcome));
    }
    if outcome.finish_reason.as_deref() != Some("length") {
        return Exit::Ok;
    }
    let budget = request.max_tokens.map(|n| format!(" (--max-tokens {n})")).unwrap_or_default();
    if !outcome.answered {
        // No answer is a failure (exit 1), so it is called an error.
        ctx.ui.error(
            &format!("the answer is empty: the token budget ran out{budget} before the model wrote anything"),
            &[],
            &["raise --max-tokens (reasoning models spend part of it thinking)".into()],
        );
        return Exit::Failure;
    }
    ctx.ui.warn(
        &format!("the answer was cut off: it reached the token limit{budget}"),
        &["raise --max-tokens for a complete answer".into()],
    );
    Exit::Ok
}

fn stats_line(request: &ChatRequest<'_>, o: &Outcome) -> String {
    let model = o.model.as_deref().unwrap_or(&request.model);
    let total = o.elapsed.as_secs_f64();
    let mut parts = vec![format!("model: {model}")];
    if let Some(ttft) = o.first_token {
        parts.push(format!("time to first token: {:.2} s", ttft.as_secs_f64()));
    }
    parts.push(format!("time: {total:.2} s"));
    match (o.usage, o.chunks) {
        (Some(Usage { completion_tokens: Some(out), prompt_tokens, .. }), _) => {
            let prompt = prompt_tokens.map_or_else(|| "?".to_string(), |p| p.to_string());
            let reasoning =
                o.usage.and_then(|u| u.reasoning()).map(|r| format!(" ({r} reasoning)")).unwrap_or_default();
            parts.push(format!("tokens: {prompt} prompt, {out} completion{reasoning}"));
            parts.push(format!("{:.1} tokens/s", out as f64 / total.max(1e-6)));
        }
        (_, Some(chunks)) => {
            parts.push(format!("tokens: not reported by the server; {chunks} chunks counted instead"));
            parts.push(format!("{:.1} chunks/s", chunks as f64 / total.max(1e-6)));
        }
        (_, None) => parts.push("tokens: not reported by the server (no usage in the response)".into()),
    }
    parts.join("; ")
}
