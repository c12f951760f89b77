//! The waiting indicator on stderr. It exists only when stderr is a terminal; otherwise every call
//! is a no-op, so pipes and logs never see it. While it is drawn, `Ui` prints lines above it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Spinner {
    bar: Option<ProgressBar>,
    /// Where `Ui` looks for the bar to print above.
    live: Arc<Mutex<Option<ProgressBar>>>,
}

impl Spinner {
    /// A spinner showing `message`, or nothing when `visible` is false; the elapsed time dim when
    /// `coloured` (the palette's decision, not indicatif's own).
    pub(super) fn start(
        visible: bool,
        coloured: bool,
        message: String,
        live: Arc<Mutex<Option<ProgressBar>>>,
    ) -> Spinner {
        if !visible {
            return Spinner { bar: None, live };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(if coloured {
                "{spinner} {msg} {elapsed:.dim}"
            } else {
                "{spinner} {msg} {elapsed}"
            })
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(100));
        if let Ok(mut slot) = live.lock() {
            *slot = Some(bar.clone());
        }
        Spinner { bar: Some(bar), live }
    }

    pub fn set_message(&self, message: impl Into<String>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.into());
        }
    }

    /// Counts down `wait` in the spinner's message ("retrying in 1.4 s…"), then shows `after`.
    pub fn countdown(&self, wait: Duration, after: String) {
        let Some(bar) = self.bar.clone() else { return };
        let deadline = std::time::Instant::now() + wait;
        std::thread::spawn(move || {
            loop {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if bar.is_finished() {
                    return; // cleared meanwhile: never draw it again
                }
                if left.is_zero() {
                    break;
                }
                bar.set_message(format!("retrying in {:.1} s…", left.as_secs_f64()));
                std::thread::sleep(left.min(Duration::from_millis(100)));
            }
            if !bar.is_finished() {
                bar.set_message(after);
            }
        });
    }

    /// Removes the spinner; later output starts on a clean line.
    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            if let Ok(mut slot) = self.live.lock() {
                *slot = None;
            }
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.clear();
    }
}
