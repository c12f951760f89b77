//! `chat --schema`: the schema goes in the system message and in `response_format`; a valid answer
//! is printed as is, a fenced one unwrapped; an invalid one is asked for again with the
//! validator's message, and after the last try printed as received with exit 1 and where it fails.

use serde_json::{Value, json};

use crate::harness::{completion, run, with_key};
use crate::script_server::{Script, ScriptServer, Step, content, done};

const PERSON: &str = r#"{"title":"Person","type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"],"additionalProperties":false}"#;

fn answers(texts: &[&str]) -> ScriptServer {
    ScriptServer::start(
        texts.iter().map(|t| Script::body(200, "application/json", &completion(t).to_string())).collect(),
    )
}

fn chat_with_schema(server: &ScriptServer, extra: &[&str]) -> (i32, String, String) {
    run(with_key(&server.base()).args(["chat", "--schema", PERSON]).args(extra).arg("Invent a person"))
}

#[test]
fn schema_is_stated_in_the_system_message_and_sent_as_response_format() {
    let server = answers(&[r#"{"name":"Ada","age":36}"#]);
    let (code, stdout, stderr) = chat_with_schema(&server, &["-s", "You write fiction."]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "{\"name\":\"Ada\",\"age\":36}\n", ""));
    let body = server.requests()[0].json();
    let system = body["messages"][0]["content"].as_str().expect("system message");
    assert!(
        system.starts_with(
            "You write fiction.\n\nAnswer with a single JSON value that is valid against the JSON Schema below"
        ),
        "{system}"
    );
    let stated: Value =
        serde_json::from_str(system.rsplit("\n\n").next().expect("schema")).expect("the schema, as JSON");
    assert_eq!(stated, serde_json::from_str::<Value>(PERSON).expect("schema"));
    assert_eq!(body["response_format"]["type"], json!("json_schema"));
    assert_eq!(body["response_format"]["json_schema"]["name"], json!("Person"));
    assert_eq!(body["response_format"]["json_schema"]["strict"], json!(true));
    assert_eq!(body["response_format"]["json_schema"]["schema"], stated);
    assert_eq!(body["messages"][1], json!({"role": "user", "content": "Invent a person"}));
}

#[test]
fn schema_from_a_file_and_a_fenced_answer_is_unwrapped() {
    let server = answers(&["```json\n{\"name\":\"Ada\",\"age\":36}\n```"]);
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("person-{}.json", std::process::id()));
    std::fs::write(&file, PERSON).expect("write");
    let (code, stdout, _) = run(with_key(&server.base()).args(["chat", "--schema"]).arg(&file).arg("Invent a person"));
    assert_eq!((code, stdout.as_str()), (0, "{\"name\":\"Ada\",\"age\":36}\n"));
    let body = server.requests()[0].json();
    assert_eq!(body["messages"][0]["role"], json!("system"), "a system message of its own when -s is not given");
}

#[test]
fn an_invalid_answer_is_asked_for_again_with_the_validators_message() {
    let server = answers(&[r#"{"name":"Ada","age":"thirty-six"}"#, r#"{"name":"Ada","age":36}"#]);
    let (code, stdout, stderr) = chat_with_schema(&server, &[]);
    assert_eq!((code, stdout.as_str()), (0, "{\"name\":\"Ada\",\"age\":36}\n"), "{stderr}");
    assert_eq!(
        stderr,
        "tokenfactory: the answer does not match the schema (at /age: want integer, but got string); asking again\n"
    );
    let second = server.requests()[1].json();
    let messages = second["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[2], json!({"role": "assistant", "content": r#"{"name":"Ada","age":"thirty-six"}"#}));
    assert_eq!(
        messages[3]["content"],
        json!(
            "That answer is not valid against the JSON Schema: at /age: want integer, but got string. Reply again with only the corrected JSON value."
        )
    );
}

#[test]
fn an_answer_still_invalid_is_printed_as_received_with_exit_1_and_the_path() {
    let server = answers(&[r#"{"name":7,"age":1}"#, r#"{"name":"Ada"}"#]);
    let (code, stdout, stderr) = chat_with_schema(&server, &[]);
    assert_eq!((code, stdout.as_str()), (1, "{\"name\":\"Ada\"}\n"));
    assert!(
        stderr.ends_with("tokenfactory: error: the answer does not match the schema: at /: missing properties 'age'\n"),
        "{stderr}"
    );
    assert_eq!(server.requests().len(), 2);

    let server = answers(&["Sure! Ada, 36."]);
    let (code, stdout, stderr) = chat_with_schema(&server, &["--schema-retries", "0"]);
    assert_eq!((code, stdout.as_str()), (1, "Sure! Ada, 36.\n"));
    assert_eq!(
        stderr,
        "tokenfactory: error: the answer does not match the schema: the answer is not JSON (expected value at line 1 column 1)\n"
    );
    assert_eq!(server.requests().len(), 1, "--schema-retries 0 asks once");
}

#[test]
fn a_server_that_rejects_response_format_gets_the_request_again_without_it() {
    let server = ScriptServer::start(vec![
        Script::body(
            400,
            "application/json",
            r#"{"error":{"message":"Unrecognized request argument supplied: response_format","param":"response_format","code":"invalid_request_error"}}"#,
        ),
        Script::body(200, "application/json", &completion(r#"{"name":"Ada","age":36}"#).to_string()),
    ]);
    let (code, stdout, stderr) = chat_with_schema(&server, &[]);
    assert_eq!((code, stdout.as_str()), (0, "{\"name\":\"Ada\",\"age\":36}\n"), "{stderr}");
    assert!(stderr.contains("the server does not take response_format"), "{stderr}");
    let requests = server.requests();
    assert!(requests[0].json().get("response_format").is_some());
    assert!(requests[1].json().get("response_format").is_none());
    assert!(
        requests[1].json()["messages"][0]["content"].as_str().is_some_and(|s| s.contains("JSON Schema")),
        "the instruction stays"
    );
}

#[test]
fn schema_with_stream_prints_the_answer_once_checked() {
    let server = ScriptServer::start(vec![Script::sse(vec![
        content("{\"name\":"),
        content("\"Ada\",\"age\":36}"),
        done(),
        Step::End,
    ])]);
    let (code, stdout, stderr) = chat_with_schema(&server, &["--stream"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "{\"name\":\"Ada\",\"age\":36}\n", ""));
    assert_eq!(server.requests()[0].json()["stream"], json!(true));
}

#[test]
fn a_bad_schema_is_a_usage_error() {
    let server = answers(&[]);
    for (schema, says) in [
        ("{not json", "the inline schema is not JSON"),
        (r#"{"type": 12}"#, "the schema is not valid"),
        ("/nonexistent/person.json", "cannot read the schema file /nonexistent/person.json"),
    ] {
        let (code, stdout, stderr) = run(with_key(&server.base()).args(["chat", "--schema", schema, "hi"]));
        assert_eq!((code, stdout.as_str()), (2, ""), "{schema}");
        assert!(stderr.starts_with(&format!("tokenfactory: error: {says}")), "{stderr}");
    }
    assert!(server.requests().is_empty());
}
