//! What the spinner and the progress bar share: an indicatif bar drawn on stderr, registered where
//! `Ui` looks to print lines above it, and cleared and unregistered when it ends or is dropped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar being drawn, if any: where `Ui` prints lines above it.
pub(super) type Live = Arc<Mutex<Option<ProgressBar>>>;

pub(super) struct Indicator {
    bar: Option<ProgressBar>,
    live: Live,
}

impl Indicator {
    /// Nothing drawn (stderr is not a terminal): every call is a no-op.
    pub(super) fn hidden(live: Live) -> Indicator {
        Indicator { bar: None, live }
    }

    /// Draws `template` on stderr, `len` long (`None`: a spinner), showing `message`, redrawn every
    /// `tick`, and registers it.
    pub(super) fn shown(len: Option<u64>, template: &str, message: String, tick: Duration, live: Live) -> Indicator {
        let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
        let fallback = if len.is_some() { ProgressStyle::default_bar } else { ProgressStyle::default_spinner };
        bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| fallback()));
        bar.set_message(message);
        bar.enable_steady_tick(tick);
        if let Ok(mut slot) = live.lock() {
            *slot = Some(bar.clone());
        }
        Indicator { bar: Some(bar), live }
    }

    pub(super) fn bar(&self) -> Option<&ProgressBar> {
        self.bar.as_ref()
    }

    /// Clears it and unregisters it; later output starts on a clean line.
    pub(super) fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            if let Ok(mut slot) = self.live.lock() {
                *slot = None;
            }
        }
    }
}

impl Drop for Indicator {
    fn drop(&mut self) {
        self.clear();
    }
}
