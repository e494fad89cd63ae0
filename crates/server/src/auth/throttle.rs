//! Slowing down password guessing: failed sign-ins are counted per e-mail address and per
//! client IP, in memory. Past a few free failures a key is locked out for a time that doubles
//! with each further failure (30 s, 1 min, 2 min, ... at most 15 min). While locked, sign-in
//! is refused without checking the password, with a message saying how long to wait. A
//! success clears the e-mail's count. Entries are forgotten an hour after their last failure.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per e-mail address before the first lockout.
pub const FREE_FAILURES_PER_EMAIL: u32 = 5;
/// Failures allowed per IP address (several people may share one) before the first lockout.
pub const FREE_FAILURES_PER_IP: u32 = 20;
const FIRST_LOCKOUT: Duration = Duration::from_secs(30);
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Past this many tracked keys, stale entries are swept on insert (bounds memory under attack).
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

/// The key of a throttled sign-in: both must be free.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Email(String),
    Ip(std::net::IpAddr),
}

impl Key {
    fn free_failures(&self) -> u32 {
        match self {
            Key::Email(_) => FREE_FAILURES_PER_EMAIL,
            Key::Ip(_) => FREE_FAILURES_PER_IP,
        }
    }
}

#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl Throttle {
    pub fn new() -> Throttle {
        Throttle::default()
    }

    /// `Err(wait)` if any key is locked out at `now`.
    pub fn check(&self, keys: &[Key], now: Instant) -> Result<(), Duration> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| entries.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        match wait {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Counts a failure for every key; returns the longest lockout it started, if any.
    pub fn record_failure(&self, keys: &[Key], now: Instant) -> Option<Duration> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() > SWEEP_ABOVE {
            entries.retain(|_, e| now.saturating_duration_since(e.last_failure) < FORGET_AFTER);
        }
        let mut longest = None;
        for key in keys {
            let entry = entries.entry(key.clone()).or_insert(Entry {
                failures: 0,
                last_failure: now,
                locked_until: None,
            });
            if now.saturating_duration_since(entry.last_failure) >= FORGET_AFTER {
                entry.failures = 0;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last_failure = now;
            if entry.failures >= key.free_failures() {
                let excess = entry.failures - key.free_failures();
                let lockout = FIRST_LOCKOUT
                    .saturating_mul(1u32 << excess.min(10))
                    .min(MAX_LOCKOUT);
                entry.locked_until = Some(now + lockout);
                longest = longest.max(Some(lockout));
            }
        }
        longest
    }

    /// A successful sign-in: the e-mail's failures are forgiven (the IP's are not, so one
    /// valid account does not reset guessing at others).
    pub fn record_success(&self, email: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&Key::Email(email.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<Key> {
        vec![
            Key::Email("a@example.org".into()),
            Key::Ip("127.0.0.1".parse().expect("valid")),
        ]
    }

    #[test]
    fn locks_after_free_failures_and_doubles() {
        let t = Throttle::new();
        let start = Instant::now();
        for i in 0..FREE_FAILURES_PER_EMAIL - 1 {
            assert_eq!(
                t.record_failure(&keys(), start),
                None,
                "failure {i} is free"
            );
            assert!(t.check(&keys(), start).is_ok());
        }
        assert_eq!(t.record_failure(&keys(), start), Some(FIRST_LOCKOUT));
        assert_eq!(t.check(&keys(), start), Err(FIRST_LOCKOUT));
        let later = start + FIRST_LOCKOUT + Duration::from_millis(1);
        assert!(t.check(&keys(), later).is_ok(), "the lockout ends");
        assert_eq!(t.record_failure(&keys(), later), Some(FIRST_LOCKOUT * 2));
        let much_later = later + Duration::from_secs(3600);
        assert!(t.check(&keys(), much_later).is_ok());
    }

    #[test]
    fn success_clears_email_but_not_ip() {
        let t = Throttle::new();
        let now = Instant::now();
        for _ in 0..FREE_FAILURES_PER_EMAIL {
            t.record_failure(&keys(), now);
        }
        t.record_success("a@example.org");
        let ip_only = [Key::Ip("127.0.0.1".parse().expect("valid"))];
        assert!(t.check(&ip_only, now).is_ok(), "the IP has failures left");
        assert!(t.check(&keys(), now).is_ok());
    }

    #[test]
    fn lockout_is_capped() {
        let t = Throttle::new();
        let mut now = Instant::now();
        let mut last = None;
        for _ in 0..40 {
            last = t.record_failure(&keys(), now);
            now += Duration::from_secs(1);
        }
        assert_eq!(last, Some(MAX_LOCKOUT));
    }
}
