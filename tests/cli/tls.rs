//! TLS: a loopback HTTPS server with a certificate from a test CA that the system does not trust.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

use crate::harness::{run, with_key};

/// A CA ("Example Corp TLS Inspection Root CA") and a leaf for 127.0.0.1 and localhost signed by it.
struct TestPki {
    ca_pem: String,
    leaf_der: Vec<u8>,
    leaf_key_der: Vec<u8>,
}

fn make_pki() -> TestPki {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "Example Corp TLS Inspection Root CA");
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("ca");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("leaf params");
    leaf_params.distinguished_name.push(DnType::CommonName, "localhost");
    let leaf = leaf_params.signed_by(&leaf_key, &ca).expect("leaf");
    TestPki { ca_pem: ca.pem(), leaf_der: leaf.der().to_vec(), leaf_key_der: leaf_key.serialize_der() }
}

/// Serves HTTPS on 127.0.0.1 with `pki`'s leaf, answering every request with a chat completion.
/// Returns the port; the server lives as long as the test process.
fn serve(pki: &TestPki) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cert = rustls::pki_types::CertificateDer::from(pki.leaf_der.clone());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(pki.leaf_key_der.clone().into());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
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

#[test]
fn tls_untrusted_certificate_exits_8_and_suggests_ca_bundle() {
    let pki = make_pki();
    let port = serve(&pki);
    let (code, stdout, stderr) = run(with_key(&format!("https://127.0.0.1:{port}/v1")).args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (8, ""), "{stderr}");
    assert!(
        stderr.starts_with("tokenfactory: error: the server's certificate is not trusted (unknown issuer)"),
        "{stderr}"
    );
    assert!(stderr.contains("TLS-inspecting corporate proxy"), "{stderr}");
    assert!(stderr.contains("--ca-bundle corp-ca.pem"), "{stderr}");
}

#[test]
fn tls_ca_bundle_adds_the_test_ca_and_the_request_succeeds() {
    let pki = make_pki();
    let port = serve(&pki);
    let dir = std::env::temp_dir().join(format!("tf-ca-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).expect("write ca");
    let base = format!("https://127.0.0.1:{port}/v1");
    let (code, stdout, stderr) = run(with_key(&base).arg("--ca-bundle").arg(&ca_file).args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "secure hello\n", ""));
    let (code, stdout, _) = run(with_key(&base).env("OMNIVA_CA_BUNDLE", &ca_file).args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (0, "secure hello\n"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn tls_unreadable_ca_bundle_exits_3() {
    let (code, _, stderr) =
        run(with_key("https://127.0.0.1:9/v1").args(["--ca-bundle", "/nonexistent/corp.pem", "chat", "hi"]));
    assert_eq!(code, 3);
    assert!(stderr.starts_with("tokenfactory: error: cannot use CA bundle /nonexistent/corp.pem: "), "{stderr}");
    let not_pem = std::env::temp_dir().join(format!("tf-notpem-{}", std::process::id()));
    std::fs::write(&not_pem, "hello").expect("write");
    let (code, _, stderr) =
        run(with_key("https://127.0.0.1:9/v1").arg("--ca-bundle").arg(&not_pem).args(["chat", "hi"]));
    assert_eq!(code, 3);
    assert!(stderr.contains("holds no PEM certificates"), "{stderr}");
    let _ = std::fs::remove_file(not_pem);
}
