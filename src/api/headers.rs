//! Every response header the tool acts on, read once at the edge into typed values: the request id,
//! the rate-limit counts and their reset times (`x-ratelimit-*`: `1s`, `6m0s`, `20ms`), and the
//! wait a server asks for (`retry-after-ms`, `Retry-After` in seconds or as an HTTP date). A server
//! may send any bytes: every duration saturates at [`LONGEST_WAIT`], every count at `u64::MAX`, and
//! nothing here can panic.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The longest duration a header can mean here. Longer values (a reset in `1e300` seconds, or in
/// `99999999999999999999h`) are read as this: far beyond any wait the tool would sleep, and small
/// enough that adding it to a clock never overflows.
pub const LONGEST_WAIT: Duration = Duration::from_secs(366 * 24 * 3600);

/// Header names a request id arrives under, most specific first.
const REQUEST_ID_HEADERS: [&str; 4] = ["x-request-id", "request-id", "x-omniva-request-id", "cf-ray"];

/// What the headers of one response said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseHeaders {
    pub request_id: Option<String>,
    pub limits: RateLimits,
    /// How long the server asked to wait before the next request.
    pub retry_after: Option<Duration>,
    /// The `x-ratelimit-*` headers as sent, for people to read (an explanation, doctor).
    pub rate_limit_text: Vec<(String, String)>,
    /// `Content-Encoding`, when the body is encoded (`gzip`, `br`): we never ask for it.
    pub content_encoding: Option<String>,
    /// `Location`, where a 3xx points.
    pub location: Option<String>,
    pub content_type: Option<String>,
}

/// What the server said about the room left, on any response.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateLimits {
    pub remaining_requests: Option<u64>,
    pub remaining_tokens: Option<u64>,
    /// When the request and token counts refill.
    pub reset_requests: Option<Duration>,
    pub reset_tokens: Option<Duration>,
}

impl ResponseHeaders {
    /// Reads `headers`, received at `now` (an HTTP-date `Retry-After` is relative to it).
    pub fn read(headers: &HeaderMap, now: SystemTime) -> ResponseHeaders {
        let text = |name: &str| header(headers, name);
        let retry_after = text("retry-after-ms")
            .and_then(|ms| seconds(ms.trim().parse::<f64>().ok()? / 1000.0))
            .or_else(|| text("retry-after").and_then(|v| parse_retry_after(&v, now)));
        ResponseHeaders {
            request_id: REQUEST_ID_HEADERS.iter().find_map(|name| text(name)),
            limits: RateLimits {
                remaining_requests: text("x-ratelimit-remaining-requests").and_then(|v| parse_count(&v)),
                remaining_tokens: text("x-ratelimit-remaining-tokens").and_then(|v| parse_count(&v)),
                reset_requests: text("x-ratelimit-reset-requests").and_then(|v| parse_reset(&v)),
                reset_tokens: text("x-ratelimit-reset-tokens").and_then(|v| parse_reset(&v)),
            },
            retry_after,
            rate_limit_text: headers
                .iter()
                .filter(|(k, _)| k.as_str().starts_with("x-ratelimit-"))
                .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            content_encoding: text("content-encoding").filter(|e| !e.eq_ignore_ascii_case("identity")),
            location: text("location"),
            content_type: text("content-type"),
        }
    }
}

/// A header's value, trimmed, when it is there, not empty and visible ASCII (other bytes are
/// read lossily).
fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A non-negative count (`42`, `42.0`); fractions are rounded down, absurd values saturate.
pub fn parse_count(text: &str) -> Option<u64> {
    let value: f64 = text.trim().parse().ok()?;
    // `as` saturates: 1e300 becomes u64::MAX.
    (value.is_finite() && value >= 0.0).then_some(value as u64)
}

/// A non-negative number of seconds as a duration, saturating at [`LONGEST_WAIT`].
pub fn parse_seconds(text: &str) -> Option<Duration> {
    seconds(text.trim().parse().ok()?)
}

/// Seconds as a duration: NaN and negatives are no duration; anything past [`LONGEST_WAIT`]
/// (infinity included) is that.
fn seconds(value: f64) -> Option<Duration> {
    if value.is_nan() || value < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(value.min(LONGEST_WAIT.as_secs_f64())))
}

/// `Retry-After`: seconds, or an HTTP date (a date in the past means now).
fn parse_retry_after(text: &str, now: SystemTime) -> Option<Duration> {
    if let Some(d) = parse_seconds(text) {
        return Some(d);
    }
    let at = httpdate::parse_http_date(text.trim()).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO).min(LONGEST_WAIT))
}

/// A reset time: `1s`, `6m0s`, `1h2m3.5s`, `20ms`, or plain seconds (`30`, `0.5`).
pub fn parse_reset(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Some(d) = parse_seconds(text) {
        return Some(d);
    }
    let mut total = 0.0_f64;
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
            "d" => 86_400.0,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_len..];
    }
    seconds(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(reqwest::header::HeaderName::from_bytes(k.as_bytes()).expect("name"), v.parse().expect("value"));
        }
        h
    }

    #[test]
    fn reset_durations_in_every_spelling() {
        assert_eq!(parse_reset("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_reset("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_reset("1h2m3.5s"), Some(Duration::from_secs_f64(3723.5)));
        assert_eq!(parse_reset("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(parse_reset("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_reset("23h59m"), Some(Duration::from_secs(86_340)));
        assert_eq!(parse_reset("soon"), None);
        assert_eq!(parse_reset("5x"), None);
    }

    #[test]
    fn absurd_values_saturate_instead_of_panicking() {
        assert_eq!(parse_reset("1e300"), Some(LONGEST_WAIT));
        assert_eq!(parse_reset("99999999999999999999h"), Some(LONGEST_WAIT));
        assert_eq!(parse_reset("1e19"), Some(LONGEST_WAIT));
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("NaN"), None);
        assert_eq!(parse_seconds("inf"), Some(LONGEST_WAIT));
        assert_eq!(parse_seconds("1e400"), Some(LONGEST_WAIT));
        assert_eq!(parse_count("1e300"), Some(u64::MAX));
        assert_eq!(parse_count("5.0"), Some(5));
        assert_eq!(parse_count("-5"), None);
        let read = ResponseHeaders::read(&headers(&[("retry-after-ms", "1e30")]), SystemTime::now());
        assert_eq!(read.retry_after, Some(LONGEST_WAIT));
    }

    #[test]
    fn retry_after_in_ms_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Wed, 25 Nov 2026 18:00:00 GMT").expect("date");
        let wait = |pairs: &[(&str, &str)]| ResponseHeaders::read(&headers(pairs), now).retry_after;
        assert_eq!(wait(&[("retry-after-ms", "1500")]), Some(Duration::from_millis(1500)));
        assert_eq!(wait(&[("retry-after", "20")]), Some(Duration::from_secs(20)));
        assert_eq!(wait(&[("retry-after", "Wed, 25 Nov 2026 18:01:00 GMT")]), Some(Duration::from_secs(60)));
        assert_eq!(wait(&[("retry-after", "Wed, 25 Nov 2026 17:00:00 GMT")]), Some(Duration::ZERO));
        assert_eq!(wait(&[("retry-after", "soon")]), None);
        assert_eq!(wait(&[("retry-after-ms", "x"), ("retry-after", "2")]), Some(Duration::from_secs(2)));
    }

    #[test]
    fn the_headers_that_matter_are_read_once() {
        let h = headers(&[
            ("x-ratelimit-remaining-requests", "3"),
            ("x-ratelimit-reset-requests", "2s"),
            ("x-request-id", "req-1"),
            ("content-encoding", "gzip"),
        ]);
        let read = ResponseHeaders::read(&h, SystemTime::now());
        assert_eq!(read.limits.remaining_requests, Some(3));
        assert_eq!(read.limits.reset_requests, Some(Duration::from_secs(2)));
        assert_eq!(read.limits.remaining_tokens, None);
        assert_eq!(read.request_id.as_deref(), Some("req-1"));
        assert_eq!(read.content_encoding.as_deref(), Some("gzip"));
        assert_eq!(read.rate_limit_text.len(), 2);
    }

    proptest! {
        #[test]
        fn any_header_text_gives_a_bounded_value_or_none(text in any::<String>()) {
            for d in [parse_reset(&text), parse_seconds(&text)].into_iter().flatten() {
                prop_assert!(d <= LONGEST_WAIT);
                // Adding it to the clocks the tool uses never overflows.
                prop_assert!(std::time::Instant::now().checked_add(d).is_some());
                prop_assert!(SystemTime::now().checked_add(d).is_some());
            }
            let _ = parse_count(&text);
        }

        #[test]
        fn any_header_bytes_are_read_without_panicking(
            values in proptest::collection::vec(proptest::collection::vec(32u8..=255, 0..40), 6)
        ) {
            let names = ["retry-after", "retry-after-ms", "x-ratelimit-reset-requests",
                "x-ratelimit-reset-tokens", "x-ratelimit-remaining-requests", "x-request-id"];
            let mut h = HeaderMap::new();
            for (name, bytes) in names.iter().zip(&values) {
                if let Ok(v) = reqwest::header::HeaderValue::from_bytes(bytes) {
                    h.insert(*name, v);
                }
            }
            let read = ResponseHeaders::read(&h, SystemTime::now());
            prop_assert!(read.retry_after.is_none_or(|d| d <= LONGEST_WAIT));
            prop_assert!(read.limits.reset_requests.is_none_or(|d| d <= LONGEST_WAIT));
        }

        #[test]
        fn numbers_with_any_unit_saturate(value in any::<f64>(), unit in prop_oneof![Just("ms"), Just("s"), Just("m"), Just("h"), Just("d"), Just("")]) {
            let text = format!("{value}{unit}");
            prop_assert!(parse_reset(&text).is_none_or(|d| d <= LONGEST_WAIT));
        }
    }
}
