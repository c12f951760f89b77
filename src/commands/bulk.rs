//! What `batch run` and `embed --lines` share around the `jobs` engine: where the results go
//! (stdout, or `-o FILE` resumed), the engine driven on the jobs runtime under a progress bar, and
//! the closing words (failures by case, how to finish an interrupted run).

use std::path::Path;

use crate::report::Result;

use super::Context;
use crate::api::{ApiError, Case};
use crate::jobs::results::{self, IdField, LineWriter};
use crate::jobs::{Engine, IdSet, Report, Work};
use crate::output::Tone;
use crate::report::UsageError;

/// The most failed IDs the closing words name; the rest are counted.
const NAMED: usize = 20;

/// Opens the results: `-o FILE` (what it holds already is skipped, by the IDs in `field` of its
/// lines) or stdout. `count` inputs of `unit` (`requests`, `inputs`) are in the input; a file
/// whose indexes go past them holds another input's results and is refused. With `retry_failed`,
/// the lines that hold an error are taken out of the file first.
pub fn open_results(
    ctx: &Context,
    output: Option<&Path>,
    retry_failed: bool,
    count: usize,
    unit: &str,
    field: IdField,
) -> Result<(LineWriter, IdSet)> {
    let redactor = ctx.settings.redactor();
    let Some(path) = output else {
        return Ok((LineWriter::new(ctx.ui.data_lines(), redactor, None), IdSet::default()));
    };
    let (mut file, mut resumed) = results::open(path, field)?;
    if let Some(index) = resumed.largest_index.filter(|&i| i >= count as u64) {
        return Err(UsageError {
            message: format!(
                "{} holds the result of input {index}, but the input has only {count}: it belongs to another input",
                path.display()
            ),
            hint: Some("give -o a new file, or the input these results came from".into()),
        }
        .into());
    }
    let cut_last_line = resumed.cut_last_line;
    if retry_failed {
        drop(file);
        let text = match results::take_out_failures(path)? {
            0 => format!("retrying: no line of {} holds an error", path.display()),
            1 => format!("retrying: 1 failed line taken out of {}; it is sent again", path.display()),
            n => format!("retrying: {n} failed lines taken out of {}; they are sent again", path.display()),
        };
        ctx.ui.say(Tone::Info, &text);
        (file, resumed) = results::open(path, field)?;
    }
    if cut_last_line {
        ctx.ui.say(
            Tone::Note,
            &format!(
                "the last line of {} was cut off (a crash, or a full disk?); that input is sent again",
                path.display()
            ),
        );
    }
    if !resumed.done.is_empty() {
        let held = resumed.done.len();
        ctx.ui.say(Tone::Info, &format!("resuming: {held} of {count} {unit} are already in {}", path.display()));
    }
    Ok((LineWriter::new(Box::new(file), redactor, Some(path.to_path_buf())), resumed.done))
}

/// Runs `engine` over `work` on `runtime` (`Context::jobs_runtime`), `total` inputs of `unit`
/// under a progress bar. The engine runs as a task of its own, so the runtime schedules it among
/// the connections' tasks instead of after them: a finished request's slot is refilled at once.
pub fn drive<T: Send + 'static>(
    ctx: &Context,
    runtime: &tokio::runtime::Runtime,
    engine: Engine<T>,
    work: impl Iterator<Item = Work<T>> + Send + 'static,
    total: u64,
    unit: &'static str,
) -> Result<Report> {
    let mut bar = ctx.ui.progress(total, unit);
    let report = runtime.block_on(async move {
        let run = tokio::spawn(async move {
            let report = engine.run(work, |p| bar.update(p)).await;
            bar.finish();
            report
        });
        run.await.map_err(std::io::Error::other)?
    })?;
    Ok(report)
}

/// Says what failed and where the errors are, then what to do if the run was interrupted.
/// `to_file`: the results went to `-o FILE` (else to stdout).
/// Whether every other request of the run would fail the same way (the key or the URL is wrong):
/// the run stops at once, with nothing more sent or written, instead of writing that error for
/// every request (and a rerun, which skips what the results file holds, would not send them again).
pub fn stops_the_run(error: &ApiError) -> bool {
    matches!(error.case(), Case::Unauthorized | Case::Forbidden | Case::EndpointNotFound)
}

pub fn close(ctx: &Context, report: &Report, to_file: bool) {
    if !report.failures.is_empty() {
        let mut by_case: Vec<(&str, usize)> = Vec::new();
        for (_, case) in &report.failures {
            match by_case.iter_mut().find(|(c, _)| c == case) {
                Some((_, n)) => *n += 1,
                None => by_case.push((case, 1)),
            }
        }
        let cases: Vec<String> = by_case.iter().map(|(c, n)| format!("{n} × {c}")).collect();
        let ids: Vec<&str> = report.failures.iter().take(NAMED).map(|(id, _)| id.as_str()).collect();
        let more = report.failures.len().saturating_sub(ids.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        let holder = if to_file { "the results file" } else { "its result line" };
        let text = format!("failed ({}): {}{more}; {holder} holds each error", cases.join(", "), ids.join(", "));
        ctx.ui.say(Tone::Warn, &text);
    }
    if report.interrupted {
        let how = if to_file { "run the same command again" } else { "rerun it with -o FILE" };
        ctx.ui.say(Tone::Note, &format!("{how} to send what is missing"));
    }
}
