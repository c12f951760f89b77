//! Conversations and history: what `chat -c` sends, what is recorded (and never lost or leaked),
//! and the `history` commands, on a terminal and piped. Each test has its own HOME, so its history
//! file is `HOME/.local/share/tokenfactory/history.db`.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use httpmock::prelude::*;
use serde_json::{Value, json};

use crate::harness::{
    KEY, completion, fresh_home, live, read_until, run, run_in_terminal, stdout_reader, with_key,
    with_key_on_a_full_disk,
};
use crate::script_server::{Script, ScriptServer, Step, content};

fn db(home: &Path) -> PathBuf {
    home.join(".local/share/tokenfactory/history.db")
}

/// A server that answers every chat with `answer`, recording the requests.
fn answering(answer: &str) -> (MockServer, String) {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(200).header("x-request-id", "req_hist").json_body(completion(answer));
    });
    let base = server.url("/v1");
    (server, base)
}

/// `tokenfactory chat ARGS` with HOME at `home`; returns (code, stdout, stderr).
fn chat(base: &str, home: &Path, args: &[&str]) -> (i32, String, String) {
    run(with_key(base).env("HOME", home).arg("chat").args(args))
}

fn history(home: &Path, args: &[&str]) -> (i32, String, String) {
    run(crate::harness::tokenfactory().env("HOME", home).arg("history").args(args))
}

fn show_json(home: &Path, id: &str) -> Value {
    let (code, stdout, stderr) = history(home, &["show", id, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).expect("JSON")
}

fn conversations(home: &Path) -> Vec<Value> {
    let (code, stdout, stderr) = history(home, &["--json", "-n", "1000"]);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str::<Vec<Value>>(&stdout).expect("JSON list")
}

#[test]
fn chat_continues_the_latest_conversation_with_its_messages_and_system_prompt() {
    let server = ScriptServer::start(vec![
        Script::body(200, "application/json", &completion("Retrieval-augmented generation.").to_string()),
        Script::body(200, "application/json", &completion("RAG.").to_string()),
        Script::body(200, "application/json", &completion("Kurz: RAG.").to_string()),
    ]);
    let home = fresh_home();
    let base = server.base();
    let (code, stdout, stderr) = chat(&base, &home, &["-s", "Be brief.", "What is RAG?"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "Retrieval-augmented generation.\n", ""));
    let (code, stdout, _) = chat(&base, &home, &["-c", "shorter"]);
    assert_eq!((code, stdout.as_str()), (0, "RAG.\n"));
    let (code, _, _) = chat(&base, &home, &["-c", "-s", "Antworte auf Deutsch.", "again"]);
    assert_eq!(code, 0);
    let requests = server.requests();
    assert_eq!(
        requests[1].json()["messages"],
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is RAG?"},
            {"role": "assistant", "content": "Retrieval-augmented generation."},
            {"role": "user", "content": "shorter"},
        ])
    );
    assert_eq!(
        requests[2].json()["messages"],
        json!([
            {"role": "system", "content": "Antworte auf Deutsch."},
            {"role": "user", "content": "What is RAG?"},
            {"role": "assistant", "content": "Retrieval-augmented generation."},
            {"role": "user", "content": "shorter"},
            {"role": "assistant", "content": "RAG."},
            {"role": "user", "content": "again"},
        ])
    );
    let list = conversations(&home);
    assert_eq!(list.len(), 1, "one conversation, continued: {list:?}");
    assert_eq!((list[0]["turns"].as_i64(), list[0]["title"].as_str()), (Some(3), Some("What is RAG?")));
}

#[test]
fn chat_continues_a_conversation_by_a_unique_prefix_and_rejects_an_ambiguous_one() {
    let (_server, base) = answering("ok");
    let home = fresh_home();
    for prompt in ["first", "second", "third"] {
        assert_eq!(chat(&base, &home, &[prompt]).0, 0);
    }
    let list = conversations(&home);
    let first = list.iter().find(|c| c["title"] == "first").expect("first")["id"].as_str().expect("id").to_string();
    let (code, _, stderr) = chat(&base, &home, &["--conversation", &first[..6], "more"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(show_json(&home, &first)["conversation"]["turns"], json!(2));

    // A prefix shorter than 4 characters is refused, however many IDs it starts.
    let (code, _, stderr) = chat(&base, &home, &["--conversation", &first[..1], "which?"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is too short to name a conversation: give at least 4 characters of its ID"), "{stderr}");
    // Two conversations whose IDs share 4 characters: the prefix is ambiguous, and both are listed.
    let conn = rusqlite::Connection::open(db(&home)).expect("open");
    for id in ["abcd000000000001", "abcd000000000002"] {
        conn.execute(
            "INSERT INTO conversations (id, started_at, updated_at, title, model, turns) VALUES (?1, 0, 0, 'x', 'm', 0)",
            [id],
        )
        .expect("insert");
    }
    drop(conn);
    let (code, stdout, stderr) = chat(&base, &home, &["--conversation", "abcd", "which?"]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(stderr.starts_with("tokenfactory: error: \"abcd\" starts more than one conversation ID\n"), "{stderr}");
    assert!(stderr.contains("abcd000000000001") && stderr.contains("abcd000000000002"), "the whole IDs: {stderr}");
    let (code, _, stderr) = chat(&base, &home, &["--conversation", "ffffffffffffffff0", "x"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no conversation ID starts with \"ffffffffffffffff0\""), "{stderr}");
}

#[test]
fn chat_continue_without_history_is_a_clear_usage_error() {
    let (_server, base) = answering("never");
    let home = fresh_home();
    let (code, stdout, stderr) = chat(&base, &home, &["-c", "follow up"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "tokenfactory: error: there is no conversation to continue yet\n  \
         hint: start one with: tokenfactory chat \"your question\"; list them with: tokenfactory history\n"
    );
    let (code, _, stderr) =
        run(with_key(&base).env("HOME", &home).env("OMNIVA_HISTORY", "off").args(["chat", "-c", "x"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("there is no history to continue: OMNIVA_HISTORY=off"), "{stderr}");
    let (code, _, stderr) = chat(&base, &home, &["-c", "--no-history", "x"]);
    assert_eq!(code, 2, "clap refuses the pair: {stderr}");
    assert!(!db(&home).exists(), "nothing was created");
}

#[test]
fn every_field_of_an_exchange_is_recorded_and_the_key_never_is() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(200).header("x-request-id", "req_hist").json_body(json!({
            "model": "Omniva/Kimi-K2.6-0611",
            "choices": [{"message": {"content": format!("The key you sent is {KEY}"), "reasoning_content": "thinking"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "completion_tokens_details": {"reasoning_tokens": 2}}
        }));
    });
    let home = fresh_home();
    let (code, stdout, _) = chat(&server.url("/v1"), &home, &["-s", "sys", "--temperature", "0.2", "hello"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("The key you sent is "), "the answer is printed as written");
    let list = conversations(&home);
    let doc = show_json(&home, list[0]["id"].as_str().expect("id"));
    let e = &doc["exchanges"][0];
    assert_eq!(e["turn"], json!(1));
    assert_eq!(e["host"], json!("127.0.0.1"));
    assert_eq!(
        (e["model_asked"].as_str(), e["model_answered"].as_str()),
        (Some("Omniva/Kimi-K2.6"), Some("Omniva/Kimi-K2.6-0611"))
    );
    assert_eq!((e["system"].as_str(), e["prompt"].as_str()), (Some("sys"), Some("hello")));
    assert_eq!(e["answer"], json!("The key you sent is sk-o…25xx"), "stored redacted");
    assert_eq!(e["reasoning"], json!("thinking"));
    assert_eq!((e["finish_reason"].as_str(), e["status"].as_str()), (Some("stop"), Some("complete")));
    assert_eq!(
        (e["prompt_tokens"].as_i64(), e["completion_tokens"].as_i64(), e["reasoning_tokens"].as_i64()),
        (Some(11), Some(7), Some(2))
    );
    assert_eq!(e["request_id"], json!("req_hist"));
    assert!(e["duration_ms"].as_i64().is_some() && e["at"].as_i64().is_some_and(|t| t > 1_700_000_000_000), "{e}");
    let bytes: Vec<u8> = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::read(format!("{}{s}", db(&home).display())).ok())
        .flatten()
        .collect();
    let file = String::from_utf8_lossy(&bytes);
    crate::harness::assert_no_key(&file);
    assert!(file.contains("hello"), "the file was read");
}

#[test]
fn twenty_parallel_chats_record_twenty_exchanges() {
    let (_server, base) = answering("parallel");
    let home = fresh_home();
    let children: Vec<_> = (0..20)
        .map(|i| {
            let mut cmd = live(&base);
            cmd.env("HOME", &home).args(["chat", &format!("question {i}")]);
            cmd.spawn().expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("exit");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "parallel\n");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "no warning: none waited too long");
    }
    let mut titles: Vec<String> =
        conversations(&home).iter().map(|c| c["title"].as_str().expect("t").to_string()).collect();
    titles.sort();
    let mut expected: Vec<String> = (0..20).map(|i| format!("question {i}")).collect();
    expected.sort();
    assert_eq!(titles, expected);
}

#[test]
fn a_stream_cut_off_is_recorded_with_what_was_printed() {
    let server = ScriptServer::start(vec![Script::sse(vec![content("The beginning"), Step::Abort])]);
    let home = fresh_home();
    let (code, stdout, _) = chat(&server.base(), &home, &["--stream", "tell me"]);
    assert_eq!((code, stdout.as_str()), (9, "The beginning\n"));
    let id = conversations(&home)[0]["id"].as_str().expect("id").to_string();
    let e = &show_json(&home, &id)["exchanges"][0];
    assert_eq!(
        (e["status"].as_str(), e["answer"].as_str(), e["failure"].as_str()),
        (Some("cut_off"), Some("The beginning"), Some("stream-cut"))
    );
    assert!(e["error"].as_str().is_some_and(|m| m.contains("ended before the answer was complete")), "{e}");
}

#[test]
fn a_stream_interrupted_with_sigint_is_recorded_with_what_was_printed() {
    let (_keep_open, hold) = mpsc::channel::<()>();
    let server = ScriptServer::start(vec![Script::sse(vec![content("half an answer"), Step::Wait(hold)])]);
    let home = fresh_home();
    let mut child = live(&server.base()).env("HOME", &home).args(["chat", "--stream", "go"]).spawn().expect("spawn");
    let rx = stdout_reader(&mut child);
    let mut seen = Vec::new();
    read_until(&rx, &mut seen, "half an answer");
    crate::harness::send_signal(&child, libc::SIGINT);
    let status = child.wait().expect("exit");
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    let id = conversations(&home)[0]["id"].as_str().expect("id").to_string();
    let e = &show_json(&home, &id)["exchanges"][0];
    assert_eq!((e["status"].as_str(), e["answer"].as_str()), (Some("interrupted"), Some("half an answer")));
}

#[test]
fn no_history_and_history_off_leave_no_file() {
    let (_server, base) = answering("ok");
    let home = fresh_home();
    assert_eq!(chat(&base, &home, &["--no-history", "hi"]).0, 0);
    assert_eq!(run(with_key(&base).env("HOME", &home).env("OMNIVA_HISTORY", "off").args(["chat", "hi"])).0, 0);
    assert!(!home.join(".local").exists(), "no directory, no file");
    let (code, stdout, stderr) =
        run(crate::harness::tokenfactory().env("HOME", &home).env("OMNIVA_HISTORY", "off").arg("history"));
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (1, "", "tokenfactory: history is off: OMNIVA_HISTORY=off\n"));
}

#[test]
fn omniva_history_moves_the_file() {
    let (_server, base) = answering("ok");
    let home = fresh_home();
    let file = home.join("elsewhere.db");
    assert_eq!(run(with_key(&base).env("HOME", &home).env("OMNIVA_HISTORY", &file).args(["chat", "hi"])).0, 0);
    assert!(file.exists() && !db(&home).exists());
    let (code, stdout, _) =
        run(crate::harness::tokenfactory().env("HOME", &home).env("OMNIVA_HISTORY", &file).args(["history", "path"]));
    assert_eq!((code, stdout), (0, format!("{}\n", file.display())));
    let (code, stdout, _) = history(&home, &["path"]);
    assert_eq!((code, stdout), (0, format!("{}\n", db(&home).display())));
}

/// Runs one chat against a history file that cannot be used, and checks the answer is exactly
/// as without history and stderr holds one warning line.
fn answer_survives(home: &Path, env: &[(&str, &str)], says: &str) {
    let (_server, base) = answering("still here");
    let mut cmd = with_key(&base);
    cmd.env("HOME", home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (code, stdout, stderr) = run(cmd.args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (0, "still here\n"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one warning line: {stderr}");
    assert!(stderr.starts_with("tokenfactory: warning: the exchange was not recorded in the history: "), "{stderr}");
    assert!(stderr.contains(says), "{says}: {stderr}");
}

#[test]
fn a_damaged_history_file_costs_no_answer_and_history_says_to_move_it() {
    let home = fresh_home();
    std::fs::create_dir_all(db(&home).parent().expect("dir")).expect("mkdir");
    std::fs::write(db(&home), "this is not a database, it is a text file that got in the way".repeat(20))
        .expect("write");
    answer_survives(&home, &[], "the history file is damaged");
    let (code, stdout, stderr) = history(&home, &[]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    let path = db(&home);
    assert!(
        stderr.contains(&format!(
            "hint: or move it aside (the history starts afresh): mv {} {}.damaged",
            path.display(),
            path.display()
        )),
        "{stderr}"
    );
}

#[test]
fn an_unwritable_place_costs_no_answer() {
    let home = fresh_home();
    // /proc refuses new files even to root, which a chmod-ed directory would not.
    answer_survives(
        &home,
        &[("OMNIVA_HISTORY", "/proc/tokenfactory-history.db")],
        "cannot create /proc/tokenfactory-history.db",
    );
    // A file where the data directory should be.
    std::fs::create_dir_all(home.join(".local")).expect("mkdir");
    std::fs::write(home.join(".local/share"), "a file, not a directory").expect("write");
    answer_survives(&home, &[], "cannot create");
}

#[test]
fn a_disk_that_takes_no_more_bytes_costs_no_answer_and_damages_nothing() {
    let (_server, base) = answering("still here");
    let home = fresh_home();
    assert_eq!(chat(&base, &home, &["first"]).0, 0);
    // As on a full disk, every write that would grow a file fails.
    let (code, stdout, stderr) = run(&mut with_key_on_a_full_disk(&base, &home, 0, &["chat", "second"]));
    assert_eq!((code, stdout.as_str()), (0, "still here\n"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one warning line: {stderr}");
    assert!(stderr.starts_with("tokenfactory: warning: the exchange was not recorded in the history: "), "{stderr}");
    assert!(stderr.contains("the history file could not be used (disk I/O error)"), "{stderr}");
    // The file is as it was, and takes the next exchange once there is room.
    let before = conversations(&home);
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(chat(&base, &home, &["third"]).0, 0);
    let prompts: Vec<String> =
        conversations(&home).iter().filter_map(|c| c["title"].as_str().map(str::to_string)).collect();
    assert_eq!(prompts, ["third", "first"]);
}

#[test]
fn a_history_from_a_newer_version_costs_no_answer_and_is_not_touched() {
    let (_server, base) = answering("first");
    let home = fresh_home();
    assert_eq!(chat(&base, &home, &["hi"]).0, 0);
    let conn = rusqlite::Connection::open(db(&home)).expect("open");
    conn.pragma_update(None, "user_version", 7).expect("bump");
    drop(conn);
    answer_survives(&home, &[], "written by a newer tokenfactory (schema 7, this one reads up to 2)");
    let (code, _, stderr) = history(&home, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("hint: upgrade tokenfactory"), "{stderr}");
    let conn = rusqlite::Connection::open(db(&home)).expect("open");
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
    assert_eq!(version, 7, "left as it was");
}

#[test]
fn a_locked_history_file_costs_no_answer() {
    let (_server, base) = answering("first");
    let home = fresh_home();
    assert_eq!(chat(&base, &home, &["hi"]).0, 0);
    let conn = rusqlite::Connection::open(db(&home)).expect("open");
    conn.execute_batch("PRAGMA journal_mode=DELETE; BEGIN EXCLUSIVE;").expect("lock");
    answer_survives(&home, &[], "stayed locked by another process");
    conn.execute_batch("COMMIT").expect("unlock");
}

#[test]
fn history_lists_shows_and_searches_piped_and_as_json() {
    let server = ScriptServer::start(vec![
        Script::body(
            200,
            "application/json",
            &completion("Retrieval-augmented generation grounds answers in documents.").to_string(),
        ),
        Script::body(200, "application/json", &completion("Bonjour !").to_string()),
    ]);
    let home = fresh_home();
    assert_eq!(chat(&server.base(), &home, &["What is retrieval augmented generation?"]).0, 0);
    assert_eq!(chat(&server.base(), &home, &["Say hello in French"]).0, 0);
    let list = conversations(&home);
    let ids: Vec<&str> = list.iter().map(|c| c["id"].as_str().expect("id")).collect();
    assert_eq!(list[0]["title"], json!("Say hello in French"), "newest first");

    let (code, stdout, _) = history(&home, &[]);
    assert_eq!((code, stdout), (0, format!("{}\n{}\n", ids[0], ids[1])), "piped: IDs");
    let (_, stdout, _) = history(&home, &["-n", "1"]);
    assert_eq!(stdout, format!("{}\n", ids[0]));

    let (code, stdout, _) = history(&home, &["show"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("# Say hello in French\n\n- conversation: "), "the latest by default: {stdout}");
    assert!(
        stdout.contains("\n## You (1)\n\nSay hello in French\n\n## Omniva/Kimi-K2.6 (1)\n\nBonjour !\n"),
        "{stdout}"
    );

    let (code, stdout, _) = history(&home, &["search", "retrieval"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 1, "one line per matching exchange: {stdout}");
    assert!(stdout.starts_with(&format!("{}\t1\t", ids[1])), "{stdout}");
    assert!(stdout.to_lowercase().contains("retrieval"), "{stdout}");
    let (_, stdout, _) = history(&home, &["search", "--json", "bonjour"]);
    let hits: Vec<Value> = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0]["conversation"].as_str(), hits[0]["snippet"].as_str()), (Some(ids[0]), Some("Bonjour !")));
    let (code, stdout, stderr) = history(&home, &["search", "nothing-like-this"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(stderr, "tokenfactory: nothing in the history matches \"nothing-like-this\"\n");
}

#[test]
fn history_on_a_terminal_is_a_table_and_highlights_matches() {
    let server = ScriptServer::start(vec![Script::body(
        200,
        "application/json",
        &completion("Retrieval-augmented generation grounds answers in documents.").to_string(),
    )]);
    let home = fresh_home();
    assert_eq!(chat(&server.base(), &home, &["What is retrieval augmented generation, in one line please?"]).0, 0);
    let id = conversations(&home)[0]["id"].as_str().expect("id").to_string();
    let env = [("HOME", home.to_str().expect("utf8")), ("COLUMNS", "80")];
    let (code, screen) = run_in_terminal(&["history"], &env);
    assert_eq!(code, 0, "{screen}");
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines[0].contains("ID") && lines[0].contains("UPDATED (UTC)") && lines[0].contains("FIRST PROMPT"),
        "{screen}"
    );
    assert!(lines[1].starts_with(&format!("{}  ", &id[..8])), "{screen}");
    assert!(lines[1].contains("Omniva/Kimi-K2.6  1      What is"), "{screen}");
    assert!(lines[1].ends_with('…') && lines[1].chars().count() <= 80, "cut to the width: {screen}");
    let (_, screen) = run_in_terminal(&["history", "search", "documents"], &env);
    assert!(screen.contains(&format!("{}  ", &id[..8])), "{screen}");
    assert!(screen.contains("grounds answers in \x1b[32;1mdocuments\x1b[0m."), "highlighted: {screen:?}");
    let (_, screen) = run_in_terminal(&["--color", "never", "history", "search", "documents"], &env);
    assert!(screen.contains("grounds answers in documents."), "{screen:?}");
}

#[test]
fn history_rm_and_clear() {
    let (_server, base) = answering("ok");
    let home = fresh_home();
    for prompt in ["one", "two", "three"] {
        assert_eq!(chat(&base, &home, &[prompt]).0, 0);
    }
    let ids: Vec<String> = conversations(&home).iter().map(|c| c["id"].as_str().expect("id").to_string()).collect();
    let (code, _, stderr) = history(&home, &["rm", &ids[0][..8], "0000000000000000x"]);
    assert_eq!(code, 2, "one unknown ID: nothing is removed: {stderr}");
    assert_eq!(conversations(&home).len(), 3);
    let (code, _, stderr) = history(&home, &["rm", &ids[0][..8], &ids[1]]);
    assert_eq!(code, 0);
    assert_eq!(
        stderr,
        format!(
            "tokenfactory: removed conversation {} (1 turn)\ntokenfactory: removed conversation {} (1 turn)\n",
            &ids[0][..8],
            &ids[1][..8]
        )
    );
    assert_eq!(conversations(&home).len(), 1);
    let (code, _, stderr) = history(&home, &["clear"]);
    assert_eq!(code, 2, "no terminal to ask on: {stderr}");
    assert!(stderr.contains("pass --yes to confirm"), "{stderr}");
    let env = [("HOME", home.to_str().expect("utf8"))];
    let (code, screen) = run_in_terminal(&["history", "clear"], &env);
    assert_eq!(code, 0);
    assert!(screen.contains("Delete all 1 conversations from the history? [y/N] "), "{screen}");
    assert!(screen.contains("nothing deleted"), "no answer is no: {screen}");
    assert_eq!(conversations(&home).len(), 1);
    let (code, _, stderr) = history(&home, &["clear", "--yes"]);
    assert_eq!((code, stderr.as_str()), (0, "tokenfactory: deleted 1 conversation\n"));
    assert!(conversations(&home).is_empty());
    let (code, _, stderr) = history(&home, &["search", "one"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("nothing in the history matches"), "the index was cleared too: {stderr}");
}

#[test]
fn a_conversation_longer_than_the_context_says_so_and_how_to_start_fresh() {
    let server = ScriptServer::start(vec![
        Script::body(200, "application/json", &completion("first answer").to_string()),
        Script::body(
            400,
            "application/json",
            r#"{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}"#,
        ),
    ]);
    let home = fresh_home();
    assert_eq!(chat(&server.base(), &home, &["start"]).0, 0);
    let (code, stdout, stderr) = chat(&server.base(), &home, &["-c", "--retries", "0", "go on"]);
    assert_eq!((code, stdout.as_str()), (5, ""));
    assert!(stderr.contains("maximum context length is 8192 tokens"), "{stderr}");
    assert!(stderr.contains("hint: the request is longer than Omniva/Kimi-K2.6 can read at once"), "{stderr}");
    assert!(stderr.contains("hint: start a fresh conversation: run chat without -c / --conversation"), "{stderr}");
}

#[test]
fn another_applications_database_is_never_changed_and_the_warning_says_why() {
    let home = fresh_home();
    let foreign = home.join("app.db");
    let conn = rusqlite::Connection::open(&foreign).expect("open");
    conn.execute_batch(
        "CREATE TABLE conversations (id TEXT, body TEXT); INSERT INTO conversations VALUES ('1', 'mine');",
    )
    .expect("setup");
    drop(conn);
    let before = std::fs::read(&foreign).expect("read");
    answer_survives(&home, &[("OMNIVA_HISTORY", foreign.to_str().expect("path"))], "it is not a tokenfactory history");
    assert_eq!(std::fs::read(&foreign).expect("read"), before, "not one byte changed");
    let (code, _, stderr) =
        run(crate::harness::tokenfactory().env("HOME", &home).env("OMNIVA_HISTORY", &foreign).args(["history"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("hint: point OMNIVA_HISTORY at a file of its own"), "{stderr}");
    assert!(!stderr.contains("CREATE"), "no SQL in the message: {stderr}");
    let (code, _, stderr) =
        run(crate::harness::tokenfactory().env("HOME", &home).args(["history", "-n", "18446744073709551615"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("expected a number from 1 to 1000000"), "{stderr}");
}
