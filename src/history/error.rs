//! Why the history could not be used: one line naming the file, and the kind of problem, from
//! which `explain` words the fix.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// Why the history could not be used. One line, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{problem} ({})", path.display())]
pub struct HistoryError {
    pub kind: Problem,
    pub path: PathBuf,
    problem: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The directory or file cannot be created or written (read-only, permissions).
    Unwritable,
    /// Not a database, or a damaged one: it must be moved aside.
    Damaged,
    /// Written by a newer tokenfactory.
    Newer,
    /// A database of another application (or another file): never changed.
    Foreign,
    /// Another process held it for longer than the busy timeout.
    Locked,
    DiskFull,
    Other,
}

impl HistoryError {
    pub(super) fn new(kind: Problem, path: &Path, problem: impl Into<String>) -> HistoryError {
        HistoryError { kind, path: path.to_path_buf(), problem: problem.into() }
    }

    pub(super) fn sqlite(path: &Path, e: rusqlite::Error) -> HistoryError {
        let kind = match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Problem::Damaged,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Problem::Locked,
            Some(ErrorCode::DiskFull) => Problem::DiskFull,
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => Problem::Unwritable,
            _ => Problem::Other,
        };
        let e = short(&e);
        let problem = match kind {
            Problem::Damaged => format!("the history file is damaged ({e})"),
            Problem::Locked => format!("the history file stayed locked by another process ({e})"),
            Problem::DiskFull => "the disk is full".to_string(),
            Problem::Unwritable => format!("the history file cannot be written ({e})"),
            _ => format!("the history file could not be used ({e})"),
        };
        HistoryError::new(kind, path, problem)
    }
}

/// SQLite's own words for an error, without the statement it came from (a migration is dozens of
/// lines of SQL that say nothing to the user).
fn short(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string().lines().next().unwrap_or_default().to_string(),
    }
}
