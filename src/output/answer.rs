//! Writes model text as it arrives: the answer to stdout, reasoning to stderr (dimmed). The key is
//! redacted even when split between two pieces; sanitised when the stream is a terminal, as
//! received otherwise; flushed at every write so streamed tokens appear at once, and
//! newline-terminated at the end.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use super::Palette;
use super::sanitize::Sanitizer;
use crate::settings::{Redactor, StreamRedaction};

pub struct AnswerWriter<W: Write> {
    out: W,
    /// The secrets to keep out of the answer; `None` when there are none.
    redactor: Option<(Arc<Redactor>, StreamRedaction)>,
    sanitizer: Option<Sanitizer>,
    /// Dims the text (reasoning); applied after sanitising, so the style itself survives.
    dim: Option<Palette>,
    scratch: String,
    /// Whether the last byte written was not a newline.
    mid_line: bool,
    silent: bool,
}

impl<W: Write> AnswerWriter<W> {
    /// Reasoning: dimmed by `palette` (a no-op when colours are off).
    pub fn dimmed(out: W, sanitize: bool, palette: Palette) -> Self {
        AnswerWriter { dim: Some(palette), ..AnswerWriter::new(out, sanitize) }
    }

    pub fn new(out: W, sanitize: bool) -> Self {
        AnswerWriter {
            out,
            redactor: None,
            sanitizer: sanitize.then(Sanitizer::new),
            dim: None,
            scratch: String::new(),
            mid_line: false,
            silent: false,
        }
    }

    /// A writer that writes nothing (the answer is printed later, when complete).
    pub fn silenced(mut self) -> Self {
        self.silent = true;
        self
    }

    /// Redacts `redactor`'s secrets from everything written.
    pub fn redacting(mut self, redactor: Arc<Redactor>) -> Self {
        if !redactor.is_empty() {
            self.redactor = Some((redactor, StreamRedaction::default()));
        }
        self
    }

    /// Writes a piece of the answer and flushes it.
    pub fn write(&mut self, text: &str) -> io::Result<()> {
        if self.silent {
            return Ok(());
        }
        let text = match &mut self.redactor {
            Some((redactor, state)) => redactor.redact_piece(state, text),
            None => Cow::Borrowed(text),
        };
        let Some(sanitizer) = &mut self.sanitizer else {
            return self.write_shown(&text);
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        sanitizer.push(&text, &mut scratch);
        let written = self.write_shown(&scratch);
        self.scratch = scratch;
        written
    }

    /// Writes text that is ready to be shown (redacted, sanitised), dimmed if asked, and flushes.
    fn write_shown(&mut self, text: &str) -> io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        match self.dim {
            Some(palette) if palette.enabled() => self.out.write_all(palette.dim(text).as_bytes())?,
            _ => self.out.write_all(text.as_bytes())?,
        }
        self.mid_line = !text.ends_with('\n');
        self.out.flush()
    }

    /// Ends the output with a newline unless it already ends with one (or is empty). A terminal
    /// sequence still open never ended: what it held is written first.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(sanitizer) = &mut self.sanitizer
            && !self.silent
        {
            self.scratch.clear();
            sanitizer.finish(&mut self.scratch);
            if !self.scratch.is_empty() {
                let rest = std::mem::take(&mut self.scratch);
                self.write_shown(&rest)?;
            }
        }
        if self.mid_line {
            self.out.write_all(b"\n")?;
            self.mid_line = false;
        }
        self.out.flush()
    }

    #[cfg(test)]
    fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(sanitize: bool, parts: &[&str]) -> String {
        let mut w = AnswerWriter::new(Vec::new(), sanitize);
        for p in parts {
            w.write(p).expect("write");
        }
        w.finish().expect("finish");
        String::from_utf8(w.into_inner()).expect("utf8")
    }

    #[test]
    fn adds_a_final_newline_only_when_missing() {
        assert_eq!(written(false, &["a", "b"]), "ab\n");
        assert_eq!(written(false, &["a\n"]), "a\n");
        assert_eq!(written(false, &[]), "");
    }

    #[test]
    fn sanitises_only_when_asked() {
        assert_eq!(written(true, &["a\x1b[", "31mb"]), "ab\n");
        assert_eq!(written(false, &["a\x1b[31mb"]), "a\x1b[31mb\n");
    }
}
