//! REST API, sessions (issue 10, O5; issue 5, W1/W2), on every test backend: each endpoint
//! with no token, a read token and a write token; only those who may manage a session (its
//! room's owner and managers, administrators) see it, others get 404; create and edit refuse
//! each bad field by name and store nothing; staff changes mail the back office's invitation
//! (to the outbox, no SMTP here); the live goes not_started → live → ended once, in the store.

mod api_common;
mod common;

use amphi_store::{
    ApiScope, Backend, LiveState, Session, SessionStatus, ShareRole, StaffRole, User,
};
use api_common::{Api, Endpoint, check_scopes, refused};
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn new_session(room: &str) -> Value {
    json!({
        "title": "Keynote",
        "description": "The opening talk.",
        "room": room,
        "starts_at": "2026-11-21T14:30:00+01:00",
        "ends_at": "2026-11-21T15:30:00+01:00",
        "time_zone": "Europe/Paris",
    })
}

async fn api_of(s: &TestServer, user: &User, scope: ApiScope) -> Api {
    Api::of(&s.base, &s.db.store, user, scope).await
}

/// The session at `slug`, as stored.
async fn stored_session(s: &TestServer, slug: &str) -> Session {
    let session = s.db.store.session_by_slug(slug).await.expect("db");
    session.expect("session")
}

/// A server with Ann, a write token of hers, her room "Main hall" and the session "keynote"
/// in it (created through the API).
async fn with_keynote(backend: Backend) -> (TestServer, Api) {
    let s = TestServer::start(backend).await;
    let ann = s.user("ann@example.org", false).await;
    let api = api_of(&s, &ann, ApiScope::Write).await;
    let hall = room(&api, "Main hall").await;
    assert_eq!(
        api.post("/sessions", &new_session(&hall)).await.status,
        StatusCode::CREATED
    );
    (s, api)
}

/// A room named `name` owned by the caller of `api`; its slug.
async fn room(api: &Api, name: &str) -> String {
    let r = api.post("/rooms", &json!({"name": name})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["slug"].as_str().expect("slug").to_owned()
}

/// Every sessions endpoint, the DELETEs last.
fn endpoints(slug: &str, room: &str) -> Vec<Endpoint> {
    let e = Endpoint::new;
    let staff = format!("/sessions/{slug}/staff/olivia@example.org");
    vec![
        e("GET", "/sessions".into(), None, false, StatusCode::OK),
        e(
            "POST",
            "/sessions".into(),
            Some(new_session(room)),
            true,
            StatusCode::CREATED,
        ),
        e(
            "GET",
            format!("/sessions/{slug}"),
            None,
            false,
            StatusCode::OK,
        ),
        e(
            "PATCH",
            format!("/sessions/{slug}"),
            Some(json!({"title": "Opening keynote"})),
            true,
            StatusCode::OK,
        ),
        e(
            "GET",
            format!("/sessions/{slug}/staff"),
            None,
            false,
            StatusCode::OK,
        ),
        e(
            "PUT",
            staff.clone(),
            Some(json!({"role": "moderator"})),
            true,
            StatusCode::OK,
        ),
        e(
            "POST",
            format!("/sessions/{slug}/live/start"),
            None,
            true,
            StatusCode::OK,
        ),
        e(
            "POST",
            format!("/sessions/{slug}/live/stop"),
            None,
            true,
            StatusCode::OK,
        ),
        e("DELETE", staff, None, true, StatusCode::NO_CONTENT),
        e(
            "DELETE",
            format!("/sessions/{slug}"),
            None,
            true,
            StatusCode::NO_CONTENT,
        ),
    ]
}

#[tokio::test]
async fn every_session_endpoint_with_no_token_a_read_token_and_a_write_token() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let ann = s.user("ann@example.org", false).await;
        let anonymous = Api::new(&s.base, None);
        let garbage = Api::new(&s.base, Some("not-a-token"));
        let reader = api_of(&s, &ann, ApiScope::Read).await;
        let writer = api_of(&s, &ann, ApiScope::Write).await;
        let hall = room(&writer, "Main hall").await;

        let r = writer.post("/sessions", &new_session(&hall)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{backend:?}: {}", r.text);
        let created = r.json();
        assert_eq!(created["slug"], "keynote");
        assert_eq!(created["room"], hall);
        assert_eq!(created["starts_at"], "2026-11-21T13:30:00Z", "UTC");
        assert_eq!(created["time_zone"], "Europe/Paris");
        assert_eq!(created["status"], "draft");
        assert_eq!(created["live"]["state"], "not_started");
        assert_eq!(created["url"], format!("{}/s/keynote", s.base));

        let label = format!("{backend:?}");
        let unauthenticated = [&anonymous, &garbage];
        let endpoints = endpoints("keynote", &hall);
        check_scopes(&label, &unauthenticated, &reader, &writer, endpoints).await;
        // The DELETE came last: the session is gone; the one the POST made stays.
        assert!(
            s.db.store
                .session_by_slug("keynote")
                .await
                .expect("lookup")
                .is_none()
        );
        refused(
            &reader.get("/sessions/keynote").await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        let list = reader.get("/sessions").await.json();
        assert_eq!(list["sessions"].as_array().map(Vec::len), Some(1));
        assert_eq!(list["sessions"][0]["slug"], "keynote-2");
        s.stop().await;
    }
}

#[tokio::test]
async fn only_those_who_manage_the_room_see_and_change_its_sessions() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let ann = s.user("ann@example.org", false).await;
        let mia = s.user("mia@example.org", false).await;
        let max = s.user("max@example.org", false).await;
        let bob = s.user("bob@example.org", false).await;
        let eve = s.user("eve@example.org", true).await;
        let ann_api = api_of(&s, &ann, ApiScope::Write).await;
        let hall = room(&ann_api, "Main hall").await;
        let stored =
            s.db.store
                .room_by_slug(&hall)
                .await
                .expect("db")
                .expect("room");
        s.db.store
            .share_room(&stored.id, &mia.id, ShareRole::Manager)
            .await
            .expect("share");
        s.db.store
            .share_room(&stored.id, &max.id, ShareRole::Moderator)
            .await
            .expect("share");
        let r = ann_api.post("/sessions", &new_session(&hall)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

        // A manager and an administrator manage it; a moderator share and a stranger do not.
        for (user, sees) in [(&mia, true), (&eve, true), (&max, false), (&bob, false)] {
            let api = api_of(&s, user, ApiScope::Write).await;
            let who = format!("{backend:?} {}", user.email);
            let list = api.get("/sessions").await.json();
            let n = list["sessions"].as_array().map_or(0, Vec::len);
            assert_eq!(n, usize::from(sees), "{who}: {list}");
            let calls: Vec<(&str, &str, Option<Value>)> = vec![
                ("GET", "/sessions/keynote", None),
                (
                    "PATCH",
                    "/sessions/keynote",
                    Some(json!({"title": "Taken"})),
                ),
                ("GET", "/sessions/keynote/staff", None),
                (
                    "PUT",
                    "/sessions/keynote/staff/x@example.org",
                    Some(json!({"role": "speaker"})),
                ),
                ("DELETE", "/sessions/keynote/staff/x@example.org", None),
                ("POST", "/sessions/keynote/live/start", None),
                ("POST", "/sessions/keynote/live/stop", None),
                ("DELETE", "/sessions/keynote", None),
            ];
            if sees {
                let r = api.get("/sessions/keynote").await;
                assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text);
                continue;
            }
            for (method, path, body) in calls {
                let r = api.call(method, path, body.as_ref()).await;
                refused(&r, StatusCode::NOT_FOUND, "not_found");
            }
            // Nor may they hold a session in that room: the room is refused by name.
            let r = api.post("/sessions", &new_session(&hall)).await;
            refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert_eq!(r.field(), "room", "{who}");
        }
        let kept = stored_session(&s, "keynote").await;
        assert_eq!(kept.title, "Keynote", "nothing changed by those refused");
        assert!(
            s.db.store
                .session_staff(&kept.id)
                .await
                .expect("staff")
                .is_empty()
        );
        // The manager may create one there; the administrator in any room.
        let mia_api = api_of(&s, &mia, ApiScope::Write).await;
        let r = mia_api.post("/sessions", &new_session(&hall)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let bob_api = api_of(&s, &bob, ApiScope::Write).await;
        let bobs = room(&bob_api, "Bob's room").await;
        let eve_api = api_of(&s, &eve, ApiScope::Write).await;
        let r = eve_api.post("/sessions", &new_session(&bobs)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        s.stop().await;
    }
}

#[tokio::test]
async fn create_and_edit_refuse_each_bad_field_by_name_and_store_nothing() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let ann = s.user("ann@example.org", false).await;
        let api = api_of(&s, &ann, ApiScope::Write).await;
        let hall = room(&api, "Main hall").await;
        let cases: Vec<(&str, Value, &str)> = vec![
            ("title", json!(""), "title"),
            ("title", json!("   "), "title"),
            ("title", json!("x".repeat(201)), "title"),
            ("title", json!("a\nb"), "title"),
            ("title", json!(5), "title"),
            ("description", json!("d".repeat(5001)), "description"),
            ("description", json!("bell\u{7}"), "description"),
            ("room", json!("no-such-room"), "room"),
            ("starts_at", json!("2026-11-21T14:30:00"), "starts_at"),
            ("starts_at", json!("2026-13-01T10:00:00Z"), "starts_at"),
            ("starts_at", json!("tomorrow"), "starts_at"),
            ("ends_at", json!("2026-11-21T14:30:00+01:00"), "ends_at"),
            ("ends_at", json!("2026-11-21T12:00:00Z"), "ends_at"),
            ("ends_at", json!(null), "ends_at"),
            ("time_zone", json!("Mars/Olympus"), "time_zone"),
            ("time_zone", json!(""), "time_zone"),
            ("status", json!("live"), "status"),
            ("status", json!("published"), "status"),
        ];
        for (key, value, field) in &cases {
            let mut body = new_session(&hall);
            body[*key] = value.clone();
            let r = api.post("/sessions", &body).await;
            refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert_eq!(r.field(), *field, "{backend:?} {key}={value}: {}", r.text);
        }
        let mut body = new_session(&hall);
        body.as_object_mut().expect("object").remove("room");
        let r = api.post("/sessions", &body).await;
        assert_eq!(r.field(), "room", "missing field: {}", r.text);
        assert!(s.db.store.list_sessions().await.expect("list").is_empty());
        let r = api.post("/sessions", &new_session(&hall)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert!(
            r.json()["status"] == "draft",
            "a session starts as a draft: {}",
            r.text
        );

        // Editing: each bad field named, nothing stored.
        let before = stored_session(&s, "keynote").await;
        for (key, value, field) in &cases {
            if *key == "status" && value == "published" {
                continue; // the moderator rule, below
            }
            let r = api
                .patch("/sessions/keynote", &json!({ *key: value }))
                .await;
            if value.is_null() {
                // Absent or null: unchanged.
                assert_eq!(r.status, StatusCode::OK, "{key}: {}", r.text);
                continue;
            }
            refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert_eq!(r.field(), *field, "{backend:?} {key}={value}: {}", r.text);
        }
        // A good change with a bad one: nothing of it stored.
        let r = api
            .patch(
                "/sessions/keynote",
                &json!({"title": "New title", "time_zone": "Nowhere/Land"}),
            )
            .await;
        assert_eq!(r.field(), "time_zone");
        let after = stored_session(&s, "keynote").await;
        assert_eq!(before.title, after.title);
        assert_eq!(before.time_zone, after.time_zone);

        // Publishing without a moderator: refused, naming the rule.
        let r = api
            .patch("/sessions/keynote", &json!({"status": "published"}))
            .await;
        refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert_eq!(r.field(), "status");
        assert!(r.text.contains("moderator"), "{}", r.text);
        let draft = stored_session(&s, "keynote").await;
        assert_eq!(draft.status, SessionStatus::Draft);

        // A good edit: every field at once, times converted, zone canonical.
        let r = api
            .patch(
                "/sessions/keynote",
                &json!({"title": " Opening ", "description": "a\r\nb",
                    "starts_at": "2026-12-01T09:00:00-05:00", "ends_at": "2026-12-01T15:00:00Z",
                    "time_zone": "america/new_york"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let j = r.json();
        assert_eq!(j["title"], "Opening");
        assert_eq!(j["description"], "a\nb");
        assert_eq!(j["starts_at"], "2026-12-01T14:00:00Z");
        assert_eq!(j["ends_at"], "2026-12-01T15:00:00Z");
        assert_eq!(j["time_zone"], "America/New_York");
        assert_eq!(j["slug"], "keynote", "the slug stays");
        s.stop().await;
    }
}

#[tokio::test]
async fn staff_is_named_with_an_invitation_and_the_last_moderator_stays() {
    for backend in test_backends() {
        let (s, api) = with_keynote(backend).await;
        let session = stored_session(&s, "keynote").await;
        assert_eq!(s.db.store.count_outbox().await.expect("count"), 0);

        let r = api
            .call(
                "PUT",
                "/sessions/keynote/staff/Olivia@Example.org",
                Some(&json!({"role": "moderator"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.text);
        let j = r.json();
        assert_eq!(j["member"]["email"], "olivia@example.org");
        assert_eq!(j["member"]["role"], "moderator");
        assert_eq!(j["invitation"], "outbox");
        let outbox = s.db.store.outbox(10).await.expect("outbox");
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].recipients, ["olivia@example.org"]);
        assert_eq!(outbox[0].subject, "Keynote: you are invited as moderator");
        assert!(
            outbox[0]
                .text
                .contains(&format!("{}/s/keynote/backstage", s.base)),
            "{}",
            outbox[0].text
        );
        assert_eq!(
            s.db.store
                .staff_role(&session.id, "olivia@example.org")
                .await
                .expect("role"),
            Some(StaffRole::Moderator)
        );
        // The same role again: nothing changes, no second mail.
        let r = api
            .call(
                "PUT",
                "/sessions/keynote/staff/olivia@example.org",
                Some(&json!({"role": "moderator"})),
            )
            .await;
        assert_eq!(r.json()["invitation"], "not_sent");
        assert_eq!(s.db.store.count_outbox().await.expect("count"), 1);

        // Refusals name the field; nothing is stored.
        let r = api
            .call(
                "PUT",
                "/sessions/keynote/staff/not-an-address",
                Some(&json!({"role": "speaker"})),
            )
            .await;
        refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert_eq!(r.field(), "email");
        let r = api
            .call(
                "PUT",
                "/sessions/keynote/staff/sam@example.org",
                Some(&json!({"role": "host"})),
            )
            .await;
        refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert_eq!(r.field(), "role");
        assert_eq!(
            s.db.store
                .session_staff(&session.id)
                .await
                .expect("staff")
                .len(),
            1
        );

        // A speaker; then the list.
        let r = api
            .call(
                "PUT",
                "/sessions/keynote/staff/sam@example.org",
                Some(&json!({"role": "speaker"})),
            )
            .await;
        assert_eq!(r.json()["invitation"], "outbox", "{}", r.text);
        assert_eq!(s.db.store.count_outbox().await.expect("count"), 2);
        let list = api.get("/sessions/keynote/staff").await.json();
        let staff: Vec<(String, String)> = list["staff"]
            .as_array()
            .expect("staff")
            .iter()
            .map(|m| {
                (
                    m["email"].as_str().unwrap_or("").to_owned(),
                    m["role"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert!(staff.contains(&("olivia@example.org".into(), "moderator".into())));
        assert!(staff.contains(&("sam@example.org".into(), "speaker".into())));
        assert_eq!(staff.len(), 2);

        // Published: its last moderator can be neither removed nor demoted.
        let r = api
            .patch("/sessions/keynote", &json!({"status": "published"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["status"], "published");
        let r = api
            .delete("/sessions/keynote/staff/olivia@example.org")
            .await;
        refused(&r, StatusCode::CONFLICT, "conflict");
        assert!(r.text.contains("moderator"), "{}", r.text);
        let r = api
            .call(
                "PUT",
                "/sessions/keynote/staff/olivia@example.org",
                Some(&json!({"role": "speaker"})),
            )
            .await;
        refused(&r, StatusCode::CONFLICT, "conflict");
        assert_eq!(
            s.db.store
                .staff_role(&session.id, "olivia@example.org")
                .await
                .expect("role"),
            Some(StaffRole::Moderator)
        );
        // The speaker goes; someone never named is 404.
        let r = api.delete("/sessions/keynote/staff/sam@example.org").await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        assert_eq!(
            s.db.store
                .staff_role(&session.id, "sam@example.org")
                .await
                .expect("role"),
            None
        );
        refused(
            &api.delete("/sessions/keynote/staff/sam@example.org").await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn the_live_starts_once_and_ends_once() {
    for backend in test_backends() {
        let (s, api) = with_keynote(backend).await;
        let live_state = || stored_session(&s, "keynote");

        // Stop before start: nothing to stop.
        let r = api.call("POST", "/sessions/keynote/live/stop", None).await;
        refused(&r, StatusCode::CONFLICT, "conflict");
        assert!(r.text.contains("not started"), "{}", r.text);
        assert_eq!(live_state().await.live_state, LiveState::NotStarted);

        let r = api.call("POST", "/sessions/keynote/live/start", None).await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.text);
        let j = r.json();
        assert_eq!(j["live"]["state"], "live");
        assert!(j["live"]["started_at"].is_i64(), "{j}");
        let stored = live_state().await;
        assert_eq!(stored.live_state, LiveState::Live);
        assert_eq!(stored.live_started_at, j["live"]["started_at"].as_i64());

        let r = api.call("POST", "/sessions/keynote/live/start", None).await;
        refused(&r, StatusCode::CONFLICT, "conflict");
        assert!(r.text.contains("already on"), "{}", r.text);

        let r = api.call("POST", "/sessions/keynote/live/stop", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["live"]["state"], "ended");
        assert_eq!(live_state().await.live_state, LiveState::Ended);

        for action in ["start", "stop"] {
            let r = api
                .call("POST", &format!("/sessions/keynote/live/{action}"), None)
                .await;
            refused(&r, StatusCode::CONFLICT, "conflict");
            assert!(r.text.contains("ended"), "{action}: {}", r.text);
        }
        let stored = live_state().await;
        assert_eq!(stored.live_state, LiveState::Ended);
        assert!(stored.live_ended_at.is_some());
        s.stop().await;
    }
}
