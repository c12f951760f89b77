//! doctor's checks of the configuration itself, before anything is sent: the key is set and
//! well-formed (and looks like a Token Factory key where the base URL is Token Factory's), and the
//! base URL and the proxy that applies to it.

use reqwest::Url;

use super::failed;
use crate::api::Case;
use crate::explain::{self, Facts};
use crate::output::doctor::{Check, Status};
use crate::settings::{Secret, Settings};

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
