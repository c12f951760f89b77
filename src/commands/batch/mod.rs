//! `tokenfactory batch run`: a file of requests (chat completions, embeddings) sent as fast as the
//! rate limit allows on the HTTP core `chat` uses, one result line per request in the OpenAI batch
//! output shape, in input order, resumable with `-o`. The run is `bulk`'s; this module reads the
//! input, sends one request, and words its result line.

mod input;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use super::Context;
use super::bulk::{self, Job};
use crate::api::wire::UsageOnly;
use crate::api::{ApiError, Case, Client, Reply, RetryPolicy};
use crate::cli::{BatchAction, BatchArgs, BatchRunArgs};
use crate::jobs::results::{InputKey, Kind, batch_id};
use crate::jobs::{Attempt, Failure, Finished, IdSet, Sending, Work, Worker};
use crate::output::Tone;
use crate::report::{Exit, Result, UsageError};

use input::{Defaults, Endpoint, Request};

pub fn run(ctx: &Context, args: &BatchArgs) -> Result<Exit> {
    match &args.action {
        BatchAction::Run(run) => run_file(ctx, run),
    }
}

fn run_file(ctx: &Context, args: &BatchRunArgs) -> Result<Exit> {
    let input = input_file(args)?;
    let sampling = &ctx.settings.sampling;
    let job = Batch {
        defaults: Defaults {
            model: ctx.settings.model.clone(),
            embedding_model: ctx.settings.embedding_model.clone(),
            system: sampling.system.clone(),
            temperature: sampling.temperature,
            max_tokens: sampling.max_tokens,
            lines: args.lines.is_some(),
        },
        // A 429 goes back to the engine, which pauses every request, not just this one.
        policy: RetryPolicy { rate_limited: false, ..ctx.retry_policy() },
        fallbacks: ctx.settings.fallback_models.clone(),
    };
    if args.check {
        let source = super::spool::Source::open(&input, &ctx.settings.temp_dir)?;
        let name = input.display().to_string();
        let count = job.scan(source.path(), &name)?.len() as u64;
        let requests = crate::time_text::counted(count, "request");
        ctx.ui.say(Tone::Info, &format!("{name}: {requests}, all valid; nothing sent (--check)"));
        return Ok(Exit::Ok);
    }
    let jobs = usize::from(args.jobs);
    let options = bulk::Options {
        input,
        output: args.output.clone(),
        retry_failed: args.retry_failed,
        restart: args.restart,
        jobs,
        window: (jobs as u64 * 16).max(256),
        give_up_after: Duration::from_secs_f64(args.give_up_after.unwrap_or(crate::defaults::NO_PROGRESS_SECS as f64)),
    };
    Ok(bulk::run(ctx, &job, &options)?.0)
}

/// The input: `--lines FILE`, else INPUT (`--lines` alone says INPUT has one prompt a line).
fn input_file(args: &BatchRunArgs) -> Result<PathBuf> {
    let from_lines = args.lines.as_ref().filter(|p| !p.is_empty());
    match (from_lines, &args.input) {
        (Some(lines), None) => Ok(PathBuf::from(lines)),
        (None, Some(input)) => Ok(input.clone()),
        (Some(_), Some(_)) => Err(UsageError {
            message: "two input files: --lines FILE and INPUT".into(),
            hint: Some(
                "give one: tokenfactory batch run --lines questions.txt (or: batch run questions.txt --lines)".into(),
            ),
        }
        .into()),
        (None, None) => Err(UsageError {
            message: "no input file".into(),
            hint: Some("tokenfactory batch run requests.jsonl, or tokenfactory batch run --lines questions.txt".into()),
        }
        .into()),
    }
}

/// `batch run` as a job of the bulk runner.
struct Batch {
    defaults: Defaults,
    policy: RetryPolicy,
    fallbacks: Vec<String>,
}

/// What the engine keeps of a request: enough to write it as failed.
struct Label {
    id: String,
    binding: u64,
}

impl Job for Batch {
    type Worker = Sender;
    const NOUN: &'static str = "request";
    const KIND: Kind = Kind::Batch;

    fn scan(&self, input: &Path, name: &str) -> Result<Vec<InputKey>> {
        input::check(input, &self.defaults, name)
    }

    fn units(&self, input: &Path, done: IdSet) -> Result<impl Iterator<Item = Work<Request, Label>> + Send + 'static> {
        let requests =
            input::requests(input, &self.defaults).map_err(|e| crate::report::Error::io("cannot read the input", e))?;
        let mut seq = 0;
        Ok(requests.filter_map(Result::ok).filter(move |r| !done.contains(&r.id)).map(move |request| {
            seq += 1;
            Work { seq: seq - 1, label: Label { id: request.id.clone(), binding: request.binding }, task: request }
        }))
    }

    fn worker(&self, client: Client) -> Sender {
        Sender { client, policy: self.policy, fallbacks: self.fallbacks.clone() }
    }
}

/// Sends one request of a batch.
struct Sender {
    client: Client,
    policy: RetryPolicy,
    fallbacks: Vec<String>,
}

impl Worker for Sender {
    type Task = Request;
    type Label = Label;

    /// Retries as `chat` does (5xx, failed connections), falls back to the next model when a chat
    /// model is unavailable, hands a 429 back to the engine, and stops the run on an error every
    /// request would share (a refused key, a spent quota, a wrong URL).
    async fn send(&self, request: Request, _refusals: u32, sending: &Sending) -> Attempt<Request> {
        let asked = request.body.get("model").and_then(Value::as_str).unwrap_or_default().to_string();
        let mut models = vec![asked.clone()];
        if request.endpoint == Endpoint::Chat {
            models.extend(self.fallbacks.iter().filter(|m| **m != asked).cloned());
        }
        let mut body = request.body.clone();
        for (i, model) in models.iter().enumerate() {
            body["model"] = Value::from(model.as_str());
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let path = request.endpoint.path();
            let result = self.policy.run(|| self.client.post_json(path, bytes.clone(), Some(model)), |_| {}).await;
            let error = match result {
                Ok(reply) => {
                    sending.answered(reply.headers.limits);
                    return Attempt::Finished(answered(&request, reply));
                }
                Err(e) => e,
            };
            match error.http().map(|h| h.status) {
                _ if stops_the_run(&error) => return Attempt::Stop(error),
                Some(429) => {
                    let wait = error.http().and_then(|h| h.headers.retry_after);
                    return Attempt::Refused { task: request, wait, error };
                }
                // Lines may name other models, so an unknown one fails its own lines only.
                _ if error.model_unavailable() && i + 1 < models.len() => continue,
                _ => return Attempt::Finished(failed(&request, &error)),
            }
        }
        unreachable!("the model list is never empty")
    }

    fn failed(&self, label: &Label, case: &str, message: &str) -> Finished {
        let problem = json!({"code": case, "message": message});
        Finished {
            lines: result_line(&label.id, label.binding, "null", &problem.to_string()),
            units: 1,
            failures: vec![Failure { id: label.id.clone(), case: case.to_string() }],
            ..Finished::default()
        }
    }
}

/// Whether every other request of the run would fail the same way (the key or the URL is wrong,
/// the quota is spent): the run stops at once instead of writing that error for every request
/// (which a rerun, skipping what the results file holds, would then not send again).
pub fn stops_the_run(error: &ApiError) -> bool {
    matches!(error.case(), Case::Unauthorized | Case::Forbidden | Case::EndpointNotFound | Case::QuotaSpent)
}

/// The result of a 200: `{"id","custom_id","response":{"status_code","request_id","body"},"error"}`,
/// with an error when the body holds no answer (no choices, no vectors, an error object), so that
/// `--retry-failed` sends it again. The body goes in as the server sent it when it is one line
/// already (it is valid JSON: the client read it), else re-serialised onto one.
fn answered(request: &Request, reply: Reply<UsageOnly>) -> Finished {
    let usage = reply.value.usage.unwrap_or_default();
    let body = reply.raw.trim();
    let body = if body.contains(['\n', '\r']) {
        serde_json::from_str::<Value>(body).map(|v| v.to_string()).unwrap_or_else(|_| Value::from(body).to_string())
    } else {
        body.to_string()
    };
    let request_id = reply.request_id().map_or(Value::Null, Value::from);
    let response = format!("{{\"status_code\":200,\"request_id\":{request_id},\"body\":{body}}}");
    let (field, what) = match request.endpoint {
        Endpoint::Chat => ("choices", "chat completion"),
        Endpoint::Embeddings => ("data", "embeddings"),
    };
    let lacks = crate::api::missing_answer(&reply.raw, field).map(|detail| ApiError::NoAnswer { what, detail });
    let (error, failures) = match &lacks {
        Some(e) => {
            let problem = json!({"code": "no_answer", "message": e.to_string()}).to_string();
            (problem, vec![Failure { id: request.id.clone(), case: "no_answer".to_string() }])
        }
        None => ("null".to_string(), Vec::new()),
    };
    Finished {
        lines: result_line(&request.id, request.binding, &response, &error),
        units: 1,
        failures,
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
    let lines =
        result_line(&request.id, request.binding, &response.unwrap_or(Value::Null).to_string(), &problem.to_string());
    let limits = error.http().map(|h| h.headers.limits).unwrap_or_default();
    let failures = vec![Failure { id: request.id.clone(), case: case.to_string() }];
    Finished { lines, units: 1, failures, tokens_in: 0, tokens_out: 0, limits }
}

/// One output line, its fields in the order of OpenAI's batch output; `response` and `error` are
/// JSON text. The `id` records the request it answered (see `results`).
fn result_line(custom_id: &str, binding: u64, response: &str, error: &str) -> String {
    format!(
        "{{\"id\":\"{}\",\"custom_id\":{},\"response\":{response},\"error\":{error}}}\n",
        batch_id(binding),
        Value::from(custom_id)
    )
}
