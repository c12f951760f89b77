//! The troubleshooting cases of the design, one explanation each: the cause and the fix. Every
//! command's errors and doctor render these same texts.

use crate::api::{ApiError, Case, Timer, TlsKind};
use crate::defaults;
use crate::history::{HistoryError, Problem};
use crate::settings::{KeyProblem, ProxySpec};
use crate::time_text::utc_date;

/// Where API keys are made.
pub const KEYS_PAGE: &str = "the API keys page of the Token Factory dashboard";

/// The words of each case: its name in the guide, how users ask for it, and its title.
impl Case {
    /// The case's name in the guide (`doctor --explain NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Case::KeyMissing => "key-missing",
            Case::KeyMalformed => "key-malformed",
            Case::Unauthorized => "401",
            Case::Forbidden => "403",
            Case::UnknownModel => "model",
            Case::BadRequest => "400",
            Case::ContextTooLong => "context",
            Case::EndpointNotFound => "404",
            Case::RateLimited => "429",
            Case::QuotaSpent => "quota",
            Case::Unavailable => "503",
            Case::ServerError => "5xx",
            Case::TlsTrust => "tls",
            Case::Network => "network",
            Case::Proxy => "proxy",
            Case::StreamCut => "stream-cut",
            Case::StreamSilent => "silent-stream",
            Case::Other => "other",
        }
    }

    /// The case a user means by `name`: a case name, a status code, or a common word for it.
    pub fn find(name: &str) -> Option<Case> {
        let name = name.trim().to_ascii_lowercase();
        if let Some(case) = Case::ALL.into_iter().find(|c| c.name() == name) {
            return Some(case);
        }
        Some(match name.as_str() {
            "key" | "missing" | "unset" => Case::KeyMissing,
            "malformed" | "bearer" => Case::KeyMalformed,
            "unauthorized" | "auth" => Case::Unauthorized,
            "forbidden" => Case::Forbidden,
            "unknown-model" | "model-not-found" => Case::UnknownModel,
            "413" | "422" | "bad-request" => Case::BadRequest,
            "context-length" | "too-long" | "context-window" => Case::ContextTooLong,
            "endpoint" | "not-found" => Case::EndpointNotFound,
            "rate-limit" | "rate-limited" => Case::RateLimited,
            "billing" | "balance" | "insufficient-quota" => Case::QuotaSpent,
            "unavailable" | "overloaded" | "fallback" => Case::Unavailable,
            "500" | "502" | "504" | "server" => Case::ServerError,
            "ssl" | "certificate" | "cert" | "ca" => Case::TlsTrust,
            "dns" | "connect" | "timeout" | "408" => Case::Network,
            "407" => Case::Proxy,
            "stream" | "cut" | "incomplete" => Case::StreamCut,
            "silent" | "curl" | "buffering" | "idle" => Case::StreamSilent,
            _ => return None,
        })
    }

    /// A one-line title for the guide.
    pub fn title(self) -> &'static str {
        match self {
            Case::KeyMissing => "API key missing",
            Case::KeyMalformed => "API key malformed",
            Case::Unauthorized => "401 Unauthorized",
            Case::Forbidden => "403 Forbidden",
            Case::UnknownModel => "400/404 unknown model",
            Case::BadRequest => "400/413/422 bad request",
            Case::ContextTooLong => "400 request longer than the model's context",
            Case::EndpointNotFound => "404 endpoint not found",
            Case::RateLimited => "429 Too Many Requests",
            Case::QuotaSpent => "429 quota or balance spent",
            Case::Unavailable => "503 Service Unavailable",
            Case::ServerError => "5xx server error",
            Case::TlsTrust => "SSL/TLS trust chain",
            Case::Network => "DNS, connection or timeout",
            Case::Proxy => "proxy",
            Case::StreamCut => "stream cut off",
            Case::StreamSilent => "silent stream",
            Case::Other => "other error",
        }
    }
}

/// What is known about the failure at hand; texts use what is there and stay general otherwise.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub model: Option<String>,
    pub url: Option<String>,
    pub key_problem: Option<KeyProblem>,
    /// The wait the server asked for, and when it ends.
    pub retry_after: Option<std::time::Duration>,
    pub retry_at: Option<std::time::SystemTime>,
    /// The `x-ratelimit-*` headers as sent.
    pub rate_limit: Vec<(String, String)>,
    pub retries: Option<u32>,
    pub proxy: Option<ProxySpec>,
    pub tls: Option<TlsKind>,
    pub timer: Option<Timer>,
    pub status: Option<u16>,
    /// The server's request id was shown with the error.
    pub request_id: bool,
    pub content_received: bool,
    /// The connection attempt timed out (`--connect-timeout`).
    pub connect_timeout: bool,
    /// The reply was not valid HTTP (a malformed or oversized header).
    pub malformed: bool,
    /// Catalog IDs close to an unknown model.
    pub suggestions: Vec<String>,
    /// The request was for embeddings, which need an embeddings model.
    pub embeddings: bool,
    /// `--ca-bundle` as given (its path), when it was.
    pub ca_bundle: Option<String>,
    /// In the interactive session: its commands are the fixes.
    pub session: bool,
}

impl Facts {
    /// What an API error tells about its case; `model` is the configured model, used when the
    /// error does not name one.
    pub fn of_api_error(error: &ApiError, model: Option<String>) -> Facts {
        let mut facts = Facts { model, content_received: error.content_received(), ..Facts::default() };
        match error {
            ApiError::Status(h) => {
                facts.status = Some(h.status);
                facts.request_id = h.request_id().is_some();
                facts.url = Some(h.url.clone());
                facts.retry_after = h.headers.retry_after;
                facts.retry_at = h.retry_at();
                facts.rate_limit = h.headers.rate_limit_text.clone();
                facts.proxy = h.proxy.clone();
                facts.retries = Some(h.retries).filter(|&n| n > 0);
                if let Some(model) = &h.model {
                    facts.model = Some(model.clone());
                }
            }
            ApiError::Network { url, proxy, kind, .. } => {
                facts.url = Some(url.clone());
                facts.proxy = proxy.as_deref().cloned();
                facts.connect_timeout = *kind == crate::api::NetKind::ConnectTimeout;
                facts.malformed = *kind == crate::api::NetKind::Malformed;
                if *kind == crate::api::NetKind::ProxyAuth {
                    facts.status = Some(407);
                }
            }
            ApiError::Tls { kind, url, proxy, .. } => {
                facts.url = Some(url.clone());
                facts.proxy = proxy.as_deref().cloned();
                facts.tls = Some(kind.clone());
            }
            ApiError::Setup { tls, .. } => facts.tls = tls.clone(),
            ApiError::Timeout { timer, url, .. } => {
                facts.timer = Some(*timer);
                facts.url = Some(url.clone());
            }
            ApiError::StreamCut { url, .. } | ApiError::StreamMalformed { url, .. } => facts.url = Some(url.clone()),
            ApiError::StreamStalled { url, timer, .. } => {
                facts.url = Some(url.clone());
                facts.timer = Some(*timer);
            }
            ApiError::Decode { .. }
            | ApiError::TooLarge { .. }
            | ApiError::StreamError { .. }
            | ApiError::NoAnswer { .. } => {}
        }
        facts
    }
}

/// The explanation lines of a case: cause first, then the fix.
pub fn hints(case: Case, facts: &Facts) -> Vec<String> {
    let model = facts.model.as_deref().unwrap_or("the model");
    match case {
        Case::KeyMissing => vec![
            "set the key in the same shell that runs tokenfactory: export OMNIVA_API_KEY=sk-...".into(),
            format!("keys are generated on {KEYS_PAGE}"),
        ],
        Case::KeyMalformed => key_malformed_hints(facts),
        Case::Unauthorized => vec![
            "the key was missing from the request, mistyped, or belongs to another shell's environment".into(),
            "check `echo ${#OMNIVA_API_KEY}` in this shell, then re-export it".into(),
            format!("or generate a new key on {KEYS_PAGE}"),
        ],
        Case::Forbidden => vec![
            "the key was recognised but is revoked, or its workspace has no access to this model or feature".into(),
            format!("check that the key is still active on {KEYS_PAGE} and that you are a member of its workspace"),
        ],
        Case::UnknownModel => unknown_model_hints(facts),
        Case::BadRequest => {
            let mut lines = vec![if facts.status.is_some() {
                "the server rejected the request itself; its message above says which part".into()
            } else {
                "the server rejected the request itself; its message says which part".into()
            }];
            if facts.status == Some(413) {
                lines.push("the prompt is larger than the server accepts: send less text".into());
            } else {
                lines.push("check --temperature (0-2), --max-tokens and the prompt's size".into());
            }
            lines
        }
        Case::ContextTooLong if facts.session => {
            let model = facts.model.as_deref().unwrap_or("the model");
            vec![
                format!("the conversation no longer fits what {model} can read at once: every earlier exchange is sent"),
                "/forget N leaves the oldest N exchanges out of what is sent (the history keeps them)".into(),
                "or /new starts a fresh conversation; /model switches to a model with a longer context".into(),
            ]
        }
        Case::ContextTooLong => {
            let model = facts.model.as_deref().unwrap_or("the model");
            vec![
                format!("the request is longer than {model} can read at once: a continued conversation sends every earlier turn"),
                "start a fresh conversation: run chat without -c / --conversation (pass what matters in the prompt)".into(),
                "or send less: a shorter prompt, or a model with a longer context (-m)".into(),
            ]
        }
        Case::EndpointNotFound => {
            let tried = facts.url.as_deref().map(|u| format!(" (tried {u})")).unwrap_or_default();
            vec![
                format!("the base URL is probably wrong{tried}: it usually ends in /v1"),
                format!("set it with --base-url or OMNIVA_BASE_URL, e.g. {}", defaults::BASE_URL),
            ]
        }
        Case::RateLimited => rate_limit_hints(facts),
        Case::QuotaSpent => {
            let mut lines = vec!["the workspace's quota or balance is spent: retrying now will not help".into()];
            lines.extend(server_wait(facts));
            lines.push(
                "check its usage and billing on the Token Factory dashboard, or ask for a higher quota; then run \
                 the command again (batch run and embed --lines resume where they stopped)"
                    .into(),
            );
            lines
        }
        Case::Unavailable => vec![
            format!("{model} is overloaded or down right now; this is temporary"),
            "retry later, or name models to fall back to: --fallback-model ID (repeatable) or OMNIVA_FALLBACK_MODELS=a,b".into(),
        ],
        Case::ServerError => vec![
            "the server failed on its side; retrying later usually works".into(),
            if facts.request_id {
                "if it persists, send the request id above to support".into()
            } else {
                "if it persists, tell the server's operator when it happened and with which model".into()
            },
        ],
        Case::TlsTrust => tls_hints(facts),
        Case::Network => network_hints(facts),
        Case::Proxy => proxy_hints(facts),
        Case::StreamCut => vec![
            if facts.content_received {
                "the stream ended before the server finished: the answer printed is incomplete".into()
            } else {
                "the stream ended before any content arrived".into()
            },
            "retry; if it keeps happening, a proxy may be cutting long responses".into(),
        ],
        Case::StreamSilent => vec![
            {
                let flag = facts.timer.map_or("--idle-timeout", Timer::flag);
                format!("the server sent no content for as long as {flag} allows (keep-alive comments do not count): it stalled; raise {flag} if it is just slow")
            },
            "clients that buffer streams look silent too: curl needs -N (--no-buffer) to show tokens as they arrive".into(),
        ],
        Case::Other => Vec::new(),
    }
}

fn key_malformed_hints(facts: &Facts) -> Vec<String> {
    // The fault itself is the error line (or doctor's summary); these are the fixes.
    let fix = match &facts.key_problem {
        Some(KeyProblem::NonAscii { .. }) => {
            "copy the key again with the dashboard's copy button (or retype that character), then re-export it"
        }
        Some(KeyProblem::Placeholder { .. }) => {
            "replace the placeholder with your real key: export OMNIVA_API_KEY=sk-..."
        }
        Some(KeyProblem::BearerPrefix { .. }) => "export only the key itself: export OMNIVA_API_KEY=sk-...",
        _ => "re-export it bare, without quotes, spaces or line breaks: export OMNIVA_API_KEY=sk-...",
    };
    vec![fix.into(), format!("keys are generated on {KEYS_PAGE}")]
}

fn unknown_model_hints(facts: &Facts) -> Vec<String> {
    let model = facts.model.as_deref().unwrap_or("the model");
    if facts.embeddings {
        // The default is no example when it is the model the server does not serve.
        let example = if model == defaults::EMBEDDING_MODEL {
            String::new()
        } else {
            format!(" (such as {})", defaults::EMBEDDING_MODEL)
        };
        return vec![
            format!(
                "the server does not serve {model} for embeddings: embed needs an embeddings model{example}, not a chat model"
            ),
            "find one with `tokenfactory models` (servers other than Token Factory may not serve the default) \
             and pass it with -m or OMNIVA_EMBEDDING_MODEL"
                .into(),
        ];
    }
    let mut lines =
        vec![format!("the server does not serve {model}; IDs are exact and case-sensitive (e.g. {})", defaults::MODEL)];
    if !facts.suggestions.is_empty() {
        lines.push(format!("closest IDs: {}", facts.suggestions.join(", ")));
    }
    lines.push("list all IDs with `tokenfactory models` and pass one with -m or OMNIVA_MODEL".into());
    lines
}

fn rate_limit_hints(facts: &Facts) -> Vec<String> {
    let mut lines = vec!["the workspace's quota or rate limit (requests or tokens per minute) was reached".into()];
    lines.extend(server_wait(facts));
    if !facts.rate_limit.is_empty() {
        let pairs: Vec<String> = facts.rate_limit.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        lines.push(format!("rate-limit headers: {}", pairs.join(", ")));
    }
    if let Some(n) = facts.retries {
        lines.push(format!("retried {n} time{}", if n == 1 { "" } else { "s" }));
    }
    lines.push("wait and retry, lower the request rate, or ask for a higher quota".into());
    lines
}

/// `the server asks to wait 20 s (until 2026-11-25 18:04 UTC)`, when it said.
fn server_wait(facts: &Facts) -> Option<String> {
    let wait = facts.retry_after?;
    let until = facts
        .retry_at
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|t| format!(" (until {})", utc_date(t.as_secs())))
        .unwrap_or_default();
    Some(format!("the server asks to wait {}{until}", crate::time_text::span(wait)))
}

fn network_hints(facts: &Facts) -> Vec<String> {
    let host = facts.url.as_deref().and_then(host_of).unwrap_or_else(|| "the API host".into());
    if facts.malformed {
        return vec![
            format!("{host} answered, but not with valid HTTP: a malformed or oversized header, or a bad status line"),
            "check that the base URL points at the API (its host, port and scheme), not at another service; \
             a proxy in between can mangle replies too"
                .into(),
        ];
    }
    let mut lines = match facts.timer.map(Timer::flag).or(facts.connect_timeout.then_some("--connect-timeout")) {
        Some(flag) => {
            vec![format!("the server did not answer in time; raise the limit with {flag} if it is just slow")]
        }
        None => vec![format!("could not reach {host}: check the network, a firewall or VPN, and the base URL")],
    };
    lines.push("behind a corporate proxy, set HTTPS_PROXY=http://proxy:port (NO_PROXY lists hosts to bypass)".into());
    lines
}

fn proxy_hints(facts: &Facts) -> Vec<String> {
    let which = facts
        .proxy
        .as_ref()
        .map(|p| format!("the proxy {} (from {})", p.redacted(), p.variable))
        .unwrap_or_else(|| "the proxy".into());
    let has_credentials = facts.proxy.as_ref().is_some_and(|p| !p.url.username().is_empty());
    if facts.status == Some(407) && has_credentials {
        vec![
            format!("{which} rejected the user name or password in the proxy URL (407)"),
            "check them (special characters must be percent-encoded, e.g. @ as %40)".into(),
        ]
    } else if facts.status == Some(407) {
        vec![
            format!("{which} requires authentication (407)"),
            "put the credentials in the proxy URL: HTTPS_PROXY=http://user:password@proxy:port".into(),
        ]
    } else {
        vec![
            format!("{which} refused or could not be reached"),
            "check the proxy address, or unset the variable / add the host to NO_PROXY to go direct".into(),
        ]
    }
}

/// How to get the history working again.
pub fn history_hints(error: &HistoryError) -> Vec<String> {
    let path = error.path.display();
    match error.kind {
        Problem::Damaged => vec![
            format!(
                "keep what it holds with the sqlite3 tool: sqlite3 {path} .recover | sqlite3 {path}.recovered, then mv {path}.recovered {path}"
            ),
            format!("or move it aside (the history starts afresh): mv {path} {path}.damaged"),
            "chat still works meanwhile; OMNIVA_HISTORY=off turns recording off".into(),
        ],
        Problem::Newer => vec!["upgrade tokenfactory, or point OMNIVA_HISTORY at another file for this version".into()],
        Problem::Foreign => vec![
            "tokenfactory never changes another application's database".into(),
            "point OMNIVA_HISTORY at a file of its own (or unset it for the default place)".into(),
        ],
        Problem::Locked => vec!["another tokenfactory held the file for too long; try again".into()],
        Problem::DiskFull => vec!["free some disk space, or point OMNIVA_HISTORY at another disk".into()],
        Problem::Unwritable => vec![format!(
            "check the permissions of {}, or point OMNIVA_HISTORY at a writable file",
            error.path.parent().map_or_else(|| path.to_string(), |d| d.display().to_string())
        )],
        Problem::Other => Vec::new(),
    }
}

fn tls_hints(facts: &Facts) -> Vec<String> {
    let host = facts.url.as_deref().and_then(host_of).unwrap_or_else(|| "the server".into());
    match &facts.tls {
        Some(TlsKind::Expired { not_after, now }) => vec![
            match (not_after, now) {
                (Some(end), Some(now)) => {
                    format!("the certificate of {host} expired on {} (local clock: {})", utc_date(*end), utc_date(*now))
                }
                _ => format!("the certificate of {host} has expired"),
            },
            "if the local clock is wrong, fix it; otherwise the server (or a proxy in between) must renew it".into(),
        ],
        Some(TlsKind::NotYetValid { not_before, now }) => vec![
            match (not_before, now) {
                (Some(start), Some(now)) => format!(
                    "the certificate of {host} is valid only from {} (local clock: {})",
                    utc_date(*start),
                    utc_date(*now)
                ),
                _ => format!("the certificate of {host} is not valid yet"),
            },
            "check the local clock and time zone".into(),
        ],
        Some(TlsKind::WrongHost { presented }) => {
            let names = if presented.is_empty() {
                String::new()
            } else {
                format!(" (it is valid for {})", presented.join(", "))
            };
            vec![
                format!("the certificate is not valid for {host}{names}"),
                "check the base URL's host; a proxy minting certificates for the wrong host causes this too".into(),
            ]
        }
        Some(TlsKind::NotTls) => vec![
            format!("{host} answered in plain HTTP: no certificate was received, so trust is not the problem"),
            "use http:// instead of https:// in the base URL (--base-url or OMNIVA_BASE_URL) for this server".into(),
        ],
        Some(TlsKind::NoRoots) => vec![
            "no CA certificates were found: SSL_CERT_FILE / SSL_CERT_DIR point at nothing usable".into(),
            "unset them, or point them at a PEM bundle (e.g. /etc/ssl/certs/ca-certificates.crt)".into(),
        ],
        _ if facts.ca_bundle.is_some() => vec![
            format!(
                "the certificate of {host} is signed by a CA that is neither among the system's nor in {}",
                facts.ca_bundle.as_deref().unwrap_or_default()
            ),
            "put the CA that signed it (or the server's own certificate, if it is self-signed) in that file; \
             doctor lists the chain the server presented"
                .into(),
        ],
        _ => vec![
            format!("the certificate of {host} is signed by a CA this machine does not trust"),
            "a TLS-inspecting corporate proxy is the usual cause: get its root CA certificate (PEM) from IT".into(),
            "then trust it in addition to the public roots: --ca-bundle corp-ca.pem or OMNIVA_CA_BUNDLE=corp-ca.pem"
                .into(),
            "(SSL_CERT_FILE works too, but replaces the system roots: the file must hold them all)".into(),
        ],
    }
}

fn host_of(url: &str) -> Option<String> {
    reqwest::Url::parse(url).ok().and_then(|u| {
        let host = u.host_str()?.to_string();
        Some(match u.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_has_a_fix() {
        for case in Case::ALL {
            assert!(!hints(case, &Facts::default()).is_empty(), "{case:?}");
        }
    }

    #[test]
    fn untrusted_issuer_names_ca_bundle_first() {
        let lines = hints(Case::TlsTrust, &Facts::default());
        let ca = lines.iter().position(|l| l.contains("--ca-bundle")).expect("ca-bundle named");
        let ssl = lines.iter().position(|l| l.contains("SSL_CERT_FILE")).expect("SSL_CERT_FILE named");
        assert!(ca < ssl);
    }
}
