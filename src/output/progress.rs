//! The progress bar of `batch run` and `embed --lines` on stderr: done/total, failed, requests per
//! second, tokens, ETA and the current concurrency. Only on a terminal; lines printed meanwhile
//! go above it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::jobs::Progress;

pub struct Bar {
    bar: Option<ProgressBar>,
    live: Arc<Mutex<Option<ProgressBar>>>,
    /// What a unit is called (`requests`, `lines`).
    unit: &'static str,
}

impl Bar {
    /// A bar for `total` units, or nothing when `visible` is false; in colour when `coloured` (the
    /// palette's decision, so `--color never` holds here too).
    pub(super) fn start(
        visible: bool,
        coloured: bool,
        total: u64,
        unit: &'static str,
        live: Arc<Mutex<Option<ProgressBar>>>,
    ) -> Bar {
        if !visible {
            return Bar { bar: None, live, unit };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(if coloured {
                "{bar:24.cyan/blue} {pos}/{len} {msg} · {per_sec} · ETA {eta}"
            } else {
                "{bar:24} {pos}/{len} {msg} · {per_sec} · ETA {eta}"
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut slot) = live.lock() {
            *slot = Some(bar.clone());
        }
        Bar { bar: Some(bar), live, unit }
    }

    pub fn update(&self, p: &Progress) {
        let Some(bar) = &self.bar else { return };
        bar.set_position(p.done);
        let paused = if p.paused { " · paused by the rate limit" } else { "" };
        bar.set_message(format!(
            "{} · {} failed · {} tokens · {} in flight (limit {}){paused}",
            self.unit,
            p.failed,
            p.tokens_in + p.tokens_out,
            p.in_flight,
            p.limit
        ));
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            if let Ok(mut slot) = self.live.lock() {
                *slot = None;
            }
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
