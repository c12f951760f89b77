//! Servers that send what they should not: absurd header values, bodies that are no answer,
//! compressed or malformed replies, bytes that are not UTF-8, usage that is not a count, and a
//! base URL with credentials. Each ends in the answer or a clear error, never a crash (exit 134),
//! a hang, or a hidden answer.

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{KEY, completion, run, tokenfactory, with_key};
use crate::script_server::{Script, ScriptServer};

/// A server on 127.0.0.1 that answers one request with exactly `reply`, then closes.
fn raw_server(reply: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let _ = crate::http_request::read(&mut conn);
            let _ = conn.write_all(&reply);
            let _ = conn.flush();
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    format!("http://127.0.0.1:{port}/v1")
}

/// A whole JSON reply with extra `headers`.
fn answer_with(headers: &[(&str, &str)], body: &str) -> Script {
    let mut script = Script::body(200, "application/json", body);
    script.headers.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    script
}

#[test]
fn absurd_rate_limit_headers_on_an_answer_change_nothing() {
    for reset in ["1e300", "99999999999999999999h", "-5s", "NaN", "1e19"] {
        let body = completion("still answered").to_string();
        let server = ScriptServer::start(vec![answer_with(
            &[("x-ratelimit-reset-requests", reset), ("x-ratelimit-remaining-requests", "0"), ("retry-after", reset)],
            &body,
        )]);
        let (code, stdout, stderr) = run(with_key(&server.base()).args(["chat", "hi"]));
        assert_eq!((code, stdout.as_str()), (0, "still answered\n"), "{reset}: {stderr}");
    }
}

#[test]
fn a_huge_retry_after_on_a_429_is_reported_with_a_date_not_slept_or_crashed_on() {
    let mut script = Script::body(
        429,
        "application/json",
        r#"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#,
    );
    script.headers.push(("retry-after-ms".into(), "1e30".into()));
    let server = ScriptServer::start(vec![script]);
    let started = Instant::now();
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["chat", "--retries", "0", "hi"]));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!((code, stdout.as_str()), (6, ""), "{stderr}");
    assert!(stderr.contains("hint: the server asks to wait 366 days 0 h (until 20"), "{stderr}");
}

#[test]
fn a_chat_reply_without_an_answer_says_what_it_lacks() {
    for (body, lacks) in [
        ("{}", "it has no choices"),
        (r#"{"choices":[]}"#, "its choices list is empty"),
        (r#"{"error":{"message":"upstream exploded"}}"#, "it holds an error instead: upstream exploded"),
    ] {
        let server = ScriptServer::start(vec![Script::body(200, "application/json", body)]);
        let (code, stdout, stderr) = run(with_key(&server.base()).args(["chat", "hi"]));
        assert_eq!((code, stdout.as_str()), (1, ""), "{body}: {stderr}");
        assert!(stderr.contains(&format!("the server's chat completion holds no answer: {lacks}")), "{stderr}");
    }
}

#[test]
fn usage_that_is_not_a_count_never_costs_the_answer() {
    for usage in [r#"{"prompt_tokens":-5,"completion_tokens":5.0}"#, r#"{"completion_tokens":"many"}"#, "42"] {
        let body = json!({"choices": [{"message": {"content": "kept"}, "finish_reason": "stop"}], "usage": serde_json::from_str::<serde_json::Value>(usage).expect("json")});
        let server = ScriptServer::start(vec![Script::body(200, "application/json", &body.to_string())]);
        let (code, stdout, stderr) = run(with_key(&server.base()).args(["chat", "--stats", "-v", "hi"]));
        assert_eq!((code, stdout.as_str()), (0, "kept\n"), "{usage}: {stderr}");
    }
    let body = json!({"choices": [{"message": {"content": "kept"}}], "usage": {"prompt_tokens": -5, "completion_tokens": 5.0}});
    let server = ScriptServer::start(vec![Script::body(200, "application/json", &body.to_string())]);
    let (_, _, stderr) = run(with_key(&server.base()).args(["chat", "--stats", "-v", "hi"]));
    assert!(stderr.contains("usage: the server's prompt_tokens is not a token count; it is left out"), "{stderr}");
    assert!(stderr.contains("tokens: ? prompt, 5 completion"), "{stderr}");
}

#[test]
fn bytes_that_are_not_utf8_cost_a_character_not_the_answer() {
    let mut body = br#"{"choices":[{"message":{"content":"caf"#.to_vec();
    body.push(0xe9);
    body.extend_from_slice(br#" au lait"},"finish_reason":"stop"}]}"#);
    let mut reply =
        format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len())
            .into_bytes();
    reply.extend_from_slice(&body);
    let (code, stdout, stderr) = run(with_key(&raw_server(reply)).args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (0, "caf\u{fffd} au lait\n"), "{stderr}");
    assert!(stderr.contains("warning: the answer held bytes that are not UTF-8 (the first at byte 38)"), "{stderr}");
}

#[test]
fn a_compressed_body_nobody_asked_for_is_named() {
    let body = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03];
    let mut reply =
        format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len())
            .into_bytes();
    reply.extend_from_slice(&body);
    let (code, _, stderr) = run(with_key(&raw_server(reply)).args(["chat", "hi"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("the body is compressed (gzip), which tokenfactory never asks for"), "{stderr}");
}

#[test]
fn a_malformed_or_oversized_header_is_called_so_not_a_firewall() {
    let huge = format!("HTTP/1.1 200 OK\r\nx-big: {}\r\n\r\n", "a".repeat(1 << 20)).into_bytes();
    let broken = b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n{}".to_vec();
    for reply in [huge, broken] {
        let (code, _, stderr) = run(with_key(&raw_server(reply)).args(["chat", "--retries", "0", "hi"]));
        assert_eq!(code, 8, "{stderr}");
        assert!(stderr.contains("a reply that is not valid HTTP from "), "{stderr}");
        assert!(stderr.contains("answered, but not with valid HTTP"), "{stderr}");
        assert!(!stderr.contains("firewall"), "{stderr}");
    }
}

#[test]
fn an_embedding_that_is_not_a_list_of_numbers_is_no_vector() {
    for (vector, what) in [
        ("null", "null"),
        ("\"AAAA\"", "a string"),
        ("[[1,2]]", "a list of something else"),
        ("[1e400]", "a list of something else"),
    ] {
        let body = format!(r#"{{"data":[{{"index":0,"embedding":{vector}}}]}}"#);
        let server = ScriptServer::start(vec![Script::body(200, "application/json", &body)]);
        let (code, stdout, stderr) = run(with_key(&server.base()).args(["embed", "hello"]));
        assert_eq!((code, stdout.as_str()), (1, ""), "{vector}: {stderr}");
        assert!(stderr.contains(&format!("holds no answer: the vector of input 0 is {what}")), "{stderr}");
    }
}

#[test]
fn a_base_url_with_credentials_is_refused_without_showing_the_password() {
    let server = ScriptServer::start(vec![Script::body(200, "application/json", &completion("no").to_string())]);
    let url = format!("http://gateway-user:s3cretpassw0rd@127.0.0.1:{}/v1", server.port);
    for args in [&["chat", "hi"][..], &["doctor"], &["-v", "models"]] {
        let (code, stdout, stderr) =
            run(tokenfactory().env("OMNIVA_API_KEY", KEY).env("OMNIVA_BASE_URL", &url).args(args));
        assert!(!stdout.contains("s3cretpassw0rd") && !stderr.contains("s3cretpassw0rd"), "{args:?}: {stdout}{stderr}");
        if args[0] == "doctor" {
            assert_eq!(code, 1);
            assert!(stdout.contains("gateway-user:****@"), "{stdout}");
        } else {
            assert_eq!(code, 3, "{stderr}");
            assert!(stderr.contains("it holds a user name or password, which would replace the API key"), "{stderr}");
        }
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_base_url_without_a_scheme_says_to_add_one() {
    let (code, _, stderr) =
        run(tokenfactory().env("OMNIVA_API_KEY", KEY).args(["chat", "--base-url", "127.0.0.1:27180/v1", "hi"]));
    assert_eq!(code, 3);
    assert!(
        stderr
            .contains("it has no scheme: add https:// (or http:// for a local server), e.g. http://127.0.0.1:27180/v1"),
        "{stderr}"
    );
}
