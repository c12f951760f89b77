//! How many requests may be in flight, adapted to what the server says. A refusal (429) halves the
//! limit and pauses every new request for the server's `Retry-After`; once the pause is over, the
//! limit is no more than the server accepted in that burst (the requests of it that were not
//! refused), and what it accepted becomes the ceiling the limit grows back to, one at a time after
//! successes.
//! The ceiling itself is probed upwards only after a quiet spell, so a limit that was lifted is
//! found again. Rate-limit headers (`x-ratelimit-remaining-*`) pause new requests before the
//! count reaches zero rather than after.

use std::time::Duration;

// tokio's clock, so the engine's tests on a paused clock see pauses pass at once.
use tokio::time::Instant;

use crate::api::RateLimits;

/// How long without a refusal before the ceiling is probed one step up.
const PROBE_AFTER: Duration = Duration::from_secs(30);

/// The pause after a refusal that named no wait.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Limiter {
    max: usize,
    limit: usize,
    ceiling: usize,
    /// Bumped at every decrease: requests carry the generation they were sent in, and refusals of
    /// one generation are one burst.
    generation: u64,
    /// How many requests each recent generation sent, and how many of them were refused.
    sent: usize,
    burst: Option<Burst>,
    successes: usize,
    paused_until: Option<Instant>,
    last_refusal: Option<Instant>,
}

#[derive(Debug)]
struct Burst {
    generation: u64,
    sent: usize,
    refused: usize,
}

impl Limiter {
    pub fn new(max: usize) -> Limiter {
        let max = max.max(1);
        Limiter {
            max,
            limit: max,
            ceiling: max,
            generation: 0,
            sent: 0,
            burst: None,
            successes: 0,
            paused_until: None,
            last_refusal: None,
        }
    }

    /// The most requests that may be in flight now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Until when no new request may start, if a pause is on.
    pub fn paused_until(&self, now: Instant) -> Option<Instant> {
        self.paused_until.filter(|&t| t > now)
    }

    /// Notes a request being sent; returns its generation.
    pub fn sending(&mut self, now: Instant) -> u64 {
        self.settle(now);
        self.sent += 1;
        self.generation
    }

    /// A request of `generation` was refused with 429, the server asking to wait `wait`.
    pub fn refused(&mut self, generation: u64, wait: Option<Duration>, now: Instant) {
        self.last_refusal = Some(now);
        self.pause(now, wait.unwrap_or(DEFAULT_PAUSE));
        match &mut self.burst {
            Some(burst) if burst.generation == generation => burst.refused += 1,
            _ if generation == self.generation => {
                self.burst = Some(Burst { generation, sent: self.sent, refused: 1 });
                self.limit = (self.limit / 2).max(1);
                self.generation += 1;
                self.sent = 0;
                self.successes = 0;
            }
            // A refusal from a burst already settled: the pause is enough.
            _ => {}
        }
    }

    /// A request succeeded; `limits` are the rate-limit headers of its answer, `in_flight` how
    /// many others are still out, `tokens_each` what a request costs on average.
    pub fn succeeded(&mut self, limits: &RateLimits, in_flight: usize, tokens_each: u64, now: Instant) {
        self.settle(now);
        self.pause_for_headers(limits, in_flight, tokens_each, now);
        let quiet = self.last_refusal.is_none_or(|t| now.duration_since(t) >= PROBE_AFTER);
        if self.limit >= self.ceiling && quiet && self.ceiling < self.max && self.last_refusal.is_some() {
            self.ceiling += 1;
        }
        if self.limit < self.ceiling {
            self.successes += 1;
            if self.successes >= self.limit {
                self.limit += 1;
                self.successes = 0;
            }
        }
    }

    /// When a refusal burst's pause is over, its count is known: the limit becomes no more than
    /// what the server accepted of it, and that is the ceiling.
    fn settle(&mut self, now: Instant) {
        if self.paused_until(now).is_some() {
            return;
        }
        if let Some(burst) = self.burst.take() {
            let accepted = burst.sent.saturating_sub(burst.refused).max(1);
            self.limit = self.limit.min(accepted).max(1);
            self.ceiling = accepted.min(self.max);
            self.last_refusal = Some(now);
        }
    }

    /// Pauses new requests when the server's counts say the requests in flight will use up
    /// what is left before it refills (heard as soon as an answer arrives, before the next request
    /// goes out).
    pub fn pause_for_headers(&mut self, limits: &RateLimits, in_flight: usize, tokens_each: u64, now: Instant) {
        let requests_out = limits.remaining_requests.is_some_and(|r| r as usize <= in_flight);
        let tokens_out = limits.remaining_tokens.is_some_and(|t| t < tokens_each.saturating_mul(in_flight as u64 + 1));
        let wait = match (requests_out, tokens_out) {
            (true, true) => limits.reset_requests.max(limits.reset_tokens),
            (true, false) => limits.reset_requests,
            (false, true) => limits.reset_tokens,
            (false, false) => return,
        };
        self.pause(now, wait.unwrap_or(DEFAULT_PAUSE));
    }

    /// Pauses new requests for `wait` from `now` (a longer pause already on stays).
    fn pause(&mut self, now: Instant, wait: Duration) {
        // A server may ask for any wait: past what the clock holds, the pause is as long as it can be.
        let until = now.checked_add(wait).unwrap_or_else(|| now + crate::api::LONGEST_WAIT);
        self.paused_until = Some(self.paused_until.map_or(until, |t| t.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_settles_at_what_the_server_accepted_and_never_grows_past_it() {
        let t0 = Instant::now();
        let mut l = Limiter::new(16);
        let g = (0..16).map(|_| l.sending(t0)).last().expect("sent");
        for _ in 0..12 {
            l.refused(g, Some(Duration::from_secs(1)), t0);
        }
        assert_eq!(l.limit(), 8, "halved at the first refusal");
        assert_eq!(l.paused_until(t0), Some(t0 + Duration::from_secs(1)));
        let t1 = t0 + Duration::from_secs(2);
        l.sending(t1);
        assert_eq!(l.limit(), 4, "16 sent, 12 refused: the server accepts 4");
        for _ in 0..100 {
            l.succeeded(&RateLimits::default(), 3, 0, t1);
        }
        assert_eq!(l.limit(), 4, "no growth past the ceiling within the quiet spell");
    }

    #[test]
    fn after_a_lone_refusal_it_grows_back_one_at_a_time() {
        let t0 = Instant::now();
        let mut l = Limiter::new(8);
        let g = (0..8).map(|_| l.sending(t0)).last().expect("sent");
        l.refused(g, None, t0);
        let t1 = t0 + Duration::from_secs(2);
        l.sending(t1);
        assert_eq!(l.limit(), 4, "halved; 7 of 8 accepted, so halving decides");
        let mut seen = vec![l.limit()];
        for _ in 0..40 {
            l.succeeded(&RateLimits::default(), 1, 0, t1);
            seen.push(l.limit());
        }
        seen.dedup();
        assert_eq!(seen, [4, 5, 6, 7], "one at a time, up to the 7 the server accepted");
        let later = t1 + PROBE_AFTER + Duration::from_secs(1);
        for _ in 0..40 {
            l.succeeded(&RateLimits::default(), 1, 0, later);
        }
        assert_eq!(l.limit(), 8, "after the quiet spell, back to -j one step at a time");
    }

    #[test]
    fn rate_limit_headers_pause_before_zero() {
        let t0 = Instant::now();
        let mut l = Limiter::new(4);
        let limits = RateLimits {
            remaining_requests: Some(2),
            reset_requests: Some(Duration::from_secs(3)),
            ..Default::default()
        };
        l.succeeded(&limits, 2, 0, t0);
        assert_eq!(l.paused_until(t0), Some(t0 + Duration::from_secs(3)), "2 left, 2 in flight: pause");
        let mut l = Limiter::new(4);
        l.succeeded(&RateLimits { remaining_requests: Some(10), ..Default::default() }, 2, 0, t0);
        assert_eq!(l.paused_until(t0), None);
        let tokens = RateLimits {
            remaining_tokens: Some(500),
            reset_tokens: Some(Duration::from_secs(5)),
            ..Default::default()
        };
        l.succeeded(&tokens, 3, 200, t0);
        assert_eq!(l.paused_until(t0), Some(t0 + Duration::from_secs(5)), "4 × 200 tokens > 500 left");
    }
}
