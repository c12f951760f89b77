//! The history database's schema, versioned with SQLite's `user_version`: migration N brings a
//! file from version N to N + 1, so a file from any earlier release is upgraded in place and a file
//! from a later release is refused rather than damaged.

/// The migrations, in order. Never edit one that has shipped: add the next.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// The application id in the file's header (`PRAGMA application_id`): "tokf". A database marked
/// by another application is never opened as a history.
pub const APPLICATION_ID: i64 = 0x746f_6b66;

/// The version this build writes.
pub const CURRENT: i64 = MIGRATIONS.len() as i64;

/// Version 1: conversations, their exchanges, and a full-text index over the first 64 KiB of
/// each prompt and answer (a pasted file of megabytes is kept whole, but indexing all of it would
/// cost seconds and double the file).
const V1: &str = "
CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    started_at  INTEGER NOT NULL,        -- Unix milliseconds
    updated_at  INTEGER NOT NULL,
    title       TEXT NOT NULL,           -- the first prompt
    model       TEXT NOT NULL,           -- the model of the latest exchange
    system      TEXT,                    -- the latest system prompt
    turns       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_by_update ON conversations (updated_at DESC);

CREATE TABLE exchanges (
    id                INTEGER PRIMARY KEY,
    conversation_id   TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    turn              INTEGER NOT NULL,
    at                INTEGER NOT NULL,  -- Unix milliseconds
    host              TEXT NOT NULL,     -- the base URL's host
    model_asked       TEXT NOT NULL,
    model_answered    TEXT,              -- differs after a fallback
    system            TEXT,
    prompt            TEXT NOT NULL,
    answer            TEXT NOT NULL,     -- what was printed
    reasoning         TEXT,
    finish_reason     TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    reasoning_tokens  INTEGER,
    duration_ms       INTEGER,
    first_token_ms    INTEGER,
    request_id        TEXT,
    status            TEXT NOT NULL,     -- complete | cut_off | interrupted | failed
    failure           TEXT,              -- the troubleshooting case of a failure
    error             TEXT               -- its message
);
CREATE INDEX exchanges_by_conversation ON exchanges (conversation_id, turn);

CREATE VIRTUAL TABLE exchanges_fts USING fts5 (
    prompt, answer, content = 'exchanges', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER exchanges_fts_insert AFTER INSERT ON exchanges BEGIN
    INSERT INTO exchanges_fts (rowid, prompt, answer)
    VALUES (new.id, substr(new.prompt, 1, 65536), substr(new.answer, 1, 65536));
END;
CREATE TRIGGER exchanges_fts_delete AFTER DELETE ON exchanges BEGIN
    INSERT INTO exchanges_fts (exchanges_fts, rowid, prompt, answer)
    VALUES ('delete', old.id, substr(old.prompt, 1, 65536), substr(old.answer, 1, 65536));
END;
";

/// Version 2: titles are the first words of the first prompt on one line (they held the whole
/// prompt, which a prompt of megabytes then took twice).
const V2: &str = "
UPDATE conversations
SET title = substr(trim(replace(replace(replace(title, char(13), ' '), char(10), ' '), char(9), ' ')), 1, 80)
WHERE length(title) > 80 OR instr(title, char(10)) > 0 OR instr(title, char(13)) > 0;
";
