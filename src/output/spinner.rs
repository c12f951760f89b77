//! The waiting indicator on stderr. It exists only when stderr is a terminal; otherwise every call
//! is a no-op, so pipes and logs never see it.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Spinner {
    bar: Option<ProgressBar>,
}

impl Spinner {
    /// A spinner showing `message`, or nothing when `visible` is false.
    pub fn start(visible: bool, message: String) -> Spinner {
        if !visible {
            return Spinner { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner { bar: Some(bar) }
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

    /// Prints a line to stderr without tearing the spinner.
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the spinner; later output starts on a clean line.
    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.clear();
    }
}
