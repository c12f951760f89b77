//! Test PKI made with rcgen and a rustls HTTPS server on 127.0.0.1 that presents a chosen chain
//! and answers every request with a chat completion.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

pub struct Served {
    pub port: u16,
    /// The root CA in PEM, to trust with --ca-bundle or SSL_CERT_FILE.
    pub root_pem: String,
}

/// What the leaf looks like.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Leaf {
    Good,
    Expired,
    WrongHost,
    /// Issued by an intermediate that the server does not send.
    MissingIntermediate,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("ca")
}

/// Serves HTTPS with a self-signed certificate for 127.0.0.1 that is marked as a CA (`CA:TRUE`),
/// as `openssl req -x509` makes one by default; `root_pem` is that certificate itself.
pub fn serve_self_signed_ca(names: &[&str]) -> Served {
    let key = KeyPair::generate().expect("key");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "my-gateway.local");
    let cert = params.self_signed(&key).expect("self-signed");
    let port = start(cert.der().to_vec(), key.serialize_der());
    Served { port, root_pem: cert.pem() }
}

/// Serves HTTPS with a leaf of the given kind under "Example Corp TLS Inspection Root CA".
pub fn serve(kind: Leaf) -> Served {
    let root = ca("Example Corp TLS Inspection Root CA");
    let names = if kind == Leaf::WrongHost {
        vec!["wrong.example.com".to_string()]
    } else {
        vec!["127.0.0.1".to_string(), "localhost".to_string()]
    };
    let leaf_key = KeyPair::generate().expect("leaf key");
    let mut params = CertificateParams::new(names).expect("leaf params");
    params.distinguished_name.push(DnType::CommonName, "api.test");
    if kind == Leaf::Expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let leaf = if kind == Leaf::MissingIntermediate {
        let mut ip = CertificateParams::new(Vec::<String>::new()).expect("intermediate params");
        ip.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ip.distinguished_name.push(DnType::CommonName, "Example Corp Issuing CA 1");
        let intermediate =
            CertifiedIssuer::signed_by(ip, KeyPair::generate().expect("key"), &root).expect("intermediate");
        params.signed_by(&leaf_key, &intermediate).expect("leaf")
    } else {
        params.signed_by(&leaf_key, &root).expect("leaf")
    };
    let port = start(leaf.der().to_vec(), leaf_key.serialize_der());
    Served { port, root_pem: root.pem() }
}

fn start(leaf_der: Vec<u8>, key_der: Vec<u8>) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(leaf_der)],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key_der.into()),
        )
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut buf = vec![0u8; 65536];
                    let mut seen = Vec::new();
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let body = crate::harness::completion("secure hello").to_string();
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(response.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    port
}

/// Writes `pem` to a fresh temporary file and returns its path.
pub fn pem_file(pem: &str, tag: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("tf-{tag}-{}-{}.pem", std::process::id(), rand_suffix()));
    std::fs::write(&path, pem).expect("write pem");
    path
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}
