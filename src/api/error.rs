//! What can go wrong talking to the API, classified into the troubleshooting cases: HTTP statuses
//! with the server's own message, network and TLS failures found by walking the error chain, and
//! timeouts named by the timer that fired.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use super::Case;
use crate::settings::ProxySpec;

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

/// An HTTP response with an error status.
#[derive(Debug, Clone)]
pub struct HttpFailure {
    pub status: u16,
    pub url: String,
    /// The model the request asked for, if it named one.
    pub model: Option<String>,
    pub server: ServerMessage,
    pub request_id: Option<String>,
    /// `Retry-After` / `retry-after-ms` as sent.
    pub retry_after: Option<String>,
    /// `x-ratelimit-*` headers as sent.
    pub rate_limit: Vec<(String, String)>,
    pub proxy: Option<ProxySpec>,
    /// Where a 3xx answer points.
    pub location: Option<String>,
    /// How many times the request was retried before this answer.
    pub retries: u32,
    /// For an unknown model: the closest catalog IDs, filled in by the command.
    pub suggestions: Vec<String>,
}

impl HttpFailure {
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

    fn reason(&self) -> &'static str {
        super::client::reason_phrase(self.status)
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

/// Network failures before any HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetKind {
    Dns,
    Refused,
    Reset,
    ConnectTimeout,
    /// The proxy answered the CONNECT with 407.
    ProxyAuth,
    Other,
}

/// TLS failures, from rustls' certificate errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsKind {
    UnknownIssuer,
    /// Unix seconds of the certificate's end and of the local clock, when rustls gave them.
    Expired {
        not_after: Option<u64>,
        now: Option<u64>,
    },
    NotYetValid {
        not_before: Option<u64>,
        now: Option<u64>,
    },
    WrongHost {
        presented: Vec<String>,
    },
    /// No trust roots could be loaded at all.
    NoRoots,
    Other,
}

/// Which of our timers fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// `--timeout`: a whole non-streamed request, or a stream's wait for its first byte.
    Request,
    /// `--idle-timeout`: the gap between two stream chunks.
    Idle,
}

impl Timer {
    pub fn flag(self) -> &'static str {
        match self {
            Timer::Request => "--timeout",
            Timer::Idle => "--idle-timeout",
        }
    }
}

#[derive(Debug)]
pub enum ApiError {
    Status(Box<HttpFailure>),
    Network {
        kind: NetKind,
        url: String,
        proxy: Option<Box<ProxySpec>>,
        detail: String,
        /// The connection failed before the request was sent, so resending is safe.
        before_send: bool,
    },
    Tls {
        kind: TlsKind,
        url: String,
        proxy: Option<Box<ProxySpec>>,
        detail: String,
    },
    Timeout {
        timer: Timer,
        after: Duration,
        url: String,
    },
    /// A 2xx response whose body is not what the API sends.
    Decode {
        what: &'static str,
        detail: String,
    },
    /// The response body exceeded the size we buffer.
    TooLarge {
        limit: usize,
    },
    /// The HTTP client could not be set up.
    Setup {
        detail: String,
        tls: Option<TlsKind>,
    },
    /// A stream ended before `data: [DONE]`.
    StreamCut {
        url: String,
        content_received: bool,
        detail: Option<String>,
    },
    /// No stream data for `--idle-timeout`.
    StreamStalled {
        url: String,
        after: Duration,
        content_received: bool,
    },
    /// An `{"error": …}` event in the middle of a stream.
    StreamError {
        server: ServerMessage,
        content_received: bool,
    },
}

impl ApiError {
    /// Which troubleshooting case explains this error.
    pub fn case(&self) -> Case {
        match self {
            ApiError::Status(f) => match f.status {
                401 => Case::Unauthorized,
                403 => Case::Forbidden,
                404 if f.names_model() => Case::UnknownModel,
                404 | 300..=399 => Case::EndpointNotFound,
                400 if f.names_model() => Case::UnknownModel,
                400 | 413 | 422 => Case::BadRequest,
                407 => Case::Proxy,
                408 => Case::Network,
                429 => Case::RateLimited,
                503 => Case::Unavailable,
                500..=599 => Case::ServerError,
                _ => Case::Other,
            },
            ApiError::Network { proxy: Some(_), .. } => Case::Proxy,
            ApiError::Network { .. } | ApiError::Timeout { .. } => Case::Network,
            ApiError::Tls { kind: TlsKind::NoRoots, .. } | ApiError::Setup { tls: Some(_), .. } => Case::TlsTrust,
            ApiError::Tls { .. } => Case::TlsTrust,
            ApiError::Decode { .. } | ApiError::TooLarge { .. } | ApiError::Setup { .. } => Case::Other,
            ApiError::StreamCut { .. } => Case::StreamCut,
            ApiError::StreamStalled { .. } => Case::StreamSilent,
            ApiError::StreamError { server, .. } => stream_error_case(server),
        }
    }

    /// Whether any content reached the user before a stream failed.
    pub fn content_received(&self) -> bool {
        match self {
            ApiError::StreamCut { content_received, .. }
            | ApiError::StreamStalled { content_received, .. }
            | ApiError::StreamError { content_received, .. } => *content_received,
            _ => false,
        }
    }

    pub fn http(&self) -> Option<&HttpFailure> {
        match self {
            ApiError::Status(f) => Some(f),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Status(h) => {
                write!(f, "{} {} from {}", h.status, h.reason(), h.url)?;
                if let Some(location) = &h.location {
                    write!(f, " (redirects to {location})")?;
                } else if let Some(m) = &h.server.message {
                    write!(f, ": {m}")?;
                } else if h.server.format == BodyFormat::Html {
                    write!(f, " (an HTML page, not an API response)")?;
                }
                Ok(())
            }
            ApiError::Network { kind, url, proxy, detail, .. } => {
                let what = match kind {
                    NetKind::Dns => "could not resolve the host of",
                    NetKind::Refused => "connection refused by",
                    NetKind::Reset => "connection closed unexpectedly by",
                    NetKind::ConnectTimeout => "timed out connecting to",
                    NetKind::Other => "could not connect to",
                    NetKind::ProxyAuth => "authentication (407) required by",
                };
                match proxy {
                    Some(p) => write!(f, "{what} proxy {} ({}) for {url}: {detail}", p.redacted(), p.variable)?,
                    None => write!(f, "{what} {url}: {detail}")?,
                }
                if *kind == NetKind::ConnectTimeout {
                    write!(f, " (--connect-timeout expired)")?;
                }
                Ok(())
            }
            ApiError::Tls { kind, url, detail, .. } => {
                let what = match kind {
                    TlsKind::UnknownIssuer => "the server's certificate is not trusted (unknown issuer)",
                    TlsKind::Expired { .. } => "the server's certificate has expired",
                    TlsKind::NotYetValid { .. } => "the server's certificate is not valid yet",
                    TlsKind::WrongHost { .. } => "the server's certificate is for a different host name",
                    TlsKind::NoRoots => "no trusted CA certificates could be loaded",
                    TlsKind::Other => "TLS handshake failed",
                };
                write!(f, "{what} ({url}): {detail}")
            }
            ApiError::Timeout { timer, after, url } => {
                let what = match timer {
                    Timer::Request => "no complete response",
                    Timer::Idle => "no data",
                };
                write!(f, "{what} from {url} within {} ({} expired)", secs(*after), timer.flag())
            }
            ApiError::Decode { what, detail } => {
                write!(f, "the server's {what} could not be read: {detail}")
            }
            ApiError::TooLarge { limit } => {
                write!(f, "the response is larger than {} MB; refusing to buffer it", limit / (1024 * 1024))
            }
            ApiError::Setup { detail, .. } => {
                write!(f, "could not set up the HTTP client: {detail}")
            }
            ApiError::StreamCut { url, content_received, detail } => {
                if *content_received {
                    write!(f, "the stream from {url} ended before the answer was complete")?;
                } else {
                    write!(f, "the stream from {url} ended before any content arrived")?;
                }
                match detail {
                    Some(d) => write!(f, ": {d}"),
                    None => write!(f, " (no data: [DONE])"),
                }
            }
            ApiError::StreamStalled { url, after, content_received } => {
                let when = if *content_received { "in the middle of the answer" } else { "before any content" };
                write!(
                    f,
                    "the stream from {url} went silent {when}: no data for {} (--idle-timeout expired)",
                    secs(*after)
                )
            }
            ApiError::StreamError { server, .. } => {
                write!(f, "the server reported an error in the middle of the stream")?;
                match &server.message {
                    Some(m) => write!(f, ": {m}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl StdError for ApiError {}

/// The class of an error event inside a stream, from its `code`, `type` or a status number in
/// them; a server error (exit 7) when it names none.
fn stream_error_case(server: &ServerMessage) -> Case {
    let text = format!("{} {}", server.code.as_deref().unwrap_or(""), server.kind.as_deref().unwrap_or(""))
        .to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if has(&["rate_limit", "429", "quota"]) {
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

/// Runs `work` under `--timeout`: `limit` is what is left of it, `timeout` the whole setting,
/// named in the error.
pub(super) async fn within_request_timeout<T>(
    limit: Duration,
    timeout: Duration,
    url: &str,
    work: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    match tokio::time::timeout(limit, work).await {
        Ok(result) => result,
        Err(_) => Err(ApiError::Timeout { timer: Timer::Request, after: timeout, url: url.to_string() }),
    }
}

/// `12 s`, `0.5 s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0} s") } else { format!("{s:.1} s") }
}

/// Walks an error chain, descending into `io::Error::get_ref()`, which `source()` skips: rustls'
/// error sits inside two nested `io::Error`s in reqwest's chain.
fn chain<'a>(e: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |&err| {
        if let Some(inner) = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            return Some(inner as &(dyn StdError + 'static));
        }
        err.source()
    })
}

/// The innermost message of a chain, for the detail line.
fn root_message(e: &(dyn StdError + 'static)) -> String {
    chain(e).last().map(|e| e.to_string()).unwrap_or_default()
}

/// Classifies a transport error from reqwest (no HTTP status was received).
pub fn classify_transport(e: &reqwest::Error, url: &str, proxy: Option<&ProxySpec>) -> ApiError {
    let url = url.to_string();
    let proxy = proxy.cloned().map(Box::new);
    let detail = root_message(e);
    if let Some(tls) = chain(e).find_map(|x| x.downcast_ref::<rustls::Error>()) {
        return ApiError::Tls { kind: tls_kind(tls), url, proxy, detail };
    }
    if detail.contains("No CA certificates were loaded") {
        return ApiError::Tls { kind: TlsKind::NoRoots, url, proxy, detail };
    }
    use std::io::ErrorKind as K;
    let io_kind = chain(e).filter_map(|x| x.downcast_ref::<std::io::Error>()).last().map(|io| io.kind());
    let kind = if e.is_connect() && e.is_timeout() {
        NetKind::ConnectTimeout
    } else if proxy.is_some() && detail.to_ascii_lowercase().contains("proxy authorization required") {
        // hyper-util's CONNECT tunnel answered 407.
        NetKind::ProxyAuth
    } else if e.is_dns() {
        NetKind::Dns
    } else {
        match io_kind {
            Some(K::ConnectionRefused) => NetKind::Refused,
            Some(K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe) => NetKind::Reset,
            Some(K::TimedOut) => NetKind::ConnectTimeout,
            _ if e.is_timeout() => NetKind::ConnectTimeout,
            _ if e.is_body() || e.is_decode() || e.is_request() => NetKind::Reset,
            _ => NetKind::Other,
        }
    };
    ApiError::Network { kind, url, proxy, detail, before_send: e.is_connect() }
}

fn tls_kind(e: &rustls::Error) -> TlsKind {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(cert) = e else {
        return TlsKind::Other;
    };
    match cert {
        C::UnknownIssuer => TlsKind::UnknownIssuer,
        C::Expired => TlsKind::Expired { not_after: None, now: None },
        C::ExpiredContext { time, not_after } => {
            TlsKind::Expired { not_after: Some(not_after.as_secs()), now: Some(time.as_secs()) }
        }
        C::NotValidYet => TlsKind::NotYetValid { not_before: None, now: None },
        C::NotValidYetContext { time, not_before } => {
            TlsKind::NotYetValid { not_before: Some(not_before.as_secs()), now: Some(time.as_secs()) }
        }
        C::NotValidForName => TlsKind::WrongHost { presented: Vec::new() },
        C::NotValidForNameContext { presented, .. } => TlsKind::WrongHost { presented: presented.clone() },
        other => {
            // A self-signed certificate that is also a CA shows up as "CaUsedAsEndEntity": still an
            // untrusted issuer from the user's point of view.
            if format!("{other:?}").contains("CaUsedAsEndEntity") { TlsKind::UnknownIssuer } else { TlsKind::Other }
        }
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
            request_id: None,
            retry_after: None,
            rate_limit: Vec::new(),
            proxy: None,
            location: None,
            retries: 0,
            suggestions: Vec::new(),
        }
    }

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

            #[test]
            fn chunks_carry_their_content_through_any_escaping(content in "\\PC{0,80}", finish in proptest::option::of("[a-z_]{1,12}")) {
                let data = serde_json::json!({"model": "m", "choices": [{"delta": {"content": content}, "finish_reason": finish}]}).to_string();
                let chunk: crate::api::wire::ChatChunk = serde_json::from_str(&data).expect("a valid chunk parses");
                let choice = &chunk.choices[0];
                prop_assert_eq!(choice.delta.as_ref().and_then(|d| d.content.as_deref()), Some(content.as_str()));
                prop_assert_eq!(choice.finish_reason.as_deref(), finish.as_deref());
            }

            #[test]
            fn text_that_is_not_a_json_object_is_never_a_chunk(data in "[^{\\[\\s]\\PC{0,100}") {
                prop_assert!(serde_json::from_str::<crate::api::wire::ChatChunk>(&data).is_err());
            }
        }
    }
}
