//! The individual doctor checks. Each returns a `Check`; network steps are bounded by the connect
//! or request timeout, so doctor never hangs.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

use reqwest::Url;

use super::check::{Check, Status};
use crate::api::wire::{ChatRequest, Message, Role};
use crate::api::{ApiError, CertInfo, Client, StreamFault, StreamStart, TlsKind, TlsProbe};
use crate::explain::{self, Case, Facts, utc_date};
use crate::settings::{ProxySpec, Secret, Settings};

/// Resolves a host name; the system resolver in the binary, a fake in unit tests.
pub type Resolver = dyn Fn(String, u16) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>> + Sync;

pub fn system_resolver(host: String, port: u16) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>> {
    Box::pin(async move { tokio::net::lookup_host((host.as_str(), port)).await.map(|a| a.collect()) })
}

/// The hints of a case, with what is known.
fn hints(case: Case, facts: &Facts) -> Vec<String> {
    explain::hints(case, facts)
}

fn failed(id: &'static str, name: &'static str, summary: String, case: Case, facts: &Facts) -> Check {
    let mut c = Check::new(id, name, Status::Fail, summary);
    c.hints = hints(case, facts);
    c.case = Some(case);
    c
}

pub fn key_set(key: Option<&Secret>) -> Check {
    match key {
        Some(k) => Check::new(
            "key-set",
            "API key set",
            Status::Pass,
            format!("OMNIVA_API_KEY is set: {} ({} characters)", k.masked(), k.expose().chars().count()),
        ),
        None => {
            failed("key-set", "API key set", "OMNIVA_API_KEY is not set".into(), Case::KeyMissing, &Facts::default())
        }
    }
}

pub fn key_format(key: &Secret) -> Check {
    match key.problem() {
        None if key.expose().starts_with("sk-") => {
            Check::new("key-format", "key well-formed", Status::Pass, "no whitespace, quotes or prefix")
        }
        None => Check::new(
            "key-format",
            "key well-formed",
            Status::Warn,
            "the key does not start with sk- as Token Factory keys do (fine for other servers)",
        ),
        Some(problem) => {
            let facts = Facts { key_problem: Some(problem.clone()), ..Facts::default() };
            failed("key-format", "key well-formed", problem.describe(), Case::KeyMalformed, &facts)
        }
    }
}

pub fn base_url(settings: &Settings) -> Check {
    let url = &settings.base_url;
    let mut warnings = Vec::new();
    if url.scheme() == "http" {
        warnings.push("plain http: the key and prompts travel unencrypted");
    }
    if !url.path().trim_end_matches('/').ends_with("/v1") {
        warnings.push("the path does not end in /v1, which OpenAI-compatible APIs expect");
    }
    let route = match settings.proxies.for_url(url) {
        Some(p) => format!("via proxy {} (from {})", p.redacted(), p.variable),
        None => "direct (no proxy)".to_string(),
    };
    let status = if warnings.is_empty() { Status::Pass } else { Status::Warn };
    let mut c = Check::new("base-url", "base URL", status, format!("{url}, {route}"));
    c.details = warnings.iter().map(|w| w.to_string()).collect();
    c
}

/// Where the first hop goes: the proxy when one applies, else the API host.
pub struct Hop {
    pub host: String,
    pub port: u16,
    pub proxy: Option<ProxySpec>,
}

impl Hop {
    pub fn of(settings: &Settings) -> Option<Hop> {
        let proxy = settings.proxies.for_url(&settings.base_url).cloned();
        let target: &Url = proxy.as_ref().map_or(&settings.base_url, |p| &p.url);
        Some(Hop {
            host: target.host_str()?.trim_start_matches('[').trim_end_matches(']').to_string(),
            port: target.port_or_known_default()?,
            proxy,
        })
    }

    fn facts(&self) -> Facts {
        Facts {
            proxy: self.proxy.clone(),
            url: Some(format!("http://{}:{}/", self.host, self.port)),
            ..Facts::default()
        }
    }

    fn what(&self) -> String {
        match &self.proxy {
            Some(p) => format!("proxy {}:{} (from {})", self.host, self.port, p.variable),
            None => format!("{}:{}", self.host, self.port),
        }
    }
}

pub async fn dns(hop: &Hop, resolve: &Resolver, limit: Duration) -> (Check, Vec<SocketAddr>) {
    let facts = hop.facts();
    let case = if hop.proxy.is_some() { Case::Proxy } else { Case::Network };
    match tokio::time::timeout(limit, resolve(hop.host.clone(), hop.port)).await {
        Ok(Ok(addrs)) if !addrs.is_empty() => {
            let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            (Check::new("dns", "DNS", Status::Pass, format!("{} → {}", hop.host, list.join(", "))), addrs)
        }
        Ok(Ok(_)) => (failed("dns", "DNS", format!("{} has no addresses", hop.host), case, &facts), Vec::new()),
        Ok(Err(e)) => (failed("dns", "DNS", format!("cannot resolve {}: {e}", hop.what()), case, &facts), Vec::new()),
        Err(_) => (
            failed(
                "dns",
                "DNS",
                format!("no answer resolving {} within {} s", hop.host, limit.as_secs_f64()),
                case,
                &facts,
            ),
            Vec::new(),
        ),
    }
}

pub async fn tcp(hop: &Hop, addrs: &[SocketAddr], limit: Duration) -> Check {
    let facts = hop.facts();
    let case = if hop.proxy.is_some() { Case::Proxy } else { Case::Network };
    let mut last = String::new();
    for addr in addrs {
        match tokio::time::timeout(limit, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => {
                return Check::new(
                    "tcp",
                    "TCP connect",
                    Status::Pass,
                    format!("connected to {} at {addr}", hop.what()),
                );
            }
            Ok(Err(e)) => last = format!("{addr}: {e}"),
            Err(_) => last = format!("{addr}: no answer within {} s (--connect-timeout)", limit.as_secs_f64()),
        }
    }
    failed("tcp", "TCP connect", format!("cannot connect to {}: {last}", hop.what()), case, &facts)
}

pub fn tls(settings: &Settings, probe: TlsProbe) -> Check {
    let details: Vec<String> = probe.chain.iter().enumerate().flat_map(|(i, c)| describe_cert(i, c)).collect();
    match probe.result {
        Ok(()) => {
            let mut c = Check::new(
                "tls",
                "TLS",
                Status::Pass,
                format!(
                    "certificate chain verified ({} certificate{} presented)",
                    probe.chain.len(),
                    plural(probe.chain.len())
                ),
            );
            c.details = details;
            c
        }
        Err(error) => {
            let kind = match &error {
                ApiError::Tls { kind, .. } => Some(kind.clone()),
                ApiError::Setup { tls, .. } => tls.clone(),
                _ => None,
            };
            let case = if kind.is_some() { Case::TlsTrust } else { error.case() };
            let mut facts = Facts::of_api_error(&error, Some(settings.model.clone()));
            facts.url = Some(settings.base_url.to_string());
            facts.tls = kind.clone();
            let mut c = failed("tls", "TLS", error.to_string(), case, &facts);
            if kind == Some(TlsKind::UnknownIssuer) {
                c.hints.insert(0, unknown_issuer_cause(&probe.chain));
            }
            c.details = details;
            c
        }
    }
}

/// Tells the three situations behind "unknown issuer" apart by the presented chain.
fn unknown_issuer_cause(chain: &[CertInfo]) -> String {
    match chain.last() {
        Some(last) if last.self_issued() => {
            format!(
                "the server (or a proxy) presented a self-signed certificate this machine does not trust: {}",
                last.subject
            )
        }
        Some(last) => format!(
            "the chain ends at \"{}\", which this machine does not trust: a TLS-intercepting proxy's CA, \
             or the server left out its intermediate certificate",
            last.issuer
        ),
        None => "the server's certificate is signed by an unknown CA".into(),
    }
}

fn describe_cert(index: usize, c: &CertInfo) -> Vec<String> {
    let mut lines = vec![
        format!("#{index} subject: {}", c.subject),
        format!("   issuer:  {}", c.issuer),
        format!("   valid:   {} → {}", utc_date(c.not_before.max(0) as u64), utc_date(c.not_after.max(0) as u64)),
    ];
    if !c.names.is_empty() {
        lines.push(format!("   names:   {}", c.names.join(", ")));
    }
    lines
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn api_failure(id: &'static str, name: &'static str, error: &ApiError, settings: &Settings) -> Check {
    let facts = Facts::of_api_error(error, Some(settings.model.clone()));
    let mut c = failed(id, name, error.to_string(), error.case(), &facts);
    if let ApiError::Status(h) = error {
        if let Some(request_id) = &h.request_id {
            c.details.push(format!("request id: {request_id}"));
        }
        if let Some(wait) = &h.retry_after {
            c.details.push(format!("retry-after: {wait}"));
        }
        c.details.extend(h.rate_limit.iter().map(|(k, v)| format!("{k}: {v}")));
    }
    c
}

/// Auth: `GET /models` with the key. Returns the catalog's IDs on success.
pub async fn auth(client: &Client, settings: &Settings) -> (Check, Option<Vec<String>>) {
    match client.models().await {
        Ok(reply) => {
            let ids: Vec<String> = reply.value.data.into_iter().map(|m| m.id).collect();
            let c = Check::new(
                "auth",
                "auth",
                Status::Pass,
                format!("the key was accepted (GET /models listed {} model{})", ids.len(), plural(ids.len())),
            );
            (c, Some(ids))
        }
        Err(e) => (api_failure("auth", "auth", &e, settings), None),
    }
}

pub fn model(settings: &Settings, ids: &[String]) -> Check {
    let wanted = &settings.model;
    if ids.iter().any(|id| id == wanted) {
        return Check::new("model", "model", Status::Pass, format!("{wanted} is in the catalog"));
    }
    let suggestions = crate::suggest::closest(wanted, ids.iter().map(String::as_str), 3);
    let facts = Facts { model: Some(wanted.clone()), suggestions, ..Facts::default() };
    failed("model", "model", format!("{wanted} is not in the catalog"), Case::UnknownModel, &facts)
}

/// The smallest request that proves inference works.
fn probe_request(settings: &Settings, stream: bool) -> ChatRequest {
    ChatRequest {
        model: settings.model.clone(),
        messages: vec![Message { role: Role::User, content: "Reply with the single word OK.".into() }],
        temperature: None,
        max_tokens: Some(PROBE_MAX_TOKENS),
        stream,
        stream_options: None,
    }
}

/// Enough for a short answer; a reasoning model may still spend it all thinking, which passes.
const PROBE_MAX_TOKENS: u32 = 32;

pub async fn completion(client: &Client, settings: &Settings) -> Check {
    let started = Instant::now();
    match client.chat(&probe_request(settings, false)).await {
        Ok(reply) => {
            let choice = reply.value.choices.first();
            let content =
                choice.and_then(|c| c.message.as_ref()).and_then(|m| m.content.as_deref()).unwrap_or("").trim();
            let summary = if content.is_empty() {
                let reasoned = choice.and_then(|c| c.message.as_ref()).and_then(|m| m.reasoning()).is_some();
                if reasoned || choice.and_then(|c| c.finish_reason.as_deref()) == Some("length") {
                    format!(
                        "200 OK with an empty answer: a reasoning model spent the {PROBE_MAX_TOKENS}-token budget thinking, which is fine"
                    )
                } else {
                    "200 OK with an empty answer".to_string()
                }
            } else {
                let short: String = crate::output::Sanitizer::clean(content).chars().take(40).collect();
                format!("answered {short:?} in {:.1} s", started.elapsed().as_secs_f64())
            };
            Check::new("completion", "completion", Status::Pass, summary)
        }
        Err(e) => api_failure("completion", "completion", &e, settings),
    }
}

pub async fn streaming(client: &Client, settings: &Settings) -> Check {
    let started = Instant::now();
    let mut events = match client.chat_stream(&probe_request(settings, true), settings.idle_timeout).await {
        Ok(StreamStart::Events(events)) => events,
        Ok(StreamStart::Whole(_)) => {
            let mut c = Check::new(
                "streaming",
                "streaming",
                Status::Warn,
                "the server ignored stream: true and sent one JSON answer",
            );
            c.hints = hints(Case::StreamSilent, &Facts::default());
            return c;
        }
        Err(e) => return api_failure("streaming", "streaming", &e, settings),
    };
    let mut reads = 0usize;
    let mut chunks = 0usize;
    let mut first: Option<Duration> = None;
    let mut done = false;
    let mut batch = Vec::new();
    let fault = loop {
        batch.clear();
        match events.read(&mut batch).await {
            Ok(true) => {}
            Ok(false) => break None,
            Err(f) => break Some(f),
        }
        reads += 1;
        for e in &batch {
            if e.data.trim() == "[DONE]" {
                done = true;
            } else {
                chunks += 1;
                first.get_or_insert_with(|| started.elapsed());
            }
        }
        if done {
            break None;
        }
    };
    let ttfc = first.map(|d| format!(", first after {} ms", d.as_millis())).unwrap_or_default();
    if let Some(fault) = fault {
        let (what, case) = match fault {
            StreamFault::Closed { .. } => ("the stream ended before data: [DONE]", Case::StreamCut),
            StreamFault::Stalled { after, .. } => {
                let _ = after;
                ("the stream went silent (no data for the idle timeout)", Case::StreamSilent)
            }
        };
        return failed(
            "streaming",
            "streaming",
            format!("{what} after {chunks} chunk{}{ttfc}", plural(chunks)),
            case,
            &Facts::default(),
        );
    }
    if !done {
        return failed(
            "streaming",
            "streaming",
            format!("the stream ended without data: [DONE] after {chunks} chunk{}", plural(chunks)),
            Case::StreamCut,
            &Facts::default(),
        );
    }
    if chunks > 1 && reads > 1 {
        return Check::new(
            "streaming",
            "streaming",
            Status::Pass,
            format!("{chunks} chunks arrived incrementally{ttfc}"),
        );
    }
    let mut c = Check::new(
        "streaming",
        "streaming",
        Status::Warn,
        format!(
            "the whole answer arrived at once ({chunks} chunk{} in {reads} read{}){ttfc}",
            plural(chunks),
            plural(reads)
        ),
    );
    c.hints = vec![
        "something between here and the server may buffer the stream (a proxy), or the answer was just very short"
            .into(),
        "clients that buffer look silent too: test with curl -N (--no-buffer)".into(),
    ];
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing_resolver(
        _host: String,
        _port: u16,
    ) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>> {
        Box::pin(async { Err(io::Error::other("failed to lookup address information: Name or service not known")) })
    }

    fn fixed_resolver(_host: String, port: u16) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>> {
        Box::pin(async move { Ok(vec![SocketAddr::from(([192, 0, 2, 7], port))]) })
    }

    fn hop() -> Hop {
        Hop { host: "api.tokenfactory.omniva.com".into(), port: 443, proxy: None }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn dns_failure_fails_with_the_network_explanation() {
        let (check, addrs) = dns(&hop(), &failing_resolver, Duration::from_secs(1)).await;
        assert_eq!(check.status, Status::Fail);
        assert!(addrs.is_empty());
        assert_eq!(
            check.summary,
            "cannot resolve api.tokenfactory.omniva.com:443: failed to lookup address information: Name or service not known"
        );
        assert_eq!(check.case, Some(Case::Network));
        assert!(check.hints.iter().any(|h| h.contains("could not reach")), "{:?}", check.hints);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn dns_success_lists_the_addresses() {
        let (check, addrs) = dns(&hop(), &fixed_resolver, Duration::from_secs(1)).await;
        assert_eq!(check.status, Status::Pass);
        assert_eq!(check.summary, "api.tokenfactory.omniva.com → 192.0.2.7");
        assert_eq!(addrs.len(), 1);
    }

    #[test]
    fn unknown_issuer_is_told_apart_by_the_chain() {
        let cert = |s: &str, i: &str| CertInfo {
            subject: s.into(),
            issuer: i.into(),
            not_before: 0,
            not_after: 0,
            names: vec![],
        };
        assert!(unknown_issuer_cause(&[cert("CN=x", "CN=x")]).contains("self-signed"));
        assert!(
            unknown_issuer_cause(&[cert("CN=leaf", "CN=Corp Inspection CA")]).contains("\"CN=Corp Inspection CA\"")
        );
    }
}
