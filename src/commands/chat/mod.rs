//! `tokenfactory chat`: one prompt in, the answer out on stdout; reasoning, stats and warnings on
//! stderr.

mod prompt;

use std::time::{Duration, Instant};

use anyhow::Result;

use super::{Context, Interrupted};
use crate::api::wire::{ChatCompletion, ChatRequest, Message, Role, Usage};
use crate::cli::ChatArgs;
use crate::output::{AnswerWriter, Sanitizer, Spinner};
use crate::report::Exit;

pub use prompt::NotUtf8;

/// Runs `chat`. The prompt is gathered first, before any runtime or signal handler exists, so a
/// Ctrl-C while stdin is read simply ends the process.
pub fn run(ctx: &Context, args: &ChatArgs) -> Result<Exit> {
    let prompt = gather_prompt(ctx, args)?;
    let client = ctx.client()?;
    let request = ChatRequest {
        model: ctx.settings.model.clone(),
        messages: messages(args.system.as_deref(), prompt),
        temperature: args.temperature,
        max_tokens: args.max_tokens,
        stream: false,
        stream_options: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut out = AnswerWriter::stdout(ctx.settings.terminals.stdout);
    let outcome = runtime.block_on(async {
        let work = converse(ctx, args, &client, &request, &mut out);
        tokio::select! {
            result = work => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match outcome {
        Some(result) => result,
        None => {
            // What was printed stays; end its line so the shell prompt starts clean.
            let _ = out.finish();
            Err(Interrupted.into())
        }
    }
}

fn gather_prompt(ctx: &Context, args: &ChatArgs) -> Result<String> {
    let mode = prompt::stdin_use(&args.prompt, args.no_stdin, ctx.settings.terminals.stdin)?;
    let stdin = match mode {
        prompt::StdinUse::Ignore => None,
        prompt::StdinUse::Only => Some(prompt::read_stdin(None)?),
        prompt::StdinUse::IfPiped => {
            let palette = ctx.stderr;
            let hint = move || {
                eprintln!(
                    "{} waiting for stdin, which is not a terminal; nothing has arrived after {} s. \
                     Pass --no-stdin to use only the arguments.",
                    palette.hint("tokenfactory: note:"),
                    prompt::STDIN_HINT_AFTER.as_secs()
                );
            };
            let with_hint: Option<&dyn Fn()> = if args.prompt.is_empty() {
                None
            } else {
                Some(&hint)
            };
            Some(prompt::read_stdin(with_hint)?)
        }
    };
    Ok(prompt::assemble(&args.prompt, stdin, mode)?)
}

fn messages(system: Option<&str>, prompt: String) -> Vec<Message> {
    let mut messages = Vec::with_capacity(2);
    if let Some(system) = system {
        messages.push(Message {
            role: Role::System,
            content: system.to_string(),
        });
    }
    messages.push(Message {
        role: Role::User,
        content: prompt,
    });
    messages
}

async fn converse(
    ctx: &Context,
    args: &ChatArgs,
    client: &crate::api::Client,
    request: &ChatRequest,
    out: &mut AnswerWriter<std::io::Stdout>,
) -> Result<Exit> {
    let started = Instant::now();
    let mut spinner = Spinner::start(
        ctx.spinner_visible(),
        format!("waiting for {}…", request.model),
    );
    let reply = client.chat(request).await;
    spinner.clear();
    let reply = reply?;
    let elapsed = started.elapsed();

    if args.json {
        out.write(&reply.raw)?;
        out.finish()?;
        if args.stats {
            print_stats(ctx, &reply.value, &request.model, elapsed);
        }
        return Ok(Exit::Ok);
    }

    let completion = &reply.value;
    let choice = completion.choices.first();
    let message = choice.and_then(|c| c.message.as_ref());
    let content = message.and_then(|m| m.content.as_deref()).unwrap_or("");
    let finish = choice.and_then(|c| c.finish_reason.as_deref());

    if args.reasoning {
        if let Some(reasoning) = message
            .and_then(|m| m.reasoning_content.as_deref())
            .filter(|r| !r.is_empty())
        {
            print_reasoning(ctx, reasoning);
        }
    }
    if completion.choices.is_empty() {
        anyhow::bail!("the server answered without any choices (no answer to print)");
    }
    out.write(content)?;
    out.finish()?;
    if args.stats {
        print_stats(ctx, completion, &request.model, elapsed);
    }

    if finish == Some("length") {
        let warn = ctx.stderr.warn("tokenfactory: warning:");
        if content.trim().is_empty() {
            eprintln!(
                "{warn} the answer is empty: the token budget ran out{} before the model wrote anything\n  {} raise --max-tokens (reasoning models spend part of it thinking)",
                max_tokens_note(request.max_tokens),
                ctx.stderr.hint("hint:")
            );
            return Ok(Exit::Failure);
        }
        eprintln!(
            "{warn} the answer was cut off: it reached the token limit{}\n  {} raise --max-tokens for a complete answer",
            max_tokens_note(request.max_tokens),
            ctx.stderr.hint("hint:")
        );
    }
    Ok(Exit::Ok)
}

fn max_tokens_note(max_tokens: Option<u32>) -> String {
    max_tokens
        .map(|n| format!(" (--max-tokens {n})"))
        .unwrap_or_default()
}

fn print_reasoning(ctx: &Context, reasoning: &str) {
    let text = if ctx.settings.terminals.stderr {
        Sanitizer::clean(reasoning)
    } else {
        reasoning.to_string()
    };
    let text = text.trim_end_matches('\n');
    eprintln!("{}", ctx.stderr.dim(text));
}

fn print_stats(ctx: &Context, completion: &ChatCompletion, requested: &str, elapsed: Duration) {
    let model = completion.model.as_deref().unwrap_or(requested);
    let tokens = match completion.usage {
        Some(Usage {
            completion_tokens: Some(out),
            prompt_tokens,
            ..
        }) => {
            let prompt = prompt_tokens.map_or_else(|| "?".to_string(), |p| p.to_string());
            let reasoning = completion
                .usage
                .and_then(|u| u.reasoning())
                .map(|r| format!(" ({r} reasoning)"))
                .unwrap_or_default();
            let rate = out as f64 / elapsed.as_secs_f64().max(1e-6);
            format!("tokens: {prompt} prompt, {out} completion{reasoning}; {rate:.1} tokens/s")
        }
        _ => "tokens: not reported by the server (no usage in the response)".to_string(),
    };
    let line = format!(
        "model: {}; time: {:.2} s; {tokens}",
        Sanitizer::clean(model),
        elapsed.as_secs_f64()
    );
    eprintln!("{}", ctx.stderr.dim(&line));
}
