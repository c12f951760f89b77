//! The troubleshooting cases: which kind of failure an error is. Classifying errors into cases is
//! the core's business (`ApiError::case`, from the status, the server's error code and message,
//! the network or TLS kind); the words for each case live in `explain`.

use super::error::{ApiError, HttpFailure, TlsKind};
use super::server_message::ServerMessage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    KeyMissing,
    KeyMalformed,
    Unauthorized,
    Forbidden,
    UnknownModel,
    BadRequest,
    /// The request is longer than the model can read (a conversation that grew).
    ContextTooLong,
    EndpointNotFound,
    RateLimited,
    /// A 429 that says the quota or balance is spent: waiting will not help.
    QuotaSpent,
    Unavailable,
    ServerError,
    TlsTrust,
    Network,
    Proxy,
    StreamCut,
    StreamSilent,
    /// Anything the table does not cover (a body that is not JSON, a local I/O error).
    Other,
}

impl Case {
    /// Every case of the troubleshooting table, in the order of the guide.
    pub const ALL: [Case; 17] = [
        Case::KeyMissing,
        Case::KeyMalformed,
        Case::Unauthorized,
        Case::Forbidden,
        Case::UnknownModel,
        Case::BadRequest,
        Case::ContextTooLong,
        Case::EndpointNotFound,
        Case::RateLimited,
        Case::QuotaSpent,
        Case::Unavailable,
        Case::ServerError,
        Case::TlsTrust,
        Case::Network,
        Case::Proxy,
        Case::StreamCut,
        Case::StreamSilent,
    ];
}

impl ApiError {
    /// Which troubleshooting case explains this error.
    pub fn case(&self) -> Case {
        match self {
            ApiError::Status(f) => match f.status {
                401 => Case::Unauthorized,
                403 => Case::Forbidden,
                // An error code that names the path decides before any wording: the path in a
                // message ("Invalid URL (GET /models)") is not a model.
                404 if f.names_route() => Case::EndpointNotFound,
                404 if f.names_model() => Case::UnknownModel,
                404 | 300..=399 => Case::EndpointNotFound,
                400 | 413 | 422 if f.exceeds_context() => Case::ContextTooLong,
                400 if f.names_model() => Case::UnknownModel,
                400 | 413 | 422 => Case::BadRequest,
                407 => Case::Proxy,
                408 => Case::Network,
                429 if f.spends_quota() => Case::QuotaSpent,
                429 => Case::RateLimited,
                503 => Case::Unavailable,
                500..=599 => Case::ServerError,
                _ => Case::Other,
            },
            ApiError::Network { proxy: Some(_), .. } => Case::Proxy,
            ApiError::Network { .. } | ApiError::Timeout { .. } => Case::Network,
            ApiError::Tls { kind: TlsKind::NoRoots, .. } | ApiError::Setup { tls: Some(_), .. } => Case::TlsTrust,
            ApiError::Tls { .. } => Case::TlsTrust,
            ApiError::Decode { .. }
            | ApiError::TooLarge { .. }
            | ApiError::Setup { .. }
            | ApiError::NoAnswer { .. } => Case::Other,
            ApiError::StreamCut { .. } | ApiError::StreamMalformed { .. } => Case::StreamCut,
            ApiError::StreamStalled { .. } => Case::StreamSilent,
            ApiError::StreamError { server, .. } => stream_error_case(server),
        }
    }
}

impl ApiError {
    /// A model that is down (503 after retries) or unknown to the server (400/404 naming it): a
    /// fallback model may answer. Anything else would fail the same way for every model.
    pub fn model_unavailable(&self) -> bool {
        match self {
            ApiError::Status(h) => h.status == 503 || (matches!(h.status, 400 | 404) && h.names_model()),
            _ => false,
        }
    }
}

impl HttpFailure {
    /// The server's error code and type (as one string) and its message, lower-cased, for the
    /// checks below that read them.
    fn lowered(&self) -> (String, String) {
        let s = &self.server;
        let code = format!("{} {}", s.code.as_deref().unwrap_or(""), s.kind.as_deref().unwrap_or(""));
        (code.to_ascii_lowercase(), s.message.as_deref().unwrap_or("").to_ascii_lowercase())
    }

    /// Whether a 429 says the quota or balance is spent (OpenAI's `insufficient_quota`, "check
    /// your plan and billing"), not a rate limit that passes: a quota of requests per minute is a
    /// rate limit.
    pub fn spends_quota(&self) -> bool {
        let (code, message) = self.lowered();
        if code.contains("insufficient_quota") || code.contains("billing") {
            return true;
        }
        let per_time =
            ["per minute", "per second", "per hour", "rpm", "tpm", "/min"].iter().any(|w| message.contains(w));
        !per_time && ["quota", "billing", "balance", "credit", "payment"].iter().any(|w| message.contains(w))
    }

    /// Whether a 400/413/422 says the request is longer than the model's context window
    /// (OpenAI's `context_length_exceeded`, vLLM's "maximum context length", and their kin).
    pub fn exceeds_context(&self) -> bool {
        let (code, message) = self.lowered();
        if code.contains("context_length") || code.contains("context_window") {
            return true;
        }
        [
            "context length",
            "context_length",
            "context window",
            "maximum context",
            "prompt is too long",
            "input is too long",
            "too many tokens",
        ]
        .iter()
        .any(|p| message.contains(p))
    }

    /// Whether a 400/422 names request field `field` (in `param` or the message): the server
    /// does not take it.
    pub fn rejects_field(&self, field: &str) -> bool {
        let names = |s: Option<&str>| s.is_some_and(|s| s.to_ascii_lowercase().contains(field));
        matches!(self.status, 400 | 422)
            && (names(self.server.param.as_deref()) || names(self.server.message.as_deref()))
    }

    /// Whether a 404's error code says the path is unknown (OpenAI's `unknown_url`, a route's
    /// `not_found`), not a model.
    pub fn names_route(&self) -> bool {
        let code = self.server.code.as_deref().unwrap_or("").to_ascii_lowercase();
        let kind = self.server.kind.as_deref().unwrap_or("").to_ascii_lowercase();
        code == "unknown_url"
            || kind == "unknown_url"
            || ((code == "not_found" || code == "route_not_found") && !kind.contains("model"))
    }

    /// Whether a 400/404 is about the requested model rather than the request or the endpoint.
    pub fn names_model(&self) -> bool {
        let s = &self.server;
        let code = s.code.as_deref().unwrap_or("").to_ascii_lowercase();
        let kind = s.kind.as_deref().unwrap_or("").to_ascii_lowercase();
        if code.contains("model") || kind.contains("model") || s.param.as_deref() == Some("model") {
            return true;
        }
        let Some(message) = s.message.as_deref() else {
            return false;
        };
        let lower = message.to_ascii_lowercase();
        if let Some(model) = &self.model
            && contains_id(&lower, &model.to_ascii_lowercase())
        {
            return true;
        }
        lower.contains("model")
            && [
                "not found",
                "does not exist",
                "unknown",
                "unavailable",
                "not available",
                "invalid",
                "not supported",
                "no such",
            ]
            .iter()
            .any(|p| lower.contains(p))
    }
}

/// Whether `id` occurs in `text` as a whole ID, not inside a longer word ("m" is not in "messages").
fn contains_id(text: &str, id: &str) -> bool {
    if id.is_empty() {
        return false;
    }
    let is_id_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/');
    text.match_indices(id).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + id.len()..].chars().next();
        !before.is_some_and(is_id_char) && !after.is_some_and(|c| is_id_char(c) && c != '.')
    })
}

/// The class of an error event inside a stream, from its `code`, `type` or a status number in
/// them; a server error (exit 7) when it names none.
fn stream_error_case(server: &ServerMessage) -> Case {
    let text = format!("{} {}", server.code.as_deref().unwrap_or(""), server.kind.as_deref().unwrap_or(""))
        .to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if has(&["insufficient_quota", "billing"]) {
        Case::QuotaSpent
    } else if has(&["rate_limit", "429", "quota"]) {
        Case::RateLimited
    } else if has(&["model_not_found"]) {
        Case::UnknownModel
    } else if has(&["authentication", "invalid_api_key", "401"]) {
        Case::Unauthorized
    } else if has(&["permission", "forbidden", "403"]) {
        Case::Forbidden
    } else if has(&["invalid_request", "context_length", "400", "422"]) {
        Case::BadRequest
    } else if has(&["unavailable", "overloaded", "503"]) {
        Case::Unavailable
    } else {
        Case::ServerError
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(status: u16, body: &str, model: &str) -> HttpFailure {
        HttpFailure {
            status,
            url: "http://x/v1/chat/completions".into(),
            model: Some(model.into()),
            server: ServerMessage::parse(body.as_bytes(), None),
            body: body.to_string(),
            headers: Default::default(),
            received: std::time::SystemTime::UNIX_EPOCH,
            proxy: None,
            retries: 0,
        }
    }

    #[test]
    fn a_wrong_path_is_an_endpoint_even_when_its_message_says_model() {
        let openai = r#"{"error":{"message":"Invalid URL (GET /models)","type":"invalid_request_error","param":null,"code":"unknown_url"}}"#;
        assert_eq!(ApiError::Status(Box::new(failure(404, openai, "Omniva/Kimi-K2.6"))).case(), Case::EndpointNotFound);
        let route = r#"{"error":{"message":"no route for POST /model/chat","code":"not_found"}}"#;
        assert_eq!(ApiError::Status(Box::new(failure(404, route, "m"))).case(), Case::EndpointNotFound);
    }

    #[test]
    fn model_errors_are_told_from_endpoint_errors() {
        assert_eq!(
            ApiError::Status(Box::new(failure(404, r#"{"error":{"code":"model_not_found","message":"x"}}"#, "m")))
                .case(),
            Case::UnknownModel
        );
        assert_eq!(
            ApiError::Status(Box::new(failure(
                404,
                r#"{"error":{"message":"The model `kimi` does not exist"}}"#,
                "kimi"
            )))
            .case(),
            Case::UnknownModel
        );
        assert_eq!(
            ApiError::Status(Box::new(failure(400, r#"{"error":{"message":"x","param":"model"}}"#, "m"))).case(),
            Case::UnknownModel
        );
        assert_eq!(
            ApiError::Status(Box::new(failure(404, "<html><title>404 Not Found</title></html>", "m"))).case(),
            Case::EndpointNotFound
        );
        assert_eq!(
            ApiError::Status(Box::new(failure(404, r#"{"detail":"Not Found"}"#, "m"))).case(),
            Case::EndpointNotFound
        );
        assert_eq!(
            ApiError::Status(Box::new(failure(400, r#"{"error":{"message":"messages: field required"}}"#, "m"))).case(),
            Case::BadRequest
        );
        let quota = r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","code":"insufficient_quota"}}"#;
        assert_eq!(ApiError::Status(Box::new(failure(429, quota, "m"))).case(), Case::QuotaSpent);
        let balance = r#"{"error":{"message":"Your account balance is too low"}}"#;
        assert_eq!(ApiError::Status(Box::new(failure(429, balance, "m"))).case(), Case::QuotaSpent);
        for rate in [
            r#"{"error":{"message":"Rate limit reached for requests","code":"rate_limit_exceeded"}}"#,
            r#"{"error":{"message":"Quota exceeded for quota metric 'Requests' per minute"}}"#,
        ] {
            assert_eq!(ApiError::Status(Box::new(failure(429, rate, "m"))).case(), Case::RateLimited, "{rate}");
        }
        for body in [
            r#"{"error":{"message":"This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.","code":"context_length_exceeded"}}"#,
            r#"{"object":"error","message":"This model's maximum context length is 4096 tokens","type":"BadRequestError"}"#,
            r#"{"detail":"Input is too long for the model"}"#,
        ] {
            assert_eq!(ApiError::Status(Box::new(failure(400, body, "m"))).case(), Case::ContextTooLong, "{body}");
        }
    }
}
