//! doctor's TLS check: one request through a client whose verifier (`Trust`, the client's own
//! rule) records the chain the server (or a proxy) presented. A failed handshake still shows what
//! was presented.

use std::time::Duration;

use reqwest::Url;
use rustls::pki_types::CertificateDer;

use super::error::ApiError;
use super::transport::{classify_transport, within_request_timeout};
use super::trust::{Trust, client_config};
use crate::settings::ProxyRules;

/// One certificate as presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: i64,
    pub not_after: i64,
    pub names: Vec<String>,
}

impl CertInfo {
    pub fn self_issued(&self) -> bool {
        self.subject == self.issuer
    }
}

/// What the handshake showed.
pub struct TlsProbe {
    pub chain: Vec<CertInfo>,
    /// `Ok` when the handshake (and an HTTP exchange, whatever its status) succeeded.
    pub result: Result<(), ApiError>,
}

/// Connects to `url` (through the proxy the rules pick) and records the certificate chain.
pub async fn probe(
    url: &Url,
    proxies: &ProxyRules,
    extra_roots: Vec<CertificateDer<'static>>,
    connect_timeout: Duration,
    timeout: Duration,
) -> TlsProbe {
    let setup = |detail: String| TlsProbe { chain: Vec::new(), result: Err(ApiError::Setup { detail, tls: None }) };
    let trust = match Trust::recording(extra_roots) {
        Ok(v) => v,
        Err(e) => return setup(e),
    };
    let config = match client_config(trust.clone()) {
        Ok(c) => c,
        Err(e) => return setup(e),
    };
    let client = super::client::builder(connect_timeout, proxies).tls_backend_preconfigured(config).build();
    let client = match client {
        Ok(c) => c,
        Err(e) => return setup(e.to_string()),
    };
    let proxy = proxies.for_url(url);
    let send = async {
        client.get(url.clone()).send().await.map(|_| ()).map_err(|e| classify_transport(&e, url.as_str(), proxy))
    };
    let result = within_request_timeout(timeout, timeout, url.as_str(), send).await;
    let chain = trust.seen().iter().filter_map(|der| describe(der)).collect();
    TlsProbe { chain, result }
}

fn describe(der: &CertificateDer<'_>) -> Option<CertInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let names = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    x509_parser::extensions::GeneralName::DNSName(d) => Some(d.to_string()),
                    x509_parser::extensions::GeneralName::IPAddress(ip) => match ip.len() {
                        4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).ok()?).to_string()),
                        16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).ok()?).to_string()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Some(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        names,
    })
}
