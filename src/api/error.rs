//! What can go wrong talking to the API: the error type and the facts each failure carries
//! (the status and the server's message, the network or TLS kind, the timer that fired), and how
//! each reads as one line.

use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, SystemTime};

use super::ServerMessage;
use super::headers::ResponseHeaders;
use super::server_message::BodyFormat;
use crate::settings::ProxySpec;
use crate::time_text::secs;

/// An HTTP response with an error status.
#[derive(Debug, Clone)]
pub struct HttpFailure {
    pub status: u16,
    pub url: String,
    /// The model the request asked for, if it named one.
    pub model: Option<String>,
    pub server: ServerMessage,
    /// The body as received (lossily decoded, the first 64 KiB).
    pub body: String,
    /// What its headers said (request id, rate limits, the wait asked for, a redirect).
    pub headers: ResponseHeaders,
    /// When the answer arrived: a wait the server asked for counts from here.
    pub received: SystemTime,
    pub proxy: Option<ProxySpec>,
    /// How many times the request was retried before this answer.
    pub retries: u32,
}

impl HttpFailure {
    fn reason(&self) -> &'static str {
        reason_phrase(self.status)
    }

    pub fn request_id(&self) -> Option<&str> {
        self.headers.request_id.as_deref()
    }

    /// When the server said the next request may come, if it said.
    pub fn retry_at(&self) -> Option<SystemTime> {
        self.received.checked_add(self.headers.retry_after?)
    }
}

/// `Not Found` for 404; empty for a status without a standard phrase.
pub fn reason_phrase(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
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
    /// The reply was not valid HTTP: a malformed or oversized header, a bad status line.
    Malformed,
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
    /// The server answered in plain HTTP: there was no certificate at all (an https URL for an
    /// http server).
    NotTls,
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
    /// No content for `--timeout` (before the first) or `--idle-timeout` (between two pieces).
    StreamStalled {
        url: String,
        timer: Timer,
        after: Duration,
        content_received: bool,
        /// Bytes (keep-alive comments) arrived meanwhile, but no content.
        kept_alive: bool,
    },
    /// A stream we stopped reading: a line or an event past the limit we hold.
    StreamMalformed {
        url: String,
        detail: String,
        content_received: bool,
    },
    /// A 2xx reply that holds no answer: no choices, no vectors, or an error object.
    NoAnswer {
        what: &'static str,
        detail: String,
    },
    /// An `{"error": …}` event in the middle of a stream.
    StreamError {
        server: ServerMessage,
        content_received: bool,
    },
}

impl ApiError {
    /// Whether any content reached the user before a stream failed.
    pub fn content_received(&self) -> bool {
        match self {
            ApiError::StreamCut { content_received, .. }
            | ApiError::StreamStalled { content_received, .. }
            | ApiError::StreamMalformed { content_received, .. }
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
            ApiError::Status(h) => write_status(f, h),
            ApiError::Network { kind, url, proxy, detail, .. } => {
                write_network(f, *kind, url, proxy.as_deref(), detail)
            }
            ApiError::Tls { kind, url, detail, .. } => write!(f, "{} ({url}): {detail}", kind.what()),
            ApiError::Timeout { timer, after, url } => {
                let what = match timer {
                    Timer::Request => "no complete response",
                    Timer::Idle => "no data",
                };
                write!(f, "{what} from {url} within {} ({} expired)", secs(*after), timer.flag())
            }
            ApiError::Decode { what, detail } => write!(f, "the server's {what} could not be read: {detail}"),
            ApiError::TooLarge { limit } => {
                write!(f, "the response is larger than {} MB; refusing to buffer it", limit / (1024 * 1024))
            }
            ApiError::Setup { detail, .. } => write!(f, "could not set up the HTTP client: {detail}"),
            ApiError::StreamCut { url, content_received, detail } => {
                let when =
                    if *content_received { "before the answer was complete" } else { "before any content arrived" };
                match detail {
                    Some(d) => write!(f, "the stream from {url} ended {when}: {d}"),
                    None => write!(f, "the stream from {url} ended {when} (no data: [DONE])"),
                }
            }
            ApiError::StreamStalled { url, timer, after, content_received, kept_alive } => {
                let when = if *content_received { "in the middle of the answer" } else { "before any content" };
                let (after, flag) = (secs(*after), timer.flag());
                let comments = if *kept_alive && !*content_received {
                    " (it kept the connection alive without content)"
                } else {
                    ""
                };
                write!(f, "the stream from {url} went silent {when}: no content for {after}{comments} ({flag} expired)")
            }
            ApiError::StreamMalformed { url, detail, content_received } => {
                let when = if *content_received { "in the middle of the answer" } else { "before any content" };
                write!(f, "stopped reading the stream from {url} {when}: the server sent {detail}")
            }
            ApiError::NoAnswer { what, detail } => write!(f, "the server's {what} holds no answer: {detail}"),
            ApiError::StreamError { server, .. } => {
                write!(f, "the server reported an error in the middle of the stream")?;
                server.message.as_ref().map_or(Ok(()), |m| write!(f, ": {m}"))
            }
        }
    }
}

/// `404 Not Found from URL: the server's message`.
fn write_status(f: &mut fmt::Formatter<'_>, h: &HttpFailure) -> fmt::Result {
    match h.reason() {
        "" => write!(f, "{} from {}", h.status, h.url)?,
        reason => write!(f, "{} {reason} from {}", h.status, h.url)?,
    }
    if let Some(location) = &h.headers.location {
        write!(f, " (redirects to {location})")
    } else if let Some(m) = &h.server.message {
        write!(f, ": {m}")
    } else if h.server.format == BodyFormat::Html {
        write!(f, " (an HTML page, not an API response)")
    } else {
        Ok(())
    }
}

fn write_network(
    f: &mut fmt::Formatter<'_>,
    kind: NetKind,
    url: &str,
    proxy: Option<&ProxySpec>,
    detail: &str,
) -> fmt::Result {
    let what = match kind {
        NetKind::Dns => "could not resolve the host of",
        NetKind::Refused => "connection refused by",
        NetKind::Reset => "connection closed unexpectedly by",
        NetKind::ConnectTimeout => "timed out connecting to",
        NetKind::Other => "could not connect to",
        NetKind::ProxyAuth => "authentication (407) required by",
        NetKind::Malformed => "a reply that is not valid HTTP from",
    };
    match proxy {
        Some(p) => write!(f, "{what} proxy {} ({}) for {url}: {detail}", p.redacted(), p.variable)?,
        None => write!(f, "{what} {url}: {detail}")?,
    }
    if kind == NetKind::ConnectTimeout {
        write!(f, " (--connect-timeout expired)")?;
    }
    Ok(())
}

impl TlsKind {
    fn what(&self) -> &'static str {
        match self {
            TlsKind::UnknownIssuer => "the server's certificate is not trusted (unknown issuer)",
            TlsKind::Expired { .. } => "the server's certificate has expired",
            TlsKind::NotYetValid { .. } => "the server's certificate is not valid yet",
            TlsKind::WrongHost { .. } => "the server's certificate is for a different host name",
            TlsKind::NoRoots => "no trusted CA certificates could be loaded",
            TlsKind::NotTls => "the server answered in plain HTTP, not TLS (https)",
            TlsKind::Other => "TLS handshake failed",
        }
    }
}

impl StdError for ApiError {}
