//! `models`: table on a terminal, IDs when piped, filter, sort, JSON, errors, and the "did you
//! mean" suggestions chat prints for an unknown model.

use httpmock::prelude::*;
use serde_json::json;

use crate::harness::{KEY, run, run_in_terminal, with_key};

fn catalog() -> serde_json::Value {
    json!({"object": "list", "data": [
        {"id": "meta-llama/Llama-3.3-70B-Instruct", "object": "model", "created": 1733356800, "owned_by": "meta"},
        {"id": "Omniva/Kimi-K2.6", "object": "model", "created": 1776643200, "owned_by": "omniva"},
        {"id": "deepseek-ai/DeepSeek-R1", "object": "model", "created": 0, "owned_by": "deepseek"},
        {"id": "moonshotai/Kimi-K2.6", "object": "model", "owned_by": "moonshot"}
    ]})
}

fn serve_catalog(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(GET).path("/v1/models").header("authorization", format!("Bearer {KEY}"));
        then.status(200).json_body(catalog());
    })
}

#[test]
fn models_piped_prints_one_id_per_line_sorted_case_insensitively() {
    let server = MockServer::start();
    let mock = serve_catalog(&server);
    let (code, stdout, stderr) = run(with_key(&server.url("/v1")).arg("models"));
    mock.assert();
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "deepseek-ai/DeepSeek-R1\nmeta-llama/Llama-3.3-70B-Instruct\nmoonshotai/Kimi-K2.6\nOmniva/Kimi-K2.6\n"
    );
    assert_eq!(stderr, "");
}

#[test]
fn models_filter_is_a_case_insensitive_substring() {
    let server = MockServer::start();
    serve_catalog(&server);
    let (_, stdout, _) = run(with_key(&server.url("/v1")).args(["models", "KIMI"]));
    assert_eq!(stdout, "moonshotai/Kimi-K2.6\nOmniva/Kimi-K2.6\n");
    let (code, stdout, stderr) = run(with_key(&server.url("/v1")).args(["models", "gpt"]));
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(stderr, "tokenfactory: no model ID contains \"gpt\" (4 models in the catalog)\n");
}

#[test]
fn models_sort_by_created_and_owner() {
    let server = MockServer::start();
    serve_catalog(&server);
    let (_, stdout, _) = run(with_key(&server.url("/v1")).args(["models", "--sort", "created"]));
    assert_eq!(
        stdout,
        "Omniva/Kimi-K2.6\nmeta-llama/Llama-3.3-70B-Instruct\ndeepseek-ai/DeepSeek-R1\nmoonshotai/Kimi-K2.6\n"
    );
    let (_, stdout, _) = run(with_key(&server.url("/v1")).args(["models", "--sort", "owner", "k"]));
    assert_eq!(stdout, "deepseek-ai/DeepSeek-R1\nmoonshotai/Kimi-K2.6\nOmniva/Kimi-K2.6\n");
}

#[test]
fn models_json_is_the_body_byte_for_byte_and_unfiltered() {
    let server = MockServer::start();
    let body = "{\"object\":\"list\",  \"data\":[{\"id\":\"b\"},{\"id\":\"a\"}]}\n";
    server.mock(|when, then| {
        when.method(GET).path("/v1/models");
        then.status(200).header("content-type", "application/json").body(body);
    });
    let (code, stdout, _) = run(with_key(&server.url("/v1")).args(["models", "--json", "zzz"]));
    assert_eq!((code, stdout.as_str()), (0, body));
}

#[test]
fn models_table_on_a_terminal_marks_the_default_and_dates() {
    let server = MockServer::start();
    serve_catalog(&server);
    let (code, screen) = run_in_terminal(
        &["models"],
        &[("OMNIVA_API_KEY", KEY), ("OMNIVA_BASE_URL", &server.url("/v1")), ("NO_COLOR", "1")],
    );
    assert_eq!(code, 0, "{screen}");
    assert_eq!(
        screen,
        "   ID                                 OWNED BY  CREATED\n\
         \x20  deepseek-ai/DeepSeek-R1            deepseek  -\n\
         \x20  meta-llama/Llama-3.3-70B-Instruct  meta      2024-12-05\n\
         \x20  moonshotai/Kimi-K2.6               moonshot  -\n\
         *  Omniva/Kimi-K2.6                   omniva    2026-04-20\n\
         \n\
         4 models; * marks the default model, Omniva/Kimi-K2.6\n"
    );
}

#[test]
fn models_table_uses_colour_only_when_allowed() {
    let server = MockServer::start();
    serve_catalog(&server);
    let env = [("OMNIVA_API_KEY", KEY), ("OMNIVA_BASE_URL", &*server.url("/v1"))];
    let (_, screen) = run_in_terminal(&["models"], &env);
    assert!(screen.contains("\x1b[1m"), "bold header on a terminal: {screen:?}");
    let (_, screen) = run_in_terminal(&["--color", "never", "models"], &env);
    assert!(!screen.contains('\x1b'), "{screen:?}");
}

#[test]
fn models_empty_catalog_says_so_on_stderr() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/v1/models");
        then.status(200).json_body(json!({"object": "list", "data": []}));
    });
    let (code, stdout, stderr) = run(with_key(&server.url("/v1")).arg("models"));
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(stderr, format!("tokenfactory: the catalog is empty: {} lists no models\n", server.url("/v1/models")));
}

#[test]
fn models_errors_match_chat() {
    for (status, code, headline) in [
        (401, 4, "401 Unauthorized"),
        (403, 4, "403 Forbidden"),
        (404, 3, "404 Not Found"),
        (429, 6, "429 Too Many Requests"),
        (500, 7, "500 Internal Server Error"),
        (503, 7, "503 Service Unavailable"),
    ] {
        let server = MockServer::start();
        server.mock(|when, then| {
            when.method(GET).path("/v1/models");
            then.status(status).json_body(json!({"error": {"message": "nope"}}));
        });
        let (actual, stdout, stderr) = run(with_key(&server.url("/v1")).args(["models", "--retries", "0"]));
        assert_eq!((actual, stdout.as_str()), (code, ""), "{status}: {stderr}");
        assert!(stderr.starts_with(&format!("tokenfactory: error: {headline} from ")), "{stderr}");
    }
}

/// chat with `-m wanted`, the server answering 404 model_not_found, then serving the catalog.
fn suggestions_for(wanted: &str) -> String {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/v1/chat/completions");
        then.status(404).json_body(json!({"error": {
            "message": format!("The model `{wanted}` does not exist"), "type": "invalid_request_error", "code": "model_not_found"
        }}));
    });
    let catalog = serve_catalog(&server);
    let (code, stdout, stderr) = run(with_key(&server.url("/v1")).args(["chat", "-m", wanted, "hi"]));
    assert_eq!((code, stdout.as_str()), (5, ""), "{stderr}");
    catalog.assert_calls(1);
    assert!(stderr.contains("tokenfactory models"), "{stderr}");
    stderr.lines().find_map(|l| l.strip_prefix("  hint: closest IDs: ")).unwrap_or("").to_string()
}

#[test]
fn chat_unknown_model_suggests_for_a_missing_prefix() {
    assert_eq!(suggestions_for("kimi-k2.6"), "Omniva/Kimi-K2.6, moonshotai/Kimi-K2.6");
}

#[test]
fn chat_unknown_model_suggests_for_wrong_case() {
    assert_eq!(suggestions_for("omniva/kimi-k2.6"), "Omniva/Kimi-K2.6, moonshotai/Kimi-K2.6");
}

#[test]
fn chat_unknown_model_suggests_for_a_version_typo() {
    assert_eq!(suggestions_for("Omniva/Kimi-K2.5"), "Omniva/Kimi-K2.6, moonshotai/Kimi-K2.6");
    assert_eq!(suggestions_for("meta-llama/Llama-3.3-7B-Instruct"), "meta-llama/Llama-3.3-70B-Instruct");
}
