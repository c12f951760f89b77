//! How times, durations, rates and counts are written for people: `2026-11-25 18:04 UTC`, `12 s`,
//! `0.5 s`, `8.9/s`, `1 request`.

use std::time::Duration;

/// A Unix time as `2026-11-25 18:04 UTC`.
pub fn utc_date(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let rem = unix % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

/// A Unix time as `2026-11-25`.
pub fn utc_day(unix: u64) -> String {
    let (y, m, d) = civil_from_days((unix / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `12 s`, `0.5 s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0} s") } else { format!("{s:.1} s") }
}

/// A duration for people, to the minute once it is long: `12 s`, `5 min 3 s`, `23 h 59 min`,
/// `3 days 4 h`.
pub fn span(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        return secs(d);
    }
    let (days, hours, minutes, seconds) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} min {seconds} s"),
        (0, _) => format!("{hours} h {minutes} min"),
        (1, _) => format!("1 day {hours} h"),
        _ => format!("{days} days {hours} h"),
    }
}

/// `1 request`, `3 requests`: a count and its noun, singular for one.
pub fn counted(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// `8.9/s`: how many per second, one decimal below 100.
pub fn rate(n: u64, elapsed: Duration) -> String {
    let per_second = n as f64 / elapsed.as_secs_f64().max(1e-3);
    if per_second < 100.0 { format!("{per_second:.1}/s") } else { format!("{per_second:.0}/s") }
}

/// A positive number of seconds, as `--timeout` and `OMNIVA_TIMEOUT` take it (at most 10^9).
pub fn parse_positive_secs(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0 && *v <= 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_date(1_609_459_200), "2021-01-01 00:00 UTC");
        assert_eq!(utc_date(1_795_624_545), "2026-11-25 16:35 UTC");
        assert_eq!(utc_day(1_795_624_545), "2026-11-25");
        assert_eq!(utc_date(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn durations_in_seconds() {
        assert_eq!(secs(Duration::from_secs(12)), "12 s");
        assert_eq!(secs(Duration::from_millis(500)), "0.5 s");
        assert_eq!(span(Duration::from_secs(59)), "59 s");
        assert_eq!(span(Duration::from_secs(303)), "5 min 3 s");
        assert_eq!(span(Duration::from_secs(86_340)), "23 h 59 min");
        assert_eq!(span(Duration::from_secs(3 * 86_400 + 4 * 3600)), "3 days 4 h");
        assert_eq!((counted(1, "request"), counted(0, "input")), ("1 request".into(), "0 inputs".into()));
        assert_eq!(rate(40, Duration::from_millis(4500)), "8.9/s");
        assert_eq!(rate(10_000, Duration::from_secs(2)), "5000/s");
        assert_eq!(parse_positive_secs(" 2.5"), Some(2.5));
        assert_eq!(parse_positive_secs("0"), None);
        assert_eq!(parse_positive_secs("1e10"), None);
    }
}
