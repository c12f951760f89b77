//! `tokenfactory chat`: one prompt in, the answer out on stdout; reasoning, stats and warnings on
//! stderr. Non-streamed answers are handled here, streamed ones in `stream`.

mod conversation;
mod schema;
mod session;
mod stats;
mod stream;

use std::time::Instant;

use crate::report::Result;

use super::Context;
use crate::answer_schema::AnswerSchema;
use crate::api::wire::{ChatCompletion, ChatRequest, Message, StreamOptions};
use crate::api::{ApiError, Client, Reply};
use crate::cli::ChatArgs;
use crate::output::{AnswerWriter, Tone};
use crate::report::{Error, Exit, UsageError};
use crate::settings::Sampling;

use conversation::{Conversation, Ended};
use stats::Outcome;

type Stdout = AnswerWriter<std::io::Stdout>;

/// Runs `chat`: the interactive session on a terminal without a prompt (or with `-i`), else
/// one prompt. The prompt is gathered first, before any runtime or signal handler exists, so a
/// Ctrl-C while stdin is read simply ends the process.
pub fn run(ctx: &Context, args: &ChatArgs) -> Result<Exit> {
    if session::wanted(ctx, args)? {
        return session::run(ctx, args);
    }
    let schema = match &args.schema {
        Some(arg) => Some(AnswerSchema::load(arg).map_err(|message| UsageError {
            message,
            hint: Some("--schema takes a JSON Schema: a file, or inline JSON such as '{\"type\":\"object\"}'".into()),
        })?),
        None => None,
    };
    let prompt = super::prompt::gather(ctx, &args.prompt, args.no_stdin, &super::prompt::CHAT)?;
    let mut conversation = Conversation::start(ctx, args, args.print.is_none())?;
    if let Some(language) = args.print {
        // Nothing is sent, so no key is needed: the program reads it from the environment.
        let request = build_request(ctx, args, &conversation, &prompt, schema.as_ref());
        ctx.ui.data(&crate::codegen::program(language, &ctx.settings.base_url, &request))?;
        return Ok(Exit::Ok);
    }
    let client = ctx.client()?;
    let runtime = Context::runtime()?;
    ask(ctx, args, (&client, &runtime), &mut conversation, &prompt, schema.as_ref())
}

/// Sends `prompt` after `conversation`'s turns, prints the answer and records the exchange
/// (complete, cut off, failed, or interrupted with what was printed). Ctrl-C stops it:
/// `Error::Interrupted`.
fn ask(
    ctx: &Context,
    args: &ChatArgs,
    (client, runtime): (&Client, &tokio::runtime::Runtime),
    conversation: &mut Conversation,
    prompt: &str,
    schema: Option<&AnswerSchema>,
) -> Result<Exit> {
    let mut request = build_request(ctx, args, conversation, prompt, schema);
    let mut out = ctx.ui.answer_writer();
    let mut outcome = Outcome::new(Instant::now());
    outcome.keep = conversation.keeps_answers() || schema.is_some();
    let result = runtime.block_on(async {
        let work = async {
            match schema {
                Some(schema) => schema::answer(ctx, args, client, &mut request, &mut out, &mut outcome, schema).await,
                None => converse(ctx, args, client, &mut request, &mut out, &mut outcome).await,
            }
        };
        tokio::select! {
            result = work => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    outcome.elapsed = outcome.started.elapsed();
    if result.is_none() {
        // What was printed stays; end its line so the next prompt starts clean.
        let _ = out.finish();
    }
    let ended = match &result {
        None => Ended::Interrupted,
        Some(Ok(_)) => Ended::Answered,
        Some(Err(e)) => Ended::Failed(e),
    };
    drop(request);
    conversation.record(ctx, prompt, outcome, ended);
    result.unwrap_or(Err(Error::Interrupted))
}

/// The request exactly as it is sent (and as `--print` writes it): the conversation's messages
/// (with the schema's instruction after the system prompt), the prompt, and the options.
fn build_request<'a>(
    ctx: &Context,
    args: &ChatArgs,
    conversation: &'a Conversation,
    prompt: &'a str,
    schema: Option<&AnswerSchema>,
) -> ChatRequest<'a> {
    let messages = conversation.messages(prompt, schema.map(AnswerSchema::instruction));
    compose(args, &ctx.settings.model, &ctx.settings.sampling, messages, schema)
}

/// A request of `messages` to `model` with `sampling` (its system prompt is in the messages).
fn compose<'a>(
    args: &ChatArgs,
    model: &str,
    sampling: &Sampling,
    messages: Vec<Message<'a>>,
    schema: Option<&AnswerSchema>,
) -> ChatRequest<'a> {
    ChatRequest {
        model: model.to_string(),
        messages,
        temperature: sampling.temperature,
        max_tokens: sampling.max_tokens,
        stream: args.stream,
        // `--stats` asks a stream for its usage, and so does the session (for `/stats`).
        stream_options: (args.stream && (args.stats || args.interactive))
            .then_some(StreamOptions { include_usage: true }),
        response_format: schema.map(AnswerSchema::response_format),
    }
}

/// Asks the model, then each fallback, until one answers; prints the answer and fills in
/// `outcome` as it arrives.
async fn converse(
    ctx: &Context,
    args: &ChatArgs,
    client: &Client,
    request: &mut ChatRequest<'_>,
    out: &mut Stdout,
    outcome: &mut Outcome,
) -> Result<Exit> {
    let mut spinner = ctx.spinner(format!("waiting for {}…", request.model));
    let policy = ctx.retry_policy();
    let models: Vec<&str> = ctx.settings.model_chain().collect();
    for (i, &model) in models.iter().enumerate() {
        // The request is reused, not copied: the prompt may be tens of megabytes.
        request.model = model.to_string();
        outcome.model_asked = model.to_string();
        if i > 0 {
            spinner.set_message(format!("waiting for {model}…"));
        }
        let result = if request.stream {
            stream::run(ctx, args, client, request, out, &mut spinner, outcome).await
        } else {
            let reply = policy.run(|| client.chat(request), |n| super::announce_retry(&ctx.ui, &spinner, n)).await;
            spinner.clear();
            match reply {
                Ok(reply) => print_whole(ctx, args, reply, out, outcome),
                Err(e) => Err(e.into()),
            }
        };
        match result {
            Ok(()) => {
                if i > 0 {
                    ctx.ui.say(Tone::Note, &format!("answered by fallback model {model}"));
                }
                outcome.elapsed = outcome.started.elapsed();
                return Ok(stats::finish(ctx, args, request, outcome));
            }
            Err(e) => match models.get(i + 1) {
                Some(next) if falls_back(&e) => {
                    ctx.ui.say(Tone::Warn, &format!("{model} is unavailable ({e}); trying fallback model {next}"));
                }
                // The closest IDs are worth printing only when no fallback answered.
                _ => return Err(ctx.suggest_models(client, e).await),
            },
        }
    }
    unreachable!("the model chain is never empty")
}

/// Whether the next model may answer where this one failed.
fn falls_back(error: &Error) -> bool {
    error.api().is_some_and(ApiError::model_unavailable)
}

/// Prints a whole (non-streamed) completion: reasoning to stderr when asked, the answer to stdout.
fn print_whole(
    ctx: &Context,
    args: &ChatArgs,
    reply: Reply<ChatCompletion>,
    out: &mut Stdout,
    outcome: &mut Outcome,
) -> Result<()> {
    let completion = reply.value;
    let choice = completion.choices.first();
    let message = choice.and_then(|c| c.message.as_ref());
    let content = message.and_then(|m| m.content.as_deref()).unwrap_or("");
    outcome.request_id = reply.headers.request_id;
    outcome.model = completion.model.clone();
    outcome.usage = completion.usage;
    outcome.finish_reason = choice.and_then(|c| c.finish_reason.clone());
    outcome.keep_answer(content);
    outcome.keep_reasoning(message.and_then(|m| m.reasoning()).unwrap_or_default());
    if let Some(at) = reply.invalid_utf8_at {
        // The stream's rule: a byte that is not UTF-8 costs that character, never the answer.
        ctx.ui.warn(
            &format!("the answer held bytes that are not UTF-8 (the first at byte {at}); each is shown as \u{fffd}"),
            &[],
        );
    }
    if args.json {
        out.write(&reply.raw)?;
    } else {
        if completion.choices.is_empty() {
            let detail = crate::api::missing_answer(&reply.raw, "choices").unwrap_or_default();
            return Err(ApiError::NoAnswer { what: "chat completion", detail }.into());
        }
        let reasoning = message.and_then(|m| m.reasoning()).unwrap_or_default();
        if args.reasoning && !reasoning.is_empty() {
            let mut sink = reasoning_sink(ctx);
            // stderr is diagnostics: its failure must not stop the answer.
            let _ = sink.write(reasoning);
            let _ = sink.finish();
        }
        out.write(content)?;
    }
    outcome.content = true;
    out.finish()?;
    Ok(())
}

/// Reasoning on stderr: dimmed and sanitised on a terminal, as received otherwise.
fn reasoning_sink(ctx: &Context) -> AnswerWriter<std::io::Stderr> {
    ctx.ui.reasoning_writer()
}
