//! `embed --lines`: every non-empty line of a file is an input, `--batch-size` inputs per request,
//! run by the bulk runner (the adaptive concurrency of `batch run`), one JSON line per input in
//! input order, resumable with `-o`. The requests themselves are `sender`'s.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::super::Context;
use super::super::bulk::{self, Job};
use super::sender::{Input, Naming, Sender, Unit};
use crate::api::{Client, RetryPolicy};
use crate::cli::EmbedArgs;
use crate::jobs::results::{InputKey, Kind};
use crate::jobs::{IdSet, Work, fingerprint};
use crate::report::{Error, Exit, InputError, Result, UsageError};

/// The most unreadable lines named; the rest are counted.
const NAMED: usize = 10;

pub fn run(ctx: &Context, args: &EmbedArgs, path: &Path) -> Result<Exit> {
    let started = Instant::now();
    let job = Embed {
        model: ctx.settings.model.clone(),
        dimensions: args.dimensions,
        naming: match (args.no_text, args.output.as_deref().filter(|o| *o != Path::new("-"))) {
            (false, _) => Naming::Text,
            (true, Some(_)) => Naming::Hash,
            (true, None) => Naming::IndexOnly,
        },
        batch_size: usize::from(args.batch_size),
        policy: RetryPolicy { rate_limited: false, ..ctx.retry_policy() },
        patient: ctx.retry_policy(),
        dimensions_seen: Arc::new(OnceLock::new()),
    };
    let jobs = usize::from(args.jobs);
    let options = bulk::Options {
        input: path.to_path_buf(),
        output: args.output.clone(),
        retry_failed: args.retry_failed,
        restart: args.restart,
        jobs,
        // Each request's lines hold its vectors (1.3 MB for 64 of 1024 dimensions): a small window.
        window: jobs as u64 * 4,
        give_up_after: Duration::from_secs(crate::defaults::NO_PROGRESS_SECS),
    };
    let (exit, report) = bulk::run(ctx, &job, &options)?;
    if args.stats {
        let vectors = report.progress.done - report.progress.failed;
        let dimensions = job.dimensions_seen.get().copied().unwrap_or(0);
        super::stats(ctx, &job.model, Some(report.progress.tokens_in), vectors, dimensions, started.elapsed());
    }
    Ok(exit)
}

/// `embed --lines` as a job of the bulk runner.
struct Embed {
    model: String,
    dimensions: Option<u32>,
    naming: Naming,
    batch_size: usize,
    policy: RetryPolicy,
    patient: RetryPolicy,
    /// The length of the first vector received.
    dimensions_seen: Arc<OnceLock<usize>>,
}

impl Job for Embed {
    type Worker = Sender;
    const NOUN: &'static str = "input";
    const KIND: Kind = Kind::Embed;

    /// Each non-empty line's key (its index among them, its text's fingerprint), or the lines that
    /// are not UTF-8 text.
    fn scan(&self, path: &Path, name: &str) -> Result<Vec<InputKey>> {
        let (mut keys, mut problems, mut more) = (Vec::new(), Vec::new(), 0);
        let file = File::open(path).map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        for (i, line) in BufReader::new(file).lines().enumerate() {
            match line {
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => {
                    let id = fingerprint(keys.len().to_string().as_bytes());
                    keys.push(InputKey { id, binding: fingerprint(text.as_bytes()), line: i + 1 });
                }
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData && problems.len() < NAMED => {
                    problems.push(format!("line {}: is not UTF-8 text", i + 1));
                }
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => more += 1,
                Err(e) => return Err(Error::io(format!("cannot read {name}"), e)),
            }
        }
        if more > 0 {
            problems.push(format!("… and {more} more"));
        }
        if !problems.is_empty() {
            return Err(InputError { message: format!("{name} has lines embed cannot read"), problems }.into());
        }
        if keys.is_empty() {
            return Err(
                UsageError { message: format!("{name} holds no input: every line is empty"), hint: None }.into()
            );
        }
        Ok(keys)
    }

    /// The inputs not done yet, `--batch-size` to a unit.
    fn units(&self, path: &Path, done: IdSet) -> Result<impl Iterator<Item = Work<Unit, Vec<Input>>> + Send + 'static> {
        let file = File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        let mut inputs = BufReader::new(file)
            .lines()
            .map_while(std::result::Result::ok)
            .filter(|text| !text.trim().is_empty())
            .enumerate()
            .map(|(index, text)| Input { index: index as u64, text })
            .filter(move |input| !done.contains(&input.index.to_string()));
        let batch_size = self.batch_size;
        let groups = std::iter::from_fn(move || {
            let group: Vec<Input> = inputs.by_ref().take(batch_size).collect();
            (!group.is_empty()).then_some(group)
        });
        Ok(groups.enumerate().map(|(seq, inputs)| Work {
            seq: seq as u64,
            label: inputs.clone(),
            task: Unit { inputs, first: seq == 0 },
        }))
    }

    fn worker(&self, client: Client) -> Sender {
        Sender {
            client,
            model: self.model.clone(),
            dimensions: self.dimensions,
            naming: self.naming,
            policy: self.policy,
            patient: self.patient,
            dimensions_seen: self.dimensions_seen.clone(),
        }
    }
}
