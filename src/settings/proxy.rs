//! Which proxy a URL goes through, decided as curl decides it from `HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY` and `NO_PROXY` (either case). The HTTP client and `--verbose` use this one decision.

use std::net::IpAddr;

use reqwest::Url;

/// A proxy and the environment variable it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySpec {
    pub url: Url,
    pub variable: &'static str,
}

impl ProxySpec {
    /// The proxy URL with any password replaced, for messages.
    pub fn redacted(&self) -> String {
        let mut url = self.url.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some("****"));
        }
        url.to_string().trim_end_matches('/').to_string()
    }
}

/// The proxy settings of the environment.
#[derive(Debug, Clone, Default)]
pub struct ProxyRules {
    http: Option<ProxySpec>,
    https: Option<ProxySpec>,
    all: Option<ProxySpec>,
    no_proxy: Vec<String>,
}

/// An environment proxy value that is not a URL.
#[derive(Debug, thiserror::Error)]
#[error("{variable} is not a valid proxy URL: {reason}")]
pub struct ProxyError {
    pub variable: &'static str,
    pub reason: String,
}

impl ProxyRules {
    /// Reads the rules through `var`, which returns a variable's non-empty value.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<ProxyRules, ProxyError> {
        let pick = |names: [&'static str; 2]| -> Result<Option<ProxySpec>, ProxyError> {
            for name in names {
                if let Some(value) = var(name) {
                    return parse_proxy(name, &value).map(Some);
                }
            }
            Ok(None)
        };
        let no_proxy = var("no_proxy")
            .or_else(|| var("NO_PROXY"))
            .map(|v| v.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        Ok(ProxyRules {
            http: pick(["http_proxy", "HTTP_PROXY"])?,
            https: pick(["https_proxy", "HTTPS_PROXY"])?,
            all: pick(["all_proxy", "ALL_PROXY"])?,
            no_proxy,
        })
    }

    /// The passwords in the proxy URLs, as written and percent-decoded, for redaction.
    pub fn passwords(&self) -> Vec<String> {
        let specs = [&self.http, &self.https, &self.all];
        let mut out = Vec::new();
        for password in specs.into_iter().flatten().filter_map(|p| p.url.password()) {
            out.push(password.to_string());
            // URL passwords are stored percent-encoded (`%40` for `@`).
            if let Ok(decoded) = percent_encoding::percent_decode_str(password).decode_utf8() {
                out.push(decoded.into_owned());
            }
        }
        out
    }

    /// The proxy that a request to `url` goes through, if any.
    pub fn for_url(&self, url: &Url) -> Option<&ProxySpec> {
        let host = url.host_str()?;
        if self.bypassed(host) {
            return None;
        }
        let by_scheme = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        };
        by_scheme.or(self.all.as_ref())
    }

    fn bypassed(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let ip: Option<IpAddr> = host.parse().ok();
        self.no_proxy.iter().any(|entry| {
            if entry == "*" {
                return true;
            }
            if let (Some(ip), Some((net, bits))) = (ip, entry.split_once('/')) {
                return in_cidr(ip, net, bits);
            }
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            let entry = strip_port(entry);
            host == entry || host.ends_with(&format!(".{entry}"))
        })
    }
}

fn strip_port(entry: &str) -> &str {
    match entry.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => entry,
    }
}

fn in_cidr(ip: IpAddr, net: &str, bits: &str) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

fn parse_proxy(variable: &'static str, value: &str) -> Result<ProxySpec, ProxyError> {
    // curl treats a value without a scheme as an http:// proxy.
    let with_scheme = if value.contains("://") { value.to_string() } else { format!("http://{value}") };
    let url = Url::parse(&with_scheme).map_err(|e| ProxyError { variable, reason: e.to_string() })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ProxyError {
            variable,
            reason: format!("unsupported proxy scheme {:?} (use http:// or https://)", url.scheme()),
        });
    }
    Ok(ProxySpec { url, variable })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(vars: &[(&str, &str)]) -> ProxyRules {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ProxyRules::from_env(|n| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
            .expect("valid proxy settings")
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn https_proxy_applies_to_https_urls_and_names_its_variable() {
        let r = rules(&[("HTTPS_PROXY", "proxy.corp:3128")]);
        let p = r.for_url(&url("https://api.example.com/v1")).expect("proxy");
        assert_eq!(p.url.as_str(), "http://proxy.corp:3128/");
        assert_eq!(p.variable, "HTTPS_PROXY");
        assert!(r.for_url(&url("http://api.example.com/v1")).is_none());
    }

    #[test]
    fn lowercase_wins_and_all_proxy_is_the_fallback() {
        let r = rules(&[("https_proxy", "http://a:1"), ("HTTPS_PROXY", "http://b:1"), ("ALL_PROXY", "http://c:1")]);
        assert_eq!(r.for_url(&url("https://x/")).map(|p| p.variable), Some("https_proxy"));
        assert_eq!(r.for_url(&url("http://x/")).map(|p| p.variable), Some("ALL_PROXY"));
    }

    #[test]
    fn no_proxy_matches_hosts_domains_wildcards_and_cidr() {
        let r =
            rules(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "localhost, .internal,example.org:443,10.0.0.0/8")]);
        for bypass in [
            "https://localhost/",
            "https://a.internal/",
            "https://example.org/",
            "https://sub.example.org/",
            "https://10.1.2.3/",
        ] {
            assert!(r.for_url(&url(bypass)).is_none(), "{bypass}");
        }
        for proxied in ["https://notexample.org/", "https://11.0.0.1/", "https://internal.com/"] {
            assert!(r.for_url(&url(proxied)).is_some(), "{proxied}");
        }
        assert!(rules(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]).for_url(&url("https://x/")).is_none());
    }

    #[test]
    fn password_is_redacted() {
        let r = rules(&[("HTTPS_PROXY", "http://user:hunter2@p:3128")]);
        let p = r.for_url(&url("https://x/")).expect("proxy");
        assert_eq!(p.redacted(), "http://user:****@p:3128");
    }

    #[test]
    fn invalid_proxy_is_an_error_naming_the_variable() {
        let err =
            ProxyRules::from_env(|n| (n == "HTTPS_PROXY").then(|| "socks9://x".to_string())).expect_err("invalid");
        assert_eq!(err.variable, "HTTPS_PROXY");
    }
}
