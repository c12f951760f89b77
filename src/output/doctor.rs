//! Renders doctor's checks: one aligned line each as it finishes (mark, name, result, time), the
//! explanation under a failure, the summary line, and the JSON document.

use crate::commands::doctor::check::{Check, Status, Tally};

use super::Palette;

/// The width of the name column.
pub const NAME_WIDTH: usize = 16;

pub fn line(check: &Check, palette: Palette) -> String {
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
    let mut out = format!("{mark} {:<NAME_WIDTH$} {}{timing}\n", check.name, check.summary);
    for d in &check.details {
        out.push_str(&format!("    {d}\n"));
    }
    for h in &check.hints {
        out.push_str(&format!("    {} {h}\n", palette.hint("hint:")));
    }
    out
}

pub fn summary(tally: Tally, palette: Palette) -> String {
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

pub fn json(checks: &[Check]) -> String {
    let tally = Tally::of(checks);
    let doc = serde_json::json!({
        "checks": checks.iter().map(|c| serde_json::json!({
            "id": c.id,
            "name": c.name,
            "status": c.status.word(),
            "summary": c.summary,
            "details": c.details,
            "hint": c.hints,
            "duration_ms": c.duration.as_millis() as u64,
        })).collect::<Vec<_>>(),
        "summary": {"passed": tally.passed, "warnings": tally.warnings, "failed": tally.failed, "skipped": tally.skipped},
        "ok": tally.failed == 0,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
