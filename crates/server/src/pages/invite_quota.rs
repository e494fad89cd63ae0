//! How many invitation recipients one user may mail per hour, so that a compromised or
//! malicious account cannot turn the organisation's mail server into a spam relay (any user
//! who creates a room may invite). In memory, per process: a restart forgets it, as the
//! sign-in throttle does.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use amphi_store::UserId;

/// Recipients per user per rolling hour: one invitation at the 200-recipient cap, and more.
pub const RECIPIENTS_PER_HOUR: u32 = 300;
const WINDOW: Duration = Duration::from_secs(3600);

/// Each user's recent sends: (when, how many recipients).
#[derive(Debug, Default)]
pub struct InviteQuota {
    sent: Mutex<HashMap<UserId, VecDeque<(Instant, u32)>>>,
}

impl InviteQuota {
    pub fn new() -> InviteQuota {
        InviteQuota::default()
    }

    /// Counts `recipients` for `user` at `now` if the last hour leaves room for them; else
    /// how long until it does (nothing counted).
    pub fn take(&self, user: &UserId, recipients: u32, now: Instant) -> Result<(), Duration> {
        // A poisoned lock only means another request panicked mid-update: the counts stay
        // usable.
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        // Forget what left the window, for everyone (keeps the map small).
        sent.retain(|_, list| {
            while list
                .front()
                .is_some_and(|(at, _)| now.saturating_duration_since(*at) >= WINDOW)
            {
                list.pop_front();
            }
            !list.is_empty()
        });
        let list = sent.entry(user.clone()).or_default();
        let used: u32 = list.iter().map(|(_, n)| n).sum();
        if used.saturating_add(recipients) <= RECIPIENTS_PER_HOUR {
            list.push_back((now, recipients));
            return Ok(());
        }
        // Wait until enough of the oldest sends leave the window.
        let mut freed = 0;
        for (at, n) in list.iter() {
            freed += n;
            if used - freed + recipients <= RECIPIENTS_PER_HOUR {
                return Err(WINDOW.saturating_sub(now.saturating_duration_since(*at)));
            }
        }
        // More than a whole hour's worth at once: the caller's cap prevents it.
        Err(WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rolling_hour_per_user() {
        let q = InviteQuota::new();
        let (ann, bob) = (UserId::new("ann"), UserId::new("bob"));
        let t0 = Instant::now();
        assert_eq!(q.take(&ann, 200, t0), Ok(()));
        assert_eq!(q.take(&ann, 100, t0 + Duration::from_secs(60)), Ok(()));
        // Full: the wait is until the first send leaves the window.
        let later = t0 + Duration::from_secs(600);
        assert_eq!(q.take(&ann, 1, later), Err(Duration::from_secs(3000)));
        // Others are not affected.
        assert_eq!(q.take(&bob, 300, later), Ok(()));
        // An hour after the first send, its 200 are free again.
        assert_eq!(q.take(&ann, 200, t0 + WINDOW), Ok(()));
        assert_eq!(q.take(&ann, 1, t0 + WINDOW), Err(Duration::from_secs(60)));
        // Refused sends count nothing.
        assert_eq!(q.take(&ann, 0, t0 + WINDOW), Ok(()));
    }
}
