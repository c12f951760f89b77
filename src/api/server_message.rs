//! What a server says in an error body, whatever its shape: the OpenAI envelope, FastAPI's
//! `{"detail": …}`, `{"message": …}`, an HTML page from a proxy (its title), or plain text; and the
//! `{"error": …}` event in the middle of a stream.

/// What the server said in an error body, whatever its shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerMessage {
    pub message: Option<String>,
    pub kind: Option<String>,
    pub code: Option<String>,
    pub param: Option<String>,
    pub format: BodyFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BodyFormat {
    #[default]
    Empty,
    Json,
    Html,
    Text,
}

/// Longest server text quoted in a message.
const QUOTE_LIMIT: usize = 300;

impl ServerMessage {
    /// Reads an error body: the OpenAI envelope, `{"detail": …}` (FastAPI), `{"message": …}`,
    /// an HTML page from a proxy (its title), or plain text.
    pub fn parse(body: &[u8], content_type: Option<&str>) -> ServerMessage {
        let text = String::from_utf8_lossy(body);
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return ServerMessage::default();
        }
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed)
            && let Some(found) = from_json(&value)
        {
            return found;
        }
        let is_html = content_type.is_some_and(|c| c.contains("html"))
            || trimmed.starts_with("<!")
            || trimmed.to_ascii_lowercase().starts_with("<html");
        if is_html {
            return ServerMessage {
                message: html_title(trimmed).map(|t| quote(&t)),
                format: BodyFormat::Html,
                ..Default::default()
            };
        }
        ServerMessage { message: Some(quote(trimmed)), format: BodyFormat::Text, ..Default::default() }
    }
}

impl ServerMessage {
    /// The error of a stream event `{"error": …}`, or `None` when the event is not one.
    pub fn from_event(value: &serde_json::Value) -> Option<ServerMessage> {
        value.get("error").filter(|e| !e.is_null())?;
        from_json(value)
    }
}

/// What a successful (2xx) reply lacks to be an answer: `None` when its `field` (`choices`,
/// `data`) is a non-empty list; otherwise why not, quoting an error the server put in its place.
pub fn missing_answer(body: &str, field: &str) -> Option<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return Some("it is not JSON".into());
    };
    let Some(object) = value.as_object() else {
        return Some("it is not a JSON object".into());
    };
    if let Some(server) = ServerMessage::from_event(&value) {
        let message = server.message.unwrap_or_else(|| "no message".into());
        return Some(format!("it holds an error instead: {message}"));
    }
    match object.get(field) {
        Some(serde_json::Value::Array(items)) if !items.is_empty() => None,
        Some(serde_json::Value::Array(_)) => Some(format!("its {field} list is empty")),
        Some(_) => Some(format!("its {field} is not a list")),
        None => Some(format!("it has no {field}")),
    }
}

fn from_json(value: &serde_json::Value) -> Option<ServerMessage> {
    use crate::api::wire::{ErrorEnvelope, ErrorField};
    let json = |message: Option<String>| ServerMessage {
        message: message.map(|m| quote(&m)),
        format: BodyFormat::Json,
        ..Default::default()
    };
    if value.get("error").is_some()
        && let Ok(envelope) = serde_json::from_value::<ErrorEnvelope>(value.clone())
    {
        return Some(match envelope.error {
            ErrorField::Object(o) => ServerMessage {
                message: o.message.map(|m| quote(&m)),
                kind: o.kind,
                code: o.code,
                param: o.param,
                format: BodyFormat::Json,
            },
            ErrorField::Text(t) => json(Some(t).filter(|t| !t.is_empty())),
        });
    }
    match value.get("detail") {
        Some(serde_json::Value::String(s)) => return Some(json(Some(s.clone()))),
        // FastAPI validation errors: [{"loc": [...], "msg": "...", "type": "..."}]
        Some(serde_json::Value::Array(items)) => {
            let msgs: Vec<String> = items
                .iter()
                .filter_map(|i| {
                    let msg = i.get("msg")?.as_str()?;
                    let loc = i.get("loc").and_then(|l| l.as_array()).map(|l| {
                        l.iter()
                            .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
                            .collect::<Vec<_>>()
                            .join(".")
                    });
                    Some(match loc {
                        Some(loc) if !loc.is_empty() => format!("{loc}: {msg}"),
                        _ => msg.to_string(),
                    })
                })
                .collect();
            return Some(json(Some(msgs.join("; ")).filter(|m| !m.is_empty())));
        }
        _ => {}
    }
    if let Some(m) = value.get("message").and_then(|m| m.as_str()) {
        return Some(json(Some(m.to_string())));
    }
    value.is_object().then(|| json(Some(value.to_string())))
}

fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title = html.get(open_end..close)?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then_some(title)
}

/// Shortens server text to one readable line.
fn quote(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > QUOTE_LIMIT {
        let cut: String = one_line.chars().take(QUOTE_LIMIT).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_shapes_servers_send() {
        let m =
            ServerMessage::parse(br#"{"error":{"message":"bad key","type":"auth","code":"invalid_api_key"}}"#, None);
        assert_eq!(
            (m.message.as_deref(), m.code.as_deref(), m.format),
            (Some("bad key"), Some("invalid_api_key"), BodyFormat::Json)
        );
        assert_eq!(ServerMessage::parse(br#"{"detail":"Not Found"}"#, None).message.as_deref(), Some("Not Found"));
        assert_eq!(
            ServerMessage::parse(br#"{"detail":[{"loc":["body","messages"],"msg":"field required"}]}"#, None)
                .message
                .as_deref(),
            Some("body.messages: field required")
        );
        assert_eq!(ServerMessage::parse(br#"{"message":"slow down"}"#, None).message.as_deref(), Some("slow down"));
        let html = ServerMessage::parse(
            b"<!DOCTYPE html><html><head><title>502 Bad\n Gateway</title></head></html>",
            Some("text/html"),
        );
        assert_eq!((html.message.as_deref(), html.format), (Some("502 Bad Gateway"), BodyFormat::Html));
        let text = ServerMessage::parse(b"upstream connect error\n", Some("text/plain"));
        assert_eq!((text.message.as_deref(), text.format), (Some("upstream connect error"), BodyFormat::Text));
        assert_eq!(ServerMessage::parse(b"  ", None), ServerMessage::default());
    }

    #[test]
    fn long_server_text_is_shortened() {
        let long = "x".repeat(1000);
        let m = ServerMessage::parse(long.as_bytes(), None).message.expect("message");
        assert_eq!(m.chars().count(), QUOTE_LIMIT + 1);
    }

    #[test]
    fn replies_without_an_answer_say_what_they_lack() {
        assert_eq!(missing_answer(r#"{"choices":[{}]}"#, "choices"), None);
        assert_eq!(missing_answer("{}", "choices").as_deref(), Some("it has no choices"));
        assert_eq!(missing_answer("[]", "choices").as_deref(), Some("it is not a JSON object"));
        assert_eq!(missing_answer(r#"{"choices":[]}"#, "choices").as_deref(), Some("its choices list is empty"));
        assert_eq!(
            missing_answer(r#"{"error":{"message":"quota exceeded"}}"#, "choices").as_deref(),
            Some("it holds an error instead: quota exceeded")
        );
        assert_eq!(missing_answer(r#"{"data":null}"#, "data").as_deref(), Some("its data is not a list"));
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn error_bodies_of_any_bytes_give_one_short_line(body in proptest::collection::vec(any::<u8>(), 0..400), html in any::<bool>()) {
                let m = ServerMessage::parse(&body, html.then_some("text/html"));
                let blank = String::from_utf8_lossy(&body).trim().is_empty();
                prop_assert_eq!(blank, m.format == BodyFormat::Empty);
                if let Some(message) = &m.message {
                    prop_assert!(message.chars().count() <= QUOTE_LIMIT + 1, "{}", message);
                    prop_assert!(!message.contains(['\n', '\r']), "one line: {:?}", message);
                    prop_assert!(!message.is_empty());
                }
                // Plain text always yields its words; HTML only a title.
                if !blank && !html && m.format == BodyFormat::Text {
                    prop_assert!(m.message.is_some());
                }
            }

            #[test]
            fn error_envelopes_keep_the_servers_message(message in "[a-zA-Z0-9 .,:'-]{1,200}") {
                let body = serde_json::json!({"error": {"message": message, "type": "t"}}).to_string();
                let m = ServerMessage::parse(body.as_bytes(), Some("application/json"));
                let expected = message.split_whitespace().collect::<Vec<_>>().join(" ");
                prop_assert_eq!(m.message.unwrap_or_default(), expected);
                prop_assert_eq!(m.kind.as_deref(), Some("t"));
            }

            #[test]
            fn json_error_shapes_never_panic(message in "\\PC{0,40}", code in prop_oneof![Just(serde_json::json!(null)), Just(serde_json::json!(429)), "[a-z_]{0,12}".prop_map(serde_json::Value::from)]) {
                let body = serde_json::json!({"error": {"message": message, "code": code, "param": "None"}}).to_string();
                let m = ServerMessage::parse(body.as_bytes(), None);
                prop_assert_eq!(m.param, None);
                prop_assert_eq!(m.format, BodyFormat::Json);
            }
        }
    }
}
