//! `tokenfactory batch run`: a file of requests (chat completions, embeddings) sent as fast as the
//! rate limit allows on the HTTP core `chat` uses, one result line per request in the OpenAI batch
//! output shape, in input order, resumable with `-o`. The scheduling is `jobs`'; this module reads
//! the input, sends one request, and words the results.

mod input;

use std::sync::Arc;
use std::time::Duration;

use crate::report::Result;
use serde_json::{Value, json};

use super::Context;
use crate::api::wire::UsageOnly;
use crate::api::{ApiError, Client, Reply, RetryPolicy};
use crate::cli::{BatchAction, BatchArgs, BatchRunArgs};
use crate::jobs::results::IdField;
use crate::jobs::{Attempt, Engine, Finished, Report, Work, send_again};
use crate::output::Tone;
use crate::report::{Error, Exit, InputError};

use input::{Defaults, Endpoint, Request};

pub fn run(ctx: &Context, args: &BatchArgs) -> Result<Exit> {
    match &args.action {
        BatchAction::Run(run) => run_file(ctx, run),
    }
}

fn run_file(ctx: &Context, args: &BatchRunArgs) -> Result<Exit> {
    let input = input_file(args)?;
    let source = super::spool::Source::open(&input)?;
    let sampling = &ctx.settings.sampling;
    let defaults = Defaults {
        model: ctx.settings.model.clone(),
        embedding_model: ctx.settings.embedding_model.clone(),
        system: sampling.system.clone(),
        temperature: sampling.temperature,
        max_tokens: sampling.max_tokens,
        lines: args.lines.is_some(),
    };
    let name = input.display().to_string();
    let checked = input::check(source.path(), &defaults)
        .map_err(|e| Error::io(format!("cannot read {name}"), e))?
        .map_err(|problems| InputError { message: format!("{name} has lines batch run cannot send"), problems })?;
    if args.check {
        ctx.ui.say(Tone::Info, &format!("{name}: {} requests, all valid; nothing sent (--check)", checked.count));
        return Ok(Exit::Ok);
    }
    let client = Arc::new(ctx.client()?);
    let (writer, done) = super::bulk::open_results(
        ctx,
        args.output.as_deref(),
        args.retry_failed,
        checked.count,
        "requests",
        IdField::CustomId,
    )?;
    let total = (checked.count - done.len().min(checked.count)) as u64;
    let mut seq = 0;
    let work = input::requests(source.path(), &defaults)?
        .filter_map(Result::ok)
        .filter(move |r| !done.contains(&r.id))
        .map(move |request| {
            seq += 1;
            Work { seq: seq - 1, id: request.id.clone(), task: request }
        });
    let shared = Arc::new(Shared {
        client,
        policy: RetryPolicy { rate_limited: false, ..ctx.retry_policy() },
        fallbacks: ctx.settings.fallback_models.clone(),
        max_wait: ctx.settings.max_wait,
    });
    let engine = Engine {
        start: Box::new(move |task, refusals, sending| {
            let shared = shared.clone();
            Box::pin(async move {
                let attempt = send(shared, task, refusals).await;
                drop(sending);
                attempt
            })
        }),
        max_in_flight: usize::from(args.jobs),
        window: (u64::from(args.jobs) * 16).max(256),
        writer,
    };
    let report = super::bulk::drive(ctx, &Context::jobs_runtime()?, engine, work, total, "requests")?;
    if let Some(error) = report.stopped {
        return Err(error.into());
    }
    summarize(ctx, &report, args.output.is_some());
    if report.interrupted {
        return Err(Error::Interrupted);
    }
    Ok(if report.failures.is_empty() { Exit::Ok } else { Exit::Failure })
}

/// The input: `--lines FILE`, else INPUT (`--lines` alone says INPUT has one prompt a line).
fn input_file(args: &BatchRunArgs) -> Result<std::path::PathBuf> {
    let from_lines = args.lines.as_ref().filter(|p| !p.is_empty());
    match (from_lines, &args.input) {
        (Some(lines), None) => Ok(std::path::PathBuf::from(lines)),
        (None, Some(input)) => Ok(input.clone()),
        (Some(_), Some(_)) => Err(crate::report::UsageError {
            message: "two input files: --lines FILE and INPUT".into(),
            hint: Some(
                "give one: tokenfactory batch run --lines questions.txt (or: batch run questions.txt --lines)".into(),
            ),
        }
        .into()),
        (None, None) => Err(crate::report::UsageError {
            message: "no input file".into(),
            hint: Some("tokenfactory batch run requests.jsonl, or tokenfactory batch run --lines questions.txt".into()),
        }
        .into()),
    }
}

/// What every request shares.
struct Shared {
    client: Arc<Client>,
    policy: RetryPolicy,
    fallbacks: Vec<String>,
    max_wait: Duration,
}

/// Sends one request: retries as `chat` does (5xx, failed connections), falls back to the next
/// model when a chat model is unavailable, and hands a 429 back to the scheduler.
async fn send(shared: Arc<Shared>, request: Request, refusals: u32) -> Attempt<Request> {
    let asked = request.body.get("model").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut models = vec![asked.clone()];
    if request.endpoint == Endpoint::Chat {
        models.extend(shared.fallbacks.iter().filter(|m| **m != asked).cloned());
    }
    let mut body = request.body.clone();
    for (i, model) in models.iter().enumerate() {
        body["model"] = Value::from(model.as_str());
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let path = request.endpoint.path();
        let result = shared.policy.run(|| shared.client.post_json(path, bytes.clone(), Some(model)), |_| {}).await;
        match result {
            Ok(reply) => return Attempt::Finished(succeeded(&request, reply)),
            Err(e) => match send_again(&e, refusals, shared.max_wait) {
                Some(wait) => return Attempt::Refused { task: request, wait },
                None if e.model_unavailable() && i + 1 < models.len() => continue,
                // Lines may name other models, so an unknown one fails its own lines only.
                None if super::bulk::stops_the_run(&e) => return Attempt::Stop(e),
                None => return Attempt::Finished(failed(&request, &e)),
            },
        }
    }
    unreachable!("the model list is never empty")
}

/// `{"id","custom_id","response":{"status_code","request_id","body"},"error":null}`. The body
/// goes in as the server sent it when it is one line already (it is valid JSON: the client read
/// it), else re-serialised onto one.
fn succeeded(request: &Request, reply: Reply<UsageOnly>) -> Finished {
    let usage = reply.value.usage.unwrap_or_default();
    let body = reply.raw.trim();
    let body = if body.contains(['\n', '\r']) {
        serde_json::from_str::<Value>(body).map(|v| v.to_string()).unwrap_or_else(|_| Value::from(body).to_string())
    } else {
        body.to_string()
    };
    let request_id = reply.request_id().map_or(Value::Null, Value::from);
    let response = format!("{{\"status_code\":200,\"request_id\":{request_id},\"body\":{body}}}");
    Finished {
        lines: result_line(&request.id, &response, "null"),
        units: 1,
        failures: Vec::new(),
        tokens_in: usage.prompt_tokens.unwrap_or(0),
        tokens_out: usage.completion_tokens.unwrap_or(0),
        limits: reply.headers.limits,
    }
}

/// The same shape with `error` (the troubleshooting case and the message) and, when the server
/// answered, its status and body.
fn failed(request: &Request, error: &ApiError) -> Finished {
    let response = error.http().map(|h| {
        let body = serde_json::from_str::<Value>(&h.body).unwrap_or_else(|_| Value::from(h.body.as_str()));
        json!({"status_code": h.status, "request_id": h.request_id(), "body": body})
    });
    let case = error.case().name();
    let problem = json!({"code": case, "message": error.to_string()});
    let lines = result_line(&request.id, &response.unwrap_or(Value::Null).to_string(), &problem.to_string());
    let limits = error.http().map(|h| h.headers.limits).unwrap_or_default();
    let failures = vec![(request.id.clone(), case.to_string())];
    Finished { lines, units: 1, failures, tokens_in: 0, tokens_out: 0, limits }
}

/// One output line, its fields in the order of OpenAI's batch output; `response` and `error` are
/// JSON text.
fn result_line(custom_id: &str, response: &str, error: &str) -> String {
    format!(
        "{{\"id\":\"batch_req_{}\",\"custom_id\":{},\"response\":{response},\"error\":{error}}}\n",
        crate::history::new_id(),
        Value::from(custom_id)
    )
}

/// The summary on stderr, terminal or not: done, failed by case (with their IDs), tokens, time.
fn summarize(ctx: &Context, report: &Report, to_file: bool) {
    let p = &report.progress;
    let secs = report.elapsed.as_secs_f64();
    let rate = if secs > 0.0 { p.done as f64 / secs } else { 0.0 };
    let stopped = if report.interrupted { "interrupted after " } else { "" };
    ctx.ui.say(
        Tone::Info,
        &format!(
            "batch: {stopped}{} requests in {:.1} s ({rate:.1}/s): {} succeeded, {} failed; tokens {} in, {} out",
            p.done,
            secs,
            p.done - p.failed,
            p.failed,
            p.tokens_in,
            p.tokens_out
        ),
    );
    super::bulk::close(ctx, report, to_file);
}
