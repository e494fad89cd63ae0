//! Slowing down password guessing: failed sign-ins are counted per e-mail address and per
//! client IP, in memory. Past a few free failures a key is locked out for a time that doubles
//! with each further failure (30 s, 1 min, 2 min, ... at most 15 min). While locked, sign-in
//! is refused without checking the password, with a message saying how long to wait. A
//! success clears the e-mail's count. Entries are forgotten an hour after their last failure.
//!
//! An attempt is counted as a failure *before* its password is checked ([`Throttle::attempt`],
//! one step under the lock with the lockout check): otherwise a burst of concurrent guesses
//! would all pass the check while none had failed yet. A success takes its count back
//! ([`Throttle::succeeded`]).

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

/// A counted sign-in attempt ([`Throttle::attempt`]): give it back to
/// [`Throttle::succeeded`] when the password was right; drop it when it was wrong.
#[derive(Debug)]
#[must_use = "a right password must be reported with Throttle::succeeded"]
pub struct Attempt {
    keys: Vec<Key>,
    /// Each key's lockout before and after this attempt was counted.
    before: Vec<Option<Instant>>,
    after: Vec<Option<Instant>>,
    /// The longest lockout this attempt started, if any.
    pub lockout: Option<Duration>,
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
        match locked_for(&entries, keys, now) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Checks and counts a sign-in attempt in one step. `Err(wait)` if any key is locked out
    /// at `now` (nothing is counted); otherwise the attempt counts as a failure of every key
    /// until [`Throttle::succeeded`] takes it back.
    pub fn attempt(&self, keys: &[Key], now: Instant) -> Result<Attempt, Duration> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(wait) = locked_for(&entries, keys, now) {
            return Err(wait);
        }
        let before = keys
            .iter()
            .map(|k| entries.get(k).and_then(|e| e.locked_until))
            .collect();
        let lockout = count_failure(&mut entries, keys, now);
        let after = keys
            .iter()
            .map(|k| entries.get(k).and_then(|e| e.locked_until))
            .collect();
        Ok(Attempt {
            keys: keys.to_vec(),
            before,
            after,
            lockout,
        })
    }

    /// The attempt's password was right: the e-mail's failures are forgiven, and the IP's
    /// count (and any lockout this attempt started) is taken back (its earlier failures stay,
    /// so one valid account does not reset guessing at others).
    pub fn succeeded(&self, attempt: Attempt) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        for ((key, before), after) in attempt.keys.iter().zip(attempt.before).zip(attempt.after) {
            match key {
                Key::Email(_) => {
                    entries.remove(key);
                }
                Key::Ip(_) => {
                    if let Some(entry) = entries.get_mut(key) {
                        entry.failures = entry.failures.saturating_sub(1);
                        // Unless a concurrent failure has locked it since.
                        if entry.locked_until == after {
                            entry.locked_until = before;
                        }
                    }
                }
            }
        }
    }

    /// Counts a failure for every key; returns the longest lockout it started, if any.
    pub fn record_failure(&self, keys: &[Key], now: Instant) -> Option<Duration> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        count_failure(&mut entries, keys, now)
    }

    /// A successful sign-in: the e-mail's failures are forgiven (the IP's are not, so one
    /// valid account does not reset guessing at others).
    pub fn record_success(&self, email: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&Key::Email(email.to_owned()));
    }
}

/// The longest time any key is still locked out at `now`.
fn locked_for(entries: &HashMap<Key, Entry>, keys: &[Key], now: Instant) -> Option<Duration> {
    keys.iter()
        .filter_map(|k| entries.get(k)?.locked_until)
        .filter(|until| *until > now)
        .map(|until| until - now)
        .max()
}

/// Counts a failure for every key; returns the longest lockout it started, if any.
fn count_failure(
    entries: &mut HashMap<Key, Entry>,
    keys: &[Key],
    now: Instant,
) -> Option<Duration> {
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
    fn attempts_are_counted_before_their_result() {
        let t = Throttle::new();
        let now = Instant::now();
        // Nobody has reported a result yet: still only the free attempts get through.
        let started: Vec<Attempt> = (0..50)
            .filter_map(|_| t.attempt(&keys(), now).ok())
            .collect();
        assert_eq!(started.len(), FREE_FAILURES_PER_EMAIL as usize);
        assert_eq!(started.last().and_then(|a| a.lockout), Some(FIRST_LOCKOUT));
    }

    #[test]
    fn a_success_takes_its_ip_count_back() {
        let t = Throttle::new();
        let now = Instant::now();
        let ip = || Key::Ip("127.0.0.1".parse().expect("valid"));
        for i in 0..FREE_FAILURES_PER_IP * 2 {
            let email = Key::Email(format!("user{i}@example.org"));
            let attempt = t.attempt(&[email, ip()], now).expect("not locked");
            t.succeeded(attempt);
        }
        let email = Key::Email("x@example.org".into());
        assert!(t.check(&[email, ip()], now).is_ok(), "successes never lock");
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
