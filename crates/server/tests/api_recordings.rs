//! REST API, recordings (issues 7 and 10), on every test backend, with the recording pages'
//! cast (recording_pages_common: a session in the owner's room, its staff, the room's manager
//! and moderator, an administrator) and recordings made ready in the store with a real file:
//! each endpoint with no token, a garbage token, a revoked token, a read token and a write
//! token; who sees and deletes which recording (those who manage it in the back office; others
//! 404); the metadata; the download (the file's bytes, `Range` → 206) through the link the
//! metadata gives; a recording not ready has no link; ids not shaped as ours are 404; DELETE
//! removes the row and the file.

mod api_common;
mod common;
mod content_common;
mod recording_pages_common;

use amphi_store::{
    ApiScope, NewRecording, Recording, RecordingOptions, RecordingSource, User, Visibility,
};
use api_common::{Api, Endpoint, check_scopes, refused, revoked_token};
use common::{TestServer, test_backends};
use recording_pages_common::Cast;
use reqwest::StatusCode;
use serde_json::Value;

/// The replay's bytes: what the download must give back.
fn movie() -> Vec<u8> {
    let mut bytes = b"\0\0\0\x20ftypisom".to_vec();
    bytes.extend((0..288u32).map(|i| (i % 251) as u8));
    bytes
}

fn ts(cast: &Cast) -> &TestServer {
    &cast.scene.ts
}

async fn api(cast: &Cast, user: &User, scope: ApiScope) -> Api {
    let s = ts(cast);
    Api::of(&s.base, &s.db.store, user, scope).await
}

/// A token of `user` that was revoked: refused as if unknown.
async fn revoked(s: &TestServer, user: &User) -> Api {
    Api::new(&s.base, Some(&revoked_token(&s.db.store, user).await))
}

/// The ids in a list answer.
fn ids(list: &Value) -> Vec<String> {
    list["recordings"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

async fn exists(cast: &Cast, r: &Recording) -> bool {
    let stored = ts(cast).db.store.recording(&r.id).await.expect("read");
    stored.is_some()
}

#[tokio::test]
async fn every_recording_endpoint_with_no_token_a_revoked_one_a_read_and_a_write_token() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let r = cast
            .ready("Launch replay", false, Visibility::Private, &movie())
            .await;
        let s = ts(&cast);
        let owner = &cast.scene.owner.user;
        let anonymous = Api::new(&s.base, None);
        let garbage = Api::new(&s.base, Some("not-a-token"));
        let gone = revoked(s, owner).await;
        let reader = api(&cast, owner, ApiScope::Read).await;
        let writer = api(&cast, owner, ApiScope::Write).await;
        let id = r.id.as_str();
        let e = Endpoint::new;
        let ok = StatusCode::OK;
        let endpoints = vec![
            e("GET", "/recordings".into(), None, false, ok),
            e("GET", format!("/recordings/{id}"), None, false, ok),
            e("GET", format!("/recordings/{id}/download"), None, false, ok),
            e(
                "DELETE",
                format!("/recordings/{id}"),
                None,
                true,
                StatusCode::NO_CONTENT,
            ),
        ];
        let label = format!("{backend:?}");
        let unauthenticated = [&anonymous, &garbage, &gone];
        check_scopes(&label, &unauthenticated, &reader, &writer, endpoints).await;
        // The DELETE came last, with the write token only: the recording is gone.
        assert!(!exists(&cast, &r).await);
        let after = reader.get(&format!("/recordings/{id}")).await;
        refused(&after, StatusCode::NOT_FOUND, "not_found");
        cast.stop().await;
    }
}

#[tokio::test]
async fn who_sees_and_deletes_follows_the_back_office() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let bytes = movie();
        let mine = cast
            .ready("Launch replay", false, Visibility::Public, &bytes)
            .await;
        let theirs = cast
            .ready("Other replay", true, Visibility::Private, &bytes)
            .await;
        let sc = &cast.scene;
        // (who, manages mine, manages theirs): as the library (recording::access).
        let cases = [
            ("owner", &sc.owner.user, true, false),
            ("manager", &cast.manager.user, true, false),
            ("room moderator", &cast.room_moderator.user, true, false),
            ("session moderator", &sc.moderator.user, true, false),
            ("speaker", &sc.speaker.user, false, false),
            ("attendee", &sc.attendee.user, false, false),
            (
                "other session's moderator",
                &sc.other_staff.user,
                false,
                true,
            ),
            ("admin", &cast.admin.user, true, true),
        ];
        for (who, user, on_mine, on_theirs) in cases {
            let a = api(&cast, user, ApiScope::Write).await;
            let listed = ids(&a.get("/recordings").await.json());
            for (r, manages) in [(&mine, on_mine), (&theirs, on_theirs)] {
                let id = r.id.as_str();
                let what = format!("{backend:?} {who} {}", r.title);
                assert_eq!(listed.contains(&id.to_owned()), manages, "{what}");
                let want = if manages {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                // A public replay is watched by anyone on its page; the API is for those
                // who manage it.
                for path in [
                    format!("/recordings/{id}"),
                    format!("/recordings/{id}/download"),
                ] {
                    let got = a.get(&path).await;
                    assert_eq!(got.status, want, "{what} GET {path}: {}", got.text);
                }
                if !manages {
                    let d = a.delete(&format!("/recordings/{id}")).await;
                    refused(&d, StatusCode::NOT_FOUND, "not_found");
                    assert!(exists(&cast, r).await, "{what}: still there");
                }
            }
        }
        // The room's moderator deletes the session's recording.
        let rm = api(&cast, &cast.room_moderator.user, ApiScope::Write).await;
        let d = rm
            .delete(&format!("/recordings/{}", mine.id.as_str()))
            .await;
        assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.text);
        assert!(!exists(&cast, &mine).await);
        assert!(exists(&cast, &theirs).await);
        cast.stop().await;
    }
}

#[tokio::test]
async fn metadata_download_with_range_and_deletion() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let bytes = movie();
        let r = cast
            .ready("Launch — replay", false, Visibility::Registrants, &bytes)
            .await;
        let s = ts(&cast);
        let owner = &cast.scene.owner.user;
        let reader = api(&cast, owner, ApiScope::Read).await;
        let writer = api(&cast, owner, ApiScope::Write).await;
        let id = r.id.as_str();

        let meta = reader.get(&format!("/recordings/{id}")).await;
        assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
        let meta = meta.json();
        assert_eq!(meta["id"], id);
        assert_eq!(meta["title"], "Launch — replay");
        assert_eq!(meta["state"], "ready");
        assert_eq!(meta["room"], "room-launch");
        assert_eq!(meta["session"], "launch");
        assert_eq!(meta["started_at"], r.started_at);
        assert_eq!(meta["duration_ms"], 20_000);
        assert_eq!(meta["bytes"], bytes.len());
        assert_eq!(meta["visibility"], "registrants");
        let url = meta["download_url"].as_str().expect("a link once ready");
        assert_eq!(url, format!("{}/api/v1/recordings/{id}/download", s.base));
        let listed = reader.get("/recordings").await.json();
        assert_eq!(listed["recordings"][0], meta, "the list shows the same");

        // The link works for the token holder (and nobody else): the bytes, then a range.
        let client = &reader.client;
        let token = reader.token.as_deref().expect("a token");
        let whole = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("sent");
        assert_eq!(whole.status(), StatusCode::OK);
        let disposition = whole.headers()["content-disposition"]
            .to_str()
            .expect("text");
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert_eq!(
            whole.bytes().await.expect("body").as_ref(),
            bytes.as_slice()
        );
        let part = client
            .get(url)
            .bearer_auth(token)
            .header("range", "bytes=0-99")
            .send()
            .await
            .expect("sent");
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        let range = part.headers()["content-range"].to_str().expect("text");
        assert_eq!(range, format!("bytes 0-99/{}", bytes.len()));
        assert_eq!(part.bytes().await.expect("body").as_ref(), &bytes[..100]);
        let anonymous = client.get(url).send().await.expect("sent");
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

        // Not ready: no link, no size, no file.
        let store = &s.db.store;
        let pending = store
            .create_recording(NewRecording {
                room_id: cast.scene.session.room_id.clone(),
                session_id: None,
                title: "Uploading".into(),
                options: RecordingOptions::default(),
                source: RecordingSource::Upload,
                created_by: None,
            })
            .await
            .expect("created");
        let p = pending.id.as_str();
        let meta = reader.get(&format!("/recordings/{p}")).await.json();
        assert_eq!(meta["state"], "processing");
        assert_eq!(meta["session"], Value::Null);
        assert_eq!(meta["download_url"], Value::Null);
        assert_eq!(meta["bytes"], Value::Null);
        let d = reader.get(&format!("/recordings/{p}/download")).await;
        refused(&d, StatusCode::NOT_FOUND, "not_found");

        // Ids not shaped as ours, and unknown ones: 404.
        let unknown = "0123456789abcdef0123456789abcdef";
        for bad in ["nope", "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "a.b", unknown] {
            for path in [
                format!("/recordings/{bad}"),
                format!("/recordings/{bad}/download"),
            ] {
                refused(&reader.get(&path).await, StatusCode::NOT_FOUND, "not_found");
            }
            let d = writer.delete(&format!("/recordings/{bad}")).await;
            refused(&d, StatusCode::NOT_FOUND, "not_found");
        }

        // DELETE: the row and the file go.
        let file = s.server().state.recordings.replay_path(&r.id);
        assert!(file.exists());
        let refused_read = reader.delete(&format!("/recordings/{id}")).await;
        refused(&refused_read, StatusCode::FORBIDDEN, "forbidden");
        assert!(exists(&cast, &r).await);
        let d = writer.delete(&format!("/recordings/{id}")).await;
        assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.text);
        assert!(!exists(&cast, &r).await);
        assert!(!file.exists(), "{} still there", file.display());
        let gone = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("sent");
        assert_eq!(gone.status(), StatusCode::NOT_FOUND);
        let again = writer.delete(&format!("/recordings/{id}")).await;
        refused(&again, StatusCode::NOT_FOUND, "not_found");
        cast.stop().await;
    }
}
