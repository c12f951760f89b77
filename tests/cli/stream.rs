//! `chat --stream` against the scripted server: exact bytes, chunk boundaries, timing and faults.

use std::os::unix::process::ExitStatusExt;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::json;

use crate::harness::{KEY, live, read_until, run, stdout_reader, with_key};
use crate::script_server::{Script, ScriptServer, Step, bytes, content, done, event};

fn stream_chat(server: &ScriptServer, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = with_key(&server.base());
    cmd.args(["chat", "--stream"]).args(extra).arg("hi");
    run(&mut cmd)
}

#[test]
fn stream_prints_tokens_and_a_final_newline() {
    let server = ScriptServer::start(vec![Script::sse(vec![
        event(r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#),
        content("Hel"),
        content("lo"),
        event(r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#),
        done(),
        Step::End,
    ])]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "Hello\n", ""));
    let request = &server.requests()[0];
    assert!(request.head.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"), "{}", request.head);
    assert!(request.head.to_ascii_lowercase().contains(&format!("authorization: bearer {}", KEY.to_ascii_lowercase())));
    assert_eq!(
        request.json(),
        json!({"model": "Omniva/Kimi-K2.6", "messages": [{"role": "user", "content": "hi"}], "stream": true})
    );
}

#[test]
fn stream_delivers_each_token_before_the_next_is_sent() {
    // The server sends the first token and then waits until the test has seen it on stdout: if any
    // layer buffered, the token would never arrive and the test would fail after 20 s.
    let (go_tx, go_rx) = mpsc::channel();
    let server = ScriptServer::start(vec![Script::sse(vec![
        content("first "),
        Step::Wait(go_rx),
        content("second"),
        done(),
        Step::End,
    ])]);
    let mut child = live(&server.base()).args(["chat", "--stream", "hi"]).spawn().expect("spawn");
    let rx = stdout_reader(&mut child);
    let mut seen = Vec::new();
    read_until(&rx, &mut seen, "first ");
    assert_eq!(String::from_utf8_lossy(&seen), "first ");
    go_tx.send(()).expect("server waiting");
    read_until(&rx, &mut seen, "second\n");
    assert!(child.wait().expect("exit").success());
    assert_eq!(String::from_utf8_lossy(&seen), "first second\n");
}

#[test]
fn stream_decodes_crlf_split_events_and_split_utf8() {
    let whole = "data: {\"choices\":[{\"delta\":{\"content\":\"héllo ✓\"}}]}\r\n\r\ndata: [DONE]\r\n\r\n".as_bytes();
    // Cut inside "é", inside "✓", and between CR and LF.
    let e = whole.iter().position(|&b| b == 0xC3).expect("é") + 1;
    let check = whole.iter().position(|&b| b == 0xE2).expect("✓") + 2;
    let cr = whole.iter().position(|&b| b == b'\r').expect("CR") + 1;
    let server = ScriptServer::start(vec![Script::sse(vec![
        bytes(&whole[..e]),
        bytes(&whole[e..check]),
        bytes(&whole[check..cr]),
        bytes(&whole[cr..]),
        Step::End,
    ])]);
    let (code, stdout, _) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (0, "héllo ✓\n"));
}

#[test]
fn stream_comments_keepalives_and_invalid_utf8_do_not_stall() {
    let server = ScriptServer::start(vec![Script::sse(vec![
        bytes(b": keep-alive\n\n"),
        bytes(b"data: {\"choices\":[{\"delta\":{\"content\":\"a\xffb\"}}]}\n\n"),
        content(" after"),
        done(),
        Step::End,
    ])]);
    let (code, stdout, _) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (0, "a\u{fffd}b after\n"));
}

fn reasoning_script() -> Script {
    Script::sse(vec![
        event(r#"{"choices":[{"delta":{"reasoning_content":"Thinking "}}]}"#),
        event(r#"{"choices":[{"delta":{"reasoning":"hard."}}]}"#),
        content("Answer."),
        done(),
        Step::End,
    ])
}

#[test]
fn stream_reasoning_is_hidden_by_default_and_on_stderr_when_asked() {
    let server = ScriptServer::start(vec![reasoning_script()]);
    let (_, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((stdout.as_str(), stderr.as_str()), ("Answer.\n", ""));
    let server = ScriptServer::start(vec![reasoning_script()]);
    let (_, stdout, stderr) = stream_chat(&server, &["--reasoning"]);
    assert_eq!((stdout.as_str(), stderr.as_str()), ("Answer.\n", "Thinking hard.\n"));
}

#[test]
fn stream_stats_use_usage_from_a_usage_only_chunk() {
    let server = ScriptServer::start(vec![Script::sse(vec![
        content("ok"),
        event(
            r#"{"model":"Omniva/Kimi-K2.6","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}"#,
        ),
        done(),
        Step::End,
    ])]);
    let (code, stdout, stderr) = stream_chat(&server, &["--stats"]);
    assert_eq!((code, stdout.as_str()), (0, "ok\n"));
    assert!(stderr.starts_with("model: Omniva/Kimi-K2.6; time to first token: "), "{stderr}");
    assert!(stderr.contains("; tokens: 5 prompt, 2 completion; "), "{stderr}");
    assert_eq!(server.requests()[0].json()["stream_options"], json!({"include_usage": true}));
}

#[test]
fn stream_stats_count_chunks_when_usage_is_missing() {
    let server =
        ScriptServer::start(vec![Script::sse(vec![content("a"), content("b"), content("c"), done(), Step::End])]);
    let (_, stdout, stderr) = stream_chat(&server, &["--stats"]);
    assert_eq!(stdout, "abc\n");
    assert!(stderr.contains("tokens: not reported by the server; 3 chunks counted instead"), "{stderr}");
}

#[test]
fn stream_stats_retry_once_without_stream_options_when_rejected() {
    let rejected = Script::body(
        400,
        "application/json",
        r#"{"error":{"message":"Unrecognized request argument supplied: stream_options"}}"#,
    );
    let server = ScriptServer::start(vec![rejected, Script::sse(vec![content("fine"), done(), Step::End])]);
    let (code, stdout, _) = stream_chat(&server, &["--stats"]);
    assert_eq!((code, stdout.as_str()), (0, "fine\n"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].json().get("stream_options").is_some());
    assert!(requests[1].json().get("stream_options").is_none());
}

#[test]
fn stream_json_prints_each_chunk_object_on_its_own_line() {
    let a = r#"{"choices":[{"delta":{"content":"x"}}]}"#;
    let b = r#"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#;
    let server = ScriptServer::start(vec![Script::sse(vec![event(a), event(b), done(), Step::End])]);
    let (code, stdout, _) = stream_chat(&server, &["--json"]);
    assert_eq!((code, stdout), (0, format!("{a}\n{b}\n")));
}

#[test]
fn stream_error_event_keeps_content_and_takes_its_class_exit_code() {
    let server = ScriptServer::start(vec![Script::sse(vec![
        content("partial"),
        event(
            r#"{"error":{"message":"Rate limit reached mid-stream","type":"rate_limit_error","code":"rate_limit_exceeded"}}"#,
        ),
        Step::End,
    ])]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (6, "partial\n"));
    assert!(stderr.starts_with("tokenfactory: error: the server reported an error in the middle of the stream: Rate limit reached mid-stream\n"), "{stderr}");
}

#[test]
fn stream_error_event_without_a_class_exits_7() {
    let server =
        ScriptServer::start(vec![Script::sse(vec![event(r#"{"error":{"message":"worker crashed"}}"#), Step::End])]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (7, ""));
    assert!(stderr.contains("worker crashed"), "{stderr}");
}

#[test]
fn stream_closed_before_done_after_content_exits_9_keeping_the_output() {
    let server = ScriptServer::start(vec![Script::sse(vec![content("The beginning"), Step::Abort])]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (9, "The beginning\n"));
    assert!(stderr.contains("ended before the answer was complete"), "{stderr}");
    assert!(stderr.contains("the answer printed is incomplete"), "{stderr}");
}

#[test]
fn stream_cleanly_ended_without_done_after_content_is_also_cut() {
    let server = ScriptServer::start(vec![Script::sse(vec![content("The beginning"), Step::End])]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (9, "The beginning\n"));
    assert!(stderr.contains("(no data: [DONE])"), "{stderr}");
}

#[test]
fn stream_closed_before_any_content_exits_8() {
    let server = ScriptServer::start(vec![Script::sse(vec![bytes(b": hello\n\n"), Step::Abort])]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (8, ""));
    assert!(stderr.contains("ended before any content arrived"), "{stderr}");
}

#[test]
fn stream_idle_timeout_after_content_exits_9_naming_the_flag() {
    let server = ScriptServer::start(vec![Script::sse(vec![content("so far"), Step::Sleep(Duration::from_secs(3))])]);
    let (code, stdout, stderr) = stream_chat(&server, &["--idle-timeout", "0.3"]);
    assert_eq!((code, stdout.as_str()), (9, "so far\n"));
    assert!(
        stderr.contains("went silent in the middle of the answer: no content for 0.3 s (--idle-timeout expired)"),
        "{stderr}"
    );
    assert!(stderr.contains("curl needs -N"), "{stderr}");
}

#[test]
fn stream_without_content_within_timeout_exits_8_even_after_a_chunk_without_content() {
    let server = ScriptServer::start(vec![Script::sse(vec![
        event(r#"{"choices":[{"delta":{"role":"assistant"}}]}"#),
        Step::Sleep(Duration::from_secs(3)),
    ])]);
    let (code, stdout, stderr) = stream_chat(&server, &["--timeout", "0.3"]);
    assert_eq!((code, stdout.as_str()), (8, ""));
    assert!(stderr.contains("went silent before any content: no content for 0.3 s (it kept the connection alive without content) (--timeout expired)"), "{stderr}");
}

/// `: keep-alive` every 100 ms for 20 s.
fn keep_alives() -> Vec<Step> {
    (0..200).flat_map(|_| [bytes(b": keep-alive\n\n"), Step::Sleep(Duration::from_millis(100))]).collect()
}

#[test]
fn keep_alive_comments_do_not_hold_off_the_timeout_before_content() {
    let server = ScriptServer::start(vec![Script::sse(keep_alives())]);
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = stream_chat(&server, &["--timeout", "1", "--idle-timeout", "1"]);
    assert!(started.elapsed() < Duration::from_secs(10), "stopped at the timeout, not by the server");
    assert_eq!((code, stdout.as_str()), (8, ""));
    assert!(
        stderr.contains("went silent before any content: no content for 1 s (it kept the connection alive without content) (--timeout expired)"),
        "{stderr}"
    );
}

#[test]
fn keep_alive_comments_between_pieces_do_not_hold_off_the_idle_timeout() {
    let mut steps = vec![content("so far")];
    steps.extend(keep_alives());
    let server = ScriptServer::start(vec![Script::sse(steps)]);
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = stream_chat(&server, &["--idle-timeout", "1"]);
    assert!(started.elapsed() < Duration::from_secs(10), "stopped at the idle timeout");
    assert_eq!((code, stdout.as_str()), (9, "so far\n"), "{stderr}");
    assert!(stderr.contains("no content for 1 s (--idle-timeout expired)"), "{stderr}");
}

#[test]
fn stream_first_byte_is_bounded_by_timeout() {
    let server = ScriptServer::start(vec![Script::sse(vec![Step::Sleep(Duration::from_secs(3))])]);
    let (code, _, stderr) = stream_chat(&server, &["--timeout", "0.3"]);
    assert_eq!(code, 8);
    assert!(stderr.contains("(--timeout expired)"), "{stderr}");
}

#[test]
fn stream_error_status_before_the_stream_is_explained_like_chat() {
    let server =
        ScriptServer::start(vec![Script::body(401, "application/json", r#"{"error":{"message":"Invalid API key"}}"#)]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (4, ""));
    assert!(stderr.starts_with("tokenfactory: error: 401 Unauthorized from "), "{stderr}");
}

#[test]
fn stream_ignored_by_the_server_prints_the_whole_answer() {
    let body = crate::harness::completion("not streamed").to_string();
    let server = ScriptServer::start(vec![Script::body(200, "application/json", &body)]);
    let (code, stdout, _) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (0, "not streamed\n"));
}

#[test]
fn stream_reader_closing_stdout_ends_quietly_with_0() {
    let mut steps = vec![content("first")];
    for _ in 0..200 {
        steps.push(Step::Sleep(Duration::from_millis(5)));
        steps.push(content(" more"));
    }
    steps.extend([done(), Step::End]);
    let server = ScriptServer::start(vec![Script::sse(steps)]);
    let mut child = live(&server.base()).args(["chat", "--stream", "hi"]).spawn().expect("spawn");
    let rx = stdout_reader(&mut child);
    let mut seen = Vec::new();
    read_until(&rx, &mut seen, "first");
    drop(rx); // the reader thread ends on its next read, closing the pipe like `head -c 5`
    let output = child.wait_with_output().expect("exit");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn stream_ctrl_c_keeps_the_output_ends_the_line_and_dies_of_sigint() {
    let (_keep_open, hold) = mpsc::channel::<()>();
    let server = ScriptServer::start(vec![Script::sse(vec![content("half an answer"), Step::Wait(hold)])]);
    let mut child = live(&server.base()).args(["chat", "--stream", "hi"]).spawn().expect("spawn");
    let rx = stdout_reader(&mut child);
    let mut seen = Vec::new();
    read_until(&rx, &mut seen, "half an answer");
    crate::harness::send_signal(&child, libc::SIGINT);
    let status = child.wait().expect("exit");
    read_until(&rx, &mut seen, "half an answer\n");
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    assert_eq!(String::from_utf8_lossy(&seen), "half an answer\n");
}

#[test]
fn stream_on_a_terminal_drops_an_escape_sequence_split_across_chunks() {
    let server = ScriptServer::start(vec![Script::sse(vec![
        content("red\u{1b}["),
        Step::Sleep(Duration::from_millis(50)),
        content("31mtext\u{1b}]0;title"),
        content("\u{7} done"),
        done(),
        Step::End,
    ])]);
    let (code, screen) = crate::harness::run_in_terminal(
        &["chat", "--stream", "--no-stdin", "hi"],
        &[("OMNIVA_API_KEY", KEY), ("OMNIVA_BASE_URL", &server.base())],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.ends_with("redtext done\n"), "{screen:?}");
}

#[test]
fn stream_ending_after_its_finish_reason_without_done_is_complete() {
    let finish = r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;
    for end in [Step::End, Step::Abort] {
        let server = ScriptServer::start(vec![Script::sse(vec![content("The end."), event(finish), end])]);
        let (code, stdout, stderr) = stream_chat(&server, &[]);
        assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "The end.\n", ""));
    }
}

#[test]
fn an_endless_line_stops_the_stream_at_its_limit_keeping_what_was_printed() {
    let mut steps = vec![content("kept"), bytes(b"data: ")];
    steps.extend((0..80).map(|_| Step::Chunk(vec![b'x'; 64 * 1024])));
    steps.push(Step::Sleep(Duration::from_secs(5)));
    let server = ScriptServer::start(vec![Script::sse(steps)]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (9, "kept\n"), "{stderr}");
    assert!(
        stderr.contains("stopped reading the stream from http://")
            && stderr.contains(
                "in the middle of the answer: the server sent a line of more than 4 MiB without a line break"
            ),
        "{stderr}"
    );
}

#[test]
fn an_endless_event_stops_the_stream_at_its_limit() {
    let line = format!("data: {}\n", "y".repeat(60_000));
    let steps: Vec<Step> =
        (0..90).map(|_| bytes(line.as_bytes())).chain([Step::Sleep(Duration::from_secs(5))]).collect();
    let server = ScriptServer::start(vec![Script::sse(steps)]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (8, ""), "{stderr}");
    assert!(stderr.contains("an event of more than 4 MiB without the blank line that ends it"), "{stderr}");
}

#[test]
fn a_stream_without_any_choice_is_not_an_answer() {
    let server = ScriptServer::start(vec![Script::sse(vec![
        event(r#"{"id":"x","choices":[]}"#),
        event(r#"{"id":"x","choices":[],"usage":{"completion_tokens":0}}"#),
        done(),
    ])]);
    let (code, stdout, stderr) = stream_chat(&server, &[]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains("the server's stream holds no answer: none of its chunks held a choice"), "{stderr}");
}
