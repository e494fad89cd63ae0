//! Building rooms and people for the table tests, and effects as short readable lines.

#![allow(dead_code)] // each test file uses part of it

use amphi_proto::{KnockId, ParticipantId, Role, RoomInfo, ServerMessage};
use amphi_room::{
    Admission, Effect, Entry, Fresh, Identity, JoinRequest, Joined, Room, RoomConfig, RoomError,
    RoomSettings,
};
use std::time::{Duration, Instant};

pub const KNOCK_TIMEOUT: Duration = Duration::from_secs(600);

pub fn pid(s: &str) -> ParticipantId {
    ParticipantId(s.into())
}

pub fn kid(s: &str) -> KnockId {
    KnockId(s.into())
}

/// A room with a cap of `cap`, in the given state.
pub fn room_with(open: bool, waiting_room: bool, cap: usize) -> Room {
    let mut room = Room::with_settings(
        RoomInfo {
            slug: "team".into(),
            name: "Team".into(),
        },
        RoomConfig {
            max_participants: cap,
            reconnect_grace: Duration::from_secs(30),
        },
        RoomSettings { open, waiting_room },
    );
    room.set_knock_timeout(KNOCK_TIMEOUT);
    room
}

/// Someone arriving: `id` names the participant it becomes (`id`) and its knock (`k-id`).
pub struct Person<'a> {
    pub id: &'a str,
    pub role: Role,
    pub user: Option<&'a str>,
    pub client_key: Option<&'a str>,
    pub resume_token: Option<&'a str>,
}

impl<'a> Person<'a> {
    pub fn new(id: &'a str, role: Role) -> Self {
        Self {
            id,
            role,
            user: None,
            client_key: None,
            resume_token: None,
        }
    }

    pub fn user(mut self, user: &'a str) -> Self {
        self.user = Some(user);
        self
    }

    pub fn key(mut self, key: &'a str) -> Self {
        self.client_key = Some(key);
        self
    }

    pub fn token(mut self, token: &'a str) -> Self {
        self.resume_token = Some(token);
        self
    }
}

pub fn enter(room: &mut Room, now: Instant, who: Person) -> Result<Admission, RoomError> {
    room.enter(
        now,
        Entry {
            request: JoinRequest {
                name: format!("name-{}", who.id),
                role: who.role,
                resume_token: who.resume_token.map(String::from),
            },
            identity: Identity::new(who.user.map(String::from), who.client_key.map(String::from)),
            fresh: Fresh {
                participant_id: pid(who.id),
                resume_token: format!("tok-{}", who.id),
            },
            knock_id: kid(&format!("k-{}", who.id)),
            unix_ms: 1_790_000_000_000,
        },
    )
}

/// Enters and expects to be in at once.
pub fn enter_in(room: &mut Room, now: Instant, who: Person) -> Joined {
    let id = who.id.to_owned();
    match enter(room, now, who) {
        Ok(Admission::Joined(joined)) => joined,
        other => panic!("{id} should be in, got {other:?}"),
    }
}

/// Enters and expects to be held; returns its effects.
pub fn enter_held(room: &mut Room, now: Instant, who: Person) -> Vec<Effect> {
    let id = who.id.to_owned();
    match enter(room, now, who) {
        Ok(Admission::Waiting { knock, effects }) => {
            assert_eq!(knock, kid(&format!("k-{id}")));
            effects
        }
        other => panic!("{id} should wait, got {other:?}"),
    }
}

/// Effects as short lines, so tables stay readable.
pub fn lines(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| match e {
            Effect::Send { to, message } => format!("{to}: {}", describe(message)),
            Effect::SendWaiting { knock, message } => format!("{knock}: {}", describe(message)),
            Effect::CloseMedia { participant } => format!("close media {participant}"),
            Effect::Subscribe {
                subscriber,
                publication,
            } => format!("subscribe {subscriber} to {publication}"),
            Effect::Unsubscribe {
                subscriber,
                publication,
            } => format!("unsubscribe {subscriber} from {publication}"),
            Effect::EndPublication {
                participant,
                publication,
            } => format!("end {publication} of {participant}"),
            Effect::Pause {
                publication,
                paused,
                ..
            } => format!("pause {publication} {paused}"),
            Effect::Disconnect {
                participant,
                message,
            } => format!("disconnect {participant}: {}", describe(message)),
            Effect::Admit { knock, joined } => {
                format!("admit {knock} as {}", joined.participant_id)
            }
            Effect::Dismiss { knock, message } => format!("dismiss {knock}: {}", describe(message)),
        })
        .collect()
}

pub fn describe(m: &ServerMessage) -> String {
    match m {
        ServerMessage::ParticipantJoined { participant } => format!("joined {}", participant.id),
        ServerMessage::ParticipantUpdated { participant } => format!(
            "updated {} {:?} hand {:?}",
            participant.id, participant.role, participant.hand_raised
        ),
        ServerMessage::ParticipantLeft {
            participant_id,
            reason,
        } => format!("left {participant_id} {reason:?}"),
        ServerMessage::PublicationAdded { publication } => format!("added {}", publication.id),
        ServerMessage::PublicationRemoved { publication_id } => format!("removed {publication_id}"),
        ServerMessage::PublicationMuted {
            publication_id,
            muted,
        } => format!("muted {publication_id} {muted}"),
        ServerMessage::Waiting { reason, can_open } => {
            format!("waiting {reason:?} can_open {can_open}")
        }
        ServerMessage::KnockAdded { knock } => {
            format!("knock {} removed_before {}", knock.id, knock.removed_before)
        }
        ServerMessage::KnockRemoved {
            knock_id,
            outcome,
            by,
        } => format!("knock {knock_id} {outcome:?} by {by:?}"),
        ServerMessage::RoomUpdated { waiting_room } => format!("waiting room {waiting_room}"),
        ServerMessage::MeetingEnded { reason, by } => format!("ended {reason:?} by {by:?}"),
        ServerMessage::Moderated {
            action,
            by,
            source,
            role,
        } => format!(
            "moderated {action:?} by {} {source:?} {role:?}",
            by.participant_id
        ),
        ServerMessage::ChatMessage { message } => format!("chat {} {:?}", message.id, message.text),
        ServerMessage::Error { code, message, .. } => {
            format!("error {} ({message})", code.as_str())
        }
        ServerMessage::LiveUpdated { live } => format!("live {:?} by {:?}", live.state, live.by),
        ServerMessage::StageUpdated { stage } => format!("stage {}", stage_line(stage)),
        ServerMessage::Audience { audience } => format!(
            "audience {}/{}/{}",
            audience.attendees, audience.speakers, audience.moderators
        ),
        ServerMessage::ContentsUpdated { contents } => format!("contents {}", contents.len()),
        ServerMessage::ActiveSpeaker { participant_id } => format!("speaker {participant_id:?}"),
        other => format!("{other:?}"),
    }
}

/// A stage as one short line: layout, members, content.
pub fn stage_line(stage: &amphi_proto::Stage) -> String {
    use amphi_proto::StageContent;
    let members: Vec<String> = stage
        .members
        .iter()
        .map(|m| m.participant_id.0.clone())
        .collect();
    let content = match &stage.content {
        None => "-".to_owned(),
        Some(StageContent::Screen { publication_id, .. }) => format!("screen {publication_id}"),
        Some(StageContent::Image { content_id, .. }) => format!("image {content_id}"),
        Some(StageContent::Pdf {
            content_id, page, ..
        }) => format!("pdf {content_id} p{page}"),
        Some(StageContent::Video {
            content_id,
            playing,
            position_ms,
            ..
        }) => format!("video {content_id} {playing} {position_ms}"),
        Some(StageContent::Link {
            url,
            playing,
            position_ms,
            ..
        }) => format!("link {url} {playing} {position_ms}"),
    };
    format!("{:?} [{}] {content}", stage.layout, members.join(","))
}

/// The whole state, to prove a refused request changed nothing.
pub fn state(room: &Room) -> String {
    format!("{room:?}")
}
