//! The events webhooks carry, and the JSON body posted for each.

use amphi_proto::Role;
use serde_json::{Value, json};

/// Every event type an endpoint may subscribe to, in the order the back office lists them.
/// (Recording and registration events come with the features that make them.)
pub const EVENT_TYPES: &[&str] = &[
    "room.opened",
    "room.closed",
    "participant.joined",
    "participant.left",
    "live.started",
    "live.ended",
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
    }
}
