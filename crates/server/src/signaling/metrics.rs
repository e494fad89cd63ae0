//! What signaling shows on `/metrics`.

use super::actor::Snapshot;
use crate::metrics::{Counter, Gauge, Metrics};

/// Shared by every room actor; each actor adds the change of its own counts.
#[derive(Debug, Clone, Default)]
pub struct SignalingMetrics {
    pub live_rooms: Gauge,
    pub connected: Gauge,
    pub reconnecting: Gauge,
    pub publications: Gauge,
    pub joins: Counter,
    pub refused_joins: Counter,
    /// Knocks started, and how they ended.
    pub knocks: Counter,
    pub knocks_admitted: Counter,
    pub knocks_denied: Counter,
    pub knocks_expired: Counter,
    pub knocks_left: Counter,
    /// Chat messages accepted (refused ones are not counted).
    pub chat_messages: Counter,
    /// Moderation done to someone, by action.
    pub mutes: Counter,
    pub removals: Counter,
    pub role_changes: Counter,
    pub hands_lowered: Counter,
    /// Rooms opened or closed from inside a room, the back office, the API or the CLI.
    pub room_openings: Counter,
    pub room_closings: Counter,
    /// Attendees connected to sessions' lives.
    pub attendees: Gauge,
    /// Sessions whose live is on, among those with a running actor.
    pub live_sessions: Gauge,
    /// Lives started and ended (from a session's socket, the back office or the API).
    pub lives_started: Counter,
    pub lives_ended: Counter,
}

impl SignalingMetrics {
    pub fn register(m: &Metrics) -> Self {
        let participants = |state: &str| {
            m.gauge_with(
                "amphi_participants",
                "Participants in live rooms, by connection state",
                &[("state", state)],
            )
        };
        let knock = |outcome: &str| {
            m.counter_with(
                "amphi_knocks_ended_total",
                "Knocks ended, by outcome",
                &[("outcome", outcome)],
            )
        };
        let moderation = |action: &str| {
            m.counter_with(
                "amphi_moderation_actions_total",
                "Moderation actions done to a participant, by action",
                &[("action", action)],
            )
        };
        Self {
            live_rooms: m.gauge("amphi_live_rooms", "Rooms with a running room actor"),
            connected: participants("connected"),
            reconnecting: participants("reconnecting"),
            publications: m.gauge("amphi_publications", "Tracks being published in live rooms"),
            joins: m.counter("amphi_joins_total", "Successful joins, resumes included"),
            refused_joins: m.counter(
                "amphi_joins_refused_total",
                "Refused joins (room full, invalid name, media failure...)",
            ),
            knocks: m.counter(
                "amphi_knocks_total",
                "Knocks at waiting rooms (joins held for a moderator)",
            ),
            knocks_admitted: knock("admitted"),
            knocks_denied: knock("denied"),
            knocks_expired: knock("expired"),
            knocks_left: knock("left"),
            chat_messages: m.counter(
                "amphi_chat_messages_total",
                "Chat messages sent in meetings",
            ),
            mutes: moderation("mute"),
            removals: moderation("remove"),
            role_changes: moderation("set_role"),
            hands_lowered: moderation("lower_hand"),
            room_openings: m.counter_with(
                "amphi_room_open_changes_total",
                "Live rooms opened or closed",
                &[("to", "open")],
            ),
            room_closings: m.counter_with(
                "amphi_room_open_changes_total",
                "Live rooms opened or closed",
                &[("to", "closed")],
            ),
            attendees: m.gauge("amphi_attendees", "Attendees connected to sessions' lives"),
            live_sessions: m.gauge(
                "amphi_live_sessions",
                "Sessions whose live is on (with people connected)",
            ),
            lives_started: m.counter_with(
                "amphi_live_changes_total",
                "Sessions' lives started or ended",
                &[("to", "live")],
            ),
            lives_ended: m.counter_with(
                "amphi_live_changes_total",
                "Sessions' lives started or ended",
                &[("to", "ended")],
            ),
        }
    }
}

/// One actor's last reported counts, so it can report changes and take them back when it stops.
#[derive(Debug, Default)]
pub struct Reported {
    connected: i64,
    reconnecting: i64,
    publications: i64,
    attendees: i64,
    live: i64,
}

impl Reported {
    /// The actor's counts now (`live`: a session whose live is on).
    pub fn update(&mut self, m: &SignalingMetrics, counts: &Snapshot, live: bool) {
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        let now = Reported {
            connected: n(counts.connected),
            reconnecting: n(counts.reconnecting),
            publications: n(counts.publications),
            attendees: n(counts.attendees),
            live: i64::from(live),
        };
        add(&m.connected, now.connected - self.connected);
        add(&m.reconnecting, now.reconnecting - self.reconnecting);
        add(&m.publications, now.publications - self.publications);
        add(&m.attendees, now.attendees - self.attendees);
        add(&m.live_sessions, now.live - self.live);
        *self = now;
    }
}

/// Atomic steps: actors update the same gauges concurrently (deltas are small).
fn add(gauge: &Gauge, delta: i64) {
    for _ in 0..delta.unsigned_abs() {
        if delta > 0 { gauge.inc() } else { gauge.dec() }
    }
}
