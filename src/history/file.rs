//! The history file itself: created private (0600 in a 0700 directory, also at the end of a
//! symlink), and opened only when it is ours (a tokenfactory history, or a new empty file):
//! another application's database is never changed.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::error::{HistoryError, Problem};
use super::schema;

/// Creates the directory (0700) and an empty file (0600) so that SQLite, which creates its own
/// files with 0644, inherits private permissions (its journal files copy the database's mode). A
/// symlink that points nowhere yet gets its target created the same way.
pub fn create_private(path: &Path) -> Result<(), HistoryError> {
    let target = resolve_links(path);
    let unwritable = |what: &Path, e: std::io::Error| {
        HistoryError::new(Problem::Unwritable, path, format!("cannot create {}: {e}", what.display()))
    };
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| unwritable(dir, e))?;
    }
    if !target.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&target) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {} // a parallel chat made it
            Err(e) => return Err(unwritable(&target, e)),
        }
    }
    Ok(())
}

/// Where `path` ends after its symlinks (at most a few, relative ones from their directory).
fn resolve_links(path: &Path) -> PathBuf {
    let mut at = path.to_path_buf();
    for _ in 0..8 {
        let Ok(link) = std::fs::read_link(&at) else { break };
        at = match at.parent() {
            Some(dir) if link.is_relative() => dir.join(link),
            _ => link,
        };
    }
    at
}

/// Refuses a database that is not a tokenfactory history: one marked by another application, one
/// with a negative schema version, or one holding tables of its own. A new empty file, a history
/// of this build, and one of an earlier tokenfactory (unmarked, with our tables) are ours.
pub fn check_ours(conn: &Connection, path: &Path, version: i64) -> Result<(), HistoryError> {
    let foreign =
        |why: String| HistoryError::new(Problem::Foreign, path, format!("it is not a tokenfactory history: {why}"));
    let sqlite = |e| HistoryError::sqlite(path, e);
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(sqlite)?;
    if app == schema::APPLICATION_ID {
        return Ok(());
    }
    if app != 0 {
        return Err(foreign(format!("another application marked it as its own (application id {app:#x})")));
    }
    if version < 0 {
        return Err(foreign(format!("its schema version is {version}")));
    }
    let mut statement = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .map_err(sqlite)?;
    let tables: Vec<String> =
        statement.query_map([], |r| r.get(0)).map_err(sqlite)?.collect::<Result<_, _>>().map_err(sqlite)?;
    let ours = ["conversations", "exchanges"].iter().all(|t| tables.iter().any(|n| n == t));
    if tables.is_empty() || (version >= 1 && ours) {
        return Ok(());
    }
    let names: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
    Err(foreign(format!("it is another application's database (its tables: {})", names.join(", "))))
}
