//! The store: one SQLite file (WAL, a busy timeout, so parallel invocations never fail or lose a
//! row), opened only if it is ours, and the queries `chat` and `history` need.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, params};

use super::error::{HistoryError, Problem};
use super::record::{Exchange, Found, Hit, Status, Summary, title};
use super::schema;

/// Above this many matching exchanges, search results come newest first instead of by BM25.
const RANKED_MATCHES: i64 = 2_000;

/// WAL size after which `record` checkpoints it into the file and empties it. The first process
/// to open the file reads the whole WAL again, so it must stay small; folding it in costs fsyncs,
/// so not every time.
const WAL_LIMIT: u64 = 256 * 1024;

/// How long a writer waits for another one (a parallel `chat`) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the history file, creating it (mode 0600, in a 0700 directory) and its schema when
    /// needed, and upgrading an older one.
    pub fn open(path: &Path) -> Result<Store, HistoryError> {
        super::file::create_private(path)?;
        Store::connect(path)
    }

    /// Opens the history file only if it exists: reading never creates one.
    pub fn open_existing(path: &Path) -> Result<Option<Store>, HistoryError> {
        if !path.exists() {
            return Ok(None);
        }
        Store::connect(path).map(Some)
    }

    fn connect(path: &Path) -> Result<Store, HistoryError> {
        let err = |e| HistoryError::sqlite(path, e);
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        let mut store = Store { conn, path: path.to_path_buf() };
        // A file from a newer version, or another application's database, is refused before
        // anything is written to it.
        let version = store.version()?;
        super::file::check_ours(&store.conn, path, version)?;
        // WAL lets readers and one writer work at once; NORMAL keeps every committed row through a
        // crash of the process (only a power loss could drop the last one).
        store.conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        store.conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        store.conn.pragma_update(None, "foreign_keys", "ON").map_err(err)?;
        // A chat is one short connection: checkpointing the WAL into the file at every close would
        // cost fsyncs each time. The WAL stays, and `record` folds it in once it has grown (see
        // `WAL_LIMIT`).
        store.conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).map_err(err)?;
        store.migrate(version)?;
        Ok(store)
    }

    /// The schema version of the file; a newer one than this build knows is an error.
    fn version(&self) -> Result<i64, HistoryError> {
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(self.err())?;
        if version > schema::CURRENT {
            return Err(HistoryError::new(
                Problem::Newer,
                &self.path,
                format!(
                    "the history file was written by a newer tokenfactory (schema {version}, this one reads up to {})",
                    schema::CURRENT
                ),
            ));
        }
        Ok(version)
    }

    /// Brings the file from `version` to the current schema. Parallel invocations may all find a
    /// new file: the version is read again under the write lock, so only one of them migrates.
    fn migrate(&mut self, version: i64) -> Result<(), HistoryError> {
        if version == schema::CURRENT {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |e| HistoryError::sqlite(&path, e);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
        for sql in schema::MIGRATIONS.iter().skip(version.max(0) as usize) {
            tx.execute_batch(sql).map_err(err)?;
        }
        tx.pragma_update(None, "user_version", schema::CURRENT).map_err(err)?;
        tx.pragma_update(None, "application_id", schema::APPLICATION_ID).map_err(err)?;
        tx.commit().map_err(err)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        |e| HistoryError::sqlite(&self.path, e)
    }

    /// Records an exchange in conversation `id`, creating the conversation on its first turn.
    /// Returns the turn number.
    pub fn record(&mut self, id: &str, exchange: &Exchange) -> Result<i64, HistoryError> {
        let path = self.path.clone();
        let err = |e| HistoryError::sqlite(&path, e);
        // IMMEDIATE takes the write lock up front, so two writers wait for each other (the busy
        // timeout) instead of one failing half-way.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
        let model = exchange.model_answered.as_deref().unwrap_or(&exchange.model_asked);
        tx.execute(
            "INSERT INTO conversations (id, started_at, updated_at, title, model, system, turns)
             VALUES (?1, ?2, ?2, ?3, ?4, ?5, 1)
             ON CONFLICT (id) DO UPDATE SET updated_at = ?2, model = ?4, system = ?5, turns = turns + 1",
            params![id, exchange.at, title(&exchange.prompt), model, exchange.system],
        )
        .map_err(err)?;
        let turn: i64 =
            tx.query_row("SELECT turns FROM conversations WHERE id = ?1", [id], |r| r.get(0)).map_err(err)?;
        tx.execute(
            "INSERT INTO exchanges (conversation_id, turn, at, host, model_asked, model_answered, system, prompt,
                answer, reasoning, finish_reason, prompt_tokens, completion_tokens, reasoning_tokens, duration_ms,
                first_token_ms, request_id, status, failure, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            params![
                id,
                turn,
                exchange.at,
                exchange.host,
                exchange.model_asked,
                exchange.model_answered,
                exchange.system,
                exchange.prompt,
                exchange.answer,
                exchange.reasoning,
                exchange.finish_reason,
                exchange.prompt_tokens,
                exchange.completion_tokens,
                exchange.reasoning_tokens,
                exchange.duration_ms,
                exchange.first_token_ms,
                exchange.request_id,
                exchange.status.as_str(),
                exchange.failure,
                exchange.error,
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        self.fold_wal();
        Ok(turn)
    }

    /// Marks turn `turn` of conversation `id` as replaced (asked again with `/retry`).
    pub fn mark_replaced(&mut self, id: &str, turn: i64) -> Result<(), HistoryError> {
        self.conn
            .execute(
                "UPDATE exchanges SET status = ?3 WHERE conversation_id = ?1 AND turn = ?2",
                params![id, turn, Status::Replaced.as_str()],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Checkpoints a WAL that has grown past `WAL_LIMIT` and truncates it, unless another process
    /// is using the file right now (then a later run does it): never waits, never fails a record.
    fn fold_wal(&self) {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        if std::fs::metadata(&wal).map_or(0, |m| m.len()) <= WAL_LIMIT {
            return;
        }
        let _ = self.conn.busy_timeout(Duration::ZERO);
        let _ = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        let _ = self.conn.busy_timeout(BUSY_TIMEOUT);
    }

    /// The most recently updated conversation.
    pub fn latest(&self) -> Result<Option<String>, HistoryError> {
        self.conn
            .query_row("SELECT id FROM conversations ORDER BY updated_at DESC, rowid DESC LIMIT 1", [], |r| r.get(0))
            .optional()
            .map_err(self.err())
    }

    /// The conversation a full ID or a unique prefix of one names, as git resolves commits.
    pub fn find(&self, prefix: &str) -> Result<Found, HistoryError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(Found::None);
        }
        let mut matches = self.summaries("WHERE id >= ?1 AND id < ?2", params![prefix, upper_bound(&prefix)], 10)?;
        Ok(match matches.len() {
            0 => Found::None,
            1 => Found::One(matches.remove(0).id),
            _ => Found::Several(matches),
        })
    }

    /// The `n` most recently updated conversations, newest first.
    pub fn list(&self, n: usize) -> Result<Vec<Summary>, HistoryError> {
        self.summaries("", params![], n)
    }

    fn summaries(&self, filter: &str, args: impl rusqlite::Params, n: usize) -> Result<Vec<Summary>, HistoryError> {
        let sql = format!(
            "SELECT id, started_at, updated_at, title, model, system, turns FROM conversations {filter}
             ORDER BY updated_at DESC, rowid DESC LIMIT {n}"
        );
        let mut statement = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = statement
            .query_map(args, |r| {
                Ok(Summary {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    updated_at: r.get(2)?,
                    title: r.get(3)?,
                    model: r.get(4)?,
                    system: r.get(5)?,
                    turns: r.get(6)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// A conversation and its exchanges, in order.
    pub fn conversation(&self, id: &str) -> Result<Option<(Summary, Vec<Exchange>)>, HistoryError> {
        let Some(summary) = self.summaries("WHERE id = ?1", params![id], 1)?.pop() else {
            return Ok(None);
        };
        let mut statement = self
            .conn
            .prepare(
                "SELECT turn, at, host, model_asked, model_answered, system, prompt, answer, reasoning, finish_reason,
                    prompt_tokens, completion_tokens, reasoning_tokens, duration_ms, first_token_ms, request_id,
                    status, failure, error
                 FROM exchanges WHERE conversation_id = ?1 ORDER BY turn",
            )
            .map_err(self.err())?;
        let rows = statement
            .query_map([id], |r| {
                Ok(Exchange {
                    turn: r.get(0)?,
                    at: r.get(1)?,
                    host: r.get(2)?,
                    model_asked: r.get(3)?,
                    model_answered: r.get(4)?,
                    system: r.get(5)?,
                    prompt: r.get(6)?,
                    answer: r.get(7)?,
                    reasoning: r.get(8)?,
                    finish_reason: r.get(9)?,
                    prompt_tokens: r.get(10)?,
                    completion_tokens: r.get(11)?,
                    reasoning_tokens: r.get(12)?,
                    duration_ms: r.get(13)?,
                    first_token_ms: r.get(14)?,
                    request_id: r.get(15)?,
                    status: Status::parse(&r.get::<_, String>(16)?),
                    failure: r.get(17)?,
                    error: r.get(18)?,
                })
            })
            .map_err(self.err())?;
        let exchanges = rows.collect::<Result<_, _>>().map_err(self.err())?;
        Ok(Some((summary, exchanges)))
    }

    /// Full-text search over prompts and answers, best matches first (BM25). Words found in more
    /// than `RANKED_MATCHES` exchanges carry almost no weight in BM25 (they are everywhere), and
    /// scoring them all would take a while: those matches come newest first.
    pub fn search(&self, text: &str, n: usize) -> Result<Vec<Hit>, HistoryError> {
        let Some(query) = fts_query(text) else { return Ok(Vec::new()) };
        let matches: i64 = self
            .conn
            .query_row("SELECT count(*) FROM exchanges_fts WHERE exchanges_fts MATCH ?1", [&query], |r| r.get(0))
            .map_err(self.err())?;
        let order = if matches > RANKED_MATCHES { "rowid DESC" } else { "rank" };
        let sql = format!(
            "WITH best AS (
                SELECT rowid AS id, snippet(exchanges_fts, -1, char(2), char(3), '…', 16) AS snippet
                FROM exchanges_fts WHERE exchanges_fts MATCH ?1 ORDER BY {order} LIMIT ?2)
             SELECT e.conversation_id, e.turn, e.at, COALESCE(e.model_answered, e.model_asked), best.snippet
             FROM best JOIN exchanges e ON e.id = best.id"
        );
        let mut statement = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = statement
            .query_map(params![query, n as i64], |r| {
                Ok(Hit {
                    conversation: r.get(0)?,
                    turn: r.get(1)?,
                    at: r.get(2)?,
                    model: r.get(3)?,
                    snippet: r.get(4)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Deletes a conversation and its exchanges; returns how many exchanges it had.
    pub fn remove(&mut self, id: &str) -> Result<i64, HistoryError> {
        let path = self.path.clone();
        let err = |e| HistoryError::sqlite(&path, e);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
        let turns = tx.execute("DELETE FROM exchanges WHERE conversation_id = ?1", [id]).map_err(err)?;
        tx.execute("DELETE FROM conversations WHERE id = ?1", [id]).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(turns as i64)
    }

    /// Deletes everything; returns how many conversations there were.
    pub fn clear(&mut self) -> Result<i64, HistoryError> {
        let path = self.path.clone();
        let err = |e| HistoryError::sqlite(&path, e);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
        // Exchanges go with their conversations (ON DELETE CASCADE), and with them their index rows.
        let count = tx.execute("DELETE FROM conversations", []).map_err(err)?;
        tx.commit().map_err(err)?;
        // Give the space back: a cleared history should not keep the old text on disk.
        self.conn.execute_batch("VACUUM").map_err(err)?;
        Ok(count as i64)
    }

    /// How many conversations there are.
    pub fn count(&self) -> Result<i64, HistoryError> {
        self.conn.query_row("SELECT count(*) FROM conversations", [], |r| r.get(0)).map_err(self.err())
    }
}

/// The smallest string greater than every string starting with `prefix` (hex digits only).
fn upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{7f}")
}

/// The user's words as an FTS5 query: each word quoted (so `-`, `"`, `*` and `OR` are plain
/// text), all of them required.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text.split_whitespace().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests;
