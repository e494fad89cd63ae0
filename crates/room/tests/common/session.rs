//! Building a session and its people for the webinar tests (webinar_live.rs, webinar_stage.rs).

#![allow(dead_code)] // each test file uses part of it

use crate::common::*;
use amphi_proto::{
    ContentId, ContentInfo, ContentKind, ContentStatus, LiveInfo, LiveState, PublicationId, Role,
    RoomInfo, ServerMessage, Source, StageContentRequest, StageLayout, StageRequest,
};
use amphi_room::{Effect, Room, RoomConfig};
use std::time::{Duration, Instant};

pub fn content(
    id: &str,
    kind: ContentKind,
    status: ContentStatus,
    pages: Option<u32>,
) -> ContentInfo {
    ContentInfo {
        content_id: ContentId(id.into()),
        kind,
        name: format!("{id}.file"),
        status,
        progress: if status == ContentStatus::Ready {
            100
        } else {
            40
        },
        pages,
        error: None,
    }
}

pub fn contents() -> Vec<ContentInfo> {
    vec![
        content("img", ContentKind::Image, ContentStatus::Ready, None),
        content("pdf", ContentKind::Pdf, ContentStatus::Ready, Some(12)),
        content("vid", ContentKind::Video, ContentStatus::Ready, None),
        content("busy", ContentKind::Pdf, ContentStatus::Processing, None),
        content("bad", ContentKind::Video, ContentStatus::Failed, None),
    ]
}

pub fn session(max_attendees: usize) -> Room {
    Room::webinar(
        RoomInfo {
            slug: "launch".into(),
            name: "Launch".into(),
        },
        RoomConfig {
            max_participants: 50,
            reconnect_grace: Duration::from_secs(30),
        },
        max_attendees,
        LiveInfo::not_started(),
        contents(),
    )
}

pub fn live(state: LiveState) -> LiveInfo {
    LiveInfo {
        state,
        started_at: Some(1),
        ended_at: (state == LiveState::Ended).then_some(2),
        by: Some("Olivia".into()),
    }
}

/// Staff come signed in: `id` is also their user id (`u-id`).
pub fn staff(room: &mut Room, now: Instant, id: &str, role: Role) -> Vec<Effect> {
    let user = format!("u-{id}");
    let joined = enter_in(room, now, Person::new(id, role).user(&user));
    let mut effects = joined.effects;
    effects.extend(room.settle(now));
    effects
}

pub fn attendee(room: &mut Room, now: Instant, id: &str) -> (ServerMessage, Vec<Effect>) {
    let joined = enter_in(room, now, Person::new(id, Role::Attendee));
    let welcome = joined.welcome(Vec::new());
    let mut effects = joined.effects;
    effects.extend(room.settle(now));
    (welcome, effects)
}

pub fn publish(room: &mut Room, now: Instant, who: &str, source: Source) -> Vec<Effect> {
    let id = PublicationId(format!("{who}-{source:?}").to_lowercase());
    let mut effects = room
        .publication_started(id, &pid(who), source)
        .expect("publishes");
    effects.extend(room.settle(now));
    effects
}

pub fn stage(
    layout: StageLayout,
    members: &[&str],
    content: Option<StageContentRequest>,
) -> StageRequest {
    StageRequest {
        layout,
        members: members.iter().map(|m| pid(m)).collect(),
        content,
    }
}

/// Lines addressed to `who` only.
pub fn to(who: &str, effects: &[Effect]) -> Vec<String> {
    let prefix = format!("{who}: ");
    let media = format!(" {who} ");
    lines(effects)
        .into_iter()
        .filter(|l| l.starts_with(&prefix) || l.contains(&media) || l.ends_with(&format!(" {who}")))
        .collect()
}

/// A session with moderator `mod`, speakers `sp1`, `sp2` (each publishing microphone and
/// camera), and attendee `a1`.
pub fn backstage(now: Instant) -> Room {
    let mut room = session(2000);
    staff(&mut room, now, "mod", Role::Moderator);
    staff(&mut room, now, "sp1", Role::Speaker);
    staff(&mut room, now, "sp2", Role::Speaker);
    for who in ["mod", "sp1", "sp2"] {
        publish(&mut room, now, who, Source::Microphone);
        publish(&mut room, now, who, Source::Camera);
    }
    attendee(&mut room, now, "a1");
    room
}
