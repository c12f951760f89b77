//! Failures below HTTP: a reqwest error classified into DNS, connect, reset, proxy or TLS by
//! walking its cause chain, and our own timers around a request.

use std::error::Error as StdError;
use std::time::Duration;

use super::error::{ApiError, NetKind, Timer, TlsKind};
use crate::settings::ProxySpec;

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
    } else if is_malformed(&detail) {
        NetKind::Malformed
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

/// Whether hyper could not parse the reply as HTTP (its words for a malformed or oversized head).
fn is_malformed(detail: &str) -> bool {
    let detail = detail.to_ascii_lowercase();
    [
        "invalid http",
        "message head is too large",
        "invalid header",
        "header parsed",
        "invalid status",
        "invalid response",
    ]
    .iter()
    .any(|words| detail.contains(words))
}

fn tls_kind(e: &rustls::Error) -> TlsKind {
    use rustls::CertificateError as C;
    // Plain HTTP where a TLS record was expected: no certificate was received at all.
    if let rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) = e {
        return TlsKind::NotTls;
    }
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
