//! Files generated from the CLI definition and committed: completion scripts, the man page, and
//! the `--help` texts. Each test fails when the committed copy is stale; run
//! `UPDATE_SNAPSHOTS=1 cargo test --test cli generated` to regenerate them, then review the diff.

use std::path::PathBuf;

use crate::harness::{run, tokenfactory};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares `actual` with the committed file, or rewrites it when UPDATE_SNAPSHOTS is set.
fn check_committed(relative: &str, actual: &str) {
    let path = root().join(relative);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == actual,
        "{relative} is out of date with the binary.\nRegenerate it with: UPDATE_SNAPSHOTS=1 cargo test --test cli generated\n\
         (or: cargo run -q -- {})",
        regenerate_hint(relative)
    );
}

fn regenerate_hint(relative: &str) -> String {
    match relative {
        "completions/tokenfactory.bash" => "completions bash > completions/tokenfactory.bash".into(),
        "completions/_tokenfactory" => "completions zsh > completions/_tokenfactory".into(),
        "completions/tokenfactory.fish" => "completions fish > completions/tokenfactory.fish".into(),
        "completions/_tokenfactory.ps1" => "completions powershell > completions/_tokenfactory.ps1".into(),
        "completions/tokenfactory.elv" => "completions elvish > completions/tokenfactory.elv".into(),
        "man/tokenfactory.1" => "man > man/tokenfactory.1".into(),
        other if other.starts_with("man/tokenfactory-") => {
            let command = other.trim_start_matches("man/tokenfactory-").trim_end_matches(".1");
            format!("man {command} > {other}")
        }
        other => format!("<command> > {other}"),
    }
}

fn stdout_of(args: &[&str]) -> String {
    let (code, stdout, stderr) = run(tokenfactory().args(args));
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

#[test]
fn generated_completion_scripts_are_committed_and_fresh() {
    for (shell, file) in [
        ("bash", "completions/tokenfactory.bash"),
        ("zsh", "completions/_tokenfactory"),
        ("fish", "completions/tokenfactory.fish"),
        ("powershell", "completions/_tokenfactory.ps1"),
        ("elvish", "completions/tokenfactory.elv"),
    ] {
        check_committed(file, &stdout_of(&["completions", shell]));
    }
}

#[test]
fn generated_man_pages_are_committed_and_fresh() {
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "roff: {}", &page[..40.min(page.len())]);
    assert!(page.contains("tokenfactory\\-chat(1)"), "the top page points at the command pages");
    check_committed("man/tokenfactory.1", &page);
    for command in ["chat", "embed", "batch", "models", "history", "doctor", "completions"] {
        let page = stdout_of(&["man", command]);
        assert!(page.contains(&format!(".TH tokenfactory-{command} 1")), "{page}");
        check_committed(&format!("man/tokenfactory-{command}.1"), &page);
    }
    let (code, _, stderr) = run(tokenfactory().args(["man", "nope"]));
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn generated_help_texts_match_their_snapshots() {
    for (args, file) in [
        (&["--help"][..], "tests/snapshots/help.txt"),
        (&["chat", "--help"][..], "tests/snapshots/help-chat.txt"),
        (&["embed", "--help"][..], "tests/snapshots/help-embed.txt"),
        (&["models", "--help"][..], "tests/snapshots/help-models.txt"),
        (&["doctor", "--help"][..], "tests/snapshots/help-doctor.txt"),
        (&["history", "--help"][..], "tests/snapshots/help-history.txt"),
        (&["batch", "run", "--help"][..], "tests/snapshots/help-batch-run.txt"),
        (&["completions", "--help"][..], "tests/snapshots/help-completions.txt"),
    ] {
        check_committed(file, &stdout_of(args));
    }
}

#[test]
fn help_lists_commands_in_the_order_a_newcomer_needs_them() {
    let help = stdout_of(&["--help"]);
    let at = |word: &str| help.find(&format!("\n  {word} ")).unwrap_or_else(|| panic!("{word} in {help}"));
    assert!(at("chat") < at("models") && at("models") < at("doctor") && at("doctor") < at("completions"), "{help}");
    assert!(!help.contains("\n  man "), "the man subcommand is hidden");
}

#[test]
fn every_command_help_ends_with_examples_environment_and_exit_codes() {
    for command in ["chat", "embed", "models", "history", "doctor"] {
        let help = stdout_of(&[command, "--help"]);
        let examples = help.find("Examples:\n").expect("examples");
        let env = help.find("Environment:\n").expect("environment");
        let codes = help.find("Exit codes:").expect("exit codes");
        assert!(examples < env && env < codes, "{command}");
        // Each command lists what it uses: the key only where the API is called.
        assert_eq!(help.contains("OMNIVA_API_KEY"), command != "history", "{command}");
        // The network options are described once, in `tokenfactory --help`.
        assert!(!help.contains("--connect-timeout <SECS>"), "{command}");
        assert_eq!(help.contains("described in tokenfactory --help"), command != "history", "{command}");
    }
    assert!(stdout_of(&["--help"]).contains("--connect-timeout <SECS>"));
}

#[test]
fn help_is_a_command_too_and_small_commands_have_small_help() {
    assert_eq!(stdout_of(&["help", "chat"]), stdout_of(&["chat", "--help"]));
    assert_eq!(stdout_of(&["help", "batch", "run"]), stdout_of(&["batch", "run", "--help"]));
    let path = stdout_of(&["history", "path", "--help"]);
    assert!(path.lines().count() <= 25, "{path}");
    assert!(!path.contains("OMNIVA_API_KEY") && !path.contains("--timeout"), "{path}");
}

#[test]
fn options_a_command_does_not_use_are_refused_in_the_tools_own_style() {
    for args in [
        &["history", "path", "-m", "foo"][..],
        &["--timeout", "5", "history", "path"],
        &["completions", "--retries", "1", "bash"],
    ] {
        let (code, stdout, stderr) = run(tokenfactory().args(args));
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}: {stderr}");
        assert!(stderr.starts_with("tokenfactory: error: "), "{args:?}: {stderr}");
    }
    let (_, _, stderr) = run(tokenfactory().args(["-m", "x", "chat", "hi"]));
    assert!(stderr.contains("hint: options of a command go after its name"), "{stderr}");
}

#[test]
fn completions_for_an_unknown_shell_is_a_usage_error() {
    let (code, _, stderr) = run(tokenfactory().args(["completions", "tcsh"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid value 'tcsh'"), "{stderr}");
}

#[test]
fn bash_completion_is_valid_and_completes_commands_and_model_ids() {
    use httpmock::prelude::*;
    let script = root().join("completions/tokenfactory.bash");
    let status = std::process::Command::new("bash").arg("-n").arg(&script).status().expect("bash");
    assert!(status.success(), "bash -n");

    let server = MockServer::start();
    let models = server.mock(|when, then| {
        when.method(GET).path("/v1/models");
        then.status(200)
            .body("{\"data\":[{\"id\":\"Omniva/Kimi-K2.6\"},{\"id\":\"Omniva/Kimi-K2.5\"},{\"id\":\"meta/llama\"}]}");
    });
    let bin_dir = crate::harness::binary().parent().expect("dir").to_path_buf();
    let complete = |line: &str, with_key: bool| -> String {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "source {script:?}; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE={line:?}; COMP_POINT={point}; \
             _tokenfactory tokenfactory \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words = words.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>().join(" "),
            cword = words.len() - 1,
            point = line.len(),
        );
        let mut cmd = std::process::Command::new("bash");
        cmd.env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("OMNIVA_BASE_URL", server.url("/v1"))
            .args(["-c", &program]);
        if with_key {
            cmd.env("OMNIVA_API_KEY", crate::harness::KEY);
        }
        let out = cmd.output().expect("bash runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(complete("tokenfactory ch", false).lines().any(|l| l == "chat"));
    assert_eq!(complete("tokenfactory chat -m Omniva/", true), "Omniva/Kimi-K2.5\nOmniva/Kimi-K2.6\n");
    assert_eq!(complete("tokenfactory chat --fallback-model me", true), "meta/llama\n");
    models.assert_calls(2);
    assert_eq!(complete("tokenfactory chat -m Omniva/", false), "\n", "no key: no call, no IDs");
    models.assert_calls(2);
}

/// IDs a hostile server could serve: each would run a command if a shell expanded it.
const HOSTILE_IDS: [&str; 5] =
    ["Omniva/Kimi-K2.6", "$(touch PWN1)", "`touch PWN2`", "x;touch PWN3", "Omniva/$(touch PWN4)"];

/// Runs `shell -c program` in a fresh directory with the binary on PATH, the key set and the base
/// URL at a server that serves `HOSTILE_IDS`; returns stdout and whether any PWN file appeared.
fn complete_in(shell: &str, program: &str) -> (String, bool) {
    use httpmock::prelude::*;
    let server = MockServer::start();
    let data: Vec<serde_json::Value> = HOSTILE_IDS.iter().map(|id| serde_json::json!({"id": id})).collect();
    server.mock(|when, then| {
        when.method(GET).path("/v1/models");
        then.status(200).json_body(serde_json::json!({"data": data}));
    });
    let dir = crate::harness::fresh_home();
    let bin_dir = crate::harness::binary().parent().expect("dir").to_path_buf();
    let out = std::process::Command::new(shell)
        .current_dir(&dir)
        .env_clear()
        .env("HOME", &dir)
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("OMNIVA_BASE_URL", server.url("/v1"))
        .env("OMNIVA_API_KEY", crate::harness::KEY)
        .args(["-c", program])
        .output()
        .expect("the shell runs");
    let pwned =
        std::fs::read_dir(&dir).expect("dir").flatten().any(|e| e.file_name().to_string_lossy().starts_with("PWN"));
    (String::from_utf8_lossy(&out.stdout).into_owned(), pwned)
}

#[test]
fn completion_scripts_treat_the_ids_a_server_sends_as_data() {
    let script = |name: &str| root().join("completions").join(name).display().to_string();
    // bash: TAB after -m, with nothing typed and with a prefix.
    let bash = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        format!(
            "source {:?}; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE={line:?}; COMP_POINT={}; \
             _tokenfactory tokenfactory \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script("tokenfactory.bash"),
            words.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>().join(" "),
            words.len() - 1,
            line.len()
        )
    };
    let (all, pwned) = complete_in("bash", &bash("tokenfactory chat -m "));
    assert!(!pwned, "bash ran a served ID");
    // In the catalog's order (by ID), each quoted for the command line.
    assert_eq!(
        all,
        "\\$\\(touch\\ PWN1\\)\n\\`touch\\ PWN2\\`\nOmniva/\\$\\(touch\\ PWN4\\)\nOmniva/Kimi-K2.6\nx\\;touch\\ PWN3\n"
    );
    let (some, pwned) = complete_in("bash", &bash("tokenfactory chat -m Omniva/"));
    assert!(!pwned);
    assert_eq!(some, "Omniva/\\$\\(touch\\ PWN4\\)\nOmniva/Kimi-K2.6\n");
    // Inserting the completed word and running the line runs nothing either: it is one quoted word.
    let (echoed, pwned) = complete_in("bash", "printf '%s\\n' \\$\\(touch\\ PWN1\\) \\`touch\\ PWN2\\`");
    assert!(!pwned);
    assert_eq!(echoed, "$(touch PWN1)\n`touch PWN2`\n");

    for shell in ["zsh", "fish"] {
        if std::process::Command::new(shell).arg("-c").arg("true").output().is_err() {
            panic!("{shell} is needed by this test (.ci/run installs it)");
        }
    }
    // zsh: the helper hands the IDs to compadd as words (a stub prints what it was given).
    let zsh = format!(
        "compdef() {{ :; }}; compadd() {{ shift; for w in ${{(P)1}}; do print -r -- \"$w\"; done }}; source {:?}; _tokenfactory_models",
        script("_tokenfactory")
    );
    let (words, pwned) = complete_in("zsh", &zsh);
    assert!(!pwned, "zsh ran a served ID");
    let mut sorted: Vec<&str> = words.lines().collect();
    sorted.sort_unstable();
    let mut expected = HOSTILE_IDS.to_vec();
    expected.sort_unstable();
    assert_eq!(sorted, expected);
    // fish: TAB after -m, as fish itself completes it.
    let fish = format!("source {:?}; complete -C 'tokenfactory chat -m '", script("tokenfactory.fish"));
    let (offered, pwned) = complete_in("fish", &fish);
    assert!(!pwned, "fish ran a served ID");
    for id in HOSTILE_IDS {
        assert!(offered.lines().any(|l| l.split('\t').next() == Some(id)), "{id} offered as is: {offered}");
    }
}
