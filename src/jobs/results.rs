//! The results file (`-o FILE`): one JSON line per request, each written whole and flushed. On a
//! rerun, the IDs it already holds are skipped, and a last line that a crash (even SIGKILL) left
//! half-written is cut off and written again, so every ID ends up in it exactly once.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::IdSet;
use crate::settings::Redactor;

/// A results file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{problem} ({})", path.display())]
pub struct ResultsError {
    pub path: PathBuf,
    problem: String,
    /// The file is refused for what it is (another input's results, not a results file): a
    /// usage error, exit 2. Otherwise it could not be read or written (exit 1).
    pub refused: bool,
    /// What to do about it.
    pub hint: Option<String>,
}

impl ResultsError {
    fn new(path: &Path, problem: impl Into<String>) -> ResultsError {
        ResultsError { path: path.to_path_buf(), problem: problem.into(), refused: false, hint: None }
    }

    #[allow(dead_code)] // the results-file checks use it next
    fn refused(path: &Path, problem: impl Into<String>, hint: impl Into<String>) -> ResultsError {
        ResultsError { refused: true, hint: Some(hint.into()), ..ResultsError::new(path, problem) }
    }
}

/// What an earlier run left.
#[derive(Debug, Default)]
pub struct Resumed {
    /// The IDs already answered (or failed for good).
    pub done: IdSet,
    /// The last line was half-written and has been cut off.
    pub cut_last_line: bool,
    /// The largest `index` among the lines, when they are identified by index.
    pub largest_index: Option<u64>,
}

/// The field that identifies a result line: `custom_id` (`batch run`) or `index` (`embed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdField {
    CustomId,
    Index,
}

/// The fields of a result line that identify it. The rest (a response, a vector) is skipped
/// without being built: resuming a file of vectors reads gigabytes of numbers.
#[derive(serde::Deserialize)]
struct LineId {
    custom_id: Option<String>,
    index: Option<u64>,
}

/// Opens `path` to append results, reading the IDs it holds from `field` (a line without it is
/// not a result of this kind).
pub fn open(path: &Path, field: IdField) -> Result<(File, Resumed), ResultsError> {
    let err = |problem: String| ResultsError::new(path, problem);
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| err(format!("cannot open the results file: {e}")))?;
    let mut resumed = Resumed::default();
    let mut reader = BufReader::new(&file);
    let mut line = Vec::new();
    let mut good_end = 0u64;
    let mut number = 0;
    while next_line(&mut reader, &mut line, path)? {
        number += 1;
        let complete = line.ends_with(b"\n");
        let parsed = serde_json::from_slice::<LineId>(&line).ok();
        let id = parsed.and_then(|l| match field {
            IdField::CustomId => l.custom_id,
            IdField::Index => {
                resumed.largest_index = resumed.largest_index.max(l.index);
                l.index.map(|i| i.to_string())
            }
        });
        match (id, complete) {
            (Some(id), true) => {
                if !resumed.done.insert(&id) {
                    return Err(err(format!("line {number} repeats the id {id:?}; it was not written by this tool")));
                }
                good_end += line.len() as u64;
            }
            // Only the last line can be half-written: anything after it means damage.
            (_, false) => {
                resumed.cut_last_line = true;
                break;
            }
            (None, true) => {
                return Err(err(format!(
                    "line {number} is not a result line; give -o a new file, or move this one aside"
                )));
            }
        }
    }
    drop(reader);
    if resumed.cut_last_line {
        file.set_len(good_end).map_err(|e| err(format!("cannot cut the half-written last line: {e}")))?;
        file.seek(SeekFrom::End(0)).map_err(|e| err(format!("cannot append: {e}")))?;
    }
    Ok((file, resumed))
}

/// Takes the lines that hold an error (`"error"` present and not null) out of `path`, so a rerun
/// sends those requests again; returns how many. The rest is copied, in order and byte for byte
/// (a half-written last line too, for `open` to cut), to a file beside it that then replaces it:
/// a crash on the way leaves the original whole.
pub fn take_out_failures(path: &Path) -> Result<usize, ResultsError> {
    let err = |problem: String| ResultsError::new(path, problem);
    let mut reader = match File::open(path) {
        Ok(file) => BufReader::new(file),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(err(format!("cannot open the results file: {e}"))),
    };
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".retry");
    let kept_path = path.with_file_name(name);
    let cannot_write = |e: std::io::Error| err(format!("cannot write {}: {e}", kept_path.display()));
    let mut kept = std::io::BufWriter::new(File::create(&kept_path).map_err(cannot_write)?);
    let mut taken = 0;
    let mut line = Vec::new();
    while next_line(&mut reader, &mut line, path)? {
        if line.ends_with(b"\n") && holds_an_error(&line) {
            taken += 1;
        } else {
            kept.write_all(&line).map_err(cannot_write)?;
        }
    }
    let kept = kept.into_inner().map_err(|e| cannot_write(e.into_error()))?;
    if taken == 0 {
        drop(kept);
        let _ = std::fs::remove_file(&kept_path);
        return Ok(0);
    }
    if let Ok(metadata) = std::fs::metadata(path) {
        kept.set_permissions(metadata.permissions()).map_err(cannot_write)?;
    }
    kept.sync_all().map_err(cannot_write)?;
    std::fs::rename(&kept_path, path).map_err(|e| err(format!("cannot replace the results file: {e}")))?;
    Ok(taken)
}

/// Reads the next line of the results file at `path` into `line` (with its newline, when it has
/// one); false at the end.
fn next_line(reader: &mut impl BufRead, line: &mut Vec<u8>, path: &Path) -> Result<bool, ResultsError> {
    line.clear();
    let read = reader
        .read_until(b'\n', line)
        .map_err(|e| ResultsError::new(path, format!("cannot read the results file: {e}")))?;
    Ok(read > 0)
}

/// Whether a result line holds an error. Lines without the word are not parsed (a line of
/// vectors is large).
fn holds_an_error(line: &[u8]) -> bool {
    memchr::memmem::find(line, b"\"error\"").is_some()
        && serde_json::from_slice::<serde_json::Value>(line).is_ok_and(|v| v.get("error").is_some_and(|e| !e.is_null()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, content: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("tokenfactory-results-{name}-{}", std::process::id()));
        std::fs::write(&path, content).expect("write");
        path
    }

    #[test]
    fn failures_are_taken_out_and_the_rest_kept_byte_for_byte() {
        let ok = "{\"custom_id\":\"a\",\"error\":null}\n{\"index\":1,\"text\":\"no \\\"error\\\" here\",\"embedding\":[1]}\n";
        let failed = "{\"custom_id\":\"b\",\"error\":{\"code\":\"503\"}}\n{\"index\":2,\"error\":{\"code\":\"400\"}}\n";
        let cut = "{\"custom_id\":\"c\",\"error\":{\"co";
        let path = temp("retry", &format!("{ok}{failed}{cut}"));
        assert_eq!(take_out_failures(&path).expect("rewrites"), 2);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), format!("{ok}{cut}"));
        assert!(!path.with_file_name(format!("{}.retry", path.file_name().expect("name").to_string_lossy())).exists());
        assert_eq!(take_out_failures(&path).expect("nothing to do"), 0);
        assert_eq!(take_out_failures(&path.with_file_name("absent.jsonl")).expect("no file"), 0);
    }

    #[test]
    fn a_half_written_last_line_is_cut_and_the_rest_kept() {
        let path = temp("cut", "{\"custom_id\":\"a\"}\n{\"custom_id\":\"b\"}\n{\"custom_id\":\"c\",\"resp");
        let (mut file, resumed) = open(&path, IdField::CustomId).expect("opens");
        assert!(resumed.cut_last_line);
        assert!(resumed.done.contains("a") && resumed.done.contains("b") && resumed.done.len() == 2);
        file.write_all(b"{\"custom_id\":\"c\"}\n").expect("append");
        drop(file);
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\"custom_id\":\"a\"}\n{\"custom_id\":\"b\"}\n{\"custom_id\":\"c\"}\n"
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_damaged_middle_line_or_a_repeated_id_is_an_error() {
        let path = temp("damaged", "{\"custom_id\":\"a\"}\nnot json\n{\"custom_id\":\"b\"}\n");
        assert!(
            open(&path, IdField::CustomId).expect_err("damaged").to_string().starts_with("line 2 is not a result line")
        );
        let path2 = temp("repeat", "{\"custom_id\":\"a\"}\n{\"custom_id\":\"a\"}\n");
        assert!(
            open(&path2, IdField::CustomId).expect_err("repeat").to_string().starts_with("line 2 repeats the id \"a\"")
        );
        let _ = std::fs::remove_file(path);
        let _ = std::fs::remove_file(path2);
    }
}
