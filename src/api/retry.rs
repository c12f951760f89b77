//! When and how long to wait before sending a request again: responses 429, 500, 502, 503 and
//! 504, and connections that failed before the request was sent; never TLS or DNS failures or a
//! timeout after sending (a slow generation is never paid for twice). Exponential backoff with full
//! jitter, or the server's own `retry-after-ms` / `Retry-After` (seconds or an HTTP date), bounded
//! by `--max-wait`.

use std::future::Future;
use std::time::{Duration, SystemTime};

use super::error::{ApiError, NetKind};

const BASE: Duration = Duration::from_millis(500);
const CAP: Duration = Duration::from_secs(8);

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables).
    pub retries: u32,
    /// The longest server-asked wait we sleep; a longer one ends the retries.
    pub max_wait: Duration,
    /// Whether a 429 is retried here (`batch run` leaves it to its limiter, which pauses every
    /// request, not just this one).
    pub rate_limited: bool,
}

/// A retry about to happen, for the user to see.
#[derive(Debug, Clone)]
pub struct RetryNotice {
    /// "rate limited (429)", "connection refused".
    pub reason: String,
    pub wait: Duration,
    /// The attempt about to be made (2 for the first retry) and the most there will be.
    pub attempt: u32,
    pub attempts: u32,
}

impl RetryPolicy {
    /// Runs `send` until it succeeds, fails for good, or the retries are spent. `notice` is told
    /// before each wait.
    pub async fn run<T, F, Fut>(&self, mut send: F, mut notice: impl FnMut(&RetryNotice)) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let mut jitter = Jitter::seeded();
        let mut retried = 0;
        loop {
            let error = match send().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let Some(reason) = retry_reason(&error) else { return Err(error) };
            if !self.rate_limited && error.http().is_some_and(|h| h.status == 429) {
                return Err(error);
            }
            if retried >= self.retries {
                return Err(with_retries(error, retried));
            }
            let wait = match server_wait(&error) {
                Some(asked) if asked > self.max_wait => return Err(with_retries(error, retried)),
                Some(asked) => asked,
                None => jitter.backoff(retried),
            };
            notice(&RetryNotice { reason, wait, attempt: retried + 2, attempts: self.retries + 1 });
            tokio::time::sleep(wait).await;
            retried += 1;
        }
    }
}

fn with_retries(mut error: ApiError, retried: u32) -> ApiError {
    if let ApiError::Status(h) = &mut error {
        h.retries = retried;
    }
    error
}

/// Why `error` may be retried, or `None`.
fn retry_reason(error: &ApiError) -> Option<String> {
    match error {
        ApiError::Status(h) => match h.status {
            429 if h.spends_quota() => None,
            429 => Some("rate limited (429)".into()),
            500 | 502 | 503 | 504 => Some(format!("server error ({})", h.status)),
            _ => None,
        },
        // DNS answers will not change in a second, and a proxy that wants credentials will not
        // accept the same ones again.
        ApiError::Network { kind, before_send: true, .. } if !matches!(kind, NetKind::Dns | NetKind::ProxyAuth) => {
            Some(match kind {
                NetKind::Refused => "connection refused".into(),
                NetKind::ConnectTimeout => "connection timed out".into(),
                _ => "connection failed".into(),
            })
        }
        _ => None,
    }
}

/// The wait the server asked for (`retry-after-ms`, else `Retry-After`), read with its headers.
fn server_wait(error: &ApiError) -> Option<Duration> {
    error.http()?.headers.retry_after
}

/// xorshift64*: enough randomness to spread retries of many clients, without a crate.
struct Jitter(u64);

impl Jitter {
    fn seeded() -> Jitter {
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        Jitter((nanos ^ (u64::from(std::process::id()) << 32)) | 1)
    }

    fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Full jitter: uniform in [0, min(cap, base·2^n)].
    fn backoff(&mut self, retried: u32) -> Duration {
        let ceiling = BASE.saturating_mul(1 << retried.min(16)).min(CAP);
        ceiling.mul_f64(self.next_unit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_half_a_second_up_to_eight_seconds_with_full_jitter() {
        // The ceilings written out: 0.5 s, 1 s, 2 s, 4 s, then the 8 s cap.
        let ceilings = [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000, 8000];
        let mut j = Jitter::seeded();
        for (retried, ceiling) in ceilings.iter().enumerate() {
            let ceiling = Duration::from_millis(*ceiling);
            let waits: Vec<Duration> = (0..400).map(|_| j.backoff(retried as u32)).collect();
            let (min, max) = (waits.iter().min().copied(), waits.iter().max().copied());
            assert!(max <= Some(ceiling), "retry {retried}: {max:?} above {ceiling:?}");
            // Full jitter spreads over the whole range: some waits near 0, some near the ceiling.
            assert!(max >= Some(ceiling.mul_f64(0.9)), "retry {retried}: max {max:?}");
            assert!(min <= Some(ceiling.mul_f64(0.1)), "retry {retried}: min {min:?}");
        }
        assert_eq!(j.backoff(1000).max(Duration::from_secs(8)), Duration::from_secs(8), "no overflow far out");
    }
}
