//! Terminal output. Everything tokenfactory writes to stdout or stderr goes through `Ui`: data on
//! stdout, diagnostics on stderr above any spinner or progress bar, colours decided once, and one
//! gate (`Ui::shown`) that every piece of text from outside passes before it is printed.

pub mod answer;
pub mod doctor;
pub mod history;
mod indicator;
pub mod line_editor;
pub mod progress;
pub mod sanitize;
pub mod spinner;
pub mod style;
pub mod table;
pub mod verbose;

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

pub use answer::AnswerWriter;
pub use sanitize::Sanitizer;
pub use spinner::Spinner;
pub use style::Palette;

use crate::settings::{Display, Redactor};

/// One output stream: whether it is a terminal and how it is coloured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Channel {
    pub terminal: bool,
    pub palette: Palette,
}

impl Channel {
    /// Not a terminal, no colours: text that is written as data (JSON documents).
    pub const PLAIN: Channel = Channel { terminal: false, palette: Palette::PLAIN };
}

/// How a line on stderr is introduced: `tokenfactory:` in the tone's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Note,
    Warn,
}

/// The terminal: both streams, the secrets to keep off them, and the bar drawn on stderr.
#[derive(Clone)]
pub struct Ui {
    pub out: Channel,
    pub err: Channel,
    redactor: Arc<Redactor>,
    /// The spinner or progress bar on stderr, if one is drawn: lines are printed above it.
    live: Arc<Mutex<Option<indicatif::ProgressBar>>>,
}

impl Ui {
    pub fn new(display: Display, redactor: Redactor) -> Ui {
        let channel = |terminal, color| Channel { terminal, palette: Palette::new(color) };
        Ui {
            out: channel(display.terminals.stdout, display.colors.stdout),
            err: channel(display.terminals.stderr, display.colors.stderr),
            redactor: Arc::new(redactor),
            live: Arc::default(),
        }
    }

    /// The one gate for text that came from a server, a proxy or a file: the key and proxy
    /// passwords are redacted, and on a terminal escape sequences and control characters are
    /// dropped. Our own words pass it unchanged. (The answer writers apply the same two steps to
    /// a stream, piece by piece.)
    pub fn shown<'a>(&self, text: &'a str, to: Channel) -> Cow<'a, str> {
        let redacted = self.redactor.redact(text);
        if to.terminal { Cow::Owned(Sanitizer::clean(&redacted)) } else { redacted }
    }

    /// `shown` for text this caller owns: moved through unchanged when nothing is hidden.
    pub fn shown_owned(&self, text: String, to: Channel) -> String {
        let changed = match self.shown(&text, to) {
            Cow::Owned(changed) => Some(changed),
            Cow::Borrowed(_) => None,
        };
        changed.unwrap_or(text)
    }

    /// Writes data to stdout, the key redacted, and flushes it. A closed stdout comes back as a
    /// broken pipe, which the reporter treats as success.
    pub fn data(&self, text: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(self.redactor.redact(text).as_bytes())?;
        out.flush()
    }

    /// `tokenfactory: {text}` on stderr.
    pub fn say(&self, tone: Tone, text: &str) {
        let p = self.err.palette;
        let label = match tone {
            Tone::Info => "tokenfactory:".to_string(),
            Tone::Note => p.hint("tokenfactory:"),
            Tone::Warn => p.warn("tokenfactory:"),
        };
        self.eprint(&format!("{label} {}", self.shown(text, self.err)));
    }

    /// `tokenfactory: warning: {text}` and its hints on stderr.
    pub fn warn(&self, text: &str, hints: &[String]) {
        let p = self.err.palette;
        let mut lines = format!("{} {}", p.warn("tokenfactory: warning:"), self.shown(text, self.err));
        self.push_hints(&mut lines, hints);
        self.eprint(&lines);
    }

    /// An error: the headline, detail lines (`caused by: …`) and the hints.
    pub fn error(&self, headline: &str, details: &[String], hints: &[String]) {
        let p = self.err.palette;
        let mut lines = format!("{} {}", p.error("tokenfactory: error:"), self.shown(headline, self.err));
        for detail in details {
            lines.push_str("\n  ");
            lines.push_str(&self.shown(detail, self.err));
        }
        self.push_hints(&mut lines, hints);
        self.eprint(&lines);
    }

    /// A usage error as the argument parser words it (`error: …`, `tip: …`, the usage line), in
    /// the style of every other error: `tokenfactory: error: …`, tips as hints.
    pub fn usage_error(&self, rendered: &str, hint: Option<&str>) {
        let p = self.err.palette;
        let mut lines = String::new();
        for line in rendered.trim_end().lines() {
            if !lines.is_empty() {
                lines.push('\n');
            }
            let line = self.shown(line, self.err);
            if let Some(message) = line.strip_prefix("error: ") {
                lines.push_str(&format!("{} {message}", p.error("tokenfactory: error:")));
            } else if let Some(tip) = line.trim_start().strip_prefix("tip: ") {
                lines.push_str(&format!("  {} {tip}", p.hint("hint:")));
            } else {
                lines.push_str(&line);
            }
            if line.starts_with("error: ")
                && let Some(hint) = hint
            {
                lines.push_str(&format!("\n  {} {hint}", p.hint("hint:")));
            }
        }
        self.eprint(&lines);
    }

    /// A dimmed line on stderr (stats).
    pub fn dim(&self, text: &str) {
        self.eprint(&self.err.palette.dim(&self.shown(text, self.err)));
    }

    fn push_hints(&self, lines: &mut String, hints: &[String]) {
        for hint in hints {
            lines.push_str(&format!("\n  {} {}", self.err.palette.hint("hint:"), self.shown(hint, self.err)));
        }
    }

    /// Prints finished lines on stderr, above the spinner or bar if one is drawn.
    fn eprint(&self, lines: &str) {
        // One write per message, so a reader never sees half of it.
        let mut text = String::with_capacity(lines.len() + 1);
        text.push_str(lines);
        text.push('\n');
        let write = || {
            let mut err = io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        };
        match self.live.lock().ok().and_then(|bar| bar.clone()) {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Asks a yes/no question on stderr and reads the answer from stdin (a terminal): only `y` or
    /// `yes` is yes.
    pub fn confirm(&self, question: &str) -> io::Result<bool> {
        let mut err = io::stderr().lock();
        err.write_all(question.as_bytes())?;
        err.flush()?;
        let mut answer = String::new();
        io::stdin().read_line(&mut answer)?;
        Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
    }

    /// A progress bar on stderr over `total` units; nothing when stderr is not a terminal.
    pub fn progress(&self, total: u64, unit: &'static str) -> progress::Bar {
        progress::Bar::start(self.err.terminal, self.err.palette.enabled(), total, unit, self.live.clone())
    }

    /// Where data lines go when there is no output file: stdout, for writers that write whole
    /// lines themselves (and redact them).
    pub fn data_lines(&self) -> Box<dyn Write + Send> {
        Box::new(io::stdout())
    }

    /// A spinner on stderr showing `message`; nothing when stderr is not a terminal.
    pub fn spinner(&self, visible: bool, message: String) -> Spinner {
        Spinner::start(visible && self.err.terminal, self.err.palette.enabled(), message, self.live.clone())
    }

    /// The writer for the answer on stdout: sanitised on a terminal, as received otherwise.
    pub fn answer_writer(&self) -> AnswerWriter<io::Stdout> {
        AnswerWriter::new(io::stdout(), self.out.terminal).redacting(self.redactor.clone())
    }

    /// The writer for reasoning on stderr: dimmed and sanitised on a terminal.
    pub fn reasoning_writer(&self) -> AnswerWriter<io::Stderr> {
        AnswerWriter::dimmed(io::stderr(), self.err.terminal, self.err.palette).redacting(self.redactor.clone())
    }
}
