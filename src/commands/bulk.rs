//! The one runner of `batch run` and `embed --lines`: it reads and checks the input, opens the
//! results (stdout, or `-o FILE` bound to the input and resumed), drives the jobs engine with the
//! command's [`Worker`] under a progress bar, puts a completed file in input order, and closes
//! with what the results hold and the exit code. A command supplies a [`Job`]: how to read its
//! input, how to group it into units, and the worker that sends one.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::Context;
use super::spool::Source;
use crate::api::Client;
use crate::jobs::results::{InputKey, Kind, LineWriter, ResultsFile, Tally};
use crate::jobs::{Engine, Failure, IdSet, Report, Stopped, Work, Worker};
use crate::output::Tone;
use crate::report::{Error, Exit, Result};
use crate::time_text::{counted, rate, span, utc_date};

/// What a command that sends many requests supplies.
pub trait Job {
    type Worker: Worker;
    /// What one input is called (`request`, `input`).
    const NOUN: &'static str;
    /// The shape of its result lines.
    const KIND: Kind;

    /// Reads the whole input once: each input's key in input order, or every problem named.
    fn scan(&self, input: &Path, name: &str) -> Result<Vec<InputKey>>;

    /// The units to send, in input order, leaving out the inputs whose ID `done` holds.
    fn units(&self, input: &Path, done: IdSet) -> Result<impl Iterator<Item = UnitOf<Self>> + Send + 'static>;

    /// The worker that sends one unit.
    fn worker(&self, client: Client) -> Self::Worker;
}

/// One unit of a job's worker.
pub type UnitOf<J> = Work<<<J as Job>::Worker as Worker>::Task, <<J as Job>::Worker as Worker>::Label>;

/// How the run goes, from the command's flags.
pub struct Options {
    pub input: PathBuf,
    /// `-o FILE`; `None` (or `-`): stdout, no resume.
    pub output: Option<PathBuf>,
    pub retry_failed: bool,
    pub restart: bool,
    pub jobs: usize,
    /// How far past the oldest unwritten unit sending may run.
    pub window: u64,
    pub give_up_after: Duration,
}

impl Options {
    /// The results file, unless the results go to stdout.
    fn results_path(&self) -> Option<&Path> {
        self.output.as_deref().filter(|p| *p != Path::new("-"))
    }
}

/// Runs `job` over the input of `options`.
pub fn run<J: Job>(ctx: &Context, job: &J, options: &Options) -> Result<(Exit, Report)> {
    let source = Source::open(&options.input, &ctx.settings.temp_dir)?;
    let name = if options.input == Path::new("-") { "stdin".to_string() } else { options.input.display().to_string() };
    let keys = job.scan(source.path(), &name)?;
    // The key first: a run that cannot send touches no results file.
    let client = ctx.client()?;
    let spooled = options.input == Path::new("-");
    let (mut results, tally) = match options.results_path() {
        Some(path) => {
            let input = (!spooled).then_some(options.input.as_path());
            let (results, tally) = open_results(ctx, path, input, options, (&keys, &name), (J::KIND, J::NOUN))?;
            (Some(results), tally)
        }
        None => (None, Tally { missing: keys.len() as u64, in_order: true, ..Tally::default() }),
    };
    let writer = match &results {
        Some(results) => results.writer(ctx.settings.redactor())?,
        None => LineWriter::new(ctx.ui.data_lines(), ctx.settings.redactor(), None),
    };
    let report = if tally.missing == 0 {
        // A complete file: nothing to send, so no engine, and the input is not read again.
        Report::default()
    } else {
        let done = results.as_mut().map(ResultsFile::done).unwrap_or_default();
        let engine = Engine {
            worker: Arc::new(job.worker(client)),
            max_in_flight: options.jobs,
            window: options.window,
            writer,
            max_wait: ctx.settings.max_wait,
            give_up_after: options.give_up_after,
        };
        drive(ctx, engine, job.units(source.path(), done)?, tally.missing, J::NOUN)?
    };
    let after = Tally {
        answered: tally.answered + (report.progress.done - report.progress.failed),
        failed: tally.failed + report.progress.failed,
        missing: tally.missing - report.progress.done.min(tally.missing),
        in_order: tally.in_order && report.stopped.is_none(),
    };
    if let Some(results) = &results
        && after.missing == 0
        && !after.in_order
    {
        results.put_in_order(&keys)?;
    }
    summarize(ctx, &report, after, options, J::NOUN);
    let exit = if after.failed + after.missing == 0 { Exit::Ok } else { Exit::Failure };
    match report.stopped {
        None => Ok((exit, report)),
        Some(stopped) => Err(stop_error(stopped)),
    }
}

/// Opens `-o FILE`: locked, checked against the input, failures taken out with
/// `--retry-failed`, and what it holds said.
fn open_results(
    ctx: &Context,
    path: &Path,
    input: Option<&Path>,
    options: &Options,
    (keys, name): (&[InputKey], &str),
    (kind, noun): (Kind, &str),
) -> Result<(ResultsFile, Tally)> {
    let mut results = ResultsFile::open(path, kind, options.restart, (input, keys.len()))?;
    let file = path.display();
    if results.cut_last_line {
        ctx.ui.say(
            Tone::Note,
            &format!("the last line of {file} was cut off (a crash, or a full disk?); that input is sent again"),
        );
    }
    let mut tally = results.check(keys, name, options.retry_failed)?;
    if options.retry_failed {
        let taken;
        (results, taken) = results.take_out_failures()?;
        let text = match taken {
            0 => format!("retrying: no line of {file} holds an error"),
            n => format!("retrying: {} taken out of {file}, to be sent again", counted(n as u64, "failed line")),
        };
        ctx.ui.say(Tone::Info, &text);
        tally = results.check(keys, name, false)?;
    }
    let held = tally.answered + tally.failed;
    if held > 0 {
        let total = keys.len() as u64;
        ctx.ui.say(Tone::Info, &format!("resuming: {file} holds {held} of {} already", counted(total, noun)));
    }
    Ok((results, tally))
}

/// Runs `engine` over `work` on the jobs runtime, `total` inputs of `noun` under a progress bar;
/// pauses of the rate limit longer than a few seconds are announced. The engine runs as a task of
/// its own, so the runtime schedules it among the connections' tasks instead of after them: a
/// finished request's slot is refilled at once.
fn drive<W: Worker>(
    ctx: &Context,
    engine: Engine<W>,
    work: impl Iterator<Item = Work<W::Task, W::Label>> + Send + 'static,
    total: u64,
    noun: &'static str,
) -> Result<Report> {
    const ANNOUNCED: Duration = Duration::from_secs(3);
    let bar = ctx.ui.progress(total, noun);
    let ui = ctx.ui.clone();
    let mut announced = None;
    let observe = move |p: &crate::jobs::Progress| {
        bar.update(p);
        let left = p.paused_until.map(|t| t.saturating_duration_since(tokio::time::Instant::now()));
        if let (Some(until), Some(left)) = (p.paused_until, left)
            && left >= ANNOUNCED
            && announced.is_none_or(|last| until > last)
        {
            announced = Some(until);
            ui.say(Tone::Note, &format!("the server's rate limit pauses new requests for {}", span(left)));
        }
    };
    let interrupt = || -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    };
    let runtime = Context::jobs_runtime()?;
    let report = runtime.block_on(async move {
        let run = tokio::spawn(engine.run(work, observe, interrupt));
        run.await.map_err(std::io::Error::other)?
    })?;
    Ok(report)
}

/// The closing words on stderr, terminal or not: what this run sent, what the results hold, what
/// failed, and how to finish.
fn summarize(ctx: &Context, report: &Report, held: Tally, options: &Options, noun: &str) {
    let p = &report.progress;
    let stopped = if report.stopped.is_some() { "stopped after sending " } else { "sent " };
    ctx.ui.say(
        Tone::Info,
        &format!(
            "{stopped}{} in {:.1} s ({}): {} answered, {} failed; tokens {} in, {} out",
            counted(p.done, noun),
            report.elapsed.as_secs_f64(),
            rate(p.done, report.elapsed),
            p.done - p.failed,
            p.failed,
            p.tokens_in,
            p.tokens_out
        ),
    );
    let to_file = options.results_path();
    if let Some(path) = to_file
        && (held.answered + held.failed != p.done || held.missing > 0)
    {
        ctx.ui.say(
            Tone::Info,
            &format!(
                "{} holds {} answered, {} failed; {} missing",
                path.display(),
                counted(held.answered, noun),
                held.failed,
                held.missing
            ),
        );
    }
    if !report.failures.is_empty() {
        ctx.ui.say(Tone::Warn, &failures_line(&report.failures, to_file.is_some()));
    }
    if held.failed > 0 && to_file.is_some() {
        ctx.ui.say(Tone::Note, "run the same command with --retry-failed to send the failed ones again");
    }
    if held.missing > 0 {
        let how = if to_file.is_some() { "run the same command again" } else { "rerun it with -o FILE" };
        ctx.ui.say(Tone::Note, &format!("{how} to send the {} missing", held.missing));
    }
}

/// The most failed IDs the closing words name; the rest are counted.
const NAMED: usize = 20;

/// `failed (2 × 503, 1 × 400): t-3, t-9, t-40; the results file holds each error`.
fn failures_line(failures: &[Failure], to_file: bool) -> String {
    let mut by_case: Vec<(&str, usize)> = Vec::new();
    for failure in failures {
        match by_case.iter_mut().find(|(c, _)| *c == failure.case) {
            Some((_, n)) => *n += 1,
            None => by_case.push((&failure.case, 1)),
        }
    }
    let cases: Vec<String> = by_case.iter().map(|(c, n)| format!("{n} × {c}")).collect();
    let ids: Vec<&str> = failures.iter().take(NAMED).map(|f| f.id.as_str()).collect();
    let more = failures.len().saturating_sub(ids.len());
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let holder = if to_file { "the results file" } else { "its result line" };
    format!("failed ({}): {}{more}; {holder} holds each error", cases.join(", "), ids.join(", "))
}

/// The error a stopped run ends with.
fn stop_error(stopped: Stopped) -> Error {
    match stopped {
        Stopped::Interrupted => Error::Interrupted,
        Stopped::Error(error) => error.into(),
        Stopped::NoProgress(after) => Error::RateLimited {
            message: format!("no request was answered for {}: the server kept refusing them", span(after)),
            hint: "the rate limit or quota may be spent; run the same command later to send the rest \
                   (--give-up-after sets how long to keep trying)"
                .into(),
        },
        Stopped::LimitResets { wait, at } => Error::RateLimited {
            message: format!(
                "the server's rate limit resets in {} (at {}), later than --max-wait allows",
                span(wait),
                at.duration_since(SystemTime::UNIX_EPOCH).map_or_else(|_| "?".into(), |d| utc_date(d.as_secs()))
            ),
            hint: "run the same command again then to send the rest (or raise --max-wait to wait for it)".into(),
        },
    }
}
