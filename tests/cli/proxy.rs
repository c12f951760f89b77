//! Proxies: a fake proxy on 127.0.0.1 that records what it receives; credentials, NO_PROXY, 407.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;

use crate::harness::{completion, run, with_key};

/// A proxy that answers every request with `response` and records the request heads.
struct FakeProxy {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
}

fn fake_proxy(response: String) -> FakeProxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            while !data.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => data.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&data).into_owned();
            seen.lock().expect("lock").push(text.split("\r\n\r\n").next().unwrap_or("").to_string());
            let _ = conn.write_all(response.as_bytes());
        }
    });
    FakeProxy { port, heads }
}

fn ok_response() -> String {
    let body = completion("via proxy").to_string();
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

const DENIED: &str = "HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm=\"corp\"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

#[test]
fn proxy_gets_the_request_with_its_credentials_and_the_password_stays_hidden() {
    let proxy = fake_proxy(ok_response());
    let (code, stdout, stderr) = run(with_key("http://api.example.test/v1")
        .env("HTTP_PROXY", format!("http://bob:s3cret@127.0.0.1:{}", proxy.port))
        .args(["chat", "-v", "hi"]));
    assert_eq!((code, stdout.as_str()), (0, "via proxy\n"), "{stderr}");
    let heads = proxy.heads.lock().expect("lock").clone();
    assert_eq!(heads.len(), 1);
    assert!(heads[0].starts_with("POST http://api.example.test/v1/chat/completions HTTP/1.1\r\n"), "{}", heads[0]);
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic Ym9iOnMzY3JldA==".to_ascii_lowercase().as_str()),
        "{}",
        heads[0]
    );
    assert!(
        stderr.contains(&format!("> proxy: http://bob:****@127.0.0.1:{} (from HTTP_PROXY)\n", proxy.port)),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn no_proxy_sends_matching_hosts_direct() {
    let server = MockServer::start();
    let direct = server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(200).json_body(completion("direct"));
    });
    let dead = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let (code, stdout, _) = run(with_key(&server.url("/v1"))
        .env("http_proxy", format!("http://127.0.0.1:{dead}"))
        .env("NO_PROXY", "localhost,127.0.0.1")
        .args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (0, "direct\n"));
    direct.assert_calls(1);
}

#[test]
fn proxy_407_without_credentials_says_where_they_go() {
    let proxy = fake_proxy(DENIED.to_string());
    let (code, stdout, stderr) = run(with_key("http://api.example.test/v1")
        .env("HTTP_PROXY", format!("http://127.0.0.1:{}", proxy.port))
        .args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (8, ""));
    assert!(stderr.contains("requires authentication (407)"), "{stderr}");
    assert!(
        stderr.contains("put the credentials in the proxy URL: HTTPS_PROXY=http://user:password@proxy:port"),
        "{stderr}"
    );
    assert_eq!(proxy.heads.lock().expect("lock").len(), 1, "a 407 is not retried");
}

#[test]
fn proxy_407_on_connect_for_https_names_rejected_credentials() {
    let proxy = fake_proxy(DENIED.to_string());
    let (code, stdout, stderr) = run(with_key("https://api.example.test/v1")
        .env("HTTPS_PROXY", format!("http://bob:wrong@127.0.0.1:{}", proxy.port))
        .args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (8, ""));
    assert!(
        stderr.starts_with("tokenfactory: error: authentication (407) required by proxy http://bob:****@127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.contains("rejected the user name or password in the proxy URL (407)"), "{stderr}");
    assert!(!stderr.contains("wrong"), "{stderr}");
    let heads = proxy.heads.lock().expect("lock").clone();
    assert_eq!(heads.len(), 1, "a 407 is not retried");
    assert!(heads[0].starts_with("CONNECT api.example.test:443 HTTP/1.1\r\n"), "{}", heads[0]);
}
