//! Writing results: each line whole and flushed, redacted, and the file made only when its first
//! line is written.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use crate::settings::Redactor;

/// A results file made when its first line is written (a run that writes nothing leaves no
/// empty file behind), locked as it is made.
pub(super) struct Created {
    pub(super) path: PathBuf,
    pub(super) file: Option<File>,
}

impl Write for Created {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.file.is_none() {
            let file = OpenOptions::new().append(true).create_new(true).open(&self.path)?;
            file.try_lock().map_err(|_| std::io::Error::other("another tokenfactory run is writing these results"))?;
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write(bytes),
            None => Ok(0),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

/// Writes each result line whole and flushes it, so a crash never loses a finished line. What the
/// server sent passes the redactor first: a result file never holds the key.
pub struct LineWriter {
    out: Box<dyn Write + Send>,
    redactor: Redactor,
    /// The results file (`None`: stdout).
    file: Option<PathBuf>,
}

impl LineWriter {
    pub fn new(out: Box<dyn Write + Send>, redactor: Redactor, file: Option<PathBuf>) -> LineWriter {
        LineWriter { out, redactor, file }
    }

    /// `lines` is one or more newline-terminated lines, written with one call. A results file that
    /// takes no more (a full disk) says which file and that a rerun finishes the run.
    pub fn write(&mut self, lines: &str) -> std::io::Result<()> {
        let written = self.out.write_all(self.redactor.redact(lines).as_bytes()).and_then(|()| self.out.flush());
        match (written, &self.file) {
            (Err(e), Some(file)) => Err(std::io::Error::new(
                e.kind(),
                format!(
                    "could not write the results to {} ({e}); the results written so far are kept: \
                     once there is room, run the same command again to send the rest",
                    file.display()
                ),
            )),
            (written, _) => written,
        }
    }
}
