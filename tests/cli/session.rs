//! The interactive session (`tokenfactory chat` on a terminal), run on a pseudo-terminal: keys
//! typed, answers streamed, commands, Ctrl-C and Ctrl-D, and what the server and the history got.

use std::sync::mpsc;

use serde_json::{Value, json};

use crate::harness::{KEY, fresh_home, run, tokenfactory};
use crate::script_server::{Script, ScriptServer, Step, content, done, event};
use crate::terminal::Terminal;

const FINISH: &str = r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;

/// A streamed answer in two pieces, complete.
fn answer(text: &str) -> Script {
    let (a, b) = text.split_at(text.len() / 2);
    Script::sse(vec![content(a), content(b), event(FINISH), done(), Step::End])
}

fn catalog() -> Script {
    let ids = ["Omniva/Kimi-K2.6", "Omniva/Kimi-K2.5", "meta-llama/Llama-3.3-70B-Instruct"];
    let data: Vec<Value> = ids.iter().map(|id| json!({"id": id, "object": "model", "owned_by": "omniva"})).collect();
    Script::body(200, "application/json", &json!({"object": "list", "data": data}).to_string())
}

fn env(base: &str) -> Vec<(&'static str, String)> {
    vec![("OMNIVA_API_KEY", KEY.to_string()), ("OMNIVA_BASE_URL", base.to_string())]
}

fn start(args: &[&str], base: &str, home: &std::path::Path) -> Terminal {
    let vars = env(base);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Terminal::start(args, &vars, home)
}

/// The messages of a recorded request, as (role, content) pairs.
fn messages(body: &Value) -> Vec<(String, String)> {
    body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| (m["role"].as_str().unwrap_or("").to_string(), m["content"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(r, c)| (r.to_string(), c.to_string())).collect()
}

#[test]
fn a_session_streams_turns_keeps_them_as_one_conversation_and_its_commands_work() {
    let (hold, held) = mpsc::channel::<()>();
    let server = ScriptServer::start(vec![
        answer("The first answer."),
        answer("A block, read."),
        answer("A paste, read."),
        Script::sse(vec![
            content("Half of an ans"),
            Step::Wait(held),
            content("wer."),
            event(FINISH),
            done(),
            Step::End,
        ]),
        Script::body(
            503,
            "application/json",
            r#"{"error":{"message":"Omniva/Kimi-K2.6 is overloaded","type":"server_error"}}"#,
        ),
        catalog(),
        answer("Switched."),
        answer("Asked again."),
        answer("From curl."),
    ]);
    let base = server.base();
    let home = fresh_home();
    let mut term = start(&["--retries", "0", "chat"], &base, &home);
    term.expect("/help lists the commands");
    term.expect("> ");
    assert!(server.requests().is_empty(), "nothing is sent before the first prompt");

    term.send("What is first?\r");
    term.expect("The first answer.");
    term.expect("> ");

    term.send("\"\"\"\r");
    term.send("line one\r");
    term.send("  line two\r");
    term.send("\"\"\"\r");
    term.expect("A block, read.");
    term.expect("> ");

    term.send("\u{1b}[200~pasted one\rpasted two\u{1b}[201~");
    term.send("\r");
    term.expect("A paste, read.");
    term.expect("> ");

    term.send("Tell me more\r");
    term.expect("Half of an ans");
    term.send("\u{3}");
    term.expect("stopped: what was printed is kept, recorded as interrupted");
    term.expect("> ");
    drop(hold);

    term.send("This one fails\r");
    term.expect("error:");
    let error = term.expect("> ");
    assert!(error.contains("503"), "{error}");
    assert!(error.contains("hint:"), "{error}");

    term.send("/model kimi-k2.5\r");
    let refused = term.expect("> ");
    assert!(refused.contains("kimi-k2.5 is not in the catalog; the model stays Omniva/Kimi-K2.6"), "{refused}");
    assert!(refused.contains("closest: Omniva/Kimi-K2.5"), "{refused}");
    term.send("/model Omniva/Kimi-K2.5\r");
    term.expect("Omniva/Kimi-K2.5> ");
    term.send("/system Be brief.\r");
    term.expect("system prompt: \"Be brief.\"");

    term.send("Now with the switch\r");
    term.expect("Switched.");
    term.expect("Omniva/Kimi-K2.5> ");
    term.send("/retry\r");
    term.expect("Asked again.");
    term.expect("Omniva/Kimi-K2.5> ");

    let saved = home.join("conversation.md");
    std::fs::write(home.join("notes.md"), "mine").expect("a file of the user's");
    term.send("/save ~/notes.md\r");
    term.expect("notes.md exists already; it is left as it is");
    term.send("/save ~/conversation.md\r");
    term.expect("saved 7 exchanges to ");
    term.expect("Omniva/Kimi-K2.5> ");
    assert_eq!(std::fs::read_to_string(home.join("notes.md")).expect("kept"), "mine");
    term.send("/print curl\r");
    let printed = term.expect("Omniva/Kimi-K2.5> ");
    term.send("\u{4}");
    let (code, screen) = term.finish();
    assert_eq!(code, 0, "Ctrl-D leaves with 0:\n{screen}");

    let requests = server.requests();
    let chats: Vec<Value> = requests.iter().filter(|r| r.head.starts_with("POST")).map(|r| r.json()).collect();
    assert_eq!(chats.len(), 7, "five turns, the switch and the retry");
    assert!(requests[5].head.starts_with("GET /v1/models"), "the catalog, fetched for /model only");
    assert_eq!(messages(&chats[1]).last().map(|m| m.1.as_str()), Some("line one\n  line two"));
    assert_eq!(messages(&chats[2]).last().map(|m| m.1.as_str()), Some("pasted one\npasted two"));
    assert_eq!(chats[0]["stream"], true);
    let after_switch = pairs(&[
        ("system", "Be brief."),
        ("user", "What is first?"),
        ("assistant", "The first answer."),
        ("user", "line one\n  line two"),
        ("assistant", "A block, read."),
        ("user", "pasted one\npasted two"),
        ("assistant", "A paste, read."),
        ("user", "Tell me more"),
        ("assistant", "Half of an ans"),
        ("user", "Now with the switch"),
    ]);
    // The failed turn is not sent again; the interrupted one is, as printed.
    assert_eq!(messages(&chats[5]), after_switch);
    assert_eq!(chats[5]["model"], "Omniva/Kimi-K2.5");
    // /retry sends the same request again: the replaced answer is left out.
    assert_eq!(chats[6], chats[5]);

    let markdown = std::fs::read_to_string(&saved).expect("the saved conversation");
    assert!(markdown.starts_with("# What is first?\n"), "{markdown}");
    for part in [
        "## You (1)\n\nWhat is first?\n\n## Omniva/Kimi-K2.6 (1)\n\nThe first answer.\n",
        "## You (2)\n\nline one\n  line two\n",
        "Half of an ans\n\n> interrupted (Ctrl-C)\n",
        "> failed: ",
        "**System:** Be brief.\n",
        "Switched.\n\n> asked again (/retry): the next turn replaces this answer\n",
        "## You (7)\n\nNow with the switch\n\n## Omniva/Kimi-K2.6 (7)\n\nAsked again.\n",
    ] {
        assert!(markdown.contains(part), "{part:?} in:\n{markdown}");
    }

    // /print curl wrote the last request as a command that sends the same body.
    let command = printed.trim_start_matches("/print curl").trim();
    assert!(command.starts_with("curl "), "{printed}");
    let ran = std::process::Command::new("bash")
        .arg("-c")
        .arg(command)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("OMNIVA_API_KEY", KEY)
        .output()
        .expect("bash runs the printed curl");
    assert!(ran.status.success() && String::from_utf8_lossy(&ran.stdout).contains("data: [DONE]"), "{ran:?}");
    let from_curl = server.requests().last().expect("curl's request").json();
    assert_eq!(from_curl, chats[6], "the printed request is the request sent");

    // The prompts are kept for the next session, privately.
    let prompts = home.join(".local/share/tokenfactory/history.prompts");
    let kept = std::fs::read_to_string(&prompts).expect("the prompts file");
    assert!(kept.contains("What is first?\n") && kept.contains("/retry\n"), "{kept}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&prompts).expect("meta").permissions().mode() & 0o777, 0o600);

    // After leaving: `chat -c` sends the session's turns; `chat -i -c` reopens it.
    let after = ScriptServer::start(vec![answer("Continued."), answer("Reopened.")]);
    let (code, stdout, stderr) = run(tokenfactory().env("HOME", &home).env("OMNIVA_API_KEY", KEY).args([
        "--base-url",
        &after.base(),
        "chat",
        "--stream",
        "-c",
        "And then?",
    ]));
    assert_eq!((code, stdout.as_str()), (0, "Continued.\n"), "{stderr}");
    let mut continued = after_switch.clone();
    continued.truncate(9);
    continued.extend(pairs(&[("user", "Now with the switch"), ("assistant", "Asked again."), ("user", "And then?")]));
    assert_eq!(messages(&after.requests()[0].json()), continued);

    let mut term = start(&["chat", "-i", "-c"], &after.base(), &home);
    term.expect("continuing conversation ");
    term.expect("the last one:");
    term.expect("> And then?\nContinued.");
    term.expect("> ");
    term.send("One more\r");
    term.expect("Reopened.");
    term.expect("> ");
    term.send("/exit\r");
    let (code, _) = term.finish();
    assert_eq!(code, 0);
    let reopened = messages(&after.requests()[1].json());
    assert_eq!(
        reopened[reopened.len() - 3..],
        pairs(&[("user", "And then?"), ("assistant", "Continued."), ("user", "One more")])
    );

    let (_, shown, _) = run(tokenfactory().env("HOME", &home).args(["history", "show", "--json"]));
    let shown: Value = serde_json::from_str(&shown).expect("history show --json");
    let statuses: Vec<&str> =
        shown["exchanges"].as_array().expect("exchanges").iter().map(|e| e["status"].as_str().unwrap_or("")).collect();
    assert_eq!(
        statuses,
        ["complete", "complete", "complete", "interrupted", "failed", "replaced", "complete", "complete", "complete"]
    );
}

#[test]
fn new_forget_and_a_conversation_too_long_for_the_model() {
    let too_long = r#"{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}"#;
    let server = ScriptServer::start(vec![
        answer("One."),
        answer("Two."),
        Script::body(400, "application/json", too_long),
        answer("Three."),
        answer("Fresh."),
    ]);
    let home = fresh_home();
    let mut term = start(&["chat", "-s", "Be terse."], &server.base(), &home);
    term.expect("> ");
    term.send("first\r");
    term.expect("One.");
    term.expect("> ");
    term.send("second\r");
    term.expect("Two.");
    term.expect("> ");
    term.send("third\r");
    term.expect("third");
    let error = term.expect("> ");
    assert!(error.contains("/forget N leaves the oldest N exchanges out of what is sent"), "{error}");
    assert!(error.contains("/new starts a fresh conversation"), "{error}");
    assert!(!error.contains("without -c"), "the one-shot fix is not offered in a session: {error}");
    term.send("/forget 1\r");
    term.expect("1 exchange left out of what is sent (the history keeps them); 1 still sent");
    term.send("third again\r");
    term.expect("Three.");
    term.expect("> ");
    term.send("/hist\t\r");
    let listed = term.expect("   4  complete");
    assert!(
        listed.contains("conversation ") && listed.contains("   1  forgotten") && listed.contains("   3  failed"),
        "TAB completed /history: {listed}"
    );
    term.expect("> ");
    term.send("/new\r");
    term.expect("a new conversation");
    term.send("fresh start\r");
    term.expect("Fresh.");
    term.send("/modle\r");
    term.expect("unknown command /modle; did you mean /model?");
    term.send("abc\u{3}");
    term.expect("Ctrl-D on an empty line or /exit leaves the session");
    term.send("\u{4}");
    let (code, _) = term.finish();
    assert_eq!(code, 0);

    let chats: Vec<Value> = server.requests().iter().map(|r| r.json()).collect();
    assert_eq!(
        messages(&chats[3]),
        pairs(&[("system", "Be terse."), ("user", "second"), ("assistant", "Two."), ("user", "third again")])
    );
    assert_eq!(messages(&chats[4]), pairs(&[("system", "Be terse."), ("user", "fresh start")]));
    let (_, list, _) = run(tokenfactory().env("HOME", &home).args(["history", "--json"]));
    let list: Value = serde_json::from_str(&list).expect("history --json");
    assert_eq!(list.as_array().map(Vec::len), Some(2), "/new started a second conversation: {list}");
}

#[test]
fn a_missing_key_fails_before_the_first_prompt_and_a_pipe_is_not_a_session() {
    let home = fresh_home();
    let mut term = Terminal::start(&["chat"], &[], &home);
    term.expect("OMNIVA_API_KEY is not set");
    let (code, screen) = term.finish();
    assert_eq!(code, 3, "{screen}");
    assert!(!screen.contains("> "), "no prompt without a key: {screen}");

    let (code, _, stderr) = run(tokenfactory().env("OMNIVA_API_KEY", KEY).args(["chat", "-i"]).write_stdin("hi"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("chat -i needs a terminal"), "{stderr}");
}

#[test]
fn ctrl_c_between_answers_never_ends_the_session_and_the_next_one_recalls_the_prompts() {
    let server = ScriptServer::start(vec![answer("Fine."), catalog(), answer("Recalled.")]);
    let home = fresh_home();
    let mut term = start(&["chat", "-i", "Start here"], &server.base(), &home);
    term.expect("Fine.");
    term.expect("> ");
    for _ in 0..3 {
        term.send("\u{3}");
        term.expect("leaves the session");
    }
    term.send("/stats\r");
    term.expect("this session: 1 turn (1 answered)");
    term.send("/exit\r");
    let (code, _) = term.finish();
    assert_eq!(code, 0);
    assert_eq!(
        messages(&server.requests()[0].json()),
        pairs(&[("user", "Start here")]),
        "-i's prompt is the first turn"
    );

    // The next session: TAB completes a catalog ID, the up arrow brings back the earlier prompt.
    let mut term = start(&["chat"], &server.base(), &home);
    term.expect("> ");
    term.send("/model llama\t\r");
    term.expect("model: meta-llama/Llama-3.3-70B-Instruct");
    term.expect("meta-llama/Llama-3.3-70B-Instruct> ");
    term.send("\u{1b}[A\u{1b}[A\u{1b}[A\u{1b}[A\r");
    term.expect("Recalled.");
    term.send("\u{4}");
    let (code, _) = term.finish();
    assert_eq!(code, 0);
    let recalled = server.requests()[2].json();
    assert_eq!(recalled["model"], "meta-llama/Llama-3.3-70B-Instruct");
    assert_eq!(
        messages(&recalled),
        pairs(&[("user", "Start here")]),
        "up past /model, /exit and /stats to the first prompt, given with -i"
    );
}
