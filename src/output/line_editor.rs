//! The interactive session's line editor (rustyline): emacs keys, the prompts of earlier sessions
//! on the up arrow (a file of its own, 0600), TAB completion from a function the session gives,
//! a block of several lines between two lines of `"""`, and a bracketed paste taken whole.

use std::borrow::Cow;
use std::path::PathBuf;

use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::{DefaultHistory, History};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Config, Context, Editor, Helper};

/// What TAB offers for the line so far: where the completed word starts, and the candidates.
pub type Completions = Box<dyn Fn(&str) -> (usize, Vec<String>)>;

/// The line that marks the start and the end of a block of several lines.
pub const BLOCK: &str = "\"\"\"";

/// The most prompts kept across sessions.
const KEPT: usize = 1000;

/// What reading a line gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// A line, or a block's inside, or a paste: line breaks as `\n`.
    Line(String),
    /// Ctrl-C.
    Interrupted,
    /// Ctrl-D on an empty line, or the end of input.
    Eof,
}

pub struct LineEditor {
    editor: Editor<Assist, DefaultHistory>,
    /// Where earlier prompts are kept; `None` when the history is off.
    file: Option<PathBuf>,
}

impl LineEditor {
    /// An editor whose up arrow starts with the prompts kept in `file`. A file that cannot be
    /// read is one more thing the session says, never a reason not to start: the problem comes back
    /// as the second value.
    pub fn new(file: Option<PathBuf>, completions: Completions) -> std::io::Result<(LineEditor, Option<String>)> {
        let config = Config::builder()
            .auto_add_history(false)
            .history_ignore_dups(true)
            .and_then(|c| c.max_history_size(KEPT))
            .map_err(std::io::Error::other)?
            .history_ignore_space(true)
            .bracketed_paste(true)
            .build();
        let mut editor = Editor::with_config(config).map_err(std::io::Error::other)?;
        editor.set_helper(Some(Assist { completions }));
        let mut problem = None;
        if let Some(path) = &file
            && path.exists()
            && let Err(e) = editor.load_history(path)
        {
            problem = Some(format!("the prompts of earlier sessions in {} cannot be read: {e}", path.display()));
        }
        Ok((LineEditor { editor, file }, problem))
    }

    /// Reads one line (or block, or paste) after showing `prompt`.
    pub fn read(&mut self, prompt: &str) -> std::io::Result<Read> {
        match self.editor.readline(prompt) {
            Ok(line) => Ok(Read::Line(unblock(&line.replace("\r\n", "\n").replace('\r', "\n")))),
            Err(rustyline::error::ReadlineError::Interrupted) => Ok(Read::Interrupted),
            Err(rustyline::error::ReadlineError::Eof) => Ok(Read::Eof),
            Err(rustyline::error::ReadlineError::Io(e)) => Err(e),
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    /// Keeps `line` for the up arrow, in this session and (appended at once, so a crash loses
    /// nothing) in the file. A file that cannot be written comes back as the error.
    pub fn remember(&mut self, line: &str) -> Result<(), String> {
        if !self.editor.history_mut().add(line).unwrap_or(false) {
            return Ok(());
        }
        let Some(path) = &self.file else { return Ok(()) };
        let written = private_dir(path).and_then(|()| self.editor.append_history(path).map_err(std::io::Error::other));
        written.map_err(|e| format!("the prompt was not kept for the next session in {}: {e}", path.display()))
    }
}

/// The directory of the prompts file, created private (0700) when missing.
fn private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else { return Ok(()) };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A block's inside: `"""`, lines, `"""` gives the lines; anything else is as typed.
fn unblock(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    if lines.len() >= 2 && lines[0].trim() == BLOCK && lines[lines.len() - 1].trim() == BLOCK {
        return lines[1..lines.len() - 1].join("\n");
    }
    text.to_string()
}

/// Whether Enter ends the input: not inside an open `"""` block.
fn is_open_block(text: &str) -> bool {
    let mut lines = text.split('\n');
    if lines.next().map(str::trim) != Some(BLOCK) {
        return false;
    }
    !text.contains('\n') || text.rsplit('\n').next().map(str::trim) != Some(BLOCK)
}

/// rustyline's helper: completion and the block rule; no hints, no highlighting.
struct Assist {
    completions: Completions,
}

impl Completer for Assist {
    type Candidate = String;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        Ok((self.completions)(line.get(..pos).unwrap_or(line)))
    }
}

impl Validator for Assist {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if is_open_block(ctx.input()) { ValidationResult::Incomplete } else { ValidationResult::Valid(None) })
    }
}

impl Hinter for Assist {
    type Hint = String;
}

impl Highlighter for Assist {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, _default: bool) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

impl Helper for Assist {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_open_until_its_closing_line() {
        assert!(is_open_block("\"\"\""));
        assert!(is_open_block("\"\"\"\nfirst line"));
        assert!(!is_open_block("\"\"\"\nfirst line\n\"\"\""));
        assert!(!is_open_block("\"\"\"\n\"\"\""));
        assert!(!is_open_block("a line with \"\"\" inside"));
        assert!(!is_open_block("pasted\nlines"));
    }

    #[test]
    fn a_block_gives_its_inside() {
        assert_eq!(unblock("\"\"\"\nfirst\n\n  second\n\"\"\""), "first\n\n  second");
        assert_eq!(unblock("\"\"\"\n\"\"\""), "");
        assert_eq!(unblock("pasted\nlines"), "pasted\nlines");
    }
}
