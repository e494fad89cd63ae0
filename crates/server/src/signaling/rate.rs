//! A per-connection token bucket, time as an input (tested without a clock).

use std::time::{Duration, Instant};

/// What to do with one incoming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the limit: handle it.
    Allow,
    /// Over the limit: drop it; `report` is true at most once per second, so the client learns
    /// why without the errors themselves flooding it.
    Drop { report: bool },
    /// Over the limit for too long: close the connection (1008).
    Close,
}

/// Token bucket: `burst` messages at once, refilled at `per_second`.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    abuse_after: Duration,
    tokens: f64,
    last: Instant,
    /// Start of the current stretch of drops (no second without a drop since).
    over_since: Option<Instant>,
    last_drop: Option<Instant>,
    last_report: Option<Instant>,
}

impl RateLimiter {
    pub fn new(now: Instant, burst: u32, per_second: u32, abuse_after: Duration) -> Self {
        Self {
            burst: f64::from(burst),
            per_second: f64::from(per_second),
            abuse_after,
            tokens: f64::from(burst),
            last: now,
            over_since: None,
            last_drop: None,
            last_report: None,
        }
    }

    pub fn check(&mut self, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        // The epsilon absorbs float rounding of the refill (0.1 + 0.9 < 1.0).
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            return Verdict::Allow;
        }
        let calm = self
            .last_drop
            .is_none_or(|t| now.saturating_duration_since(t) > Duration::from_secs(1));
        if calm {
            self.over_since = Some(now);
        }
        self.last_drop = Some(now);
        let since = self.over_since.unwrap_or(now);
        if now.saturating_duration_since(since) >= self.abuse_after {
            return Verdict::Close;
        }
        let report = self
            .last_report
            .is_none_or(|t| now.saturating_duration_since(t) >= Duration::from_secs(1));
        if report {
            self.last_report = Some(now);
        }
        Verdict::Drop { report }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_then_abuse() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut r = RateLimiter::new(t0, 3, 10, Duration::from_secs(10));
        // (time, verdict)
        let rows = [
            (ms(0), Verdict::Allow),
            (ms(0), Verdict::Allow),
            (ms(0), Verdict::Allow),
            (ms(0), Verdict::Drop { report: true }),
            (ms(10), Verdict::Drop { report: false }),
            (ms(100), Verdict::Allow), // one token refilled after 100 ms
            (ms(100), Verdict::Drop { report: false }),
            (ms(1000), Verdict::Allow), // 9 tokens refilled, capped at 3
            (ms(1000), Verdict::Allow),
            (ms(1000), Verdict::Allow),
            (ms(1000), Verdict::Drop { report: true }), // a second since the last report
            (ms(1150), Verdict::Allow),
            (ms(1150), Verdict::Drop { report: false }),
        ];
        for (i, (at, want)) in rows.into_iter().enumerate() {
            assert_eq!(r.check(t0 + at), want, "row {i}");
        }
    }

    #[test]
    fn continuous_abuse_closes_but_bursts_do_not() {
        let t0 = Instant::now();
        let ten = Duration::from_secs(10);
        // A flooder: 100 messages a second for 12 s, refill 20/s. Closed after 10 s.
        let mut r = RateLimiter::new(t0, 100, 20, ten);
        let closed_at = (1..1200u64)
            .find(|i| r.check(t0 + Duration::from_millis(i * 10)) == Verdict::Close)
            .map(|i| i * 10);
        assert!(
            matches!(closed_at, Some(ms) if (10_000..11_500).contains(&ms)),
            "{closed_at:?}"
        );
        // Bursts over the limit with calm seconds between: throttled, never closed.
        let mut r = RateLimiter::new(t0, 5, 1, ten);
        for second in 0..30u64 {
            for k in 0..10u64 {
                let now = t0 + Duration::from_secs(second * 3) + Duration::from_millis(k);
                assert_ne!(r.check(now), Verdict::Close, "second {second}");
            }
        }
    }
}
