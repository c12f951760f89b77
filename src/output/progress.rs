//! The progress bar of `batch run` and `embed --lines` on stderr: done/total, failed, requests per
//! second, tokens, ETA and the current concurrency. Only on a terminal; lines printed meanwhile
//! go above it.

use std::time::Duration;

use super::indicator::{Indicator, Live};
use crate::jobs::Progress;

pub struct Bar {
    shown: Indicator,
    /// What a unit is called (`requests`, `lines`).
    unit: &'static str,
}

impl Bar {
    /// A bar for `total` units, or nothing when `visible` is false; in colour when `coloured` (the
    /// palette's decision, so `--color never` holds here too).
    pub(super) fn start(visible: bool, coloured: bool, total: u64, unit: &'static str, live: Live) -> Bar {
        if !visible {
            return Bar { shown: Indicator::hidden(live), unit };
        }
        let template = if coloured {
            "{bar:24.cyan/blue} {pos}/{len} {msg} · ETA {eta}"
        } else {
            "{bar:24} {pos}/{len} {msg} · ETA {eta}"
        };
        let shown = Indicator::shown(Some(total), template, String::new(), Duration::from_millis(200), live);
        Bar { shown, unit }
    }

    /// Shows where the run stands: the same counts the closing summary gives.
    pub fn update(&self, p: &Progress) {
        let Some(bar) = self.shown.bar() else { return };
        bar.set_position(p.done);
        let paused = if p.paused_until.is_some() { " · paused by the rate limit" } else { "" };
        let elapsed = p.started.map_or(Duration::ZERO, |t| t.elapsed());
        bar.set_message(format!(
            "{}s · {} failed · {} · {} tokens · {} in flight (limit {}){paused}",
            self.unit,
            p.failed,
            crate::time_text::rate(p.done, elapsed),
            p.tokens_in.saturating_add(p.tokens_out),
            p.in_flight,
            p.limit
        ));
    }
}
