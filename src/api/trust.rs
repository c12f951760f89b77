//! Which server certificates are trusted, one rule for the client and doctor's probe: the
//! platform's verifier with the extra CAs of `--ca-bundle` added, and one more rule that curl
//! follows too: a server certificate that is itself one of the certificates the user gave is
//! trusted, its host name and validity still checked, even when it is marked as a CA (`openssl
//! req -x509` makes self-signed certificates with `CA:TRUE`, which webpki refuses as a server's).
//! For doctor, the verifier also keeps the chain it was shown, even when it refuses it.

use std::sync::{Arc, Mutex};

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

#[derive(Debug)]
pub struct Trust {
    platform: rustls_platform_verifier::Verifier,
    /// The certificates of `--ca-bundle`, as given.
    given: Vec<CertificateDer<'static>>,
    /// The last chain presented, when kept (doctor's probe).
    seen: Option<Mutex<Vec<CertificateDer<'static>>>>,
}

impl Trust {
    /// The verifier for the system's roots plus `given`.
    pub fn new(given: Vec<CertificateDer<'static>>) -> Result<Arc<Trust>, String> {
        Ok(Arc::new(Trust::build(given, None)?))
    }

    /// The same verifier, keeping the chain each server presents (see [`Trust::seen`]).
    pub fn recording(given: Vec<CertificateDer<'static>>) -> Result<Arc<Trust>, String> {
        Ok(Arc::new(Trust::build(given, Some(Mutex::new(Vec::new())))?))
    }

    fn build(
        given: Vec<CertificateDer<'static>>,
        seen: Option<Mutex<Vec<CertificateDer<'static>>>>,
    ) -> Result<Trust, String> {
        let provider = provider()?;
        let platform = rustls_platform_verifier::Verifier::new_with_extra_roots(given.clone(), provider)
            .map_err(|e| e.to_string())?;
        Ok(Trust { platform, given, seen })
    }

    /// The last chain presented (server certificate first); empty unless `recording`.
    pub fn seen(&self) -> Vec<CertificateDer<'static>> {
        self.seen.as_ref().and_then(|seen| seen.lock().ok().map(|chain| chain.clone())).unwrap_or_default()
    }

    /// A `given` certificate presented by the server itself: trusted for its names while valid.
    fn verify_given(
        &self,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        let (_, cert) = x509_parser::parse_x509_certificate(end_entity.as_ref())
            .map_err(|_| rustls::Error::InvalidCertificate(rustls::CertificateError::BadEncoding))?;
        let (from, until) = (cert.validity().not_before.timestamp(), cert.validity().not_after.timestamp());
        let at = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let seconds = |t: i64| UnixTime::since_unix_epoch(std::time::Duration::from_secs(t.max(0) as u64));
        if at < from {
            return Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidYetContext {
                time: now,
                not_before: seconds(from),
            }));
        }
        if at > until {
            return Err(rustls::Error::InvalidCertificate(rustls::CertificateError::ExpiredContext {
                time: now,
                not_after: seconds(until),
            }));
        }
        Ok(ServerCertVerified::assertion())
    }
}

impl ServerCertVerifier for Trust {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(Ok(mut seen)) = self.seen.as_ref().map(Mutex::lock) {
            *seen = std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect();
        }
        match self.platform.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(_) if self.given.iter().any(|given| given.as_ref() == end_entity.as_ref()) => {
                self.verify_given(end_entity, server_name, now)
            }
            verified => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.platform.supported_verify_schemes()
    }
}

/// The crypto provider the binary links (ring), installed once.
fn provider() -> Result<Arc<rustls::crypto::CryptoProvider>, String> {
    // Installing twice is harmless, so the result is ignored.
    let _ = rustls::crypto::ring::default_provider().install_default();
    rustls::crypto::CryptoProvider::get_default().cloned().ok_or_else(|| "no TLS crypto provider".to_string())
}

/// A TLS client configuration that verifies with `verifier` and speaks HTTP/1.1 (a preconfigured
/// backend gets no ALPN from reqwest).
pub fn client_config(verifier: Arc<dyn ServerCertVerifier>) -> Result<rustls::ClientConfig, String> {
    let config = rustls::ClientConfig::builder_with_provider(provider()?)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let mut config = config;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
