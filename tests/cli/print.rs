//! `chat --print`: the printed program sends exactly the request chat sends. The curl command is
//! run with `sh` against a loopback server and the body it sends is compared, as JSON, with the
//! body chat itself sends; the Python and TypeScript programs are parsed (and the Python one run
//! where the `openai` package is installed). The key is only ever `$OMNIVA_API_KEY`.

use std::path::PathBuf;
use std::process::Stdio;

use serde_json::Value;

use crate::harness::{KEY, completion, run, tokenfactory, with_key};
use crate::script_server::{Script, ScriptServer, content, done};

/// A tool from the test runner's PATH (the binary under test gets a scrubbed one).
fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// An answer that is also valid for the schema the tests use.
const ANSWER: &str = r#"{"name":"Ada"}"#;

fn answer_script(stream: bool, answer: &str) -> Script {
    if stream {
        Script::sse(vec![content(answer), done(), crate::script_server::Step::End])
    } else {
        Script::body(200, "application/json", &completion(answer).to_string())
    }
}

/// The body and headers the server received from `chat ARGS` (with `stdin`).
fn sent_by_chat(args: &[&str], stdin: &str, stream: bool) -> (Value, String) {
    let server = ScriptServer::start(vec![answer_script(stream, ANSWER)]);
    let (code, _, stderr) = run(with_key(&server.base()).arg("chat").args(args).write_stdin(stdin.to_string()));
    assert_eq!(code, 0, "{args:?}: {stderr}");
    let request = server.requests().remove(0);
    assert!(request.head.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"), "{}", request.head);
    (request.json(), request.head)
}

/// The body and headers the server received from running `chat --print curl ARGS` with `sh`.
fn sent_by_curl(args: &[&str], stdin: &str, stream: bool) -> (Value, String) {
    let server = ScriptServer::start(vec![answer_script(stream, ANSWER)]);
    let (code, program, stderr) = run(tokenfactory()
        .env("OMNIVA_BASE_URL", server.base())
        .args(["chat", "--print", "curl"])
        .args(args)
        .write_stdin(stdin.to_string()));
    assert_eq!(code, 0, "{args:?}: {stderr}");
    assert!(program.contains("$OMNIVA_API_KEY"), "{program}");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&program)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("OMNIVA_API_KEY", KEY)
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{program}\n{}", String::from_utf8_lossy(&out.stderr));
    let request = server.requests().remove(0);
    assert!(request.head.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"), "{}", request.head);
    (request.json(), request.head)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
}

#[test]
fn print_curl_sends_exactly_what_chat_sends_for_any_prompt() {
    tool("curl").expect("curl is needed to run the printed programs (apt-get install curl)");
    let hundred_kb = "line of a long document, with 'quotes' and $VARS\n".repeat(2100);
    let schema = r#"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#;
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["it's \"quoted\" and 'single'"], ""),
        (vec!["$(touch /tmp/tokenfactory-pwned) `id` $HOME ${PATH}"], ""),
        (vec!["two\nlines\r\nand a tab\there"], ""),
        (vec!["emoji 🦀 and ünïcödé and \u{2028}"], ""),
        (vec!["-s", "You're terse; use $0", "--temperature", "0.3", "--max-tokens", "77", "hi"], ""),
        (vec!["summarize"], hundred_kb.as_str()),
        (vec!["--schema", schema, "Invent a person"], ""),
    ];
    for stream in [false, true] {
        for (args, stdin) in &cases {
            let mut args = args.clone();
            if stream {
                args.insert(0, "--stream");
            }
            let (chat_body, chat_head) = sent_by_chat(&args, stdin, stream);
            let (curl_body, curl_head) = sent_by_curl(&args, stdin, stream);
            assert_eq!(curl_body, chat_body, "{args:?}");
            for name in ["authorization", "content-type"] {
                assert_eq!(header(&curl_head, name), header(&chat_head, name), "{name} for {args:?}");
            }
            assert_eq!(header(&curl_head, "authorization"), Some(format!("Bearer {KEY}").as_str()));
        }
    }
    assert!(!std::path::Path::new("/tmp/tokenfactory-pwned").exists(), "nothing in the prompt ran");
}

#[test]
fn print_works_without_a_key_and_never_shows_one() {
    for language in ["curl", "python", "typescript", "http"] {
        let (code, program, stderr) = run(tokenfactory().args(["chat", "--print", language, "hi"]));
        assert_eq!((code, stderr.as_str()), (0, ""), "{language}");
        assert!(program.contains("OMNIVA_API_KEY"), "{language}: {program}");
        // `run` fails on any 8 characters of the key.
        let (code, _, _) = run(tokenfactory().env("OMNIVA_API_KEY", KEY).args(["chat", "--print", language, "hi"]));
        assert_eq!(code, 0);
    }
    let (_, http, _) = run(tokenfactory().args(["chat", "--print", "http", "-s", "sys", "hi"]));
    assert!(
        http.contains(
            "POST https://api.tokenfactory.omniva.com/v1/chat/completions\nAuthorization: Bearer {{$processEnv OMNIVA_API_KEY}}\nContent-Type: application/json\n\n{\n  \"model\": \"Omniva/Kimi-K2.6\",\n  \"messages\": [\n    {\n      \"role\": \"system\",\n      \"content\": \"sys\"\n    },"
        ),
        "{http}"
    );
}

/// The program `--print LANGUAGE` writes for a prompt full of awkward characters.
fn printed(language: &str, extra: &[&str]) -> String {
    let (code, program, stderr) = run(tokenfactory()
        .env("OMNIVA_BASE_URL", "http://127.0.0.1:9/v1")
        .args(["chat", "--print", language, "--temperature", "0.5"])
        .args(extra)
        .arg("say \"true\" or null, it's $(x) `y` \\ \u{2028} 🦀\nnext"));
    assert_eq!(code, 0, "{stderr}");
    program
}

#[test]
fn print_python_is_valid_python() {
    let python = tool("python3").expect("python3 is needed to parse the printed programs");
    for extra in [
        &[][..],
        &["--stream"],
        &["--schema", r#"{"type":"object","required":["a"],"properties":{"a":{"type":"boolean"}}}"#],
    ] {
        let program = printed("python", extra);
        assert!(program.contains("api_key=os.environ[\"OMNIVA_API_KEY\"]"), "{program}");
        let out = std::process::Command::new(&python)
            .args(["-c", "import ast, sys; ast.parse(sys.stdin.read())"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().expect("stdin").write_all(program.as_bytes())?;
                child.wait_with_output()
            })
            .expect("python3 runs");
        assert!(out.status.success(), "{program}\n{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// Needs the openai Python package: `.ci/run` installs it and runs this test by name, so a
/// machine without it shows the test as ignored rather than passed.
#[test]
#[ignore = "needs the openai Python package (pip install openai); .ci/run runs it where pip installed it"]
fn print_python_runs_with_the_openai_sdk_and_sends_the_same_body() {
    let python = tool("python3").expect("python3");
    let has_sdk =
        std::process::Command::new(&python).args(["-c", "import openai"]).output().is_ok_and(|o| o.status.success());
    assert!(has_sdk, "the openai Python package is not installed: pip install openai");
    for (stream, extra) in [(false, &["-s", "be brief", "--max-tokens", "9"][..]), (true, &["--stream"])] {
        let prompt = "it's \"quoted\", $(x) and 🦀\nsecond line";
        let mut args = extra.to_vec();
        args.push(prompt);
        let (chat_body, _) = sent_by_chat(&args, "", stream);
        let server = ScriptServer::start(vec![answer_script(stream, "ok")]);
        let (_, program, _) =
            run(tokenfactory().env("OMNIVA_BASE_URL", server.base()).args(["chat", "--print", "python"]).args(&args));
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("py-{}-{stream}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("first_call.py");
        std::fs::write(&file, &program).expect("write");
        let out = std::process::Command::new(&python)
            .arg(&file)
            .env("OMNIVA_API_KEY", KEY)
            .env_remove("OPENAI_BASE_URL")
            .env("NO_PROXY", "127.0.0.1")
            .output()
            .expect("python3 runs");
        assert!(out.status.success(), "{program}\n{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n");
        let request = server.requests().remove(0);
        assert!(request.head.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"), "{}", request.head);
        assert_eq!(request.json(), chat_body, "{program}");
        assert_eq!(header(&request.head, "authorization"), Some(format!("Bearer {KEY}").as_str()));
    }
}

#[test]
fn print_typescript_is_valid_javascript() {
    let node = tool("node").expect("node is needed to check the printed TypeScript");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for (i, extra) in [&[][..], &["--stream"]].iter().enumerate() {
        let program = printed("typescript", extra);
        assert!(program.contains("apiKey: process.env.OMNIVA_API_KEY"), "{program}");
        // The program has no type annotations, so node can check it as a module.
        let file = dir.join(format!("first_call_{i}.mjs"));
        std::fs::write(&file, &program).expect("write");
        let out = std::process::Command::new(&node).arg("--check").arg(&file).output().expect("node runs");
        assert!(out.status.success(), "{program}\n{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn print_continues_a_conversation_without_recording_one() {
    let server =
        ScriptServer::start(vec![Script::body(200, "application/json", &completion("first answer").to_string())]);
    let home = crate::harness::fresh_home();
    assert_eq!(run(with_key(&server.base()).env("HOME", &home).args(["chat", "first"])).0, 0);
    let (code, program, _) = run(tokenfactory().env("HOME", &home).args(["chat", "--print", "curl", "-c", "second"]));
    assert_eq!(code, 0);
    assert!(program.contains(r#"{"role":"user","content":"first"},{"role":"assistant","content":"first answer"},{"role":"user","content":"second"}"#), "{program}");
    let (_, list, _) = run(tokenfactory().env("HOME", &home).args(["history", "--json"]));
    let list: Vec<Value> = serde_json::from_str(&list).expect("JSON");
    assert_eq!((list.len(), list[0]["turns"].as_i64()), (1, Some(1)), "--print sends nothing and records nothing");
}
