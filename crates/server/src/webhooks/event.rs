//! The events webhooks carry, and the JSON body posted for each.

use amphi_proto::Role;
use amphi_store::{Registration, RegistrationTarget};
use serde_json::{Value, json};

/// Every event type an endpoint may subscribe to, in the order the back office lists them.
pub const EVENT_TYPES: &[&str] = &[
    "room.opened",
    "room.closed",
    "participant.joined",
    "participant.left",
    "live.started",
    "live.ended",
    "registration.created",
    "registration.approved",
    "recording.ready",
];

/// The type of the event "Send a test event" posts (not subscribable).
pub const TEST_EVENT_TYPE: &str = "webhook.test";

/// Something that happened, as an integration sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    RoomOpened {
        room_slug: String,
        /// Who opened it (a display name or e-mail), `None` from the command line.
        by: Option<String>,
    },
    RoomClosed {
        room_slug: String,
        by: Option<String>,
    },
    ParticipantJoined {
        room_slug: String,
        /// Set when the participant joined a session's live rather than a room's meeting.
        session_slug: Option<String>,
        participant_id: String,
        name: String,
        role: Role,
    },
    ParticipantLeft {
        room_slug: String,
        session_slug: Option<String>,
        participant_id: String,
        name: String,
        role: Role,
    },
    LiveStarted {
        session_slug: String,
        by: Option<String>,
    },
    LiveEnded {
        session_slug: String,
        by: Option<String>,
    },
    /// Someone registered (pending, or approved at once when the form approves automatically).
    RegistrationCreated(RegistrationData),
    /// A registration became approved (automatically, or by an organiser: list or API).
    RegistrationApproved(RegistrationData),
    /// A replay plays: a recorded meeting or live once processed, or an imported upload.
    RecordingReady(RecordingData),
}

/// A registration as webhooks show it. Never its join token nor its ID (`code`): with the
/// person's e-mail either lets one in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationData {
    pub id: String,
    pub name: String,
    pub email: String,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub status: &'static str,
    /// The room whose form it is (room registrations).
    pub room_slug: Option<String>,
    /// The session registered for (a session's form, or its series' when registered on it).
    pub session_slug: Option<String>,
    /// The series whose form it is, if any.
    pub series_id: Option<String>,
}

impl RegistrationData {
    /// `r` as seen from where it was made or decided: a room's slug for a room's form, a
    /// session's slug when known (the session page registered on, or the session's own form).
    /// The series comes from the registration itself.
    pub fn of(r: &Registration, room_slug: Option<&str>, session_slug: Option<&str>) -> Self {
        let series_id = match &r.target {
            RegistrationTarget::Series(id) => Some(id.to_string()),
            RegistrationTarget::Session(_) | RegistrationTarget::Room(_) => None,
        };
        RegistrationData {
            id: r.id.to_string(),
            name: r.name.clone(),
            email: r.email.clone(),
            status: r.status.as_str(),
            room_slug: room_slug.map(str::to_owned),
            session_slug: session_slug.map(str::to_owned),
            series_id,
        }
    }
}

/// A ready recording as webhooks show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingData {
    pub id: String,
    pub title: String,
    pub room_slug: String,
    pub session_slug: Option<String>,
    pub duration_ms: Option<i64>,
    pub bytes: Option<i64>,
    /// The replay page's absolute URL (who may watch it is the recording's visibility).
    pub replay_url: String,
}

impl WebhookEvent {
    /// The type in the body's `type` and the `Amphi-Event` header, e.g. `room.opened`.
    pub fn event_type(&self) -> &'static str {
        match self {
            WebhookEvent::RoomOpened { .. } => "room.opened",
            WebhookEvent::RoomClosed { .. } => "room.closed",
            WebhookEvent::ParticipantJoined { .. } => "participant.joined",
            WebhookEvent::ParticipantLeft { .. } => "participant.left",
            WebhookEvent::LiveStarted { .. } => "live.started",
            WebhookEvent::LiveEnded { .. } => "live.ended",
            WebhookEvent::RegistrationCreated(_) => "registration.created",
            WebhookEvent::RegistrationApproved(_) => "registration.approved",
            WebhookEvent::RecordingReady(_) => "recording.ready",
        }
    }

    /// The body's `data`.
    pub fn data(&self) -> Value {
        match self {
            WebhookEvent::RoomOpened { room_slug, by }
            | WebhookEvent::RoomClosed { room_slug, by } => {
                json!({ "room": room_slug, "by": by })
            }
            WebhookEvent::ParticipantJoined {
                room_slug,
                session_slug,
                participant_id,
                name,
                role,
            }
            | WebhookEvent::ParticipantLeft {
                room_slug,
                session_slug,
                participant_id,
                name,
                role,
            } => json!({
                "room": room_slug,
                "session": session_slug,
                "participant_id": participant_id,
                "name": name,
                "role": role,
            }),
            WebhookEvent::LiveStarted { session_slug, by }
            | WebhookEvent::LiveEnded { session_slug, by } => {
                json!({ "session": session_slug, "by": by })
            }
            WebhookEvent::RegistrationCreated(r) | WebhookEvent::RegistrationApproved(r) => {
                json!({
                    "registration_id": r.id,
                    "name": r.name,
                    "email": r.email,
                    "status": r.status,
                    "room": r.room_slug,
                    "session": r.session_slug,
                    "series": r.series_id,
                })
            }
            WebhookEvent::RecordingReady(r) => json!({
                "recording_id": r.id,
                "title": r.title,
                "room": r.room_slug,
                "session": r.session_slug,
                "duration_ms": r.duration_ms,
                "bytes": r.bytes,
                "replay_url": r.replay_url,
            }),
        }
    }
}

/// The JSON posted: `{"id", "type", "created_at", "data"}` (`created_at` in Unix ms).
pub fn body(event_id: &str, event_type: &str, created_at: i64, data: Value) -> String {
    json!({
        "id": event_id,
        "type": event_type,
        "created_at": created_at,
        "data": data,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_a_listed_type_and_a_body() {
        let events = [
            WebhookEvent::RoomOpened {
                room_slug: "a".into(),
                by: None,
            },
            WebhookEvent::RoomClosed {
                room_slug: "a".into(),
                by: Some("Olivia".into()),
            },
            WebhookEvent::ParticipantJoined {
                room_slug: "a".into(),
                session_slug: None,
                participant_id: "p1".into(),
                name: "Ann".into(),
                role: Role::Participant,
            },
            WebhookEvent::ParticipantLeft {
                room_slug: "a".into(),
                session_slug: Some("s".into()),
                participant_id: "p1".into(),
                name: "Ann".into(),
                role: Role::Attendee,
            },
            WebhookEvent::LiveStarted {
                session_slug: "s".into(),
                by: None,
            },
            WebhookEvent::LiveEnded {
                session_slug: "s".into(),
                by: None,
            },
            WebhookEvent::RegistrationCreated(registration()),
            WebhookEvent::RegistrationApproved(registration()),
            WebhookEvent::RecordingReady(RecordingData {
                id: "r1".into(),
                title: "Talk".into(),
                room_slug: "a".into(),
                session_slug: None,
                duration_ms: Some(1500),
                bytes: Some(2048),
                replay_url: "https://x.example/replays/r1".into(),
            }),
        ];
        for event in &events {
            assert!(EVENT_TYPES.contains(&event.event_type()));
            let text = body("e1", event.event_type(), 5, event.data());
            let v: Value = serde_json::from_str(&text).expect("valid JSON");
            assert_eq!(v["type"], event.event_type());
            assert_eq!(v["id"], "e1");
            assert_eq!(v["created_at"], 5);
            assert!(v["data"].is_object());
        }
        assert_eq!(events[3].data()["role"], "attendee");
        assert_eq!(events[6].data()["status"], "pending");
        assert_eq!(events[8].data()["bytes"], 2048);
        assert_eq!(
            EVENT_TYPES.len(),
            events.len(),
            "each type has an event here"
        );
    }

    #[test]
    fn every_event_type_has_a_name_in_each_language() {
        for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Fr] {
            let s = crate::i18n::webhooks::strings(lang);
            for t in EVENT_TYPES {
                assert_ne!(s.event_name(t), *t, "{lang:?}: {t} has no name");
            }
        }
    }

    fn registration() -> RegistrationData {
        RegistrationData {
            id: "g1".into(),
            name: "Ann".into(),
            email: "ann@example.org".into(),
            status: "pending",
            room_slug: None,
            session_slug: Some("s".into()),
            series_id: None,
        }
    }
}
