//! Rooms in the back office through HTTP, on every test backend.

mod common;

use common::{TestServer, test_backends};
use reqwest::StatusCode;

#[tokio::test]
async fn owner_creates_lists_renames_and_deletes_rooms() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (ann, b) = s.signed_in("ann@example.org", false).await;

        let r = b.create_room("Réunion d'équipe").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/rooms?notice=room_created");
        // Collisions get -2, -3.
        b.create_room("Réunion d’équipe").await;
        b.create_room("REUNION D EQUIPE").await;
        let mut slugs: Vec<String> =
            s.db.store
                .rooms_owned_by(&ann.id)
                .await
                .expect("list")
                .into_iter()
                .map(|r| r.slug)
                .collect();
        slugs.sort();
        assert_eq!(
            slugs,
            [
                "reunion-d-equipe",
                "reunion-d-equipe-2",
                "reunion-d-equipe-3"
            ]
        );

        let list = b.get("/rooms?notice=room_created").await;
        assert!(list.body.contains("The room is created."));
        assert!(
            list.body
                .contains(&format!("{}/r/reunion-d-equipe-2", s.base))
        );
        assert!(
            list.body
                .contains("aria-label=\"Copy the link of room Réunion d’équipe\"")
        );

        let form = b.get("/rooms/reunion-d-equipe/rename").await;
        assert_eq!(form.status, StatusCode::OK);
        let renamed = b
            .post(
                "/rooms/reunion-d-equipe/rename",
                &[("name", "  Weekly sync  "), ("csrf", &form.csrf())],
            )
            .await;
        assert_eq!(renamed.status, StatusCode::SEE_OTHER);
        let room =
            s.db.store
                .room_by_slug("reunion-d-equipe")
                .await
                .expect("lookup")
                .expect("the slug is permanent");
        assert_eq!(room.name, "Weekly sync");

        let page = b.get("/r/reunion-d-equipe").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("data-slug=\"reunion-d-equipe\""));
        assert!(page.body.contains("data-room-name=\"Weekly sync\""));
        assert!(page.body.contains("/static/js/room/main.js"));

        let confirm = b.get("/rooms/reunion-d-equipe/delete").await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(confirm.body.contains("cannot be undone"));
        let deleted = b
            .post(
                "/rooms/reunion-d-equipe/delete",
                &[("csrf", &confirm.csrf())],
            )
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert!(
            s.db.store
                .room_by_slug("reunion-d-equipe")
                .await
                .expect("lookup")
                .is_none()
        );
        let gone = s.browser().get("/r/reunion-d-equipe").await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert!(gone.body.contains("Room not found"), "{}", gone.body);
        s.stop().await;
    }
}

#[tokio::test]
async fn another_user_cannot_touch_my_rooms() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, ann) = s.signed_in("ann@example.org", false).await;
        let (_, bob) = s.signed_in("bob@example.org", true).await;
        ann.create_room("Ann's room").await;
        let bob_csrf = bob.csrf().await;

        assert_eq!(
            bob.get("/rooms/ann-s-room/rename").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bob.get("/rooms/ann-s-room/delete").await.status,
            StatusCode::FORBIDDEN
        );
        let rename = bob
            .post(
                "/rooms/ann-s-room/rename",
                &[("name", "Mine now"), ("csrf", &bob_csrf)],
            )
            .await;
        assert_eq!(rename.status, StatusCode::FORBIDDEN);
        assert!(rename.body.contains("Not allowed"));
        let delete = bob
            .post("/rooms/ann-s-room/delete", &[("csrf", &bob_csrf)])
            .await;
        assert_eq!(delete.status, StatusCode::FORBIDDEN);
        let room =
            s.db.store
                .room_by_slug("ann-s-room")
                .await
                .expect("lookup")
                .expect("still there");
        assert_eq!(room.name, "Ann's room");
        assert!(!bob.get("/rooms").await.body.contains("Ann&#x27;s room"));
        assert!(!bob.get("/rooms").await.body.contains("ann-s-room"));

        // Anonymous: sent to sign in, nothing changes.
        let anon = s.browser();
        let r = anon
            .post("/rooms/ann-s-room/delete", &[("csrf", &bob_csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/signin"));
        let r = anon.post("/rooms", &[("name", "Anon")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/signin"));
        assert!(
            s.db.store
                .room_by_slug("ann-s-room")
                .await
                .expect("ok")
                .is_some()
        );
        assert_eq!(s.db.store.list_rooms().await.expect("ok").len(), 1);
        assert_eq!(
            anon.get("/rooms/ann-s-room/rename").await.location(),
            "/signin?next=/rooms/ann-s-room/rename"
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn bad_room_names_are_refused_and_markup_is_escaped_everywhere() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (ann, b) = s.signed_in("ann@example.org", false).await;
        let long = "x".repeat(10_000);
        for (name, message) in [
            ("", "Enter a name for the room."),
            ("   ", "Enter a name for the room."),
            (long.as_str(), "100 characters at most"),
            ("a\u{7}b", "control characters"),
            ("line\nbreak", "control characters"),
        ] {
            let r = b.create_room(name).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
            assert!(r.body.contains(message), "{name:?}: {}", r.body);
        }
        assert!(
            s.db.store
                .rooms_owned_by(&ann.id)
                .await
                .expect("ok")
                .is_empty()
        );

        let evil = "<script>alert(1)</script>";
        assert_eq!(b.create_room(evil).await.status, StatusCode::SEE_OTHER);
        let slug = "script-alert-1-script";
        let escaped = "&#60;script&#62;alert(1)&#60;/script&#62;";
        for path in [
            "/rooms".to_owned(),
            format!("/rooms/{slug}/rename"),
            format!("/rooms/{slug}/delete"),
            format!("/r/{slug}"),
        ] {
            let page = b.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(!page.body.contains(evil), "{path} shows raw markup");
            assert!(
                page.body.contains(escaped) || page.body.contains("&lt;script&gt;"),
                "{path}: {}",
                page.body
            );
        }
        // A rename to a bad name echoes it back escaped and changes nothing.
        let form = b.get(&format!("/rooms/{slug}/rename")).await;
        let r = b
            .post(
                &format!("/rooms/{slug}/rename"),
                &[("name", "<b>\u{0}</b>"), ("csrf", &form.csrf())],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!r.body.contains("<b>"));
        let room =
            s.db.store
                .room_by_slug(slug)
                .await
                .expect("ok")
                .expect("exists");
        assert_eq!(room.name, evil);
        s.stop().await;
    }
}
