//! The shared test harness: a command builder with a scrubbed environment, the test key, and
//! helpers to check outputs.

use assert_cmd::Command;

/// A key of realistic shape. Every test asserts it never appears in any output.
pub const KEY: &str = "sk-oaTESTKEY0123456789abcdef25xx";

/// Environment variables that could change behaviour, all scrubbed (the process starts from an
/// empty environment; these are listed so a reader sees what matters).
pub const SCRUBBED: &[&str] = &[
    "OMNIVA_API_KEY",
    "OMNIVA_BASE_URL",
    "OMNIVA_MODEL",
    "OMNIVA_TIMEOUT",
    "OMNIVA_CA_BUNDLE",
    "OMNIVA_FALLBACK_MODELS",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TERM",
    "HOME",
    "COLUMNS",
];

/// `tokenfactory` with a clean environment: nothing from the developer's shell leaks in.
pub fn tokenfactory() -> Command {
    let mut cmd = Command::cargo_bin("tokenfactory").expect("binary built");
    cmd.env_clear();
    for var in SCRUBBED {
        cmd.env_remove(var);
    }
    cmd.env("PATH", "/usr/bin:/bin");
    cmd
}

/// `tokenfactory` with the test key set and the base URL pointed at `base`.
pub fn with_key(base: &str) -> Command {
    let mut cmd = tokenfactory();
    cmd.env("OMNIVA_API_KEY", KEY).env("OMNIVA_BASE_URL", base);
    cmd
}

/// Runs the command and returns (exit code, stdout, stderr), checking the key leaked nowhere.
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !stdout.contains(KEY) && !stderr.contains(KEY),
        "the key leaked:\n{stdout}\n{stderr}"
    );
    assert!(
        !stdout.contains("TESTKEY") && !stderr.contains("TESTKEY"),
        "part of the key leaked:\n{stdout}\n{stderr}"
    );
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

/// A chat completion body with `content`.
pub fn completion(content: &str) -> serde_json::Value {
    serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1764000000, "model": "Omniva/Kimi-K2.6",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
    })
}
