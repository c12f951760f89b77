//! The waiting indicator on stderr. It exists only when stderr is a terminal; otherwise every call
//! is a no-op, so pipes and logs never see it. While it is drawn, `Ui` prints lines above it.

use std::time::Duration;

use super::indicator::{Indicator, Live};

pub struct Spinner {
    shown: Indicator,
}

impl Spinner {
    /// A spinner showing `message`, or nothing when `visible` is false; the elapsed time dim when
    /// `coloured` (the palette's decision, not indicatif's own).
    pub(super) fn start(visible: bool, coloured: bool, message: String, live: Live) -> Spinner {
        if !visible {
            return Spinner { shown: Indicator::hidden(live) };
        }
        let template = if coloured { "{spinner} {msg} {elapsed:.dim}" } else { "{spinner} {msg} {elapsed}" };
        Spinner { shown: Indicator::shown(None, template, message, Duration::from_millis(100), live) }
    }

    pub fn set_message(&self, message: impl Into<String>) {
        if let Some(bar) = self.shown.bar() {
            bar.set_message(message.into());
        }
    }

    /// Counts down `wait` in the spinner's message ("retrying in 1.4 s…"), then shows `after`.
    pub fn countdown(&self, wait: Duration, after: String) {
        let Some(bar) = self.shown.bar().cloned() else { return };
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
        self.shown.clear();
    }
}
