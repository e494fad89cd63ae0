//! When to try a failed delivery again. With the default base of 30 s: 30 s, 2 min, 10 min,
//! 30 min, 1 h, then every 2 h, until 24 h after the event; then the delivery has failed.
//! Every step (and the 24 h window) is a multiple of the base, so `[webhooks]
//! retry_base_secs` makes tests run the whole schedule fast.

/// Multiples of the base after the 1st, 2nd, ... failed attempt; the last repeats.
const STEPS: &[i64] = &[1, 4, 20, 60, 120, 240];
/// The retry window in bases: 2880 × 30 s = 24 h.
const WINDOW: i64 = 2880;

/// After `attempts` failed attempts (1 for the first), the time (Unix ms) of the next one,
/// or `None` when it would fall after the window that started at `created_at`.
pub fn next_attempt(created_at: i64, attempts: i64, now: i64, base_ms: i64) -> Option<i64> {
    let index = usize::try_from(attempts.saturating_sub(1)).unwrap_or(0);
    let step = STEPS.get(index).or(STEPS.last()).copied().unwrap_or(1);
    let at = now.saturating_add(step.saturating_mul(base_ms));
    let deadline = created_at.saturating_add(WINDOW.saturating_mul(base_ms));
    (at <= deadline).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: i64 = 30_000;
    const MIN: i64 = 60_000;

    #[test]
    fn the_default_schedule() {
        let t0 = 1_000_000;
        let mut now = t0;
        let mut delays = Vec::new();
        let mut attempts = 0;
        while let Some(at) = next_attempt(t0, attempts + 1, now, BASE) {
            attempts += 1;
            delays.push(at - now);
            now = at;
        }
        assert_eq!(
            &delays[..6],
            &[BASE, 2 * MIN, 10 * MIN, 30 * MIN, 60 * MIN, 120 * MIN]
        );
        assert!(delays[6..].iter().all(|d| *d == 120 * MIN));
        // The last attempt is within 24 h of the event, the one after would not be.
        assert!(now - t0 <= 24 * 60 * MIN, "{}", now - t0);
        assert!(now + 120 * MIN - t0 > 24 * 60 * MIN);
        // 1 + 5 steps to 1 h 42.5 min, then every 2 h: 16 attempts after the first.
        assert_eq!(attempts, 16);
    }

    #[test]
    fn scales_with_the_base() {
        assert_eq!(next_attempt(0, 1, 0, 1000), Some(1000));
        assert_eq!(next_attempt(0, 2, 1000, 1000), Some(5000));
        assert_eq!(next_attempt(0, 9, 2_879_000, 1000), None);
    }
}
