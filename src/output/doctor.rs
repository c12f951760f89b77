//! doctor's results: the plain data a check produces (commands build it), and its rendering: one
//! aligned line per check as it finishes (mark, name, result, time), the explanation under a
//! failure, the summary line, and the JSON document. Every string passes `Ui::shown`.

use std::time::Duration;

use super::{Channel, Ui};
use crate::api::Case;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skipped",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub id: &'static str,
    pub name: &'static str,
    pub status: Status,
    pub summary: String,
    /// Facts found along the way (addresses, certificates, headers).
    pub details: Vec<String>,
    /// The fix: the troubleshooting case's explanation.
    pub hints: Vec<String>,
    pub duration: Duration,
    /// The troubleshooting case a failure belongs to.
    pub case: Option<Case>,
}

impl Check {
    pub fn new(id: &'static str, name: &'static str, status: Status, summary: impl Into<String>) -> Check {
        Check {
            id,
            name,
            status,
            summary: summary.into(),
            details: Vec::new(),
            hints: Vec::new(),
            duration: Duration::ZERO,
            case: None,
        }
    }

    pub fn skipped(id: &'static str, name: &'static str, why: impl Into<String>) -> Check {
        Check::new(id, name, Status::Skip, why)
    }

    pub fn passed(&self) -> bool {
        matches!(self.status, Status::Pass | Status::Warn)
    }
}

/// How many checks ended in each status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub warnings: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Tally {
    pub fn of(checks: &[Check]) -> Tally {
        let mut t = Tally::default();
        for c in checks {
            match c.status {
                Status::Pass => t.passed += 1,
                Status::Warn => t.warnings += 1,
                Status::Fail => t.failed += 1,
                Status::Skip => t.skipped += 1,
            }
        }
        t
    }
}

/// The width of the name column.
pub const NAME_WIDTH: usize = 16;

/// One check as printed on stdout.
pub fn line(check: &Check, ui: &Ui) -> String {
    let palette = ui.out.palette;
    let shown = |text: &str| ui.shown(text, ui.out).into_owned();
    let mark = match check.status {
        Status::Pass => palette.good("✓"),
        Status::Warn => palette.warn("!"),
        Status::Fail => palette.error("✗"),
        Status::Skip => palette.dim("-"),
    };
    let timing = if check.status == Status::Skip {
        String::new()
    } else {
        palette.dim(&format!(" ({} ms)", check.duration.as_millis()))
    };
    let mut out = format!("{mark} {:<NAME_WIDTH$} {}{timing}\n", check.name, shown(&check.summary));
    for d in &check.details {
        out.push_str(&format!("    {}\n", shown(d)));
    }
    for h in &check.hints {
        out.push_str(&format!("    {} {}\n", palette.hint("hint:"), shown(h)));
    }
    out
}

pub fn summary(tally: Tally, ui: &Ui) -> String {
    let palette = ui.out.palette;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let text = format!(
        "{} passed, {}, {} failed, {} skipped",
        tally.passed,
        plural(tally.warnings, "warning"),
        tally.failed,
        tally.skipped
    );
    if tally.failed > 0 { palette.error(&text) } else { palette.good(&text) }
}

/// The JSON document: strings are redacted (JSON escapes control characters itself).
pub fn json(checks: &[Check], ui: &Ui) -> String {
    let shown = |text: &str| ui.shown(text, Channel::PLAIN).into_owned();
    let tally = Tally::of(checks);
    let doc = serde_json::json!({
        "checks": checks.iter().map(|c| serde_json::json!({
            "id": c.id,
            "name": c.name,
            "status": c.status.word(),
            "summary": shown(&c.summary),
            "details": c.details.iter().map(|d| shown(d)).collect::<Vec<_>>(),
            "hint": c.hints.iter().map(|h| shown(h)).collect::<Vec<_>>(),
            "duration_ms": c.duration.as_millis() as u64,
        })).collect::<Vec<_>>(),
        "summary": {"passed": tally.passed, "warnings": tally.warnings, "failed": tally.failed, "skipped": tally.skipped},
        "ok": tally.failed == 0,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
