//! Retries, Retry-After, fallback models, and hard inputs and outputs.

use std::time::{Duration, Instant};

use httpmock::prelude::*;
use serde_json::json;

use crate::harness::{KEY, completion, run, with_key};
use crate::script_server::{Script, ScriptServer, Step, content};

const PATH: &str = "/v1/chat/completions";

#[test]
fn retry_after_is_waited_then_the_request_succeeds() {
    let server = ScriptServer::start(vec![
        {
            let mut s = Script::body(
                429,
                "application/json",
                r#"{"error":{"message":"slow down","code":"rate_limit_exceeded"}}"#,
            );
            s.headers.push(("retry-after".into(), "1".into()));
            s
        },
        Script::body(200, "application/json", &completion("made it").to_string()),
    ]);
    let started = Instant::now();
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["chat", "hi"]));
    let elapsed = started.elapsed();
    assert_eq!((code, stdout.as_str()), (0, "made it\n"), "{stderr}");
    assert_eq!(stderr, "tokenfactory: rate limited (429); retrying in 1.0 s (attempt 2 of 3)\n");
    assert!(elapsed >= Duration::from_secs(1), "waited the server's second: {elapsed:?}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn retry_after_ms_is_preferred() {
    let server = MockServer::start();
    let limited = server.mock(|when, then| {
        when.method(POST).path(PATH).json_body_includes(r#"{"model":"Omniva/Kimi-K2.6"}"#);
        then.status(429)
            .header("retry-after-ms", "50")
            .header("retry-after", "30")
            .json_body(json!({"error": {"message": "slow"}}));
    });
    let (code, _, stderr) = run(with_key(&server.url("/v1")).args(["chat", "--retries", "1", "hi"]));
    assert_eq!(code, 6);
    limited.assert_calls(2);
    assert!(stderr.starts_with("tokenfactory: rate limited (429); retrying in 0.1 s (attempt 2 of 2)\n"), "{stderr}");
    assert!(stderr.contains("  hint: retried 1 time\n"), "{stderr}");
}

#[test]
fn retry_after_longer_than_max_wait_is_reported_not_slept() {
    let server = MockServer::start();
    let limited = server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(429)
            .header("retry-after", "3600")
            .json_body(json!({"error": {"message": "Rate limit reached for requests", "code": "rate_limit_exceeded"}}));
    });
    let started = Instant::now();
    let (code, stdout, stderr) = run(with_key(&server.url("/v1")).args(["chat", "hi"]));
    assert!(started.elapsed() < Duration::from_secs(5), "no sleep");
    assert_eq!((code, stdout.as_str()), (6, ""));
    limited.assert_calls(1);
    assert!(stderr.contains("the server asks to wait 1 h 0 min (until "), "{stderr}");
}

#[test]
fn unauthorized_is_never_retried() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(401).json_body(json!({"error": {"message": "bad key"}}));
    });
    let (code, _, stderr) = run(with_key(&server.url("/v1")).args(["chat", "hi"]));
    assert_eq!(code, 4);
    mock.assert_calls(1);
    assert!(!stderr.contains("retrying"), "{stderr}");
}

#[test]
fn unavailable_model_falls_back_after_its_retries_and_says_so() {
    let server = MockServer::start();
    let primary = server.mock(|when, then| {
        when.method(POST).path(PATH).json_body_includes(r#"{"model":"Omniva/Kimi-K2.6"}"#);
        then.status(503)
            .header("retry-after-ms", "10")
            .json_body(json!({"error": {"message": "overloaded", "code": "upstream_unavailable"}}));
    });
    let fallback = server.mock(|when, then| {
        when.method(POST).path(PATH).json_body_includes(r#"{"model":"backup/model"}"#);
        then.status(200)
            .json_body(json!({"model": "backup/model", "choices": [{"message": {"content": "from backup"}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2}}));
    });
    let (code, stdout, stderr) =
        run(with_key(&server.url("/v1")).args(["chat", "--stats", "--fallback-model", "backup/model", "hi"]));
    assert_eq!((code, stdout.as_str()), (0, "from backup\n"), "{stderr}");
    primary.assert_calls(3);
    fallback.assert_calls(1);
    assert!(
        stderr.contains("tokenfactory: Omniva/Kimi-K2.6 is unavailable (503 Service Unavailable from "),
        "{stderr}"
    );
    assert!(stderr.contains("; trying fallback model backup/model\n"), "{stderr}");
    assert!(stderr.contains("tokenfactory: answered by fallback model backup/model\n"), "{stderr}");
    assert!(stderr.contains("model: backup/model; "), "{stderr}");
}

#[test]
fn fallback_models_come_from_the_environment_too() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(PATH).json_body_includes(r#"{"model":"Omniva/Kimi-K2.6"}"#);
        then.status(404).json_body(json!({"error": {"message": "model not found", "code": "model_not_found"}}));
    });
    let second = server.mock(|when, then| {
        when.method(POST).path(PATH).json_body_includes(r#"{"model":"b"}"#);
        then.status(200).json_body(completion("from b"));
    });
    let (code, stdout, _) =
        run(with_key(&server.url("/v1")).env("OMNIVA_FALLBACK_MODELS", " b , c").args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (0, "from b\n"));
    second.assert_calls(1);
}

#[test]
fn connection_refused_is_retried_until_the_server_is_up() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let up = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("rebind");
        let (mut conn, _) = listener.accept().expect("accept");
        use std::io::{Read, Write};
        let mut buf = [0u8; 65536];
        let mut seen = Vec::new();
        while !String::from_utf8_lossy(&seen).contains("\"content\":\"hi\"") {
            let n = conn.read(&mut buf).expect("read");
            seen.extend_from_slice(&buf[..n]);
        }
        let body = completion("up now").to_string();
        let _ = write!(
            conn,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
    });
    let (code, stdout, stderr) =
        run(with_key(&format!("http://127.0.0.1:{port}/v1")).args(["chat", "--retries", "8", "hi"]));
    up.join().expect("server thread");
    assert_eq!((code, stdout.as_str()), (0, "up now\n"), "{stderr}");
    assert!(stderr.starts_with("tokenfactory: connection refused; retrying in "), "{stderr}");
}

#[test]
fn a_stream_that_fails_after_content_is_not_retried() {
    let server = ScriptServer::start(vec![
        Script::sse(vec![content("partial"), Step::Abort]),
        Script::sse(vec![content("should never be sent")]),
    ]);
    let (code, stdout, _) = run(with_key(&server.base()).args(["chat", "--stream", "hi"]));
    assert_eq!((code, stdout.as_str()), (9, "partial\n"));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_huge_stdin_prompt_is_sent_whole() {
    let server = ScriptServer::start(vec![Script::body(200, "application/json", &completion("read it").to_string())]);
    let prompt = "0123456789abcdef".repeat(50 * 1024 * 1024 / 16);
    let (code, stdout, _) = run(with_key(&server.base()).arg("chat").write_stdin(prompt.clone()));
    assert_eq!((code, stdout.as_str()), (0, "read it\n"));
    let request = &server.requests()[0];
    assert_eq!(request.json()["messages"][0]["content"].as_str().map(str::len), Some(prompt.len()));
}

#[test]
fn answers_of_the_wrong_shape_are_clear_errors() {
    for (body, detail) in [
        (r#"{"choices":"nope"}"#, "invalid type: string \"nope\", expected a sequence"),
        ("", "the body is empty"),
        ("[1,2", "the body starts with \"[1,2\""),
    ] {
        let server = MockServer::start();
        server.mock(|when, then| {
            when.method(POST).path(PATH);
            then.status(200).header("content-type", "application/json").body(body);
        });
        let (code, stdout, stderr) = run(with_key(&server.url("/v1")).args(["chat", "hi"]));
        assert_eq!((code, stdout.as_str()), (1, ""), "{body}");
        assert!(
            stderr.starts_with("tokenfactory: error: the server's chat completion could not be read: "),
            "{stderr}"
        );
        assert!(stderr.contains(detail), "{detail}: {stderr}");
    }
}

#[test]
fn a_body_cut_short_is_a_clear_error() {
    let server = ScriptServer::start(vec![Script {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        steps: vec![Step::Chunk(br#"{"choices":[{"message":{"content":"#.to_vec()), Step::Abort],
    }]);
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains("the body was cut short after 34 bytes"), "{stderr}");
}

#[test]
fn responses_over_64_mb_are_refused() {
    let chunk = vec![b' '; 1024 * 1024];
    let mut steps: Vec<Step> = (0..65).map(|_| Step::Chunk(chunk.clone())).collect();
    steps.push(Step::End);
    let server = ScriptServer::start(vec![Script {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        steps,
    }]);
    let (code, _, stderr) = run(with_key(&server.base()).args(["chat", "hi"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("the response is larger than 64 MB; refusing to buffer it"), "{stderr}");
}

#[test]
fn the_key_never_appears_in_retry_or_fallback_output() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(503).header("retry-after-ms", "1").json_body(json!({"error": {"message": format!("echo {KEY}")}}));
    });
    // The server echoes the key in every answer: the retry notices, the fallback notice and the
    // final error all quote that message, masked (`run` fails on any 8 characters of the key).
    let (code, _, stderr) = run(with_key(&server.url("/v1")).args(["chat", "--fallback-model", "x", "hi"]));
    assert_eq!(code, 7);
    assert_eq!(stderr.matches("tokenfactory: server error (503); retrying in ").count(), 4, "{stderr}");
    assert!(stderr.contains(": echo sk-o…25xx); trying fallback model x\n"), "{stderr}");
    assert!(stderr.contains("tokenfactory: error: 503 Service Unavailable from "), "{stderr}");
    assert_eq!(stderr.matches("echo sk-o…25xx").count(), 2, "{stderr}");
}
