//! The rate-limit headers servers of this family send (`x-ratelimit-remaining-requests`,
//! `-tokens`, and their `reset-` durations such as `1s`, `6m0s`, `20ms`), read into numbers a
//! scheduler can act on before the limit is hit.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// What the server said about the room left, on any response.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateLimits {
    pub remaining_requests: Option<u64>,
    pub remaining_tokens: Option<u64>,
    /// When the request and token counts refill.
    pub reset_requests: Option<Duration>,
    pub reset_tokens: Option<Duration>,
}

impl RateLimits {
    pub fn from_headers(headers: &HeaderMap) -> RateLimits {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let count = |name: &str| text(name).and_then(|v| v.parse::<f64>().ok()).filter(|v| *v >= 0.0).map(|v| v as u64);
        RateLimits {
            remaining_requests: count("x-ratelimit-remaining-requests"),
            remaining_tokens: count("x-ratelimit-remaining-tokens"),
            reset_requests: text("x-ratelimit-reset-requests").and_then(parse_reset),
            reset_tokens: text("x-ratelimit-reset-tokens").and_then(parse_reset),
        }
    }
}

/// `1s`, `6m0s`, `1h2m3.5s`, `20ms`, or plain seconds (`30`, `0.5`).
pub fn parse_reset(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_len..];
    }
    Some(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_durations_in_every_spelling() {
        assert_eq!(parse_reset("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_reset("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_reset("1h2m3.5s"), Some(Duration::from_secs_f64(3723.5)));
        assert_eq!(parse_reset("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(parse_reset("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_reset("soon"), None);
        assert_eq!(parse_reset("5x"), None);
    }

    #[test]
    fn headers_are_read_when_present() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining-requests", "3".parse().expect("value"));
        headers.insert("x-ratelimit-reset-requests", "2s".parse().expect("value"));
        let limits = RateLimits::from_headers(&headers);
        assert_eq!(limits.remaining_requests, Some(3));
        assert_eq!(limits.reset_requests, Some(Duration::from_secs(2)));
        assert_eq!(limits.remaining_tokens, None);
    }
}
