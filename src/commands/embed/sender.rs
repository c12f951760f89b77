//! One request of `embed --lines`: some inputs to the embeddings endpoint, their vectors matched
//! by index into one line each. An error every request would share (a chat model, a bad key, a
//! spent quota), or the first request failing as a whole, stops the run. A request the server
//! finds too large (413, or longer than the model reads) is split in halves until each part fits
//! or is one input, so one bad line fails alone.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use serde_json::{Value, json};

use crate::api::wire::EmbeddingInput;
use crate::api::{ApiError, Case, Client, Reply, RetryPolicy};
use crate::jobs::results::text_hash;
use crate::jobs::{Attempt, Failure, Finished, Sending, Worker};

/// How a result line names its input besides its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    Text,
    Hash,
    IndexOnly,
}

/// One input: its place among the inputs (from 0; empty lines are not inputs) and its text.
#[derive(Debug, Clone)]
pub struct Input {
    pub index: u64,
    pub text: String,
}

/// What the engine runs: some inputs, and whether they are the run's first request.
pub struct Unit {
    pub inputs: Vec<Input>,
    pub first: bool,
}

/// Sends the units of `embed --lines`.
pub struct Sender {
    pub client: Client,
    pub model: String,
    pub dimensions: Option<u32>,
    /// How each line names its input: the text, or with `--no-text` its hash (`Some`: into a
    /// results file, which a resume binds to the input) or nothing (stdout).
    pub naming: Naming,
    /// For a unit's request: a 429 goes back to the engine.
    pub policy: RetryPolicy,
    /// For the parts of a split request: a 429 is waited out here.
    pub patient: RetryPolicy,
    /// The length of the first vector received.
    pub dimensions_seen: Arc<OnceLock<usize>>,
}

impl Worker for Sender {
    type Task = Unit;
    type Label = Vec<Input>;

    /// Its place on the wire is given up as soon as the answer has arrived, before the vectors are
    /// read out of it. A 429 goes back to the engine; too large is split; anything else that is
    /// not shared by every request is written as each input's error.
    async fn send(&self, unit: Unit, _refusals: u32, sending: &Sending) -> Attempt<Unit> {
        let error = match self.request(&unit.inputs, &self.policy).await {
            Ok(reply) => {
                sending.answered(reply.headers.limits);
                match self.read(&unit.inputs, reply).await {
                    Ok(finished) => return Attempt::Finished(finished),
                    Err(e) => e,
                }
            }
            Err(e) => e,
        };
        if stops_the_run(&error) {
            return Attempt::Stop(error);
        }
        if error.http().is_some_and(|h| h.status == 429) {
            let wait = error.http().and_then(|h| h.headers.retry_after);
            return Attempt::Refused { task: unit, wait, error };
        }
        let inputs = &unit.inputs;
        let finished = if splits(&error, inputs) { self.split(inputs).await } else { self.failed_with(inputs, &error) };
        if unit.first && finished.failures.len() == inputs.len() {
            return Attempt::Stop(error);
        }
        Attempt::Finished(finished)
    }

    fn failed(&self, inputs: &Vec<Input>, case: &str, message: &str) -> Finished {
        failed(inputs, self.naming, case, message)
    }
}

/// Each input's line holding the error `case` with `message`.
fn failed(inputs: &[Input], naming: Naming, case: &str, message: &str) -> Finished {
    let problem = json!({"code": case, "message": message});
    let mut lines = String::new();
    for input in inputs {
        lines.push_str(&line_start(input, naming));
        lines.push_str(&format!(",\"error\":{problem}}}\n"));
    }
    let failures = inputs.iter().map(|i| Failure { id: i.index.to_string(), case: case.to_string() }).collect();
    Finished { lines, units: inputs.len() as u64, failures, ..Finished::default() }
}

/// Whether every other request would fail the same way: the key or the URL is wrong, the quota
/// is spent, or the model (one for the whole run) is unknown.
fn stops_the_run(error: &ApiError) -> bool {
    crate::commands::batch::stops_the_run(error) || error.case() == Case::UnknownModel
}

/// Whether the server refused `inputs` for their size, so fewer might pass.
fn splits(error: &ApiError, inputs: &[Input]) -> bool {
    inputs.len() > 1 && (error.http().is_some_and(|h| h.status == 413) || error.case() == Case::ContextTooLong)
}

impl Sender {
    /// Sends one request for `inputs`; the answer, or the error.
    async fn request(&self, inputs: &[Input], policy: &RetryPolicy) -> Result<Reply<()>, ApiError> {
        let texts = inputs.iter().map(|i| i.text.as_str()).collect();
        let body = super::body(&self.model, EmbeddingInput::Many(texts), self.dimensions);
        policy.run(|| self.client.post_for_text("embeddings", body.clone(), Some(&self.model)), |_| {}).await
    }

    /// The lines of an answer, read on a blocking thread: reading the vectors out of half a
    /// megabyte of JSON takes a millisecond, and the runtime's threads stay free to send.
    async fn read(&self, inputs: &[Input], reply: Reply<()>) -> Result<Finished, ApiError> {
        let (inputs, naming, seen) = (inputs.to_vec(), self.naming, self.dimensions_seen.clone());
        let read = tokio::task::spawn_blocking(move || lines_of(&inputs, &reply, naming, &seen));
        read.await.unwrap_or_else(|_| {
            Err(ApiError::NoAnswer { what: "embeddings", detail: "reading the vectors out of it failed".into() })
        })
    }

    /// Sends `inputs` in two halves, each split again while the server finds it too large.
    fn split<'a>(&'a self, inputs: &'a [Input]) -> Pin<Box<dyn Future<Output = Finished> + Send + 'a>> {
        Box::pin(async move {
            let (left, right) = inputs.split_at(inputs.len() / 2);
            let mut all = Finished::default();
            for half in [left, right] {
                let part = match self.request(half, &self.patient).await {
                    Ok(reply) => self.read(half, reply).await,
                    Err(e) => Err(e),
                };
                let part = match part {
                    Ok(finished) => finished,
                    Err(e) if splits(&e, half) => self.split(half).await,
                    Err(e) => self.failed_with(half, &e),
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

    /// Each input's line with the error.
    fn failed_with(&self, inputs: &[Input], error: &ApiError) -> Finished {
        let mut finished = failed(inputs, self.naming, error.case().name(), &error.to_string());
        finished.limits = error.http().map(|h| h.headers.limits).unwrap_or_default();
        finished
    }
}

/// The result lines of an answer to `inputs`, each vector matched to its input by index.
fn lines_of(inputs: &[Input], reply: &Reply<()>, naming: Naming, seen: &OnceLock<usize>) -> Result<Finished, ApiError> {
    let vectors = crate::api::vectors(&reply.raw, inputs.len())?;
    if let Some(first) = vectors.each.first() {
        seen.get_or_init(|| crate::api::dimensions(first));
    }
    let mut lines = String::with_capacity(reply.raw.len() + inputs.len() * 32);
    for (input, vector) in inputs.iter().zip(&vectors.each) {
        lines.push_str(&line_start(input, naming));
        lines.push_str(",\"embedding\":");
        lines.push_str(&crate::api::one_line(vector));
        lines.push_str("}\n");
    }
    let tokens_in = vectors.tokens.unwrap_or(0);
    Ok(Finished { lines, units: inputs.len() as u64, tokens_in, limits: reply.headers.limits, ..Finished::default() })
}

/// A result line up to what follows the input: `{"index":n,"text":"…"`; with `--no-text` into a
/// results file the text's fingerprint, `{"index":n,"hash":"…"` (so a resume still knows what each
/// line answered); to stdout just `{"index":n`.
fn line_start(input: &Input, naming: Naming) -> String {
    match naming {
        Naming::Text => format!("{{\"index\":{},\"text\":{}", input.index, Value::from(input.text.as_str())),
        Naming::Hash => format!("{{\"index\":{},\"hash\":\"{}\"", input.index, text_hash(&input.text)),
        Naming::IndexOnly => format!("{{\"index\":{}", input.index),
    }
}
