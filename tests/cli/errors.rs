//! Error responses and network failures: each gets its exit code, the server's message, and the
//! fix on stderr; stdout stays empty.

use std::net::TcpListener;

use httpmock::prelude::*;
use serde_json::json;

use crate::harness::{run, with_key};

/// Answers the chat request with `status` and `body`, and returns (exit code, stdout, stderr).
fn chat_against(status: u16, content_type: &str, body: &str) -> (i32, String, String) {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(status).header("content-type", content_type).header("x-request-id", "req_abc123").body(body);
    });
    let result = run(with_key(&server.url("/v1")).args(["chat", "--retries", "0", "-m", "Omniva/Kimi-K2.6", "hi"]));
    mock.assert_calls(1);
    result
}

fn openai_error(message: &str, kind: &str, code: &str, param: Option<&str>) -> String {
    json!({"error": {"message": message, "type": kind, "code": code, "param": param}}).to_string()
}

/// Asserts the exit code, an empty stdout, the headline, the request id and a hint.
fn check(result: (i32, String, String), code: i32, headline: &str, hint: &str) {
    let (actual, stdout, stderr) = result;
    assert_eq!(actual, code, "{stderr}");
    assert_eq!(stdout, "");
    let first = stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("tokenfactory: error: ") && first.contains(headline),
        "headline {headline:?} in:\n{stderr}"
    );
    assert!(stderr.contains("  request id: req_abc123\n"), "{stderr}");
    assert!(stderr.contains(hint), "hint {hint:?} in:\n{stderr}");
}

#[test]
fn status_400_bad_request_exits_5() {
    let body =
        openai_error("temperature must be at most 2", "invalid_request_error", "invalid_value", Some("temperature"));
    check(chat_against(400, "application/json", &body), 5, "400 Bad Request from http://", "check --temperature (0-2)");
}

#[test]
fn status_401_exits_4_and_points_at_the_key() {
    let body = openai_error("Invalid API key", "authentication_error", "invalid_api_key", None);
    let result = chat_against(401, "application/json", &body);
    check(result.clone(), 4, "401 Unauthorized from http://", "generate a new key");
    assert!(result.2.contains(": Invalid API key\n"), "{}", result.2);
}

#[test]
fn status_403_exits_4_and_names_revocation_and_workspace() {
    let body = openai_error("Key revoked", "permission_error", "forbidden", None);
    check(chat_against(403, "application/json", &body), 4, "403 Forbidden", "member of its workspace");
}

#[test]
fn status_404_naming_the_model_exits_5() {
    let body = openai_error(
        "The model `Omniva/Kimi-K2.6` does not exist",
        "invalid_request_error",
        "model_not_found",
        Some("model"),
    );
    check(chat_against(404, "application/json", &body), 5, "404 Not Found", "tokenfactory models");
}

#[test]
fn status_404_of_the_endpoint_exits_3_with_the_url() {
    let result = chat_against(404, "text/plain", "404 page not found");
    check(result.clone(), 3, "404 Not Found from http://", "the base URL is probably wrong (tried http://127.0.0.1:");
    assert!(result.2.contains("/v1/chat/completions): it usually ends in /v1"), "{}", result.2);
}

#[test]
fn status_413_exits_5_and_says_the_prompt_is_too_large() {
    check(
        chat_against(413, "application/json", r#"{"error":{"message":"request too large"}}"#),
        5,
        "413 Payload Too Large",
        "send less text",
    );
}

#[test]
fn status_422_exits_5_with_the_validation_message() {
    let body = r#"{"detail":[{"loc":["body","messages"],"msg":"field required","type":"missing"}]}"#;
    check(
        chat_against(422, "application/json", body),
        5,
        "422 Unprocessable Entity from http://",
        "body.messages: field required",
    );
}

#[test]
fn status_429_exits_6_with_the_reset_time() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(429)
            .header("retry-after", "20")
            .header("x-ratelimit-remaining-requests", "0")
            .header("x-request-id", "req_abc123")
            .json_body(json!({"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": "rate_limit_exceeded"}}));
    });
    let result = run(with_key(&server.url("/v1")).args(["chat", "--retries", "0", "hi"]));
    check(result.clone(), 6, "429 Too Many Requests", "the server asks to wait 20 s (until 20");
    assert!(result.2.contains("x-ratelimit-remaining-requests: 0"), "{}", result.2);
}

#[test]
fn status_500_exits_7_and_mentions_support() {
    check(
        chat_against(500, "application/json", r#"{"error":{"message":"boom","code":"internal_error"}}"#),
        7,
        "500 Internal Server Error",
        "request id above to support",
    );
}

#[test]
fn status_503_exits_7_with_the_fallback_pattern() {
    let body = r#"{"error":{"message":"model overloaded","code":"upstream_unavailable"}}"#;
    check(chat_against(503, "application/json", body), 7, "503 Service Unavailable", "--fallback-model");
}

#[test]
fn non_json_error_body_is_quoted() {
    let result = chat_against(502, "text/plain", "upstream connect error or disconnect/reset before headers\n");
    check(result.clone(), 7, "502 Bad Gateway from http://", "server failed on its side");
    assert!(result.2.contains(": upstream connect error or disconnect/reset before headers\n"), "{}", result.2);
}

#[test]
fn html_error_body_shows_its_title() {
    let html =
        "<!DOCTYPE html><html><head><title>Access Denied</title></head><body><h1>Blocked by proxy</h1></body></html>";
    let result = chat_against(403, "text/html", html);
    check(result.clone(), 4, "403 Forbidden from http://", "key was recognised");
    assert!(result.2.lines().next().unwrap_or("").ends_with(": Access Denied"), "{}", result.2);
}

#[test]
fn success_with_a_body_that_is_not_json_exits_1() {
    let result = chat_against(200, "text/html", "<html>login page</html>");
    assert_eq!(result.0, 1);
    assert!(
        result.2.starts_with("tokenfactory: error: the server's chat completion could not be read: "),
        "{}",
        result.2
    );
}

#[test]
fn verbose_shows_request_and_response_with_the_key_masked() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(200).header("x-request-id", "req_v").json_body(crate::harness::completion("ok"));
    });
    let url = server.url("/v1/chat/completions");
    let (code, stdout, stderr) = run(with_key(&server.url("/v1")).args(["chat", "-v", "hi"]));
    assert_eq!((code, stdout.as_str()), (0, "ok\n"));
    assert!(stderr.contains(&format!("> POST {url}\n")), "{stderr}");
    assert!(stderr.contains("> authorization: Bearer sk-o…25xx\n"), "{stderr}");
    assert!(stderr.contains("> proxy: none (direct connection)\n"), "{stderr}");
    assert!(stderr.contains("< 200 OK ("), "{stderr}");
    assert!(stderr.contains("< x-request-id: req_v\n"), "{stderr}");
}

#[test]
fn connection_refused_exits_8_naming_the_host() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let (code, stdout, stderr) =
        run(with_key(&format!("http://127.0.0.1:{port}/v1")).args(["chat", "--retries", "0", "hi"]));
    assert_eq!((code, stdout.as_str()), (8, ""));
    assert!(
        stderr.starts_with(&format!(
            "tokenfactory: error: connection refused by http://127.0.0.1:{port}/v1/chat/completions"
        )),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("could not reach 127.0.0.1:{port}")), "{stderr}");
}

#[test]
fn server_that_never_answers_times_out_with_exit_8_naming_the_flag() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("addr").port();
    // Accept and hold connections without answering.
    let _holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().take(4) {
            held.push(conn);
        }
        std::thread::sleep(std::time::Duration::from_secs(10));
    });
    let (code, stdout, stderr) =
        run(with_key(&format!("http://127.0.0.1:{port}/v1")).args(["--timeout", "0.5", "chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (8, ""));
    assert!(stderr.contains("within 0.5 s (--timeout expired)"), "{stderr}");
    assert!(stderr.contains("raise the limit with --timeout"), "{stderr}");
}

#[test]
fn redirect_is_not_followed_and_names_the_new_location() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(301).header("location", "https://api.example.test/v1/chat/completions");
    });
    let (code, stdout, stderr) = run(with_key(&server.url("/v1")).args(["chat", "hi"]));
    mock.assert_calls(1);
    assert_eq!((code, stdout.as_str()), (3, ""));
    assert!(stderr.contains("301 Moved Permanently from "), "{stderr}");
    assert!(stderr.contains(" (redirects to https://api.example.test/v1/chat/completions)"), "{stderr}");
    assert!(stderr.contains("the base URL is probably wrong"), "{stderr}");
}

#[test]
fn connect_timeout_names_its_flag_and_is_retried() {
    let (port, _listener, _held) = crate::harness::unanswered_port();
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = run(with_key(&format!("http://127.0.0.1:{port}/v1")).args([
        "--connect-timeout",
        "0.3",
        "--retries",
        "1",
        "chat",
        "hi",
    ]));
    assert_eq!((code, stdout.as_str()), (8, ""), "{stderr}");
    assert!(stderr.starts_with("tokenfactory: connection timed out; retrying in "), "{stderr}");
    assert!(stderr.contains("(--connect-timeout expired)"), "{stderr}");
    assert!(stderr.contains("raise the limit with --connect-timeout"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn settings_errors_follow_the_colour_rules() {
    let bad = ["--base-url", "nope", "chat", "hi"];
    let (code, _, stderr) = run(crate::harness::tokenfactory().env("CLICOLOR_FORCE", "1").args(bad));
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with("\x1b[31;1mtokenfactory: error:\x1b[0m invalid base URL"),
        "forced on a pipe: {stderr:?}"
    );
    let env = [("NO_COLOR", "1")];
    let (code, screen) = crate::harness::run_in_terminal(&bad, &env);
    assert_eq!(code, 3);
    assert!(screen.starts_with("tokenfactory: error: invalid base URL"), "NO_COLOR on a terminal: {screen:?}");
    let (_, screen) = crate::harness::run_in_terminal(&bad, &[("TERM", "dumb")]);
    assert!(!screen.contains('\x1b'), "TERM=dumb: {screen:?}");
    let (_, screen) = crate::harness::run_in_terminal(&bad, &[("TERM", "xterm")]);
    assert!(screen.contains("\x1b[31;1mtokenfactory: error:"), "colour on a terminal: {screen:?}");
}

#[test]
fn verbose_headers_reach_a_terminal_sanitised_and_redacted() {
    let mut script =
        crate::script_server::Script::body(200, "application/json", &crate::harness::completion("ok").to_string());
    script.headers.push(("x-evil".into(), "a\u{9b}2Jb\u{9d}0;title\u{9c}c".into()));
    let server = crate::script_server::ScriptServer::start(vec![script]);
    let env = [("OMNIVA_API_KEY", crate::harness::KEY), ("OMNIVA_BASE_URL", &*server.base())];
    let (code, screen) = crate::harness::run_in_terminal(&["-v", "--color", "never", "chat", "hi"], &env);
    assert_eq!(code, 0, "{screen}");
    // The 8-bit controls are dropped one by one and start nothing: the text between them stays.
    assert!(screen.contains("< x-evil: a2Jb0;titlec\n"), "{screen:?}");
}
