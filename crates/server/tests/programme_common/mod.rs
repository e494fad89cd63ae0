//! Shared by the programme tests (programme_*.rs): a scene with a room and the people around
//! it (owner, manager, moderator share, another user, an administrator), sessions created
//! through the back office's form, and the store's view of them.
#![allow(dead_code)] // each test binary uses a different subset

use amphi_store::{NewSession, Session, SessionStatus, ShareRole, StaffRole};
use reqwest::StatusCode;

use crate::common::{Browser, Page, TestServer};

/// 21 November 2026, 14:30 in Paris (13:30 UTC).
pub const NOV_21_1430_PARIS: i64 = 1_795_267_800_000;
pub const HOUR_MS: i64 = 3_600_000;

/// The people of a scene, each with a signed-in browser.
pub struct Scene {
    pub owner: Browser,
    pub manager: Browser,
    pub moderator: Browser,
    pub other: Browser,
    pub admin: Browser,
}

/// The room `hall` owned by owner@, shared with manager@ (manager) and mod@ (moderator);
/// other@ has nothing; admin@ is an administrator.
pub async fn scene(s: &TestServer) -> Scene {
    let (_, owner) = s.signed_in("owner@example.org", false).await;
    let (manager_user, manager) = s.signed_in("manager@example.org", false).await;
    let (moderator_user, moderator) = s.signed_in("mod@example.org", false).await;
    let (_, other) = s.signed_in("other@example.org", false).await;
    let (_, admin) = s.signed_in("admin@example.org", true).await;
    let created = owner.create_room("Hall").await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let room = hall(s).await;
    let store = &s.db.store;
    store
        .share_room(&room.id, &manager_user.id, ShareRole::Manager)
        .await
        .expect("shared");
    store
        .share_room(&room.id, &moderator_user.id, ShareRole::Moderator)
        .await
        .expect("shared");
    Scene {
        owner,
        manager,
        moderator,
        other,
        admin,
    }
}

pub async fn hall(s: &TestServer) -> amphi_store::Room {
    s.db.store
        .room_by_slug("hall")
        .await
        .expect("read")
        .expect("the room hall")
}

/// A session created straight in the store (draft), in the room `hall`.
pub async fn stored_session(s: &TestServer, slug: &str, starts_at: i64) -> Session {
    let room = hall(s).await;
    s.db.store
        .create_session(NewSession {
            slug: slug.to_owned(),
            room_id: room.id.clone(),
            title: format!("Session {slug}"),
            description: "What it is about".to_owned(),
            starts_at,
            ends_at: starts_at + HOUR_MS,
            time_zone: "Europe/Paris".to_owned(),
            status: SessionStatus::Draft,
            created_by: room.owner_id.clone(),
        })
        .await
        .expect("session stored")
}

/// Names a moderator and publishes (straight in the store).
pub async fn publish(s: &TestServer, session: &Session, moderator: &str) {
    let store = &s.db.store;
    store
        .set_staff(&session.id, moderator, StaffRole::Moderator)
        .await
        .expect("moderator named");
    store
        .update_session(
            &session.id,
            amphi_store::SessionUpdate {
                title: session.title.clone(),
                description: session.description.clone(),
                room_id: session.room_id.clone(),
                starts_at: session.starts_at,
                ends_at: session.ends_at,
                time_zone: session.time_zone.clone(),
                status: SessionStatus::Published,
            },
        )
        .await
        .expect("published");
}

pub async fn session(s: &TestServer, slug: &str) -> Option<Session> {
    s.db.store.session_by_slug(slug).await.expect("read")
}

/// The fields of a good form for the room `hall`, with `changes` applied.
pub fn form_fields<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("title", "Opening keynote"),
        ("description", "Welcome & plans\n\nQuestions at the end."),
        ("room", "hall"),
        ("start_date", "2026-11-21"),
        ("start_time", "14:30"),
        ("end_date", ""),
        ("end_time", "15:30"),
        ("time_zone", "Europe/Paris"),
        ("status", "draft"),
    ];
    for (key, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    fields
}

/// Posts a form with this browser's CSRF token added.
pub async fn post_form(b: &Browser, path: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = b.csrf().await;
    let mut fields = fields.to_vec();
    fields.push(("csrf", &csrf));
    b.post(path, &fields).await
}
