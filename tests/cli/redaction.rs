//! A server that echoes the key back (whole, truncated, in an error body, in a mid-stream error
//! event, in a response header) never makes tokenfactory print it: every command, with and
//! without `--verbose`. `harness::run` fails on any 8 characters of the key in stdout or stderr.

use std::io::Write;
use std::net::{TcpListener, TcpStream};

use crate::harness::{run, with_key};

/// What the echo server answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Echo {
    /// Every API request gets a 401 whose message and headers quote the Authorization header.
    Unauthorized,
    /// Requests succeed, but headers quote the key, and a stream ends in an error event quoting it.
    InStream,
}

/// Serves connections on 127.0.0.1 until the test ends, echoing the key as `mode` says.
fn echo_server(mode: Echo) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || answer(conn, mode));
        }
    });
    format!("http://127.0.0.1:{port}/v1")
}

fn answer(mut conn: TcpStream, mode: Echo) {
    // doctor's TCP check connects and closes
    let Some(request) = crate::http_request::read(&mut conn) else { return };
    let head = request.head;
    let auth = head
        .lines()
        .find_map(|l| l.strip_prefix("authorization: ").or_else(|| l.strip_prefix("Authorization: ")))
        .unwrap_or_default()
        .to_string();
    let key = auth.trim_start_matches("Bearer ").to_string();
    let truncated: String = key.chars().take(14).collect();
    let stream = head.starts_with("POST") && String::from_utf8_lossy(&request.body).contains("\"stream\":true");
    let headers = format!("x-echo-auth: {auth}\r\nx-request-id: req_{truncated}\r\n");
    let response = match mode {
        Echo::Unauthorized => {
            let body = serde_json::json!({"error": {
                "message": format!("Incorrect API key provided: {key}. Truncated: {truncated}…"),
                "type": "invalid_request_error", "code": "invalid_api_key"}})
            .to_string();
            format!(
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
        }
        Echo::InStream if stream => {
            let content = serde_json::json!({"choices": [{"delta": {"content": "partial"}}]});
            let error =
                serde_json::json!({"error": {"message": format!("upstream rejected {auth}"), "code": "server_error"}});
            let body = format!("data: {content}\n\ndata: {content}\n\ndata: {error}\n\n");
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
        }
        Echo::InStream => {
            let body = if head.starts_with("GET") {
                serde_json::json!({"data": [{"id": "Omniva/Kimi-K2.6"}]})
            } else {
                crate::harness::completion("OK")
            }
            .to_string();
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
        }
    };
    let _ = conn.write_all(response.as_bytes());
}

const COMMANDS: [&[&str]; 5] =
    [&["chat", "hi"], &["chat", "--stream", "hi"], &["models"], &["doctor"], &["doctor", "--json"]];

#[test]
fn an_echoed_key_in_a_401_is_masked_by_every_command() {
    let base = echo_server(Echo::Unauthorized);
    for verbose in [false, true] {
        for args in COMMANDS {
            let mut cmd = with_key(&base);
            if verbose {
                cmd.arg("-v");
            }
            let (code, stdout, stderr) = run(cmd.args(args).arg("--retries").arg("0"));
            let all = format!("{stdout}{stderr}");
            let expected = if args[0] == "doctor" { 1 } else { 4 };
            assert_eq!(code, expected, "{args:?}: {all}");
            assert!(all.contains("Incorrect API key provided: sk-o…25xx. Truncated: sk-o…25xx…"), "{args:?}: {all}");
            assert!(all.contains("request id: req_sk-o…25xx"), "{args:?}: {all}");
            if verbose {
                assert!(stderr.contains("< x-echo-auth: Bearer sk-o…25xx\n"), "{args:?}: {stderr}");
            }
        }
    }
}

#[test]
fn an_echoed_key_in_a_stream_error_event_and_in_headers_is_masked() {
    let base = echo_server(Echo::InStream);
    let (code, stdout, stderr) = run(with_key(&base).args(["-v", "chat", "--stream", "hi"]));
    assert_eq!((code, stdout.as_str()), (7, "partialpartial\n"), "{stderr}");
    assert!(
        stderr.contains("the server reported an error in the middle of the stream: upstream rejected Bearer sk-o…25xx"),
        "{stderr}"
    );
    assert!(stderr.contains("< x-echo-auth: Bearer sk-o…25xx\n"), "{stderr}");

    let (code, stdout, _) = run(with_key(&base).args(["doctor"]));
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("✗ streaming        the server reported an error in the middle of the stream: upstream rejected Bearer sk-o…25xx"), "{stdout}");
    let (_, stdout, _) = run(with_key(&base).args(["doctor", "--json"]));
    assert!(stdout.contains("upstream rejected Bearer sk-o…25xx"), "{stdout}");
}

#[test]
fn a_proxy_password_echoed_by_the_server_is_masked() {
    use httpmock::prelude::*;
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(400).json_body(serde_json::json!({"error": {"message": "proxy said: hunter2secret and p%40ss"}}));
    });
    let (code, _, stderr) = run(with_key(&server.url("/v1"))
        .env("HTTPS_PROXY", "http://alice:hunter2secret@127.0.0.1:9")
        .env("ALL_PROXY", "http://bob:p%40ss@127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1")
        .args(["chat", "hi"]));
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("proxy said: **** and ****"), "{stderr}");
}

#[test]
fn an_echo_in_upper_case_or_as_basic_auth_base64_is_masked() {
    use httpmock::prelude::*;
    let key = crate::harness::KEY;
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let base64 = |bytes: &[u8]| -> String {
        let mut out = String::new();
        for group in bytes.chunks(3) {
            let b = [group[0], *group.get(1).unwrap_or(&0), *group.get(2).unwrap_or(&0)];
            let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
            for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
                out.push(if i <= group.len() { char::from(ALPHABET[(n >> shift & 63) as usize]) } else { '=' });
            }
        }
        out
    };
    let basic = base64(format!("gateway:{key}").as_bytes());
    let message = format!("key {} rejected; sent Basic {basic}", key.to_ascii_uppercase());
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(401).json_body(serde_json::json!({"error": {"message": message}}));
    });
    let (code, _, stderr) = run(with_key(&server.url("/v1")).args(["chat", "hi"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(!stderr.contains(&key.to_ascii_uppercase()[5..20]), "upper case: {stderr}");
    assert!(!stderr.contains(&basic[16..32]), "base64: {stderr}");
    assert!(stderr.contains("key sk-o…25xx rejected"), "{stderr}");
}
