//! When a stream should be sending (S2, S3), without I/O: time is an argument.
//!
//! - The room opens (for a session: its live starts) → the stream starts by itself.
//! - A moderator stops it → it stays stopped until a moderator starts it again, or the room
//!   opens anew.
//! - Auto-stops: the room closes (the live ends); no moderator in the room for the grace period
//!   (counted from the moment the last one left, or from the opening if none was there); the
//!   nightly hour. An auto-stop also stays stopped until a moderator starts it again.
//!
//! Who is waiting in the lobby does not matter: the stream is composed inside the server and
//! needs no admission.

use std::time::{Duration, Instant};

use amphi_proto::StreamReason;

/// What the room actor reports: whether the room is open (a session: live) and how many
/// people who may control the stream are in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Presence {
    pub open: bool,
    pub moderators: usize,
}

/// Why a moderator's `start_stream` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefusal {
    /// The room is closed, or the session's live is not on.
    NotOpen,
}

#[derive(Debug, Clone)]
pub struct Policy {
    grace: Duration,
    /// Wants to send (started by the opening or by a moderator, not stopped since).
    armed: bool,
    /// Why it is not armed, when it was stopped.
    reason: Option<StreamReason>,
    open: bool,
    /// Since when no moderator is in the room (`None`: one is).
    no_moderator_since: Option<Instant>,
}

impl Policy {
    pub fn new(grace: Duration) -> Policy {
        Policy {
            grace,
            armed: false,
            reason: None,
            open: false,
            no_moderator_since: None,
        }
    }

    /// Whether the stream should be sending now.
    pub fn wants_stream(&self) -> bool {
        self.armed && self.open
    }

    /// Why it is stopped (`None`: never started, or sending).
    pub fn reason(&self) -> Option<&StreamReason> {
        self.reason.as_ref()
    }

    /// The room's state as the actor last saw it.
    pub fn presence(&mut self, now: Instant, presence: Presence) {
        if presence.open && !self.open {
            // The room opens (again): the stream starts by itself.
            self.armed = true;
            self.reason = None;
        } else if !presence.open && self.open && self.armed {
            self.armed = false;
            self.reason = Some(StreamReason::RoomClosed);
        }
        self.open = presence.open;
        if presence.moderators > 0 {
            self.no_moderator_since = None;
        } else if self.no_moderator_since.is_none() {
            self.no_moderator_since = Some(now);
        }
        self.tick(now);
    }

    /// When [`Policy::tick`] must run next (the grace period's end), if anything is pending.
    pub fn deadline(&self) -> Option<Instant> {
        if !self.wants_stream() {
            return None;
        }
        self.no_moderator_since.map(|since| since + self.grace)
    }

    /// Applies the grace period: no moderator for that long stops the stream.
    pub fn tick(&mut self, now: Instant) {
        if let Some(end) = self.deadline()
            && now >= end
        {
            self.armed = false;
            self.reason = Some(StreamReason::NoModerator);
        }
    }

    /// A moderator's `start_stream` (they are in the room, so the grace period is over).
    pub fn start(&mut self, now: Instant) -> Result<(), StartRefusal> {
        if !self.open {
            return Err(StartRefusal::NotOpen);
        }
        self.armed = true;
        self.reason = None;
        // The moderator asking is in the room, whatever the last report said.
        self.no_moderator_since = None;
        self.tick(now);
        Ok(())
    }

    /// A moderator's `stop_stream`.
    pub fn stop(&mut self, by: String) {
        self.armed = false;
        self.reason = Some(StreamReason::StoppedBy { by });
    }

    /// The nightly hour passed: a sending stream stops.
    pub fn nightly(&mut self) {
        if self.armed {
            self.armed = false;
            self.reason = Some(StreamReason::Nightly);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(120);

    fn p(open: bool, moderators: usize) -> Presence {
        Presence { open, moderators }
    }

    #[test]
    fn opening_starts_closing_stops_reopening_starts() {
        let t = Instant::now();
        let mut policy = Policy::new(GRACE);
        assert!(!policy.wants_stream());
        policy.presence(t, p(true, 1));
        assert!(policy.wants_stream());
        policy.presence(t, p(false, 1));
        assert!(!policy.wants_stream());
        assert_eq!(policy.reason(), Some(&StreamReason::RoomClosed));
        policy.presence(t, p(true, 1));
        assert!(policy.wants_stream());
        assert_eq!(policy.reason(), None);
    }

    #[test]
    fn last_moderator_leaving_stops_after_the_grace_unless_one_comes_back() {
        let t = Instant::now();
        let mut policy = Policy::new(GRACE);
        policy.presence(t, p(true, 1));
        policy.presence(t + Duration::from_secs(10), p(true, 0));
        assert_eq!(policy.deadline(), Some(t + Duration::from_secs(130)));
        // One comes back within the grace: no stop.
        policy.presence(t + Duration::from_secs(100), p(true, 1));
        assert_eq!(policy.deadline(), None);
        policy.tick(t + Duration::from_secs(200));
        assert!(policy.wants_stream());
        // Gone again, and for the whole grace this time.
        policy.presence(t + Duration::from_secs(300), p(true, 0));
        policy.tick(t + Duration::from_secs(419));
        assert!(policy.wants_stream());
        policy.tick(t + Duration::from_secs(420));
        assert!(!policy.wants_stream());
        assert_eq!(policy.reason(), Some(&StreamReason::NoModerator));
        // A moderator coming back later does not restart it by itself...
        policy.presence(t + Duration::from_secs(500), p(true, 1));
        assert!(!policy.wants_stream());
        // ...but may start it.
        assert_eq!(policy.start(t + Duration::from_secs(501)), Ok(()));
        assert!(policy.wants_stream());
    }

    #[test]
    fn an_opening_without_moderator_counts_the_grace_from_the_opening() {
        let t = Instant::now();
        let mut policy = Policy::new(GRACE);
        policy.presence(t, p(true, 0));
        assert!(policy.wants_stream());
        policy.tick(t + GRACE);
        assert!(!policy.wants_stream());
    }

    #[test]
    fn manual_stop_and_nightly_stay_stopped() {
        let t = Instant::now();
        let mut policy = Policy::new(GRACE);
        policy.presence(t, p(true, 2));
        policy.stop("Ada".into());
        assert!(!policy.wants_stream());
        assert_eq!(
            policy.reason(),
            Some(&StreamReason::StoppedBy { by: "Ada".into() })
        );
        policy.presence(t, p(true, 1));
        assert!(!policy.wants_stream(), "a report does not undo a stop");
        assert_eq!(policy.start(t), Ok(()));
        policy.nightly();
        assert!(!policy.wants_stream());
        assert_eq!(policy.reason(), Some(&StreamReason::Nightly));
    }

    #[test]
    fn a_closed_room_cannot_start() {
        let t = Instant::now();
        let mut policy = Policy::new(GRACE);
        policy.presence(t, p(false, 1));
        assert_eq!(policy.start(t), Err(StartRefusal::NotOpen));
        assert!(!policy.wants_stream());
    }
}
