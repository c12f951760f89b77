//! What a newcomer meets in the first hour: every message true and every hint about something
//! that is there. Servers shaped like the real ones (OpenAI's exact error bodies).

use httpmock::prelude::*;
use serde_json::json;

use crate::harness::{fresh_home, run, tokenfactory, with_key};
use crate::script_server::{Script, ScriptServer};

/// OpenAI's answer to a path it does not serve.
fn unknown_url(method: &str, path: &str) -> serde_json::Value {
    json!({"error": {"message": format!("Invalid URL ({method} {path})"), "type": "invalid_request_error", "param": null, "code": "unknown_url"}})
}

#[test]
fn a_missing_v1_reads_as_a_wrong_base_url_not_an_unknown_model() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/models");
        then.status(404).json_body(unknown_url("GET", "/models"));
    });
    server.mock(|when, then| {
        when.method(POST).path("/chat/completions");
        then.status(404).json_body(unknown_url("POST", "/chat/completions"));
    });
    let base = server.url("");
    let (code, _, stderr) = run(with_key(&base).args(["models"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("the base URL is probably wrong"), "{stderr}");
    assert!(stderr.contains("it usually ends in /v1"), "{stderr}");
    assert!(!stderr.contains("does not serve"), "{stderr}");
    let (code, _, stderr) = run(with_key(&base).args(["chat", "hi"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(!stderr.contains("closest IDs") && !stderr.contains("does not serve"), "{stderr}");
    let (code, stdout, _) = run(with_key(&base).args(["doctor"]));
    assert_eq!(code, 1);
    assert!(stdout.contains("- model            the catalog endpoint (GET /models) is not available"), "{stdout}");
    assert!(stdout.contains("✗ completion       404 Not Found from "), "{stdout}");
    assert!(stdout.contains("it usually ends in /v1"), "{stdout}");
    assert!(!stdout.contains("does not serve"), "{stdout}");
}

#[test]
fn print_creates_no_file_and_no_directory() {
    for _ in 0..8 {
        let home = fresh_home();
        let (code, stdout, _) = run(tokenfactory().env("HOME", &home).args(["chat", "--print", "curl", "hi"]));
        assert_eq!(code, 0);
        assert!(stdout.starts_with("curl "));
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(std::fs::read_dir(&home).expect("home").count(), 0, "nothing created in {}", home.display());
    }
}

#[test]
fn a_run_that_fails_before_any_result_leaves_no_results_file() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/v1/embeddings");
        then.status(404).json_body(json!({"error": {"message": "The model `BAAI/bge-large-en-v1.5` does not exist", "code": "model_not_found"}}));
    });
    let home = fresh_home();
    let input = home.join("passages.txt");
    std::fs::write(&input, "one\ntwo\n").expect("write");
    let out = home.join("vectors.jsonl");
    let (code, _, stderr) =
        run(with_key(&server.url("/v1")).args(["embed", "--lines"]).arg(&input).arg("-o").arg(&out));
    assert_eq!(code, 5, "{stderr}");
    assert!(!out.exists(), "no empty results file left behind");
    // The hint does not give the failing default as its own example, and says how to find one.
    assert!(stderr.contains("the server does not serve BAAI/bge-large-en-v1.5 for embeddings: embed needs an embeddings model, not a chat model"), "{stderr}");
    assert!(stderr.contains("find one with `tokenfactory models`"), "{stderr}");
}

#[test]
fn hints_speak_only_of_what_was_shown() {
    // A 5xx without a request id: no "send the request id above".
    let server = ScriptServer::start(vec![Script::body(500, "application/json", r#"{"error":{"message":"boom"}}"#)]);
    let (code, _, stderr) = run(with_key(&server.base()).args(["chat", "--retries", "0", "hi"]));
    assert_eq!(code, 7);
    assert!(!stderr.contains("request id above"), "{stderr}");
    // A status without a reason phrase has one space before "from".
    let server =
        ScriptServer::start(vec![Script::body(529, "application/json", r#"{"error":{"message":"overloaded"}}"#)]);
    let (_, _, stderr) = run(with_key(&server.base()).args(["chat", "--retries", "0", "hi"]));
    assert!(stderr.starts_with("tokenfactory: error: 529 from http://"), "{stderr}");
    // The guide has nothing "above".
    let (code, stdout, _) = run(tokenfactory().args(["doctor", "--explain", "400"]));
    assert_eq!(code, 0);
    assert!(!stdout.contains("above"), "{stdout}");
    // An empty answer from a spent budget is an error (exit 1), and called one.
    let body =
        json!({"choices": [{"message": {"content": "", "reasoning_content": "hmm"}, "finish_reason": "length"}]});
    let server = ScriptServer::start(vec![Script::body(200, "application/json", &body.to_string())]);
    let (code, _, stderr) = run(with_key(&server.base()).args(["chat", "--max-tokens", "8", "hi"]));
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("tokenfactory: error: the answer is empty: the token budget ran out (--max-tokens 8)"),
        "{stderr}"
    );
}
