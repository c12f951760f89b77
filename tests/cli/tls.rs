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

#[test]
fn a_self_signed_certificate_marked_as_a_ca_is_trusted_when_given_with_ca_bundle() {
    let server = crate::tls_server::serve_self_signed_ca(&["127.0.0.1", "localhost"]);
    let own = pem_file(&server.root_pem, "self-signed");
    let base = format!("https://127.0.0.1:{}/v1", server.port);
    let (code, stdout, stderr) = run(with_key(&base).arg("--ca-bundle").arg(&own).args(["chat", "hi"]));
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "secure hello\n", ""));
    // Its name is still checked: a certificate given for another host is refused.
    let elsewhere = crate::tls_server::serve_self_signed_ca(&["gateway.example"]);
    let pinned = pem_file(&elsewhere.root_pem, "elsewhere");
    let (code, _, stderr) = run(with_key(&format!("https://127.0.0.1:{}/v1", elsewhere.port))
        .arg("--ca-bundle")
        .arg(&pinned)
        .args(["chat", "hi"]));
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("the server's certificate is for a different host name"), "{stderr}");
    // doctor agrees.
    let (code, stdout, _) = run(with_key(&base).arg("--ca-bundle").arg(&own).args(["doctor", "--no-chat"]));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("✓ TLS "), "{stdout}");
    let _ = std::fs::remove_file(own);
}

#[test]
fn a_bundle_that_does_not_hold_the_signer_is_named_in_the_hint() {
    let server = serve(Leaf::Good);
    let other = crate::tls_server::serve_self_signed_ca(&["127.0.0.1"]);
    let unrelated = pem_file(&other.root_pem, "unrelated");
    let base = format!("https://127.0.0.1:{}/v1", server.port);
    let (code, _, stderr) = run(with_key(&base).arg("--ca-bundle").arg(&unrelated).args(["chat", "hi"]));
    assert_eq!(code, 8);
    assert!(
        stderr
            .contains(&format!("is signed by a CA that is neither among the system's nor in {}", unrelated.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("--ca-bundle corp-ca.pem"), "no advice to give what was given: {stderr}");
    let _ = std::fs::remove_file(unrelated);
}

#[test]
fn https_against_a_plain_http_server_says_so_and_suggests_http() {
    let server = httpmock::MockServer::start();
    let base = server.url("/v1").replace("http://", "https://");
    let (code, _, stderr) = run(with_key(&base).args(["chat", "--retries", "0", "hi"]));
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("the server answered in plain HTTP, not TLS (https)"), "{stderr}");
    assert!(stderr.contains("use http:// instead of https:// in the base URL"), "{stderr}");
    assert!(!stderr.contains("corporate proxy"), "{stderr}");
}
