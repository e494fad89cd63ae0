//! REST API, rooms (issue 10, O5), on every test backend: each endpoint with no token, a read
//! token and a write token; what the token's user may see and do follows their access in the
//! back office (owner, manager, moderator share; nobody else sees the room); validation errors
//! name the field; open/close reach the store and the live room.

mod api_common;
mod common;

use amphi_store::ApiScope;
use api_common::{Api, Endpoint, check_scopes, refused};
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use serde_json::json;

/// Every rooms endpoint, the DELETE last.
fn endpoints(slug: &str) -> Vec<Endpoint> {
    let e = Endpoint::new;
    vec![
        e("GET", "/rooms".into(), None, false, StatusCode::OK),
        e(
            "POST",
            "/rooms".into(),
            Some(json!({"name": "New"})),
            true,
            StatusCode::CREATED,
        ),
        e("GET", format!("/rooms/{slug}"), None, false, StatusCode::OK),
        e(
            "PATCH",
            format!("/rooms/{slug}"),
            Some(json!({"waiting_room": true})),
            true,
            StatusCode::OK,
        ),
        e(
            "GET",
            format!("/rooms/{slug}/live"),
            None,
            false,
            StatusCode::OK,
        ),
        e(
            "POST",
            format!("/rooms/{slug}/open"),
            None,
            true,
            StatusCode::OK,
        ),
        e(
            "POST",
            format!("/rooms/{slug}/close"),
            None,
            true,
            StatusCode::OK,
        ),
        e(
            "DELETE",
            format!("/rooms/{slug}"),
            None,
            true,
            StatusCode::NO_CONTENT,
        ),
    ]
}

#[tokio::test]
async fn every_room_endpoint_with_no_token_a_read_token_and_a_write_token() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let ann = s.user("ann@example.org", false).await;
        let anonymous = Api::new(&s.base, None);
        let garbage = Api::new(&s.base, Some("not-a-token"));
        let reader = Api::of(&s.base, &s.db.store, &ann, ApiScope::Read).await;
        let writer = Api::of(&s.base, &s.db.store, &ann, ApiScope::Write).await;

        let r = writer.post("/rooms", &json!({"name": "Weekly sync"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{backend:?}: {}", r.text);
        assert_eq!(r.json()["slug"], "weekly-sync");
        let slug = "weekly-sync";

        let label = format!("{backend:?}");
        let unauthenticated = [&anonymous, &garbage];
        check_scopes(&label, &unauthenticated, &reader, &writer, endpoints(slug)).await;
        // The DELETE came last: the room is gone.
        assert!(
            s.db.store
                .room_by_slug(slug)
                .await
                .expect("lookup")
                .is_none()
        );
        refused(
            &reader.get(&format!("/rooms/{slug}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn rooms_are_seen_and_changed_as_in_the_back_office() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let ann = s.user("ann@example.org", false).await;
        let mia = s.user("mia@example.org", false).await;
        let max = s.user("max@example.org", false).await;
        let eve = s.user("eve@example.org", true).await;
        let ann_api = Api::of(&s.base, &s.db.store, &ann, ApiScope::Write).await;
        let mia_api = Api::of(&s.base, &s.db.store, &mia, ApiScope::Write).await;
        let max_api = Api::of(&s.base, &s.db.store, &max, ApiScope::Write).await;
        let eve_api = Api::of(&s.base, &s.db.store, &eve, ApiScope::Write).await;

        let r = ann_api
            .post(
                "/rooms",
                &json!({"name": "Board", "waiting_room": true, "max_participants": 12}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let room = r.json();
        assert_eq!(room["name"], "Board");
        assert_eq!(room["waiting_room"], true);
        assert_eq!(room["max_participants"], 12);
        assert_eq!(room["is_open"], false, "rooms start closed");
        assert_eq!(room["role"], "owner");
        assert!(room["url"].as_str().unwrap_or("").ends_with("/r/board"));
        let stored = s.db.store.room_by_slug("board").await.expect("lookup");
        let stored = stored.expect("stored");
        s.db.store
            .share_room(&stored.id, &mia.id, amphi_store::ShareRole::Manager)
            .await
            .expect("share");
        s.db.store
            .share_room(&stored.id, &max.id, amphi_store::ShareRole::Moderator)
            .await
            .expect("share");

        // Visible to the owner and the shares; nobody else (not even an administrator).
        let list = mia_api.get("/rooms").await.json();
        assert_eq!(list["rooms"][0]["slug"], "board", "{backend:?}");
        assert_eq!(list["rooms"][0]["role"], "manager");
        assert_eq!(
            max_api.get("/rooms/board").await.json()["role"],
            "moderator"
        );
        assert_eq!(eve_api.get("/rooms").await.json()["rooms"], json!([]));
        refused(
            &eve_api.get("/rooms/board").await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        refused(
            &eve_api.post("/rooms/board/open", &json!({})).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        refused(
            &eve_api.delete("/rooms/board").await,
            StatusCode::NOT_FOUND,
            "not_found",
        );

        // A moderator may open and close, not change settings or delete.
        let r = max_api.call("POST", "/rooms/board/open", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["is_open"], true);
        assert!(
            s.db.store
                .room_by_slug("board")
                .await
                .expect("lookup")
                .expect("room")
                .is_open
        );
        refused(
            &max_api
                .patch("/rooms/board", &json!({"name": "Mine"}))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        );
        refused(
            &max_api.delete("/rooms/board").await,
            StatusCode::FORBIDDEN,
            "forbidden",
        );

        // A manager changes settings; null restores the default cap.
        let r = mia_api
            .patch(
                "/rooms/board",
                &json!({"name": "Board room", "max_participants": null}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["name"], "Board room");
        assert_eq!(r.json()["max_participants"], serde_json::Value::Null);
        assert_eq!(r.json()["waiting_room"], true, "absent fields stay");
        assert_eq!(r.json()["slug"], "board", "the slug never changes");
        refused(
            &mia_api.delete("/rooms/board").await,
            StatusCode::FORBIDDEN,
            "forbidden",
        );

        // Nobody in it: the live snapshot says so.
        let live = max_api.get("/rooms/board/live").await.json();
        assert_eq!(
            live,
            json!({"active": false, "connected": 0, "reconnecting": 0, "publications": 0})
        );

        let r = max_api.call("POST", "/rooms/board/close", None).await;
        assert_eq!(r.json()["is_open"], false);
        let r = ann_api.delete("/rooms/board").await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        refused(
            &ann_api.get("/rooms/board").await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, |c| c.rooms.max_participants = 50).await;
        let ann = s.user("ann@example.org", false).await;
        let api = Api::of(&s.base, &s.db.store, &ann, ApiScope::Write).await;
        api.post("/rooms", &json!({"name": "Board"})).await;

        let cases = [
            ("POST", "/rooms", json!({}), "name"),
            ("POST", "/rooms", json!({"name": "   "}), "name"),
            ("POST", "/rooms", json!({"name": "x".repeat(101)}), "name"),
            // 101 characters as the client counts them, even if trimming would fit.
            (
                "POST",
                "/rooms",
                json!({"name": format!("{} ", "x".repeat(100))}),
                "name",
            ),
            ("POST", "/rooms", json!({"name": "a\u{0}b"}), "name"),
            ("POST", "/rooms", json!({"name": 42}), "name"),
            (
                "POST",
                "/rooms",
                json!({"name": "A", "max_participants": 0}),
                "max_participants",
            ),
            (
                "POST",
                "/rooms",
                json!({"name": "A", "max_participants": 51}),
                "max_participants",
            ),
            (
                "POST",
                "/rooms",
                json!({"name": "A", "max_participants": -3}),
                "max_participants",
            ),
            (
                "POST",
                "/rooms",
                json!({"name": "A", "waiting_room": "yes"}),
                "waiting_room",
            ),
            ("PATCH", "/rooms/board", json!({"name": ""}), "name"),
            (
                "PATCH",
                "/rooms/board",
                json!({"max_participants": "many"}),
                "max_participants",
            ),
            (
                "PATCH",
                "/rooms/board",
                json!({"max_participants": 1000}),
                "max_participants",
            ),
        ];
        for (method, path, body, field) in cases {
            let r = api.call(method, path, Some(&body)).await;
            refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert_eq!(r.field(), field, "{backend:?} {method} {path} {body}");
        }
        // Nothing was created or changed by the refused requests.
        let rooms = api.get("/rooms").await.json();
        assert_eq!(rooms["rooms"].as_array().map(Vec::len), Some(1), "{rooms}");
        assert_eq!(rooms["rooms"][0]["name"], "Board");

        // Not JSON at all: 400; not declared as JSON: 415.
        let r = api
            .request("POST", "/rooms")
            .header("content-type", "application/json")
            .body("{nope")
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = api
            .request("POST", "/rooms")
            .header("content-type", "text/plain")
            .body(r#"{"name": "A"}"#)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        s.stop().await;
    }
}
