//! Shared by the annotation and link-on-stage suites: a published session `launch` held in room
//! `team` (the owner is its moderator), a speaker, and a ready PDF and image; sockets to its
//! live signed in as someone, or as an attendee.
#![allow(dead_code)] // each suite uses a part

use amphi_proto::{ContentId, ParticipantId, ServerMessage};
use amphi_store::{ContentKind, NewContent, NewSession, SessionStatus, SessionUpdate, StaffRole};
use serde_json::{Value, json};

use crate::signaling_common::*;

/// A published session `launch` in room `team` (moderator: its owner), a speaker `Sam`, and a
/// ready 3-page PDF and image in it.
pub struct Scene {
    pub h: Harness,
    pub session: amphi_store::SessionId,
    pub speaker: amphi_store::User,
    pub pdf: ContentId,
    pub image: ContentId,
}

pub async fn scene() -> Scene {
    let h = start_with(Setup::default()).await;
    let speaker = h.user("spk@example.org", "Sam").await;
    let session =
        h.db.create_session(NewSession {
            slug: "launch".into(),
            room_id: h.room.id.clone(),
            title: "Launch".into(),
            description: String::new(),
            starts_at: 1_790_000_000_000,
            ends_at: 1_790_003_600_000,
            time_zone: "UTC".into(),
            status: SessionStatus::Draft,
            created_by: h.owner.id.clone(),
        })
        .await
        .expect("session");
    for (email, role) in [
        ("owner@example.org", StaffRole::Moderator),
        ("spk@example.org", StaffRole::Speaker),
    ] {
        h.db.set_staff(&session.id, email, role)
            .await
            .expect("staff");
    }
    h.db.update_session(
        &session.id,
        SessionUpdate {
            title: session.title.clone(),
            description: String::new(),
            room_id: session.room_id.clone(),
            starts_at: session.starts_at,
            ends_at: session.ends_at,
            time_zone: session.time_zone.clone(),
            status: SessionStatus::Published,
        },
    )
    .await
    .expect("publish");
    let mut ids = Vec::new();
    for (kind, name, pages) in [
        (ContentKind::Pdf, "slides.pdf", Some(3)),
        (ContentKind::Image, "chart.png", None),
    ] {
        let c =
            h.db.create_content(NewContent {
                session_id: session.id.clone(),
                kind,
                name: name.into(),
                bytes: 1000,
                created_by: h.owner.id.clone(),
            })
            .await
            .expect("content");
        h.db.set_content_ready(&c.id, pages).await.expect("ready");
        ids.push(ContentId(c.id.as_str().to_owned()));
    }
    let image = ids.pop().expect("two");
    let pdf = ids.pop().expect("two");
    Scene {
        h,
        session: session.id.clone(),
        speaker,
        pdf,
        image,
    }
}

impl Scene {
    /// Joins the session's live as `user` (none: an attendee); returns the socket, its id and
    /// the welcome's `annotations`.
    pub async fn join(
        &self,
        user: Option<&amphi_store::User>,
        name: &str,
    ) -> (Client, ParticipantId, Value) {
        let (c, id, annotations, _) = self.join_full(user, name).await;
        (c, id, annotations)
    }

    async fn join_full(
        &self,
        user: Option<&amphi_store::User>,
        name: &str,
    ) -> (Client, ParticipantId, Value, amphi_proto::Stage) {
        let mut c = self.h.connect_to("/s/launch/ws", user).await;
        c.send(json!({"type": "join", "version": 1, "name": name}))
            .await;
        let welcome = c.recv().await;
        let ServerMessage::Welcome {
            participant_id,
            annotations,
            stage,
            ..
        } = welcome
        else {
            panic!("expected welcome, got {welcome:?}");
        };
        let annotations = serde_json::to_value(annotations).expect("json");
        (
            c,
            participant_id,
            annotations,
            stage.expect("a session's stage"),
        )
    }

    /// Joins as `join` does; returns the socket and the welcome's stage.
    pub async fn join_stage(
        &self,
        user: Option<&amphi_store::User>,
        name: &str,
    ) -> (Client, amphi_proto::Stage) {
        let (c, _, _, stage) = self.join_full(user, name).await;
        (c, stage)
    }

    pub fn page(&self, page: u32) -> Value {
        json!({"content_id": self.pdf, "page": page})
    }
}
