//! What signaling shows on `/metrics`.

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
        }
    }
}

/// One actor's last reported counts, so it can report changes and take them back when it stops.
#[derive(Debug, Default)]
pub struct Reported {
    connected: i64,
    reconnecting: i64,
    publications: i64,
}

impl Reported {
    pub fn update(
        &mut self,
        m: &SignalingMetrics,
        connected: usize,
        reconnecting: usize,
        publications: usize,
    ) {
        let now = Reported {
            connected: i64::try_from(connected).unwrap_or(i64::MAX),
            reconnecting: i64::try_from(reconnecting).unwrap_or(i64::MAX),
            publications: i64::try_from(publications).unwrap_or(i64::MAX),
        };
        add(&m.connected, now.connected - self.connected);
        add(&m.reconnecting, now.reconnecting - self.reconnecting);
        add(&m.publications, now.publications - self.publications);
        *self = now;
    }
}

/// Atomic steps: actors update the same gauges concurrently (deltas are small).
fn add(gauge: &Gauge, delta: i64) {
    for _ in 0..delta.unsigned_abs() {
        if delta > 0 { gauge.inc() } else { gauge.dec() }
    }
}
