//! The individual doctor checks. Each returns a `Check`; network steps are bounded by the connect
//! or request timeout, so doctor never hangs.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

use reqwest::Url;

use crate::api::wire::{ChatChunk, ChatRequest, Message, Role};
use crate::api::{
    ApiError, Case, CertInfo, Client, Ending, ServerMessage, SseBatch, StreamFault, StreamStart, TlsKind, TlsProbe,
    is_done,
};
use crate::explain::{self, Facts};
use crate::output::doctor::{Check, Status};
use crate::settings::{ProxySpec, Secret, Settings};
use crate::time_text::utc_date;

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
        // Short keys are masked as their length alone: say it once.
        Some(k) if k.len() < 16 => Check::new(
            "key-set",
            "API key set",
            Status::Pass,
            format!("OMNIVA_API_KEY is set ({} characters)", k.len()),
        ),
        Some(k) => Check::new(
            "key-set",
            "API key set",
            Status::Pass,
            format!("OMNIVA_API_KEY is set: {} ({} characters)", k.masked(), k.len()),
        ),
        None => {
            failed("key-set", "API key set", "OMNIVA_API_KEY is not set".into(), Case::KeyMissing, &Facts::default())
        }
    }
}

pub fn key_format(key: &Secret, settings: &Settings) -> Check {
    const ID: &str = "key-format";
    const NAME: &str = "key well-formed";
    if let Some(problem) = key.problem() {
        let facts = Facts { key_problem: Some(problem.clone()), ..Facts::default() };
        return failed(ID, NAME, problem.describe(), Case::KeyMalformed, &facts);
    }
    // Token Factory's keys carry the `sk-oais` prefix; a key from another service is a common 401.
    if is_token_factory(&settings.base_url) && !key.expose().starts_with(TOKEN_FACTORY_KEY_PREFIX) {
        let looks = match other_service(key.expose()) {
            Some(service) => format!("it looks like {service}"),
            None => "it may belong to another service".into(),
        };
        let mut c = Check::new(
            ID,
            NAME,
            Status::Warn,
            format!("Token Factory keys start with {TOKEN_FACTORY_KEY_PREFIX}, and this one does not: {looks}"),
        );
        c.hints = vec![format!("create a Token Factory key on {} and export it as OMNIVA_API_KEY", explain::KEYS_PAGE)];
        return c;
    }
    Check::new(ID, NAME, Status::Pass, "no whitespace, quotes, prefix or placeholder")
}

/// The prefix of Token Factory's keys (its docs).
const TOKEN_FACTORY_KEY_PREFIX: &str = "sk-oais";

/// Whether the base URL is Token Factory's own service.
fn is_token_factory(url: &Url) -> bool {
    url.host_str().is_some_and(|h| h == "tokenfactory.omniva.com" || h.ends_with(".tokenfactory.omniva.com"))
}

/// The service a key's prefix belongs to, where that is clear.
fn other_service(key: &str) -> Option<&'static str> {
    const PREFIXES: &[(&str, &str)] = &[
        ("sk-proj-", "an OpenAI project key (sk-proj-)"),
        ("sk-svcacct-", "an OpenAI service-account key (sk-svcacct-)"),
        ("sk-admin-", "an OpenAI admin key (sk-admin-)"),
        ("sk-ant-", "an Anthropic key (sk-ant-)"),
        ("sk-or-", "an OpenRouter key (sk-or-)"),
        ("gsk_", "a Groq key (gsk_)"),
        ("xai-", "an xAI key (xai-)"),
        ("pplx-", "a Perplexity key (pplx-)"),
        ("nvapi-", "an NVIDIA key (nvapi-)"),
        ("fw_", "a Fireworks key (fw_)"),
        ("hf_", "a Hugging Face token (hf_)"),
        ("r8_", "a Replicate token (r8_)"),
        ("AIza", "a Google API key (AIza)"),
        ("ghp_", "a GitHub token (ghp_)"),
        ("github_pat_", "a GitHub token (github_pat_)"),
        ("AKIA", "an AWS access key ID (AKIA)"),
        ("eyJ", "a JWT, not an API key"),
        ("sk-", "an OpenAI-style key (sk-) from another service"),
    ];
    PREFIXES.iter().find(|(prefix, _)| key.starts_with(prefix)).map(|(_, service)| *service)
}

pub fn base_url(settings: &Settings) -> Check {
    let url = &settings.base_url;
    let mut warnings = Vec::new();
    // Plain http to this machine never leaves it; anywhere else the key travels in the clear.
    if url.scheme() == "http" && !is_loopback(url) {
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

/// `localhost`, `127.0.0.0/8` or `::1`.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost" || host.ends_with(".localhost"),
    }
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
    failure_with(id, name, error, Facts::of_api_error(error, Some(settings.model.clone())))
}

/// A failed request's check: the error, its case's hints from `facts`, and what the server said
/// about the request.
fn failure_with(id: &'static str, name: &'static str, error: &ApiError, facts: Facts) -> Check {
    let mut c = failed(id, name, error.to_string(), error.case(), &facts);
    if let ApiError::Status(h) = error {
        if let Some(request_id) = h.request_id() {
            c.details.push(format!("request id: {request_id}"));
        }
        if let Some(wait) = h.headers.retry_after {
            c.details.push(format!("retry-after: {}", crate::time_text::span(wait)));
        }
        c.details.extend(h.headers.rate_limit_text.iter().map(|(k, v)| format!("{k}: {v}")));
    }
    c
}

/// What `GET /models` told.
pub enum Catalog {
    Listed(Vec<String>),
    /// The base URL serves no catalog (404), which says nothing about the key or the base URL:
    /// the completion check decides.
    Missing,
    Failed,
}

/// Why the model check is skipped when the catalog endpoint is missing.
pub const NO_CATALOG: &str = "the catalog endpoint (GET /models) is not available at this base URL";

/// Auth: `GET /models` with the key. `chat_follows` says whether a completion check comes after,
/// which then verifies the key when there is no catalog.
pub async fn auth(client: &Client, settings: &Settings, chat_follows: bool) -> (Check, Catalog) {
    match client.models().await {
        Ok(reply) => {
            let ids: Vec<String> = reply.value.data.into_iter().map(|m| m.id).collect();
            let c = Check::new(
                "auth",
                "auth",
                Status::Pass,
                format!("the key was accepted (GET /models listed {} model{})", ids.len(), plural(ids.len())),
            );
            (c, Catalog::Listed(ids))
        }
        Err(e) if e.case() == Case::EndpointNotFound && e.http().is_some_and(|h| h.status == 404) => {
            let c = if chat_follows {
                Check::skipped("auth", "auth", format!("{NO_CATALOG} (404); the completion check verifies the key"))
            } else {
                let mut c = Check::new(
                    "auth",
                    "auth",
                    Status::Warn,
                    format!("not verified: {NO_CATALOG} (404), and no completion is sent to verify the key"),
                );
                c.hints = vec![
                    "run doctor without --no-chat to verify the key with one small completion".into(),
                    "if chat answers 404 too, the base URL is wrong (it usually ends in /v1)".into(),
                ];
                c
            };
            (c, Catalog::Missing)
        }
        Err(e) => (api_failure("auth", "auth", &e, settings), Catalog::Failed),
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
        response_format: None,
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

/// One small embeddings request (`--embeddings`) for the model `embed` uses by default: doctor's
/// `-m` names the chat model, so only `OMNIVA_EMBEDDING_MODEL` (else the default) counts here.
pub async fn embeddings(client: &Client, settings: &Settings) -> Check {
    let model = settings.embedding_model.clone();
    let started = Instant::now();
    match crate::commands::embed::probe(client, &model).await {
        Ok(dimensions) => Check::new(
            "embeddings",
            "embeddings",
            Status::Pass,
            format!("{model} gave a vector of {dimensions} dimensions in {:.1} s", started.elapsed().as_secs_f64()),
        ),
        Err(e) => {
            let facts = Facts { embeddings: true, ..Facts::of_api_error(&e, Some(model)) };
            failure_with("embeddings", "embeddings", &e, facts)
        }
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
    let mut seen = Seen::default();
    let mut batch = SseBatch::default();
    let fault = loop {
        batch.clear();
        match events.read(&mut batch).await {
            Ok(true) => {}
            Ok(false) => break None,
            Err(f) => break Some(f),
        }
        seen.reads += 1;
        for e in batch.iter() {
            seen.take(e.data, started);
        }
        if seen.done || seen.error.is_some() {
            break None;
        }
    };
    stream_verdict(&seen, fault, settings)
}

/// What doctor saw of a stream.
#[derive(Default)]
struct Seen {
    reads: usize,
    chunks: usize,
    first: Option<Duration>,
    done: bool,
    finished: bool,
    error: Option<ApiError>,
}

impl Seen {
    fn take(&mut self, data: &str, started: Instant) {
        if is_done(data) {
            self.done = true;
            return;
        }
        self.chunks += 1;
        self.first.get_or_insert_with(|| started.elapsed());
        if let Ok(chunk) = serde_json::from_str::<ChatChunk>(data) {
            if let Some(error) = chunk.error.filter(|e| !e.is_null()) {
                let server = ServerMessage::from_event(&serde_json::json!({ "error": error })).unwrap_or_default();
                self.error = Some(ApiError::StreamError { server, content_received: self.chunks > 1 });
            }
            self.finished |= chunk.choice.is_some_and(|c| c.finish_reason.is_some());
        }
    }

    /// `2 chunks`
    fn count(&self) -> String {
        format!("{} chunk{}", self.chunks, plural(self.chunks))
    }

    /// `, first after 12 ms`
    fn first_after(&self) -> String {
        self.first.map(|d| format!(", first after {} ms", d.as_millis())).unwrap_or_default()
    }
}

fn stream_verdict(seen: &Seen, fault: Option<StreamFault>, settings: &Settings) -> Check {
    const ID: &str = "streaming";
    if let Some(error) = &seen.error {
        return api_failure(ID, ID, error, settings);
    }
    let (chunks, first) = (seen.count(), seen.first_after());
    if let Some(StreamFault::Stalled { .. }) = fault {
        let what = format!("the stream went silent (no data for the idle timeout) after {chunks}{first}");
        return failed(ID, ID, what, Case::StreamSilent, &Facts::default());
    }
    // The same end-of-stream rule as chat: [DONE], or a finish reason followed by the close.
    match (Ending::of(seen.done, seen.finished), fault) {
        (Ending::Cut, Some(_)) => {
            let what = format!("the stream ended before data: [DONE] after {chunks}{first}");
            return failed(ID, ID, what, Case::StreamCut, &Facts::default());
        }
        (Ending::Cut, None) => {
            let what = format!("the stream ended without data: [DONE] or a finish reason after {chunks}{first}");
            return failed(ID, ID, what, Case::StreamCut, &Facts::default());
        }
        (Ending::FinishedWithoutDone, _) => {
            let what = format!("the stream ended after its finish reason, without data: [DONE] ({chunks}{first})");
            let mut c = Check::new(ID, ID, Status::Warn, what);
            c.hints =
                vec!["tokenfactory treats this as complete; strict clients may report the stream as cut off".into()];
            return c;
        }
        (Ending::Done, _) => {}
    }
    if seen.chunks > 1 && seen.reads > 1 {
        return Check::new(ID, ID, Status::Pass, format!("{chunks} arrived incrementally{first}"));
    }
    let mut c = Check::new(
        ID,
        ID,
        Status::Warn,
        format!("the whole answer arrived at once ({chunks} in {} read{}){first}", seen.reads, plural(seen.reads)),
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
