//! doctor's checks of the way to the server: DNS, a TCP connection and the TLS handshake, each to
//! the first hop (the proxy when one applies), each bounded by the connect or request timeout.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use reqwest::Url;

use super::{failed, plural};
use crate::api::{ApiError, Case, CertInfo, TlsKind, TlsProbe};
use crate::explain::Facts;
use crate::output::doctor::{Check, Status};
use crate::settings::{ProxySpec, Settings};
use crate::time_text::utc_date;

/// Resolves a host name; the system resolver in the binary, a fake in unit tests.
pub type Resolver = dyn Fn(String, u16) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>> + Sync;

pub fn system_resolver(host: String, port: u16) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>> {
    Box::pin(async move { tokio::net::lookup_host((host.as_str(), port)).await.map(|a| a.collect()) })
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
            facts.ca_bundle = settings.ca_bundle.as_ref().map(|b| b.path.display().to_string());
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
