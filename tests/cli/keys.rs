//! Which keys are sent and which are refused: any key a server could accept goes out exactly as
//! set; only what cannot work or is certainly a paste mistake is refused, before any request, with
//! the fault, its position and the length, never the key.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use httpmock::prelude::*;
use serde_json::json;

use crate::harness::{completion, run, tokenfactory};

fn catalog() -> serde_json::Value {
    json!({"object": "list", "data": [{"id": "Omniva/Kimi-K2.6", "owned_by": "omniva"}]})
}

#[test]
fn keys_of_other_servers_are_sent_exactly_as_set() {
    for key in ["sk-1234", "EMPTY", "sk-no-key-required", "sk-insertABCDEF0123"] {
        let server = MockServer::start();
        let mock = server.mock(|when, then| {
            when.method(POST).path("/v1/chat/completions").header("authorization", format!("Bearer {key}"));
            then.status(200).json_body(completion("accepted"));
        });
        let (code, stdout, stderr) = run(tokenfactory()
            .env("OMNIVA_API_KEY", key)
            .env("OMNIVA_BASE_URL", server.url("/v1"))
            .args(["chat", "hi"]));
        assert_eq!((code, stdout.as_str()), (0, "accepted\n"), "{key}: {stderr}");
        mock.assert_calls(1);
    }
}

#[test]
fn paste_mistakes_are_refused_with_exit_3_and_no_request() {
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(completion("should not be sent"));
    });
    let cases = [
        (
            "“sk-abcdef0123456789”",
            "OMNIVA_API_KEY contains U+201C LEFT DOUBLE QUOTATION MARK at character 1 (21 characters); \
             keys are plain ASCII, so it was probably copied from a web page or document",
        ),
        (
            "sk-abc\u{a0}def0123456789",
            "OMNIVA_API_KEY contains U+00A0 NO-BREAK SPACE at character 7 (20 characters); \
             keys are plain ASCII, so it was probably copied from a web page or document",
        ),
        ("sk-...", "OMNIVA_API_KEY is placeholder text from documentation, not a key (6 characters)"),
        ("<your-api-key>", "OMNIVA_API_KEY is placeholder text from documentation, not a key (14 characters)"),
        (
            "sk-abcdef0123456789\n",
            "OMNIVA_API_KEY contains a line break at character 20 (20 characters); it was probably pasted with its newline",
        ),
        (
            "sk-abc\tdef0123456789",
            "OMNIVA_API_KEY contains the control character U+0009 CHARACTER TABULATION at character 7 (20 characters)",
        ),
        (
            "Bearer sk-abcdef0123456789",
            "OMNIVA_API_KEY starts with \"Bearer \" (26 characters); tokenfactory adds that itself",
        ),
        (
            "'sk-abcdef0123456789'",
            "OMNIVA_API_KEY is wrapped in quotes (21 characters); the quotes became part of the value",
        ),
    ];
    for (key, fault) in cases {
        let (code, stdout, stderr) = run(tokenfactory()
            .env("OMNIVA_API_KEY", key)
            .env("OMNIVA_BASE_URL", server.url("/v1"))
            .args(["chat", "hi"]));
        assert_eq!((code, stdout.as_str()), (3, ""), "{key:?}");
        let first = stderr.lines().next().unwrap_or_default();
        assert_eq!(first, format!("tokenfactory: error: {fault}"), "{key:?}");
        assert_eq!(stderr.matches(fault).count(), 1, "the fault is said once, not repeated as a hint: {stderr}");
        assert!(stderr.contains("  hint: "), "{stderr}");
        assert!(!stderr.contains("abcdef0123"), "the key is never quoted: {stderr}");
    }
    any.assert_calls(0);
}

#[test]
fn a_key_that_used_to_crash_is_refused_by_every_command() {
    let key = "Bearéééééééééééééééééé";
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(catalog());
    });
    for args in [&["chat", "hi"][..], &["models"], &["doctor", "--no-chat"]] {
        let (code, stdout, stderr) =
            run(tokenfactory().env("OMNIVA_API_KEY", key).env("OMNIVA_BASE_URL", server.url("/v1")).args(args));
        let expected = if args[0] == "doctor" { 1 } else { 3 };
        assert_eq!(code, expected, "{args:?}: {stdout}{stderr}");
        let said = "OMNIVA_API_KEY contains U+00E9 (a non-ASCII character) at character 5 (22 characters)";
        assert!(stdout.contains(said) || stderr.contains(said), "{args:?}: {stdout}{stderr}");
    }
    any.assert_calls(0);
}

#[test]
fn an_omniva_variable_that_is_not_utf8_is_a_configuration_error_naming_it() {
    for var in ["OMNIVA_API_KEY", "OMNIVA_MODEL", "OMNIVA_BASE_URL"] {
        let value = OsString::from_vec(b"sk-abc\xff\xfedef".to_vec());
        let (code, stdout, stderr) =
            run(tokenfactory().env("OMNIVA_API_KEY", "sk-1234").env(var, &value).args(["chat", "hi"]));
        assert_eq!((code, stdout.as_str()), (3, ""), "{var}");
        assert_eq!(
            stderr.lines().next().unwrap_or_default(),
            format!(
                "tokenfactory: error: {var} is not valid UTF-8 (invalid byte at offset 6); set it again as plain text"
            ),
        );
        let (code, stdout, _) = run(tokenfactory().env(var, &value).args(["doctor", "--no-chat"]));
        assert_eq!(code, 1);
        assert!(stdout.starts_with(&format!("✗ settings         {var} is not valid UTF-8")), "{stdout}");
    }
}

#[test]
fn doctor_passes_its_key_checks_on_a_litellm_style_server_with_a_short_key() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/v1/models").header("authorization", "Bearer sk-1234");
        then.status(200).json_body(catalog());
    });
    let (code, stdout, _) = run(tokenfactory()
        .env("OMNIVA_API_KEY", "sk-1234")
        .env("OMNIVA_BASE_URL", server.url("/v1"))
        .args(["doctor", "--no-chat"]));
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.starts_with("✓ API key set      OMNIVA_API_KEY is set (7 characters) ("),
        "length said once: {stdout}"
    );
    assert!(stdout.contains("✓ key well-formed  no whitespace, quotes, prefix or placeholder ("), "{stdout}");
    assert!(stdout.contains("✓ auth             the key was accepted"), "{stdout}");
}

#[test]
fn doctor_on_token_factory_warns_about_a_key_from_another_service() {
    // The base URL is Token Factory's, so doctor stops at DNS here: only the key checks matter.
    for (key, looks) in [
        ("sk-proj-abcdefghijklmnopqrstuvwx", "it looks like an OpenAI project key (sk-proj-)"),
        ("sk-ant-abcdefghijklmnopqrstuvwx", "it looks like an Anthropic key (sk-ant-)"),
        ("plainkeyabcdefghijklmnopqrstuv", "it may belong to another service"),
    ] {
        let (_, stdout, _) = run(tokenfactory()
            .env("OMNIVA_API_KEY", key)
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .args(["doctor", "--no-chat"]));
        assert!(
            stdout.contains(&format!(
                "! key well-formed  Token Factory keys start with sk-oais, and this one does not: {looks}"
            )),
            "{key}: {stdout}"
        );
    }
    let (_, stdout, _) = run(tokenfactory()
        .env("OMNIVA_API_KEY", "sk-oaisABCDEFGHIJKLMNOPQRSTUV")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .args(["doctor", "--no-chat"]));
    assert!(stdout.contains("✓ key well-formed  no whitespace"), "{stdout}");
}

#[test]
fn doctor_warns_about_plain_http_only_off_this_machine() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/v1/models");
        then.status(200).json_body(catalog());
    });
    for host in ["127.0.0.1", "localhost"] {
        let base = server.url("/v1").replace("127.0.0.1", host);
        let (_, stdout, _) = run(tokenfactory()
            .env("OMNIVA_API_KEY", "sk-1234")
            .env("OMNIVA_BASE_URL", &base)
            .args(["doctor", "--no-chat"]));
        assert!(stdout.contains(&format!("✓ base URL         {base}, direct (no proxy)")), "{stdout}");
        assert!(!stdout.contains("unencrypted"), "{stdout}");
    }
    let (_, stdout, _) = run(tokenfactory()
        .env("OMNIVA_API_KEY", "sk-1234")
        .env("OMNIVA_BASE_URL", "http://gateway.invalid/v1")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .args(["doctor", "--no-chat"]));
    assert!(stdout.contains("! base URL         http://gateway.invalid/v1, via proxy"), "{stdout}");
    assert!(stdout.contains("    plain http: the key and prompts travel unencrypted\n"), "{stdout}");
}
