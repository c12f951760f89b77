//! The results file (`-o FILE`): one JSON line per input, each written whole and flushed. It is
//! bound to its input (each line records what it answered, and a resume refuses lines that
//! answered something else), written by one run at a time (an exclusive lock), only ever a
//! regular file, resumable after any stop (a half-written last line is cut and sent again), and
//! put back in input order once a run completes.

mod line;
mod writer;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::fingerprint;
use crate::settings::Redactor;
pub use line::{Kind, batch_id, text_hash};
use writer::Created;
pub use writer::LineWriter;

/// A results file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{problem} ({})", path.display())]
pub struct ResultsError {
    pub path: PathBuf,
    problem: String,
    /// The file is refused for what it is (another input's results, not a results file, in use):
    /// a usage error, exit 2. Otherwise it could not be read or written (exit 1).
    pub refused: bool,
    /// What to do about it.
    pub hint: Option<String>,
}

impl ResultsError {
    fn new(path: &Path, problem: impl Into<String>) -> ResultsError {
        ResultsError { path: path.to_path_buf(), problem: problem.into(), refused: false, hint: None }
    }

    fn refused(path: &Path, problem: impl Into<String>, hint: impl Into<String>) -> ResultsError {
        ResultsError { refused: true, hint: Some(hint.into()), ..ResultsError::new(path, problem) }
    }
}

/// An input as the results file sees it: the fingerprint of its ID, the fingerprint of what is
/// sent for it, and its line in the input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputKey {
    pub id: u64,
    pub binding: u64,
    pub line: usize,
}

/// A line the results file holds.
#[derive(Debug)]
struct Held {
    /// The ID itself is not kept (100,000 strings would double a resume's memory): an error
    /// message reads it again from the line.
    binding: u64,
    failed: bool,
    /// Its line number in the file, from 1.
    line: usize,
}

/// What the results file holds, against the input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub answered: u64,
    pub failed: u64,
    /// Inputs without a line.
    pub missing: u64,
    /// The lines are the first inputs, in input order (what a run appends keeps the order).
    pub in_order: bool,
}

/// An open, locked results file and what it holds.
pub struct ResultsFile {
    path: PathBuf,
    /// The open, locked file; `None` while it does not exist (it is created with the first line).
    file: Option<File>,
    kind: Kind,
    /// The lines it holds, by the fingerprint of their ID.
    held: HashMap<u64, Held>,
    /// The fingerprints of the IDs in file order.
    order: Vec<u64>,
    /// The last line was half-written (a crash, a full disk) and was cut off.
    pub cut_last_line: bool,
}

const NEW_FILE: &str = "give -o a new file, or --restart to replace this one";

impl ResultsFile {
    /// Opens `path`, takes its lock, and reads what it holds; `restart` empties a results file
    /// first. `input` is the input file, which must not be the results file. A file that does not
    /// exist yet is created only when there is a result to write. `inputs`, how many inputs there
    /// are, sizes what is held of the lines at once (growing it would double it for a moment).
    pub fn open(
        path: &Path,
        kind: Kind,
        restart: bool,
        (input, inputs): (Option<&Path>, usize),
    ) -> Result<ResultsFile, ResultsError> {
        refuse_special(path, input)?;
        let mut results = ResultsFile {
            path: path.to_path_buf(),
            file: None,
            kind,
            held: HashMap::new(),
            order: Vec::new(),
            cut_last_line: false,
        };
        if std::fs::symlink_metadata(path).is_err() {
            return Ok(results);
        }
        let file = open_locked(path)?;
        if restart {
            results.first_line_is_a_result(&file)?;
            file.set_len(0).map_err(|e| ResultsError::new(path, format!("cannot empty the results file: {e}")))?;
        }
        results.held.reserve(inputs);
        results.order.reserve(inputs);
        results.read(&file)?;
        results.file = Some(file);
        Ok(results)
    }

    /// `--restart` replaces results, never a file of something else.
    fn first_line_is_a_result(&self, file: &File) -> Result<(), ResultsError> {
        let mut reader = BufReader::new(file);
        let mut first = Vec::new();
        next_line(&mut reader, &mut first, &self.path)?;
        if first.is_empty() || line::read(&first, self.kind).is_ok() {
            return Ok(());
        }
        Err(ResultsError::refused(
            &self.path,
            "--restart replaces a results file, and this is not one (its first line is not a result)",
            "give -o a new file",
        ))
    }

    /// Reads the lines, cutting a half-written last one.
    fn read(&mut self, mut file: &File) -> Result<(), ResultsError> {
        file.seek(SeekFrom::Start(0)).map_err(|e| ResultsError::new(&self.path, format!("cannot read it: {e}")))?;
        let mut reader = BufReader::new(file);
        let (mut line, mut number, mut good_end) = (Vec::new(), 0, 0u64);
        while next_line(&mut reader, &mut line, &self.path)? {
            number += 1;
            if !line.ends_with(b"\n") {
                // Only the last line can be half-written: anything after it means damage.
                self.cut_last_line = true;
                break;
            }
            let answered = line::read(&line, self.kind).map_err(|why| not_a_result(&self.path, number, why))?;
            let id = fingerprint(answered.id.as_bytes());
            if self.held.contains_key(&id) {
                let problem =
                    format!("line {number} repeats the id {:?}: the file holds two results for it", answered.id);
                return Err(ResultsError::refused(&self.path, problem, NEW_FILE));
            }
            self.held.insert(id, Held { binding: answered.binding, failed: answered.failed, line: number });
            self.order.push(id);
            good_end += line.len() as u64;
        }
        drop(reader);
        if self.cut_last_line {
            let err = |e: std::io::Error| {
                ResultsError::new(&self.path, format!("cannot cut the half-written last line: {e}"))
            };
            file.set_len(good_end).map_err(err)?;
        }
        file.seek(SeekFrom::End(0)).map_err(|e| ResultsError::new(&self.path, format!("cannot append: {e}")))?;
        Ok(())
    }

    /// Holds every line against the input: each must answer the input of its ID, as it is now.
    /// With `failures_go`, lines that hold an error are not held to it (they are taken out and
    /// sent again: the input may have been mended meanwhile).
    pub fn check(&self, input: &[InputKey], input_name: &str, failures_go: bool) -> Result<Tally, ResultsError> {
        let mut tally = Tally { in_order: true, ..Tally::default() };
        let mut seen = 0;
        for (at, key) in input.iter().enumerate() {
            let Some(held) = self.held.get(&key.id) else {
                tally.missing += 1;
                continue;
            };
            if held.binding != key.binding && !(failures_go && held.failed) {
                let problem = format!(
                    "line {} answered another request than line {} of {input_name} now holds (id {:?}): \
                     the results belong to another input, or the input changed",
                    held.line,
                    key.line,
                    self.id_on_line(held.line)
                );
                return Err(ResultsError::refused(&self.path, problem, NEW_FILE));
            }
            seen += 1;
            tally.in_order &= self.order.get(at) == Some(&key.id);
            if held.failed { tally.failed += 1 } else { tally.answered += 1 }
        }
        if seen < self.held.len() {
            let ids: std::collections::HashSet<u64> = input.iter().map(|k| k.id).collect();
            if let Some(extra) =
                self.order.iter().filter_map(|id| self.held.get(id).filter(|_| !ids.contains(id))).next()
            {
                let problem = format!(
                    "line {} holds the result of id {:?}, which {input_name} does not have",
                    extra.line,
                    self.id_on_line(extra.line)
                );
                return Err(ResultsError::refused(&self.path, problem, NEW_FILE));
            }
        }
        Ok(tally)
    }

    /// The ID that line `number` of the file answers (read again, for a message).
    fn id_on_line(&self, number: usize) -> String {
        let Ok(file) = File::open(&self.path) else { return "?".into() };
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        for _ in 0..number {
            if !matches!(next_line(&mut reader, &mut line, &self.path), Ok(true)) {
                return "?".into();
            }
        }
        line::read(&line, self.kind).map_or_else(|_| "?".into(), |answered| answered.id)
    }

    /// The IDs the file holds a line for: a rerun does not send them. What was held to check the
    /// file against the input is let go.
    pub fn done(&mut self) -> super::IdSet {
        self.order = Vec::new();
        std::mem::take(&mut self.held).into_keys().collect()
    }

    /// Whether the file holds a line for `id`.
    #[cfg(test)]
    pub fn holds(&self, id: &str) -> bool {
        self.held.contains_key(&fingerprint(id.as_bytes()))
    }

    /// Takes the lines that hold an error out of the file, so a rerun sends those inputs again;
    /// returns the file as it is then and how many were taken.
    pub fn take_out_failures(self) -> Result<(ResultsFile, usize), ResultsError> {
        let failed = self.held.values().filter(|h| h.failed).count();
        if failed == 0 {
            return Ok((self, 0));
        }
        let (path, kind) = (self.path.clone(), self.kind);
        rewrite(&self.path, |lines, out| {
            for line in lines {
                let line = line?;
                if !line::read(&line, kind).is_ok_and(|a| a.failed) {
                    out.write_all(&line)?;
                }
            }
            Ok(())
        })?;
        let inputs = self.order.len();
        drop(self);
        Ok((ResultsFile::open(&path, kind, false, (None, inputs))?, failed))
    }

    /// A writer of new lines to the end of the file (the lock is held until it is dropped); a file
    /// that does not exist yet is created, locked, with its first line.
    pub fn writer(&self, redactor: Redactor) -> Result<LineWriter, ResultsError> {
        let out: Box<dyn Write + Send> = match &self.file {
            Some(file) => {
                let file =
                    file.try_clone().map_err(|e| ResultsError::new(&self.path, format!("cannot append: {e}")))?;
                Box::new(file)
            }
            None => Box::new(Created { path: self.path.clone(), file: None }),
        };
        Ok(LineWriter::new(out, redactor, Some(self.path.clone())))
    }

    /// Rewrites a complete file in input order (every input once), through a copy renamed over it.
    pub fn put_in_order(&self, input: &[InputKey]) -> Result<(), ResultsError> {
        let mut reader =
            BufReader::new(File::open(&self.path).map_err(|e| ResultsError::new(&self.path, e.to_string()))?);
        let (mut at, mut line, mut place) = (0u64, Vec::new(), HashMap::new());
        while next_line(&mut reader, &mut line, &self.path)? {
            if let Ok(answered) = line::read(&line, self.kind) {
                place.insert(fingerprint(answered.id.as_bytes()), (at, line.len()));
            }
            at += line.len() as u64;
        }
        let mut source = reader.into_inner();
        rewrite(&self.path, |_, out| {
            let mut buffer = Vec::new();
            for key in input {
                let Some(&(at, len)) = place.get(&key.id) else { continue };
                buffer.resize(len, 0);
                source.seek(SeekFrom::Start(at))?;
                source.read_exact(&mut buffer)?;
                out.write_all(&buffer)?;
            }
            Ok(())
        })
    }
}

fn not_a_result(path: &Path, number: usize, why: &str) -> ResultsError {
    if number == 1 {
        let problem = format!("it is not a results file: line 1 is not a result ({why})");
        return ResultsError::refused(path, problem, "give -o a new file: the results are written there");
    }
    ResultsError::refused(path, format!("line {number} is not a result line ({why}): the file is damaged"), NEW_FILE)
}

/// `-o` must be a regular file (or a new one), and not the input itself.
fn refuse_special(path: &Path, input: Option<&Path>) -> Result<(), ResultsError> {
    let Ok(meta) = std::fs::metadata(path) else { return Ok(()) };
    if !meta.is_file() {
        return Err(ResultsError::refused(
            path,
            "it is not a regular file (a device, a pipe or a directory), so it cannot hold results to resume",
            "give -o a file; leave -o out (or give -o -) to write the results to stdout",
        ));
    }
    if let Some(input_meta) = input.and_then(|i| std::fs::metadata(i).ok())
        && same_file(&meta, &input_meta)
    {
        return Err(ResultsError::refused(path, "it is the input file itself", "give -o a new file for the results"));
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Opens the file to read and append, holding its exclusive lock. A file replaced between the open
/// and the lock (another run finishing its rewrite) is opened again.
fn open_locked(path: &Path) -> Result<File, ResultsError> {
    for _ in 0..3 {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| ResultsError::new(path, format!("cannot open the results file: {e}")))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(ResultsError::refused(
                    path,
                    "another tokenfactory run is writing these results (it holds the file's lock)",
                    "wait for it to finish, then run again to send what is missing; or give -o another file",
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(ResultsError::new(path, format!("cannot lock the results file: {e}")));
            }
        }
        let (Ok(held), Ok(now)) = (file.metadata(), std::fs::metadata(path)) else { return Ok(file) };
        if same_file(&held, &now) {
            return Ok(file);
        }
    }
    Err(ResultsError::new(path, "the results file kept being replaced while it was opened"))
}

/// Replaces the file at `path` with what `write` makes of its lines: written to a copy beside it
/// (with the same permissions), synced, then renamed over it, so a crash on the way leaves the
/// original whole.
fn rewrite(
    path: &Path,
    write: impl FnOnce(&mut dyn Iterator<Item = std::io::Result<Vec<u8>>>, &mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ResultsError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".rewrite");
    let copy = path.with_file_name(name);
    let cannot =
        |e: std::io::Error| ResultsError::new(path, format!("cannot rewrite it through {}: {e}", copy.display()));
    let source = BufReader::new(File::open(path).map_err(cannot)?);
    let mut lines = source.split(b'\n').map(|l| {
        l.map(|mut l| {
            l.push(b'\n');
            l
        })
    });
    let file = File::create(&copy).map_err(cannot)?;
    let mut out = std::io::BufWriter::new(file);
    let written = write(&mut lines, &mut out).and_then(|()| out.flush());
    let file = match written.and_then(|()| out.into_inner().map_err(|e| e.into_error())) {
        Ok(file) => file,
        Err(e) => {
            let _ = std::fs::remove_file(&copy);
            return Err(cannot(e));
        }
    };
    if let Ok(meta) = std::fs::metadata(path) {
        file.set_permissions(meta.permissions()).map_err(cannot)?;
    }
    file.sync_all().map_err(cannot)?;
    std::fs::rename(&copy, path).map_err(|e| ResultsError::new(path, format!("cannot replace the results file: {e}")))
}

/// Reads the next line of the file at `path` into `line` (with its newline, when it has one);
/// false at the end.
fn next_line(reader: &mut impl BufRead, line: &mut Vec<u8>, path: &Path) -> Result<bool, ResultsError> {
    line.clear();
    let read = reader
        .read_until(b'\n', line)
        .map_err(|e| ResultsError::new(path, format!("cannot read the results file: {e}")))?;
    Ok(read > 0)
}

#[cfg(test)]
mod tests;
