use super::*;
use crate::history::{Found, Problem, Status, now_ms};

fn exchange(prompt: &str, answer: &str) -> Exchange {
    Exchange {
        turn: 0,
        at: now_ms(),
        host: "api.example".into(),
        model_asked: "m".into(),
        model_answered: None,
        system: None,
        prompt: prompt.into(),
        answer: answer.into(),
        reasoning: None,
        finish_reason: Some("stop".into()),
        prompt_tokens: Some(3),
        completion_tokens: Some(5),
        reasoning_tokens: None,
        duration_ms: Some(10),
        first_token_ms: None,
        request_id: None,
        status: Status::Complete,
        failure: None,
        error: None,
    }
}

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tokenfactory-history-{name}-{}", crate::id::new()));
    dir.join("nested").join("history.db")
}

#[test]
fn records_conversations_and_finds_them_by_prefix_and_words() {
    let path = temp_db("basic");
    let mut store = Store::open(&path).expect("opens");
    store.record("abcd000000000001", &exchange("what is RAG?", "retrieval-augmented generation")).expect("rec");
    store.record("abcd000000000001", &exchange("shorter", "RAG")).expect("rec");
    store.record("abce000000000002", &exchange("hello", "hi there")).expect("rec");
    assert_eq!(store.count().expect("count"), 2);
    let (summary, exchanges) = store.conversation("abcd000000000001").expect("reads").expect("exists");
    assert_eq!((summary.title.as_str(), summary.turns), ("what is RAG?", 2));
    assert_eq!(exchanges.iter().map(|e| e.turn).collect::<Vec<_>>(), [1, 2]);
    assert!(matches!(store.find("abcd").expect("find"), Found::One(id) if id == "abcd000000000001"));
    assert!(matches!(store.find("abc").expect("find"), Found::Several(v) if v.len() == 2));
    assert!(matches!(store.find("ffff").expect("find"), Found::None));
    assert!(matches!(store.find("zz'; DROP").expect("find"), Found::None));
    let hits = store.search("retrieval", 10).expect("search");
    assert_eq!(hits.len(), 1);
    assert!(hits[0].snippet.contains("\u{2}retrieval\u{3}"), "{:?}", hits[0].snippet);
    assert!(store.search("\"unbalanced -quote OR", 10).is_ok(), "user text is never FTS syntax");
    assert_eq!(store.remove("abcd000000000001").expect("rm"), 2);
    assert!(store.search("retrieval", 10).expect("search").is_empty(), "the index forgets removed rows");
    assert_eq!(store.clear().expect("clear"), 1);
    let _ = std::fs::remove_dir_all(path.parent().and_then(Path::parent).expect("dir"));
}

#[test]
fn the_wal_is_folded_in_before_it_grows_large() {
    let path = temp_db("wal");
    for i in 0..60 {
        let mut store = Store::open(&path).expect("opens");
        store
            .record(
                &crate::id::new(),
                &exchange(&format!("question {i} {}", "words ".repeat(200)), &"answer ".repeat(500)),
            )
            .expect("rec");
    }
    let wal = std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len());
    assert!(wal <= WAL_LIMIT + 128 * 1024, "the WAL stays small: {wal} bytes");
    assert_eq!(Store::open(&path).expect("opens").count().expect("count"), 60, "nothing lost in the folding");
    let _ = std::fs::remove_dir_all(path.parent().and_then(Path::parent).expect("dir"));
}

#[test]
fn files_are_private_and_newer_schemas_are_refused() {
    let path = temp_db("mode");
    drop(Store::open(&path).expect("opens"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().expect("dir")).expect("meta").permissions().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);
    }
    let conn = Connection::open(&path).expect("raw");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    drop(conn);
    let err = Store::open(&path).err().expect("refused");
    assert_eq!(err.kind, Problem::Newer);
    let _ = std::fs::remove_dir_all(path.parent().and_then(Path::parent).expect("dir"));
}

#[test]
fn a_file_that_is_not_a_database_is_damaged() {
    let path = temp_db("damaged");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(&path, b"this is not a database, just some text that is long enough").expect("write");
    let err = Store::open(&path).err().expect("refused");
    assert_eq!(err.kind, Problem::Damaged, "{err}");
    let _ = std::fs::remove_dir_all(path.parent().and_then(Path::parent).expect("dir"));
}

#[test]
fn another_applications_database_is_refused_and_left_as_it_was() {
    let cases: [(&str, &str); 3] = [
        ("tables", "CREATE TABLE conversations (id TEXT); CREATE TABLE notes (body TEXT);"),
        ("negative", "PRAGMA user_version = -3;"),
        ("marked", "PRAGMA application_id = 1234;"),
    ];
    for (name, sql) in cases {
        let path = temp_db(name);
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        Connection::open(&path).expect("raw").execute_batch(sql).expect("setup");
        let before = std::fs::read(&path).expect("read");
        let err = Store::open(&path).err().expect("refused");
        assert_eq!(err.kind, Problem::Foreign, "{name}: {err}");
        assert!(err.to_string().starts_with("it is not a tokenfactory history: "), "{err}");
        assert!(!err.to_string().contains("CREATE"), "no SQL in the message: {err}");
        assert_eq!(std::fs::read(&path).expect("read"), before, "{name}: not one byte changed");
        assert!(!std::path::Path::new(&format!("{}-wal", path.display())).exists(), "{name}: not switched to WAL");
        let _ = std::fs::remove_dir_all(path.parent().and_then(Path::parent).expect("dir"));
    }
}

#[test]
fn a_history_of_an_earlier_version_is_adopted_and_marked() {
    let path = temp_db("v1");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    let conn = Connection::open(&path).expect("raw");
    conn.execute_batch(super::schema::MIGRATIONS[0]).expect("v1 schema");
    conn.pragma_update(None, "user_version", 1).expect("v1");
    conn.execute(
        "INSERT INTO conversations (id, started_at, updated_at, title, model, turns) VALUES ('abcd', 0, 0, ?1, 'm', 0)",
        [format!("{}\nsecond line", "word ".repeat(100))],
    )
    .expect("row");
    drop(conn);
    let store = Store::open(&path).expect("adopted");
    assert_eq!(store.list(1).expect("list")[0].title.chars().count(), 80, "the long title shortened");
    let app: i64 = store.conn.pragma_query_value(None, "application_id", |r| r.get(0)).expect("id");
    assert_eq!(app, super::schema::APPLICATION_ID);
    let _ = std::fs::remove_dir_all(path.parent().and_then(Path::parent).expect("dir"));
}

#[test]
fn a_title_is_the_first_words_on_one_line_and_a_long_prompt_is_kept_once() {
    assert_eq!(title("what is\nRAG?\n"), "what is RAG?");
    let long = format!("{}tail", "word ".repeat(40));
    let t = title(&long);
    assert!(t.ends_with('…') && t.chars().count() <= 81, "{t}");
    assert_eq!(title(&"x".repeat(500)).chars().count(), 81);
    let path = temp_db("once");
    let mut store = Store::open(&path).expect("opens");
    let prompt = "word ".repeat(400_000);
    store.record("abcd000000000009", &exchange(&prompt, "ok")).expect("rec");
    drop(store);
    let size = std::fs::metadata(&path).map_or(0, |m| m.len())
        + std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len());
    assert!(size < 3 * prompt.len() as u64 / 2, "the 2 MB prompt is stored once: {size} bytes");
    let _ = std::fs::remove_dir_all(path.parent().and_then(Path::parent).expect("dir"));
}

#[cfg(unix)]
#[test]
fn a_symlink_to_nothing_yet_gets_a_private_file() {
    use std::os::unix::fs::PermissionsExt;
    let path = temp_db("link");
    let dir = path.parent().expect("dir").to_path_buf();
    std::fs::create_dir_all(&dir).expect("mkdir");
    let target = dir.join("elsewhere.db");
    std::os::unix::fs::symlink("elsewhere.db", &path).expect("link");
    let mut store = Store::open(&path).expect("opens through the link");
    store.record("abcd000000000010", &exchange("hi", "there")).expect("rec");
    drop(store);
    for file in [target.clone(), PathBuf::from(format!("{}-wal", path.display()))] {
        if let Ok(meta) = std::fs::metadata(&file) {
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{}", file.display());
        }
    }
    assert!(target.exists());
    let _ = std::fs::remove_dir_all(dir.parent().expect("dir"));
}
