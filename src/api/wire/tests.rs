//! The wire types against bodies as servers send them.

use super::*;

#[test]
fn completion_tolerates_extra_and_missing_fields() {
    let body = r#"{"id":"x","object":"chat.completion","created":0,"model":"m","system_fingerprint":null,
        "choices":[{"index":0,"message":{"role":"assistant","content":"hi","reasoning_content":"think","tool_calls":[]},
        "finish_reason":"stop","logprobs":null}],
        "usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8,"reasoning_tokens":2}}"#;
    let c: ChatCompletion = serde_json::from_str(body).expect("parses");
    let m = c.choices[0].message.as_ref().expect("message");
    assert_eq!(m.content.as_deref(), Some("hi"));
    assert_eq!(m.reasoning(), Some("think"));
    assert_eq!(c.usage.and_then(|u| u.reasoning()), Some(2));
}

#[test]
fn reasoning_field_alias_and_nested_reasoning_tokens() {
    let body = r#"{"choices":[{"message":{"content":null,"reasoning":"hmm"}}],
        "usage":{"completion_tokens_details":{"reasoning_tokens":7}}}"#;
    let c: ChatCompletion = serde_json::from_str(body).expect("parses");
    assert_eq!(c.choices[0].message.as_ref().and_then(|m| m.reasoning()), Some("hmm"));
    assert_eq!(c.usage.and_then(|u| u.reasoning()), Some(7));
}

#[test]
fn error_envelope_accepts_numeric_codes_and_python_none() {
    let e: ErrorEnvelope =
        serde_json::from_str(r#"{"error":{"message":"m","type":"t","code":404,"param":"None"}}"#).expect("parses");
    let ErrorField::Object(o) = e.error else { panic!("object expected") };
    assert_eq!((o.code.as_deref(), o.param.as_deref()), (Some("404"), None));
    let e: ErrorEnvelope = serde_json::from_str(r#"{"error":"plain"}"#).expect("parses");
    assert!(matches!(e.error, ErrorField::Text(ref s) if s == "plain"));
}

#[test]
fn chunks_borrow_plain_strings_and_keep_the_first_choice() {
    let data = r#"{"model":"m","choices":[{"delta":{"content":"plain"},"finish_reason":"stop"},{"delta":{"content":"second"}}]}"#;
    let chunk: ChatChunk = serde_json::from_str(data).expect("parses");
    let choice = chunk.choice.expect("first choice");
    let content = choice.delta.and_then(|d| d.content).expect("content");
    assert!(matches!(content.0, Cow::Borrowed("plain")), "{content:?}");
    assert_eq!(choice.finish_reason.as_deref(), Some("stop"));
    let escaped: ChatChunk = serde_json::from_str(r#"{"choices":[{"delta":{"content":"a\nb"}}]}"#).expect("parses");
    let content = escaped.choice.and_then(|c| c.delta).and_then(|d| d.content).expect("content");
    assert!(matches!(content.0, Cow::Owned(ref s) if s == "a\nb"), "{content:?}");
    let none: ChatChunk = serde_json::from_str(r#"{"choices":[],"usage":{"completion_tokens":3}}"#).expect("parses");
    assert!(none.choice.is_none());
    let null: ChatChunk = serde_json::from_str(r#"{"choices":null}"#).expect("parses");
    assert!(null.choice.is_none());
}

#[test]
fn models_with_created_zero_or_missing() {
    let l: ModelList = serde_json::from_str(
        r#"{"object":"list","data":[{"id":"a","object":"model","created":0,"owned_by":"o"},{"id":"b"}]}"#,
    )
    .expect("parses");
    assert_eq!(l.data.len(), 2);
    assert_eq!(l.data[0].created, Some(0));
    assert_eq!(l.data[1].owned_by, None);
}

#[test]
fn request_leaves_out_unset_options() {
    let r = ChatRequest {
        model: "m".into(),
        messages: vec![Message::new(Role::User, "hi")],
        temperature: None,
        max_tokens: None,
        stream: false,
        stream_options: None,
        response_format: None,
    };
    assert_eq!(
        serde_json::to_string(&r).expect("serialises"),
        r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#
    );
}

#[test]
fn usage_is_read_leniently_and_never_fails_the_reply() {
    let read = |usage: &str| {
        let body = format!(r#"{{"choices":[{{"message":{{"content":"hi"}}}}],"usage":{usage}}}"#);
        serde_json::from_str::<ChatCompletion>(&body).expect("the reply parses").usage
    };
    let u = read(r#"{"prompt_tokens":5.0,"completion_tokens":-5,"total_tokens":"many"}"#).expect("usage");
    assert_eq!((u.prompt_tokens, u.completion_tokens, u.total_tokens), (Some(5), None, None));
    assert_eq!(u.unreadable, Some("completion_tokens"));
    let u = read(r#"{"prompt_tokens":1e300,"completion_tokens":2.5,"reasoning_tokens":null}"#).expect("usage");
    assert_eq!((u.prompt_tokens, u.completion_tokens, u.reasoning_tokens), (None, None, None));
    assert_eq!(read("5"), None);
    assert_eq!(read("null"), None);
    assert_eq!(read(r#"{"completion_tokens_details":{"reasoning_tokens":7}}"#).and_then(|u| u.reasoning()), Some(7));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_usage_value_leaves_the_answer_readable(value in prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|f| if f.is_finite() { f.to_string() } else { "1e999".into() }),
            "\\PC{0,12}".prop_map(|s| serde_json::Value::from(s).to_string()),
            Just("[1,2]".to_string()),
            Just("{}".to_string()),
        ]) {
            let body = format!(r#"{{"choices":[{{"message":{{"content":"kept"}}}}],"usage":{{"prompt_tokens":{value},"completion_tokens":{value}}}}}"#);
            if let Ok(c) = serde_json::from_str::<ChatCompletion>(&body) {
                prop_assert_eq!(c.choices[0].message.as_ref().and_then(|m| m.content.as_deref()), Some("kept"));
                let u = c.usage.unwrap_or_default();
                prop_assert!(u.prompt_tokens.is_none_or(|n| n as f64 <= LARGEST_COUNT));
            } else {
                // Only a number JSON itself cannot hold (1e999) makes the reply invalid JSON.
                prop_assert!(value.contains("e999"), "{}", body);
            }
        }

        #[test]
        fn chunks_carry_their_content_through_any_escaping(content in "\\PC{0,80}", finish in proptest::option::of("[a-z_]{1,12}")) {
            let data = serde_json::json!({"model": "m", "choices": [{"delta": {"content": content}, "finish_reason": finish}]}).to_string();
            let chunk: ChatChunk = serde_json::from_str(&data).expect("a valid chunk parses");
            let choice = chunk.choice.expect("a choice");
            prop_assert_eq!(choice.delta.as_ref().and_then(|d| d.content.as_deref()), Some(content.as_str()));
            prop_assert_eq!(choice.finish_reason.as_deref(), finish.as_deref());
        }

        #[test]
        fn text_that_is_not_a_json_object_is_never_a_chunk(data in "[^{\\[\\s]\\PC{0,100}") {
            prop_assert!(serde_json::from_str::<ChatChunk>(&data).is_err());
        }
    }
}
