//! `embed --lines`: every non-empty line of a file is an input, `--batch-size` inputs per request,
//! the requests run by `jobs` (the adaptive concurrency of `batch run`), one JSON line per input
//! in input order, resumable with `-o`. An error every request would share (a chat model, a bad
//! key), or the first request failing as a whole, stops the run with that error. A request the
//! server finds too large (413, or longer than the model reads) is split in halves until each
//! part fits or is one input, so one bad line fails alone.

use std::fs::File;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::report::Result;
use serde_json::{Value, json};

use super::super::spool::Source;
use super::super::{Context, bulk};
use crate::api::wire::EmbeddingInput;
use crate::api::{ApiError, Case, Client, Reply, RetryPolicy};
use crate::cli::EmbedArgs;
use crate::jobs::results::IdField;
use crate::jobs::{Attempt, Engine, Finished, Report, Sending, Work, send_again};
use crate::output::Tone;
use crate::report::{Error, Exit, InputError, UsageError};

/// One input: its place among the inputs (from 0; empty lines are not inputs) and its text.
#[derive(Debug, Clone)]
struct Input {
    index: u64,
    text: String,
}

/// What the engine runs: some inputs, and whether they are the run's first request.
struct Unit {
    inputs: Vec<Input>,
    first: bool,
}

/// What every request shares.
struct Shared {
    client: Client,
    model: String,
    dimensions: Option<u32>,
    no_text: bool,
    /// For a unit's request: a 429 goes back to the engine.
    policy: RetryPolicy,
    /// For the parts of a split request: a 429 is waited out here.
    patient: RetryPolicy,
    max_wait: Duration,
    /// The length of the first vector received.
    dimensions_seen: OnceLock<usize>,
}

/// The most unreadable lines named; the rest are counted.
const NAMED: usize = 10;

pub fn run(ctx: &Context, args: &EmbedArgs, path: &Path) -> Result<Exit> {
    let started = Instant::now();
    let source = Source::open(path)?;
    let name = if path == Path::new("-") { "stdin".to_string() } else { path.display().to_string() };
    let count = count_inputs(source.path())
        .map_err(|e| Error::io(format!("cannot read {name}"), e))?
        .map_err(|problems| InputError { message: format!("{name} has lines embed cannot read"), problems })?;
    if count == 0 {
        return Err(UsageError { message: format!("{name} holds no input: every line is empty"), hint: None }.into());
    }
    // The key first: a run that cannot send touches no results file.
    let client = ctx.client()?;
    let (writer, done) =
        bulk::open_results(ctx, args.output.as_deref(), args.retry_failed, count as usize, "inputs", IdField::Index)?;
    let total = count - (done.len() as u64).min(count);
    let mut inputs = read_inputs(source.path())?.filter(move |i| !done.contains(&i.index.to_string()));
    let batch_size = usize::from(args.batch_size);
    let groups = std::iter::from_fn(move || {
        let group: Vec<Input> = inputs.by_ref().take(batch_size).collect();
        (!group.is_empty()).then_some(group)
    });
    let model = ctx.settings.model.clone();
    let shared = Arc::new(Shared {
        client,
        model: model.clone(),
        dimensions: args.dimensions,
        no_text: args.no_text,
        policy: RetryPolicy { rate_limited: false, ..ctx.retry_policy() },
        patient: ctx.retry_policy(),
        max_wait: ctx.settings.max_wait,
        dimensions_seen: OnceLock::new(),
    });
    let work = groups.enumerate().map(|(seq, inputs)| Work {
        seq: seq as u64,
        id: String::new(),
        task: Unit { inputs, first: seq == 0 },
    });
    let engine_shared = shared.clone();
    let engine = Engine {
        start: Box::new(move |unit, refusals, sending| Box::pin(send(engine_shared.clone(), unit, refusals, sending))),
        max_in_flight: usize::from(args.jobs),
        // Each request's lines hold its vectors (1.3 MB for 64 of 1024 dimensions): a small window.
        window: u64::from(args.jobs) * 4,
        writer,
    };
    let report = bulk::drive(ctx, &Context::jobs_runtime()?, engine, work, total, "inputs")?;
    if let Some(error) = report.stopped {
        return Err(error.into());
    }
    summarize(ctx, &report, started.elapsed(), args.output.is_some());
    if args.stats {
        let vectors = report.progress.done - report.progress.failed;
        let dimensions = shared.dimensions_seen.get().copied().unwrap_or(0);
        super::stats(ctx, &model, Some(report.progress.tokens_in), vectors, dimensions, started.elapsed());
    }
    if report.interrupted {
        return Err(Error::Interrupted);
    }
    if report.progress.done < total {
        // The file changed or could not be read to its end after it was counted.
        let done = report.progress.done;
        return Err(Error::Other(format!("only {done} of the {total} inputs of {name} could be read a second time")));
    }
    Ok(if report.failures.is_empty() { Exit::Ok } else { Exit::Failure })
}

/// Counts the inputs, or names the lines that are not UTF-8 text.
fn count_inputs(path: &Path) -> std::io::Result<Result<u64, Vec<String>>> {
    let mut count = 0;
    let mut problems = Vec::new();
    let mut more = 0;
    for (i, line) in BufReader::new(File::open(path)?).lines().enumerate() {
        match line {
            Ok(text) if text.trim().is_empty() => {}
            Ok(_) => count += 1,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData && problems.len() < NAMED => {
                problems.push(format!("line {}: is not UTF-8 text", i + 1));
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => more += 1,
            Err(e) => return Err(e),
        }
    }
    if more > 0 {
        problems.push(format!("… and {more} more"));
    }
    Ok(if problems.is_empty() { Ok(count) } else { Err(problems) })
}

/// The inputs of a file `count_inputs` accepted, read as they are needed.
fn read_inputs(path: &Path) -> std::io::Result<impl Iterator<Item = Input> + Send + use<>> {
    let lines = BufReader::new(File::open(path)?).lines();
    Ok(lines
        .map_while(Result::ok)
        .filter(|text| !text.trim().is_empty())
        .enumerate()
        .map(|(index, text)| Input { index: index as u64, text }))
}

/// One unit for the engine. Its place on the wire is given up as soon as the answer has arrived,
/// before the vectors are read out of it. A 429 goes back to the engine; an error every request
/// would share, or the first unit failing as a whole, stops the run; too large is split; anything
/// else is written as each input's error.
async fn send(shared: Arc<Shared>, unit: Unit, refusals: u32, sending: Sending) -> Attempt<Unit> {
    let (unit, error) = match request(&shared, &unit.inputs, &shared.policy).await {
        Ok(reply) => {
            drop(sending);
            // Reading the vectors out of half a megabyte of JSON takes a millisecond: a blocking
            // thread does it, so the runtime's threads stay free to send the next requests.
            let shared = shared.clone();
            let read = tokio::task::spawn_blocking(move || {
                let lines = lines_of(&shared, &unit.inputs, &reply);
                (unit, lines)
            });
            match read.await {
                Ok((_, Ok(finished))) => return Attempt::Finished(finished),
                Ok((unit, Err(e))) => (unit, e),
                Err(panicked) => std::panic::resume_unwind(panicked.into_panic()),
            }
        }
        Err(e) => (unit, e),
    };
    let inputs = &unit.inputs;
    if let Some(wait) = send_again(&error, refusals, shared.max_wait) {
        return Attempt::Refused { task: unit, wait };
    }
    if stops_the_run(&error) {
        return Attempt::Stop(error);
    }
    let finished = if splits(&error, inputs) { split(&shared, inputs).await } else { failed(&shared, inputs, &error) };
    if unit.first && finished.failures.len() == inputs.len() {
        return Attempt::Stop(error);
    }
    Attempt::Finished(finished)
}

/// Whether every other request would fail the same way: the key or the URL is wrong, or the
/// model (one for the whole run) is unknown.
fn stops_the_run(error: &ApiError) -> bool {
    bulk::stops_the_run(error) || error.case() == Case::UnknownModel
}

/// Whether the server refused `inputs` for their size, so fewer might pass.
fn splits(error: &ApiError, inputs: &[Input]) -> bool {
    inputs.len() > 1 && (error.http().is_some_and(|h| h.status == 413) || error.case() == Case::ContextTooLong)
}

/// Sends `inputs` in two halves, each split again while the server finds it too large.
fn split<'a>(shared: &'a Shared, inputs: &'a [Input]) -> Pin<Box<dyn Future<Output = Finished> + Send + 'a>> {
    Box::pin(async move {
        let (left, right) = inputs.split_at(inputs.len() / 2);
        let mut all = Finished::default();
        for half in [left, right] {
            let part =
                match request(shared, half, &shared.patient).await.and_then(|reply| lines_of(shared, half, &reply)) {
                    Ok(finished) => finished,
                    Err(e) if splits(&e, half) => split(shared, half).await,
                    Err(e) => failed(shared, half, &e),
                };
            all.lines.push_str(&part.lines);
            all.units += part.units;
            all.failures.extend(part.failures);
            all.tokens_in += part.tokens_in;
            all.limits = part.limits;
        }
        all
    })
}

/// Sends one request for `inputs`; the answer, or the error.
async fn request(shared: &Shared, inputs: &[Input], policy: &RetryPolicy) -> Result<Reply<()>, ApiError> {
    let texts = inputs.iter().map(|i| i.text.as_str()).collect();
    let body = super::body(&shared.model, EmbeddingInput::Many(texts), shared.dimensions);
    policy.run(|| shared.client.post_for_text("embeddings", body.clone(), Some(&shared.model)), |_| {}).await
}

/// The result lines of an answer to `inputs`, each vector matched to its input by index.
fn lines_of(shared: &Shared, inputs: &[Input], reply: &Reply<()>) -> Result<Finished, ApiError> {
    let vectors = super::vectors::vectors(&reply.raw, inputs.len())?;
    if let Some(first) = vectors.each.first() {
        shared.dimensions_seen.get_or_init(|| super::vectors::dimensions(first));
    }
    let mut lines = String::with_capacity(reply.raw.len() + inputs.len() * 32);
    for (input, vector) in inputs.iter().zip(&vectors.each) {
        lines.push_str(&line_start(shared, input));
        lines.push_str(",\"embedding\":");
        lines.push_str(&super::vectors::one_line(vector));
        lines.push_str("}\n");
    }
    let tokens_in = vectors.tokens.unwrap_or(0);
    Ok(Finished { lines, units: inputs.len() as u64, tokens_in, limits: reply.headers.limits, ..Finished::default() })
}

/// Each input's line with the error: `{"index","text","error":{"code","message"}}`.
fn failed(shared: &Shared, inputs: &[Input], error: &ApiError) -> Finished {
    let case = error.case().name();
    let problem = json!({"code": case, "message": error.to_string()});
    let mut lines = String::new();
    for input in inputs {
        lines.push_str(&line_start(shared, input));
        lines.push_str(&format!(",\"error\":{problem}}}\n"));
    }
    let failures = inputs.iter().map(|i| (i.index.to_string(), case.to_string())).collect();
    let limits = error.http().map(|h| h.headers.limits).unwrap_or_default();
    Finished { lines, units: inputs.len() as u64, failures, tokens_in: 0, tokens_out: 0, limits }
}

/// A result line up to what follows the input: `{"index":n,"text":"…"` (no text with `--no-text`).
fn line_start(shared: &Shared, input: &Input) -> String {
    if shared.no_text {
        format!("{{\"index\":{}", input.index)
    } else {
        format!("{{\"index\":{},\"text\":{}", input.index, Value::from(input.text.as_str()))
    }
}

/// The summary on stderr, terminal or not.
fn summarize(ctx: &Context, report: &Report, elapsed: Duration, to_file: bool) {
    let p = &report.progress;
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { p.done as f64 / secs } else { 0.0 };
    let stopped = if report.interrupted { "interrupted after " } else { "" };
    ctx.ui.say(
        Tone::Info,
        &format!(
            "embed: {stopped}{} input{} in {secs:.1} s ({rate:.0}/s): {} embedded, {} failed; {} tokens",
            p.done,
            if p.done == 1 { "" } else { "s" },
            p.done - p.failed,
            p.failed,
            p.tokens_in
        ),
    );
    bulk::close(ctx, report, to_file);
}
