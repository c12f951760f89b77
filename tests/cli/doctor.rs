//! doctor: every check's pass and fail path against loopback servers, --json, --explain, exit codes.

use httpmock::prelude::*;
use serde_json::json;

use crate::harness::{KEY, run, tokenfactory, with_key};
use crate::script_server::{Script, ScriptServer, Step, content, done, event};
use crate::tls_server::{Leaf, pem_file, serve};

/// Replaces every "(123 ms)" with "(N ms)" so whole outputs can be compared.
fn untimed(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(" (") {
        let after = &rest[start + 2..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(" ms)") {
            out.push_str(&rest[..start]);
            out.push_str(" (N ms)");
            rest = &after[digits + 4..];
        } else {
            out.push_str(&rest[..start + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn catalog() -> serde_json::Value {
    json!({"object": "list", "data": [{"id": "Omniva/Kimi-K2.6", "created": 0, "owned_by": "omniva"}, {"id": "Omniva/Kimi-K2.5"}]})
}

fn healthy_scripts() -> Vec<Script> {
    vec![
        // The TCP check opens and closes one connection.
        Script::body(200, "text/plain", ""),
        Script::body(200, "application/json", &catalog().to_string()),
        Script::body(200, "application/json", &crate::harness::completion("OK").to_string()),
        Script::sse(vec![
            content("O"),
            Step::Sleep(std::time::Duration::from_millis(30)),
            content("K"),
            done(),
            Step::End,
        ]),
    ]
}

#[test]
fn doctor_passes_every_check_on_a_healthy_setup() {
    let server = ScriptServer::start(healthy_scripts());
    let (code, stdout, stderr) = run(with_key(&server.base()).arg("doctor"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let expected = format!(
        "✓ API key set      OMNIVA_API_KEY is set: sk-o…25xx (32 characters) (N ms)\n\
         ✓ key well-formed  no whitespace, quotes, prefix or placeholder (N ms)\n\
         ✓ base URL         {base}, direct (no proxy) (N ms)\n\
         ✓ DNS              127.0.0.1 → 127.0.0.1 (N ms)\n\
         ✓ TCP connect      connected to 127.0.0.1:{port} at 127.0.0.1:{port} (N ms)\n\
         - TLS              plain http: no TLS\n\
         ✓ auth             the key was accepted (GET /models listed 2 models) (N ms)\n\
         ✓ model            Omniva/Kimi-K2.6 is in the catalog (N ms)\n",
        base = server.base(),
        port = server.port
    );
    let out = untimed(&stdout);
    assert!(out.starts_with(&expected), "{out}");
    assert!(out.contains("✓ completion       answered \"OK\" in "), "{out}");
    assert!(out.contains("✓ streaming        2 chunks arrived incrementally, first after "), "{out}");
    assert!(out.ends_with("\n9 passed, 0 warnings, 0 failed, 1 skipped\n"), "{out}");
    assert_eq!(stderr, "");
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "the TCP check's connection sends no request");
    assert!(requests[0].head.starts_with("GET /v1/models "));
    assert_eq!(requests[1].json()["max_tokens"], json!(32));
    assert_eq!(requests[2].json()["stream"], json!(true));
}

#[test]
fn doctor_json_has_every_check_and_no_key() {
    let server = ScriptServer::start(healthy_scripts());
    let (code, stdout, _) = run(with_key(&server.base()).args(["doctor", "--json"]));
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON document");
    let ids: Vec<&str> =
        doc["checks"].as_array().expect("checks").iter().map(|c| c["id"].as_str().expect("id")).collect();
    assert_eq!(
        ids,
        ["key-set", "key-format", "base-url", "dns", "tcp", "tls", "auth", "model", "completion", "streaming"]
    );
    for c in doc["checks"].as_array().expect("checks") {
        for field in ["name", "status", "summary", "details", "hint", "duration_ms"] {
            assert!(c.get(field).is_some(), "{field} in {c}");
        }
    }
    assert_eq!(doc["summary"], json!({"passed": 9, "warnings": 0, "failed": 0, "skipped": 1}));
    assert!(stdout.contains("sk-o…25xx"));
}

#[test]
fn doctor_no_chat_sends_no_post() {
    let server = MockServer::start();
    let models = server.mock(|when, then| {
        when.method(GET).path("/v1/models");
        then.status(200).json_body(catalog());
    });
    let posts = server.mock(|when, then| {
        when.method(POST);
        then.status(200).json_body(crate::harness::completion("billable"));
    });
    let (code, stdout, _) = run(with_key(&server.url("/v1")).args(["doctor", "--no-chat"]));
    assert_eq!(code, 0, "{stdout}");
    models.assert_calls(1);
    posts.assert_calls(0);
    assert!(stdout.contains("- completion       --no-chat\n- streaming        --no-chat\n"), "{stdout}");
}

#[test]
fn doctor_without_key_reports_and_still_checks_the_network() {
    let server = MockServer::start();
    let (code, stdout, _) = run(tokenfactory().env("OMNIVA_BASE_URL", server.url("/v1")).arg("doctor"));
    assert_eq!(code, 1);
    let out = untimed(&stdout);
    assert!(
        out.starts_with("✗ API key set      OMNIVA_API_KEY is not set (N ms)\n    hint: set the key in the same shell"),
        "{out}"
    );
    assert!(out.contains("- key well-formed  no key\n"), "{out}");
    assert!(out.contains("✓ TCP connect "), "{out}");
    assert!(out.contains("- auth             no usable key\n"), "{out}");
    assert!(out.ends_with("\n3 passed, 0 warnings, 1 failed, 6 skipped\n"), "{out}");
}

#[test]
fn doctor_names_each_malformed_key_fault_without_the_key() {
    let server = MockServer::start();
    for (key, fault) in [
        (format!(" {KEY}"), "contains a space at character 1 (33 characters)"),
        (format!("{KEY}\n"), "contains a line break at character 33 (33 characters)"),
        (format!("'{KEY}'"), "is wrapped in quotes (34 characters)"),
        (format!("Bearer {KEY}"), "starts with \"Bearer \" (39 characters)"),
        ("<your-api-key>".to_string(), "is placeholder text from documentation, not a key (14 characters)"),
        (format!("{KEY}\u{a0}"), "contains U+00A0 NO-BREAK SPACE at character 33 (33 characters)"),
    ] {
        let (code, stdout, _) =
            run(tokenfactory().env("OMNIVA_API_KEY", &key).env("OMNIVA_BASE_URL", server.url("/v1")).arg("doctor"));
        assert_eq!(code, 1);
        assert!(stdout.contains(&format!("✗ key well-formed  OMNIVA_API_KEY {fault}")), "{key:?}: {stdout}");
        assert!(stdout.contains("- auth             no usable key"), "{stdout}");
    }
}

#[test]
fn doctor_reports_an_invalid_base_url_as_a_failed_check() {
    let (code, stdout, _) =
        run(tokenfactory().env("OMNIVA_API_KEY", KEY).args(["doctor", "--base-url", "api.example/v1"]));
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("✗ settings         invalid base URL \"api.example/v1\" (from --base-url): "),
        "{stdout}"
    );
    assert!(stdout.contains("hint: set --base-url or OMNIVA_BASE_URL"), "{stdout}");
}

#[test]
fn doctor_reports_the_proxy_with_its_password_redacted() {
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").expect("proxy port");
    let proxy_port = proxy.local_addr().expect("addr").port();
    drop(proxy); // nothing listens: the proxy refuses
    let (code, stdout, _) = run(with_key("http://api.invalid/v1")
        .env("HTTP_PROXY", format!("http://alice:s3cret@127.0.0.1:{proxy_port}"))
        .args(["doctor", "--no-chat"]));
    assert_eq!(code, 1);
    assert!(!stdout.contains("s3cret"), "{stdout}");
    assert!(
        stdout.contains(&format!("base URL         http://api.invalid/v1, via proxy http://alice:****@127.0.0.1:{proxy_port} (from HTTP_PROXY)")),
        "{stdout}"
    );
    assert!(stdout.contains("✓ DNS              127.0.0.1 → 127.0.0.1"), "the proxy's host is resolved: {stdout}");
    assert!(
        stdout
            .contains(&format!("✗ TCP connect      cannot connect to proxy 127.0.0.1:{proxy_port} (from HTTP_PROXY)")),
        "{stdout}"
    );
    assert!(stdout.contains("refused or could not be reached"), "{stdout}");
}

#[test]
fn doctor_connect_refused_fails_tcp() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let (code, stdout, _) = run(with_key(&format!("http://127.0.0.1:{port}/v1")).arg("doctor"));
    assert_eq!(code, 1);
    assert!(
        stdout.contains(&format!(
            "✗ TCP connect      cannot connect to 127.0.0.1:{port}: 127.0.0.1:{port}: Connection refused"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("- TLS              TCP connect failed\n"), "{stdout}");
}

fn doctor_tls(kind: Leaf, trust: bool) -> String {
    let server = serve(kind);
    let ca = pem_file(&server.root_pem, "doctor-ca");
    let mut cmd = with_key(&format!("https://127.0.0.1:{}/v1", server.port));
    if trust {
        cmd.env("SSL_CERT_FILE", &ca);
    }
    let (_, stdout, _) = run(cmd.args(["doctor", "--no-chat"]));
    let _ = std::fs::remove_file(ca);
    stdout
}

#[test]
fn doctor_tls_trusted_chain_passes_and_lists_the_certificates() {
    let out = doctor_tls(Leaf::Good, true);
    assert!(out.contains("✓ TLS              certificate chain verified (1 certificate presented)"), "{out}");
    assert!(
        out.contains("    #0 subject: CN=api.test\n       issuer:  CN=Example Corp TLS Inspection Root CA\n"),
        "{out}"
    );
    assert!(out.contains("       names:   127.0.0.1, localhost\n"), "{out}");
}

#[test]
fn doctor_tls_unknown_issuer_names_the_issuer_and_ca_bundle() {
    let out = doctor_tls(Leaf::Good, false);
    assert!(out.contains("✗ TLS              the server's certificate is not trusted (unknown issuer)"), "{out}");
    assert!(
        out.contains(
            "hint: the chain ends at \"CN=Example Corp TLS Inspection Root CA\", which this machine does not trust"
        ),
        "{out}"
    );
    assert!(out.contains("--ca-bundle corp-ca.pem"), "{out}");
    assert!(out.contains("- auth             TLS failed"), "{out}");
}

#[test]
fn doctor_tls_expired_shows_the_dates_and_the_clock() {
    let out = doctor_tls(Leaf::Expired, true);
    assert!(out.contains("✗ TLS              the server's certificate has expired"), "{out}");
    assert!(out.contains("valid:   2020-01-01 00:00 UTC → 2021-01-01 00:00 UTC"), "{out}");
    assert!(out.contains("expired on 2021-01-01 00:00 UTC (local clock: "), "{out}");
}

#[test]
fn doctor_tls_wrong_host_lists_the_names_the_certificate_is_for() {
    let out = doctor_tls(Leaf::WrongHost, true);
    assert!(out.contains("✗ TLS              the server's certificate is for a different host name"), "{out}");
    assert!(out.contains("names:   wrong.example.com"), "{out}");
}

#[test]
fn doctor_tls_missing_intermediate_is_told_from_an_untrusted_root() {
    let out = doctor_tls(Leaf::MissingIntermediate, true);
    assert!(out.contains("✗ TLS              the server's certificate is not trusted (unknown issuer)"), "{out}");
    assert!(out.contains("issuer:  CN=Example Corp Issuing CA 1"), "{out}");
    assert!(out.contains("the server left out its intermediate certificate"), "{out}");
}

fn doctor_with(status_models: u16, models_body: serde_json::Value) -> (i32, String) {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/v1/models");
        then.status(status_models).header("x-request-id", "req_doc").json_body(models_body);
    });
    let (code, stdout, _) = run(with_key(&server.url("/v1")).args(["doctor", "--no-chat"]));
    (code, untimed(&stdout))
}

#[test]
fn doctor_auth_401_and_403_are_explained() {
    let (code, out) = doctor_with(401, json!({"error": {"message": "Invalid API key"}}));
    assert_eq!(code, 1);
    assert!(out.contains("✗ auth             401 Unauthorized from "), "{out}");
    assert!(out.contains("    request id: req_doc\n"), "{out}");
    assert!(out.contains("hint: or generate a new key"), "{out}");
    assert!(out.contains("- model            auth failed"), "{out}");
    let (_, out) = doctor_with(403, json!({"error": {"message": "Key revoked"}}));
    assert!(out.contains("✗ auth             403 Forbidden from "), "{out}");
    assert!(out.contains("member of its workspace"), "{out}");
}

#[test]
fn doctor_model_missing_from_the_catalog_is_a_warning_with_the_closest_ids() {
    let (code, out) = doctor_with(
        200,
        json!({"data": [{"id": "omniva/kimi-k2.6"}, {"id": "Omniva/Kimi-K2.5"}, {"id": "meta/llama"}]}),
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("! model            Omniva/Kimi-K2.6 is not in the catalog; the completion below shows whether the server answers for it (N ms)\n"),
        "{out}"
    );
    assert!(out.contains("hint: closest IDs in the catalog: omniva/kimi-k2.6, Omniva/Kimi-K2.5\n"), "{out}");
}

#[test]
fn doctor_passes_a_server_that_answers_for_a_model_its_catalog_does_not_list() {
    // llmock, LiteLLM wildcard routes: the catalog lacks the model, the completion proves it works.
    let mut scripts = healthy_scripts();
    scripts[1] = Script::body(200, "application/json", &json!({"data": [{"id": "gpt-4o"}]}).to_string());
    let server = ScriptServer::start(scripts);
    let (code, stdout, _) = run(with_key(&server.base()).arg("doctor"));
    let out = untimed(&stdout);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("! model            Omniva/Kimi-K2.6 is not in the catalog"), "{out}");
    assert!(out.contains("✓ completion       answered \"OK\" in "), "{out}");
    assert!(out.contains("✓ streaming "), "{out}");
}

fn doctor_completion(status: u16, headers: &[(&str, &str)], body: &str) -> (i32, String) {
    let mut script = Script::body(status, "application/json", body);
    script.headers.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let server = ScriptServer::start(vec![
        Script::body(200, "text/plain", ""),
        Script::body(200, "application/json", &catalog().to_string()),
        script,
        Script::sse(vec![
            content("a"),
            Step::Sleep(std::time::Duration::from_millis(30)),
            content("b"),
            done(),
            Step::End,
        ]),
    ]);
    let (code, stdout, _) = run(with_key(&server.base()).arg("doctor"));
    assert_eq!(
        server.requests().iter().filter(|r| r.head.starts_with("POST")).count(),
        2,
        "each request once: no retries"
    );
    (code, untimed(&stdout))
}

#[test]
fn doctor_completion_429_shows_the_rate_limit_headers() {
    let (code, out) = doctor_completion(
        429,
        &[("retry-after", "30"), ("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "30s")],
        r#"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#,
    );
    assert_eq!(code, 1);
    assert!(out.contains("✗ completion       429 Too Many Requests from "), "{out}");
    assert!(
        out.contains(
            "    retry-after: 30 s\n    x-ratelimit-remaining-requests: 0\n    x-ratelimit-reset-requests: 30s\n"
        ),
        "{out}"
    );
    assert!(out.contains("quota or rate limit"), "{out}");
}

#[test]
fn doctor_completion_503_explains_the_fallback_pattern() {
    let (code, out) =
        doctor_completion(503, &[], r#"{"error":{"message":"overloaded","code":"upstream_unavailable"}}"#);
    assert_eq!(code, 1);
    assert!(out.contains("✗ completion       503 Service Unavailable from "), "{out}");
    assert!(out.contains("--fallback-model ID"), "{out}");
}

#[test]
fn doctor_completion_empty_answer_from_reasoning_passes() {
    let body =
        json!({"choices": [{"message": {"content": "", "reasoning_content": "hmm"}, "finish_reason": "length"}]});
    let (code, out) = doctor_completion(200, &[], &body.to_string());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "✓ completion       200 OK with an empty answer: a reasoning model spent the 32-token budget thinking"
        ),
        "{out}"
    );
}

#[test]
fn doctor_stream_in_one_chunk_warns_about_buffering() {
    let server = ScriptServer::start(vec![
        Script::body(200, "text/plain", ""),
        Script::body(200, "application/json", &catalog().to_string()),
        Script::body(200, "application/json", &crate::harness::completion("OK").to_string()),
        Script::sse(vec![
            crate::script_server::bytes(b"data: {\"choices\":[{\"delta\":{\"content\":\"OK\"}}]}\n\ndata: [DONE]\n\n"),
            Step::End,
        ]),
    ]);
    let (code, stdout, _) = run(with_key(&server.base()).arg("doctor"));
    assert_eq!(code, 0);
    assert!(stdout.contains("! streaming        the whole answer arrived at once (1 chunk in 1 read)"), "{stdout}");
    assert!(stdout.contains("curl -N"), "{stdout}");
}

#[test]
fn doctor_stream_cut_fails() {
    let server = ScriptServer::start(vec![
        Script::body(200, "text/plain", ""),
        Script::body(200, "application/json", &catalog().to_string()),
        Script::body(200, "application/json", &crate::harness::completion("OK").to_string()),
        Script::sse(vec![event(r#"{"choices":[{"delta":{"content":"O"}}]}"#), Step::Abort]),
    ]);
    let (code, stdout, _) = run(with_key(&server.base()).arg("doctor"));
    assert_eq!(code, 1);
    assert!(stdout.contains("✗ streaming        the stream ended before data: [DONE] after 1 chunk"), "{stdout}");
}

#[test]
fn doctor_explain_prints_every_case_and_marks_what_applies() {
    let (code, stdout, _) =
        run(tokenfactory().env("OMNIVA_BASE_URL", "http://127.0.0.1:9/v1").args(["doctor", "--explain"]));
    assert_eq!(code, 1, "a check failed: the key is missing");
    assert!(stdout.starts_with("Troubleshooting guide (▶ applies now)\n"), "{stdout}");
    for title in [
        "API key missing",
        "401 Unauthorized",
        "403 Forbidden",
        "400/404 unknown model",
        "404 endpoint not found",
        "429 Too Many Requests",
        "503 Service Unavailable",
        "5xx server error",
        "SSL/TLS trust chain",
        "DNS, connection or timeout",
        "proxy",
        "stream cut off",
        "silent stream",
    ] {
        assert!(stdout.contains(title), "{title}: {stdout}");
    }
    assert!(stdout.contains("▶ API key missing [key-missing]"), "{stdout}");
    assert!(stdout.contains("\n  401 Unauthorized [401]"), "{stdout}");
}

#[test]
fn doctor_explain_one_case_by_status_or_name() {
    let (code, stdout, _) = run(tokenfactory().args(["doctor", "--explain", "429"]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("429 Too Many Requests [429]\n    the workspace's quota or rate limit"), "{stdout}");
    let (_, stdout, _) = run(tokenfactory().args(["doctor", "--explain", "silent"]));
    assert!(stdout.contains("curl needs -N"), "{stdout}");
    let (code, _, stderr) = run(tokenfactory().args(["doctor", "--explain", "bogus"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no troubleshooting case is called \"bogus\""), "{stderr}");
}

#[test]
fn doctor_tcp_connect_timeout_is_bounded_and_named() {
    let (port, _listener, _held) = crate::harness::unanswered_port();
    let (code, stdout, _) =
        run(with_key(&format!("http://127.0.0.1:{port}/v1")).args(["doctor", "--connect-timeout", "0.3"]));
    assert_eq!(code, 1);
    assert!(
        stdout.contains(&format!("✗ TCP connect      cannot connect to 127.0.0.1:{port}: 127.0.0.1:{port}: no answer within 0.3 s (--connect-timeout)")),
        "{stdout}"
    );
}

#[test]
fn doctor_stream_ending_after_its_finish_reason_without_done_is_a_warning() {
    let server = ScriptServer::start(vec![
        Script::body(200, "text/plain", ""),
        Script::body(200, "application/json", &catalog().to_string()),
        Script::body(200, "application/json", &crate::harness::completion("OK").to_string()),
        Script::sse(vec![
            content("O"),
            Step::Sleep(std::time::Duration::from_millis(30)),
            event(r#"{"choices":[{"delta":{"content":"K"},"finish_reason":"stop"}]}"#),
            Step::End,
        ]),
    ]);
    let (code, stdout, _) = run(with_key(&server.base()).arg("doctor"));
    assert_eq!(code, 0, "complete, as chat sees it: {stdout}");
    let out = untimed(&stdout);
    assert!(
        out.contains(
            "! streaming        the stream ended after its finish reason, without data: [DONE] (2 chunks, first after "
        ),
        "{out}"
    );
    assert!(
        out.contains("hint: tokenfactory treats this as complete; strict clients may report the stream as cut off"),
        "{out}"
    );
}

/// A server whose chat endpoint works but which has no `GET /models` (404), as the service's
/// glossary describes ("once /v1/models is live").
fn no_catalog_server() -> MockServer {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/v1/models");
        then.status(404).json_body(json!({"detail": "Not Found"}));
    });
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions").json_body_includes(r#"{"stream":true}"#);
        then.status(200)
            .header("content-type", "text/event-stream")
            .body("data: {\"choices\":[{\"delta\":{\"content\":\"OK\"}}]}\n\ndata: [DONE]\n\n");
    });
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(200).json_body(crate::harness::completion("OK"));
    });
    server
}

#[test]
fn doctor_without_a_catalog_endpoint_lets_the_completion_verify_the_key() {
    let server = no_catalog_server();
    let (code, stdout, _) = run(with_key(&server.url("/v1")).arg("doctor"));
    let out = untimed(&stdout);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "- auth             the catalog endpoint (GET /models) is not available at this base URL (404); the completion check verifies the key\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("- model            the catalog endpoint (GET /models) is not available at this base URL\n"),
        "{out}"
    );
    assert!(out.contains("✓ completion       answered \"OK\" in "), "{out}");
    assert!(out.contains(" (the key was accepted) (N ms)\n"), "{out}");
    assert!(!out.contains("base URL is probably wrong") && !out.contains("401"), "{out}");
}

#[test]
fn doctor_without_a_catalog_endpoint_and_no_chat_says_auth_is_not_verified() {
    let server = no_catalog_server();
    let (code, stdout, _) = run(with_key(&server.url("/v1")).args(["doctor", "--no-chat"]));
    let out = untimed(&stdout);
    assert_eq!(code, 0, "a warning, not a failure: {out}");
    assert!(
        out.contains(
            "! auth             not verified: the catalog endpoint (GET /models) is not available at this base URL (404), and no completion is sent to verify the key (N ms)\n"
        ),
        "{out}"
    );
    assert!(out.contains("hint: run doctor without --no-chat to verify the key with one small completion"), "{out}");
    assert!(out.ends_with("\n5 passed, 1 warning, 0 failed, 4 skipped\n"), "{out}");
}

#[test]
fn chat_says_nothing_about_closest_ids_when_the_server_has_no_catalog() {
    let server = MockServer::start();
    let models = server.mock(|when, then| {
        when.method(GET).path("/v1/models");
        then.status(404).body("404 page not found");
    });
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(404).json_body(json!({"error": {"message": "model kimi not found", "code": "model_not_found"}}));
    });
    let (code, _, stderr) = run(with_key(&server.url("/v1")).args(["chat", "-m", "kimi", "hi"]));
    assert_eq!(code, 5, "{stderr}");
    models.assert_calls(1);
    assert!(!stderr.contains("closest IDs"), "{stderr}");
    assert!(stderr.contains("list all IDs with `tokenfactory models`"), "{stderr}");
}

#[test]
fn doctor_embeddings_checks_one_small_embedding_with_the_embeddings_model() {
    let mut scripts = healthy_scripts();
    let vector = json!({"object": "list", "data": [{"index": 0, "embedding": [0.5, 0.25, 0.125, 1]}]});
    scripts.push(Script::body(200, "application/json", &vector.to_string()));
    let server = ScriptServer::start(scripts);
    let (code, stdout, stderr) =
        run(with_key(&server.base()).env("OMNIVA_EMBEDDING_MODEL", "my/embedder").args(["doctor", "--embeddings"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let out = untimed(&stdout);
    assert!(out.contains("✓ embeddings       my/embedder gave a vector of 4 dimensions in "), "{out}");
    assert!(out.ends_with("\n10 passed, 0 warnings, 0 failed, 1 skipped\n"), "{out}");
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests[3].head.starts_with("POST /v1/embeddings "));
    assert_eq!(requests[3].json(), json!({"model": "my/embedder", "input": "ping"}));
}

#[test]
fn doctor_embeddings_runs_with_no_chat_and_when_the_chat_model_is_missing() {
    let vector = json!({"object": "list", "data": [{"index": 0, "embedding": [0.5, 0.25]}]}).to_string();
    let catalog = catalog().to_string();
    // --no-chat: no completion, no stream, but the embedding asked for by name.
    let server = ScriptServer::start(vec![
        Script::body(200, "text/plain", ""),
        Script::body(200, "application/json", &catalog),
        Script::body(200, "application/json", &vector),
    ]);
    let (code, stdout, stderr) = run(with_key(&server.base()).args(["doctor", "--no-chat", "--embeddings"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let out = untimed(&stdout);
    assert!(out.contains("- completion       --no-chat\n- streaming        --no-chat\n"), "{out}");
    assert!(out.contains("✓ embeddings       BAAI/bge-large-en-v1.5 gave a vector of 2 dimensions in "), "{out}");
    let posts: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.head.starts_with("POST "))
        .map(|r| r.head.lines().next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(posts, ["POST /v1/embeddings HTTP/1.1"]);

    // A chat model the server refuses fails the chat checks, not the embedding.
    let unknown = json!({"error": {"message": "The model `no/such-model` does not exist", "code": "model_not_found"}})
        .to_string();
    let server = ScriptServer::start(vec![
        Script::body(200, "text/plain", ""),
        Script::body(200, "application/json", &catalog),
        Script::body(404, "application/json", &unknown),
        Script::body(404, "application/json", &unknown),
        Script::body(200, "application/json", &vector),
    ]);
    let (code, stdout, _) = run(with_key(&server.base()).args(["doctor", "-m", "no/such-model", "--embeddings"]));
    assert_eq!(code, 1);
    let out = untimed(&stdout);
    assert!(out.contains("✗ completion       404 Not Found from "), "{out}");
    assert!(out.contains("✓ embeddings       BAAI/bge-large-en-v1.5 gave a vector of 2 dimensions in "), "{out}");
}

#[test]
fn doctor_embeddings_with_a_chat_model_fails_with_the_embeddings_hint() {
    let mut scripts = healthy_scripts();
    let refusal = json!({"error": {"message": "Model Omniva/Kimi-K2.6 does not support embeddings"}});
    scripts.push(Script::body(400, "application/json", &refusal.to_string()));
    let server = ScriptServer::start(scripts);
    let (code, stdout, _) = run(with_key(&server.base())
        .env("OMNIVA_EMBEDDING_MODEL", "Omniva/Kimi-K2.6")
        .args(["doctor", "--embeddings"]));
    assert_eq!(code, 1);
    assert!(stdout.contains("✗ embeddings       400 Bad Request from "), "{stdout}");
    assert!(
        stdout.contains(
            "    hint: the server does not serve Omniva/Kimi-K2.6 for embeddings: embed needs an embeddings model \
             (such as BAAI/bge-large-en-v1.5), not a chat model\n"
        ),
        "{stdout}"
    );
}
