//! chat over TLS: a loopback HTTPS server whose test CA the system does not trust.

use crate::harness::{run, with_key};
use crate::tls_server::{Leaf, pem_file, serve};

#[test]
fn tls_untrusted_certificate_exits_8_and_suggests_ca_bundle() {
    let server = serve(Leaf::Good);
    let (code, stdout, stderr) = run(with_key(&format!("https://127.0.0.1:{}/v1", server.port)).args(["chat", "hi"]));
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
    let server = serve(Leaf::Good);
    let ca_file = pem_file(&server.root_pem, "ca");
    let base = format!("https://127.0.0.1:{}/v1", server.port);
    let (code, stdout, stderr) = run(with_key(&base).arg("--ca-bundle").arg(&ca_file).args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "secure hello\n", ""));
    let (code, stdout, _) = run(with_key(&base).env("OMNIVA_CA_BUNDLE", &ca_file).args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str()), (0, "secure hello\n"));
    let _ = std::fs::remove_file(ca_file);
}

#[test]
fn tls_expired_certificate_names_the_date() {
    let server = serve(Leaf::Expired);
    let ca_file = pem_file(&server.root_pem, "ca-expired");
    let base = format!("https://127.0.0.1:{}/v1", server.port);
    let (code, _, stderr) = run(with_key(&base).arg("--ca-bundle").arg(&ca_file).args(["chat", "hi"]));
    assert_eq!(code, 8);
    assert!(stderr.contains("the server's certificate has expired"), "{stderr}");
    assert!(stderr.contains("expired on 2021-01-01 00:00 UTC (local clock: "), "{stderr}");
    let _ = std::fs::remove_file(ca_file);
}

#[test]
fn tls_unreadable_ca_bundle_exits_3() {
    let (code, _, stderr) =
        run(with_key("https://127.0.0.1:9/v1").args(["--ca-bundle", "/nonexistent/corp.pem", "chat", "hi"]));
    assert_eq!(code, 3);
    assert!(stderr.starts_with("tokenfactory: error: cannot use CA bundle /nonexistent/corp.pem: "), "{stderr}");
    let not_pem = pem_file("hello", "notpem");
    let (code, _, stderr) =
        run(with_key("https://127.0.0.1:9/v1").arg("--ca-bundle").arg(&not_pem).args(["chat", "hi"]));
    assert_eq!(code, 3);
    assert!(stderr.contains("holds no PEM certificates"), "{stderr}");
    let _ = std::fs::remove_file(not_pem);
}
