//! `chat`: the request the server receives, where the prompt comes from, and what reaches stdout
//! and stderr.

use httpmock::prelude::*;
use serde_json::json;

use crate::harness::{KEY, completion, run, tokenfactory, with_key};

const PATH: &str = "/v1/chat/completions";

fn base(server: &MockServer) -> String {
    server.url("/v1")
}

#[test]
fn chat_sends_the_documented_request_and_prints_the_answer() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path(PATH)
            .header("authorization", format!("Bearer {KEY}"))
            .header("content-type", "application/json")
            .header_exists("user-agent")
            .json_body(json!({"model": "Omniva/Kimi-K2.6", "messages": [{"role": "user", "content": "What is RAG?"}]}));
        then.status(200).json_body(completion("Retrieval-augmented generation."));
    });
    let (code, stdout, stderr) = run(with_key(&base(&server)).args(["chat", "What", "is", "RAG?"]));
    mock.assert();
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "Retrieval-augmented generation.\n", ""));
}

#[test]
fn chat_user_agent_names_the_tool_and_version() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(PATH).header("user-agent", format!("tokenfactory/{}", env!("CARGO_PKG_VERSION")));
        then.status(200).json_body(completion("ok"));
    });
    let (code, _, _) = run(with_key(&base(&server)).args(["chat", "hi"]));
    mock.assert();
    assert_eq!(code, 0);
}

#[test]
fn chat_model_precedence_flag_over_env_over_default() {
    let server = MockServer::start();
    let env_model = server.mock(|when, then| {
        when.method(POST).path(PATH).json_body_includes(r#"{"model":"env/model"}"#);
        then.status(200).json_body(completion("from env"));
    });
    let flag_model = server.mock(|when, then| {
        when.method(POST).path(PATH).json_body_includes(r#"{"model":"flag/model"}"#);
        then.status(200).json_body(completion("from flag"));
    });
    let (_, stdout, _) = run(with_key(&base(&server)).env("OMNIVA_MODEL", "env/model").args(["chat", "hi"]));
    assert_eq!(stdout, "from env\n");
    let (_, stdout, _) =
        run(with_key(&base(&server)).env("OMNIVA_MODEL", "env/model").args(["chat", "-m", "flag/model", "hi"]));
    assert_eq!(stdout, "from flag\n");
    env_model.assert_calls(1);
    flag_model.assert_calls(1);
}

#[test]
fn chat_sends_system_temperature_and_max_tokens_only_when_given() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(PATH).json_body(json!({
            "model": "Omniva/Kimi-K2.6",
            "messages": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "hi"}],
            "temperature": 0.2,
            "max_tokens": 50
        }));
        then.status(200).json_body(completion("Hello."));
    });
    let (code, stdout, _) = run(with_key(&base(&server)).args([
        "chat",
        "-s",
        "Be brief",
        "--temperature",
        "0.2",
        "--max-tokens",
        "50",
        "hi",
    ]));
    mock.assert();
    assert_eq!((code, stdout.as_str()), (0, "Hello.\n"));
}

/// Sets up a server that answers only when the user message is exactly `expected`.
fn expect_prompt<'a>(server: &'a MockServer, expected: &str) -> httpmock::Mock<'a> {
    let expected = expected.to_string();
    server.mock(move |when, then| {
        when.method(POST)
            .path(PATH)
            .json_body(json!({"model": "Omniva/Kimi-K2.6", "messages": [{"role": "user", "content": expected}]}));
        then.status(200).json_body(completion("ok"));
    })
}

#[test]
fn chat_prompt_from_stdin_alone() {
    let server = MockServer::start();
    let mock = expect_prompt(&server, "notes from a file\n");
    let (code, stdout, _) = run(with_key(&base(&server)).arg("chat").write_stdin("notes from a file\n"));
    mock.assert();
    assert_eq!((code, stdout.as_str()), (0, "ok\n"));
}

#[test]
fn chat_prompt_from_stdin_then_blank_line_then_arguments() {
    let server = MockServer::start();
    let mock = expect_prompt(&server, "line one\nline two\n\nsummarize");
    let (code, _, _) = run(with_key(&base(&server)).args(["chat", "summarize"]).write_stdin("line one\nline two\n\n"));
    mock.assert();
    assert_eq!(code, 0);
}

#[test]
fn chat_dash_reads_stdin_only() {
    let server = MockServer::start();
    let mock = expect_prompt(&server, "from dash");
    let (code, _, _) = run(with_key(&base(&server)).args(["chat", "-"]).write_stdin("from dash"));
    mock.assert();
    assert_eq!(code, 0);
}

#[test]
fn chat_empty_stdin_counts_as_absent() {
    let server = MockServer::start();
    let mock = expect_prompt(&server, "just args");
    let (code, _, stderr) = run(with_key(&base(&server)).args(["chat", "just", "args"]).write_stdin(" \n"));
    mock.assert();
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn chat_no_stdin_ignores_piped_input() {
    let server = MockServer::start();
    let mock = expect_prompt(&server, "only this");
    let (code, _, _) = run(with_key(&base(&server)).args(["chat", "--no-stdin", "only this"]).write_stdin("ignored"));
    mock.assert();
    assert_eq!(code, 0);
}

#[test]
fn chat_without_prompt_is_a_usage_error_with_an_example() {
    let (code, stdout, stderr) = run(tokenfactory().env("OMNIVA_API_KEY", KEY).arg("chat"));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with("tokenfactory: error: no prompt: give it as arguments or pipe it on stdin\n"),
        "{stderr}"
    );
    assert!(stderr.contains("tokenfactory chat \"What is retrieval-augmented generation?\""), "{stderr}");
}

#[test]
fn chat_blank_prompt_and_dash_with_words_are_usage_errors() {
    let (code, _, stderr) = run(tokenfactory().env("OMNIVA_API_KEY", KEY).args(["chat", "  "]));
    assert_eq!(code, 2);
    assert!(stderr.contains("the prompt is blank"), "{stderr}");
    let (code, _, stderr) = run(tokenfactory().env("OMNIVA_API_KEY", KEY).args(["chat", "-", "more"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("`-` (read the prompt from stdin) cannot be combined"), "{stderr}");
}

#[test]
fn chat_non_utf8_stdin_names_the_byte_offset() {
    let (code, stdout, stderr) =
        run(tokenfactory().env("OMNIVA_API_KEY", KEY).arg("chat").write_stdin(b"abc\xffdef".to_vec()));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains("stdin is not valid UTF-8 text (invalid byte at offset 3)"), "{stderr}");
}

#[test]
fn chat_without_key_exits_3_and_sends_nothing() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(completion("should not happen"));
    });
    let (code, stdout, stderr) = run(tokenfactory().env("OMNIVA_BASE_URL", base(&server)).args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (3, ""));
    assert_eq!(
        stderr,
        "tokenfactory: error: OMNIVA_API_KEY is not set\n  \
         hint: set the key in the same shell that runs tokenfactory: export OMNIVA_API_KEY=sk-...\n  \
         hint: keys are generated on the API keys page of the Token Factory dashboard\n"
    );
    mock.assert_calls(0);
}

#[test]
fn chat_invalid_base_url_exits_3() {
    let (code, _, stderr) =
        run(tokenfactory().env("OMNIVA_API_KEY", KEY).args(["--base-url", "localhost:8080/v1", "chat", "hi"]));
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with("tokenfactory: error: invalid base URL \"localhost:8080/v1\" (from --base-url)"),
        "{stderr}"
    );
    let (code, _, stderr) =
        run(tokenfactory().env("OMNIVA_API_KEY", KEY).env("OMNIVA_BASE_URL", "::").args(["chat", "hi"]));
    assert_eq!(code, 3);
    assert!(stderr.contains("(from OMNIVA_BASE_URL)"), "{stderr}");
}

#[test]
fn chat_invalid_flag_value_is_a_usage_error() {
    let (code, _, stderr) = run(tokenfactory().args(["chat", "--temperature", "hot", "hi"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("expected a number from 0 to 2"), "{stderr}");
}

#[test]
fn chat_json_prints_the_raw_response() {
    let server = MockServer::start();
    let body = r#"{"id":"x","choices":[{"message":{"content":"hi"},"finish_reason":"stop"}],"extra":{"kept":true}}"#;
    server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(200).header("content-type", "application/json").body(body);
    });
    let (code, stdout, _) = run(with_key(&base(&server)).args(["chat", "--json", "hi"]));
    assert_eq!((code, stdout), (0, format!("{body}\n")));
}

#[test]
fn chat_reasoning_goes_to_stderr_only_when_asked() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(200).json_body(json!({
            "model": "Omniva/Kimi-K2.6",
            "choices": [{"message": {"content": "42", "reasoning_content": "Let me think.\n"}, "finish_reason": "stop"}]
        }));
    });
    let (_, stdout, stderr) = run(with_key(&base(&server)).args(["chat", "q"]));
    assert_eq!((stdout.as_str(), stderr.as_str()), ("42\n", ""));
    let (_, stdout, stderr) = run(with_key(&base(&server)).args(["chat", "--reasoning", "q"]));
    assert_eq!((stdout.as_str(), stderr.as_str()), ("42\n", "Let me think.\n"));
}

#[test]
fn chat_stats_report_model_tokens_and_rate_on_stderr() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(200).json_body(completion("ok"));
    });
    let (code, stdout, stderr) = run(with_key(&base(&server)).args(["chat", "--stats", "q"]));
    assert_eq!((code, stdout.as_str()), (0, "ok\n"));
    assert!(stderr.starts_with("model: Omniva/Kimi-K2.6; time: "), "{stderr}");
    assert!(stderr.contains("tokens: 9 prompt, 3 completion; "), "{stderr}");
    assert!(stderr.trim_end().ends_with("tokens/s"), "{stderr}");
}

#[test]
fn chat_stats_say_when_usage_is_missing() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(200).json_body(json!({"choices": [{"message": {"content": "ok"}}]}));
    });
    let (_, _, stderr) = run(with_key(&base(&server)).args(["chat", "--stats", "q"]));
    assert!(stderr.contains("tokens: not reported by the server (no usage in the response)"), "{stderr}");
}

#[test]
fn chat_empty_answer_from_spent_budget_exits_1_with_advice() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(200).json_body(json!({
            "choices": [{"message": {"content": "", "reasoning_content": "long thoughts"}, "finish_reason": "length"}]
        }));
    });
    let (code, stdout, stderr) = run(with_key(&base(&server)).args(["chat", "--max-tokens", "16", "q"]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        "tokenfactory: error: the answer is empty: the token budget ran out (--max-tokens 16) before the model wrote anything\n  \
         hint: raise --max-tokens (reasoning models spend part of it thinking)\n"
    );
}

#[test]
fn chat_cut_off_answer_is_printed_with_a_warning() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(200)
            .json_body(json!({"choices": [{"message": {"content": "The answer is"}, "finish_reason": "length"}]}));
    });
    let (code, stdout, stderr) = run(with_key(&base(&server)).args(["chat", "q"]));
    assert_eq!((code, stdout.as_str()), (0, "The answer is\n"));
    assert!(stderr.starts_with("tokenfactory: warning: the answer was cut off"), "{stderr}");
}

#[test]
fn chat_answer_ending_in_newline_gets_no_second_one_and_pipes_are_not_sanitised() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(200).json_body(completion("line\x1b[1m bold\n"));
    });
    let (_, stdout, _) = run(with_key(&base(&server)).args(["chat", "q"]));
    assert_eq!(stdout, "line\x1b[1m bold\n");
}

#[test]
fn chat_waiting_on_silent_stdin_hints_no_stdin_then_uses_what_arrives() {
    use std::io::Write;
    let server = MockServer::start();
    let mock = expect_prompt(&server, "late text\n\nsummarize");
    let mut child = crate::harness::live(&base(&server))
        .args(["chat", "summarize"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    // The hint comes after 3 s of silence; read it as it arrives, on a thread, so that a hint that
    // never comes fails the test after 20 s instead of hanging it.
    let rx = crate::harness::reader(child.stderr.take().expect("stderr"));
    let mut seen = Vec::new();
    crate::harness::read_until(&rx, &mut seen, "--no-stdin");
    assert_eq!(
        String::from_utf8_lossy(&seen),
        "tokenfactory: note: waiting for stdin, which is not a terminal; nothing has arrived after 3 s. \
         Pass --no-stdin to use only the arguments.\n"
    );
    stdin.write_all(b"late text\n").expect("write");
    drop(stdin);
    let output = child.wait_with_output().expect("exit");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");
    mock.assert();
}

#[test]
fn chat_on_a_terminal_sanitises_the_answer() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(200).json_body(completion("safe\x1b]0;pwned\x07 text\x1b[2J!"));
    });
    let (code, screen) = crate::harness::run_in_terminal(
        &["chat", "--no-stdin", "hi"],
        &[("OMNIVA_API_KEY", KEY), ("OMNIVA_BASE_URL", &base(&server))],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.ends_with("safe text!\n"), "{screen:?}");
    assert!(!screen.contains("pwned"), "{screen:?}");
}
