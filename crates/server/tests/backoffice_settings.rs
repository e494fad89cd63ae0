//! Opening, closing and the settings of a room from the back office (issue 4: R2, R4): what
//! the store keeps, what the list shows, and bad input refused with nothing stored. On every
//! test backend.

mod common;

use common::{TestServer, test_backends};
use reqwest::StatusCode;

async fn room(s: &TestServer) -> amphi_store::Room {
    s.db.store
        .room_by_slug("weekly")
        .await
        .expect("room")
        .expect("exists")
}

#[tokio::test]
async fn open_and_close_from_the_list() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, ann) = s.signed_in("ann@example.org", false).await;
        ann.create_room("Weekly").await;
        let list = ann.get("/rooms").await;
        assert!(list.body.contains("Closed"), "rooms start closed (R2)");
        assert!(list.body.contains("action=\"/rooms/weekly/open\""));
        assert!(!list.body.contains("action=\"/rooms/weekly/close\""));
        let csrf = list.csrf();

        let r = ann.post("/rooms/weekly/open", &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/rooms?notice=room_opened");
        assert!(room(&s).await.is_open, "{backend:?}");
        let list = ann.get("/rooms?notice=room_opened").await;
        assert!(list.body.contains("The room is open"));
        assert!(list.body.contains("action=\"/rooms/weekly/close\""));
        assert!(list.body.contains("aria-label=\"Close room Weekly\""));

        // Opening twice is harmless.
        let r = ann.post("/rooms/weekly/open", &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(room(&s).await.is_open);

        let r = ann.post("/rooms/weekly/close", &[("csrf", &csrf)]).await;
        assert_eq!(r.location(), "/rooms?notice=room_closed");
        assert!(!room(&s).await.is_open, "{backend:?}");

        // Without the CSRF token: refused, nothing changes.
        let r = ann.post("/rooms/weekly/open", &[("csrf", "forged")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(!room(&s).await.is_open);
        // An unknown room.
        let r = ann.post("/rooms/nope/open", &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        s.stop().await;
    }
}

#[tokio::test]
async fn settings_save_name_waiting_room_and_cap() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, |c| c.rooms.max_participants = 40).await;
        let (_, ann) = s.signed_in("ann@example.org", false).await;
        ann.create_room("Weekly").await;
        let form = ann.get("/rooms/weekly/settings").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("value=\"Weekly\""));
        assert!(form.body.contains("From 1 to 40."));
        assert!(
            form.body
                .contains("<label for=\"waiting-room\">Waiting room</label>")
        );
        let csrf = form.csrf();

        let r = ann
            .post(
                "/rooms/weekly/settings",
                &[
                    ("name", "  Weekly sync "),
                    ("waiting_room", "on"),
                    ("max_participants", " 12 "),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/rooms?notice=settings_saved");
        let saved = room(&s).await;
        assert_eq!(saved.name, "Weekly sync");
        assert_eq!(saved.slug, "weekly", "the link stays");
        assert!(saved.waiting_room, "{backend:?}");
        assert_eq!(saved.max_participants, Some(12));
        let list = ann.get("/rooms?notice=settings_saved").await;
        assert!(list.body.contains("The settings are saved."));
        assert!(
            list.body
                .contains("role=\"img\" aria-label=\"Waiting room on\""),
            "the waiting-room icon"
        );
        let form = ann.get("/rooms/weekly/settings").await;
        assert!(form.body.contains("value=\"12\""));
        assert!(
            form.body
                .contains("value=\"on\" aria-describedby=\"waiting-room-hint\" checked")
        );

        // Unticked box: the waiting room goes off; an empty cap is the server's default.
        let r = ann
            .post(
                "/rooms/weekly/settings",
                &[
                    ("name", "Weekly sync"),
                    ("max_participants", ""),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let saved = room(&s).await;
        assert!(!saved.waiting_room);
        assert_eq!(saved.max_participants, None);
        assert!(!ann.get("/rooms").await.body.contains("Waiting room on"));

        // Bad input: every error shown, nothing stored (not even the valid fields).
        for (name, cap, messages) in [
            ("", "5", vec!["Enter a name for the room."]),
            ("Fine", "41", vec!["Enter a whole number from 1 to 40"]),
            ("Fine", "0", vec!["Enter a whole number from 1 to 40"]),
            ("Fine", "many", vec!["Enter a whole number from 1 to 40"]),
            (
                "a\u{7}b",
                "-1",
                vec!["control characters", "Enter a whole number from 1 to 40"],
            ),
        ] {
            let r = ann
                .post(
                    "/rooms/weekly/settings",
                    &[
                        ("name", name),
                        ("waiting_room", "on"),
                        ("max_participants", cap),
                        ("csrf", &csrf),
                    ],
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend:?} {name:?} {cap:?}"
            );
            for m in messages {
                assert!(r.body.contains(m), "{name:?} {cap:?}: {m}");
            }
            assert!(r.body.contains("aria-invalid=\"true\""));
            assert_eq!(
                room(&s).await,
                saved,
                "{backend:?} {name:?} {cap:?}: stored"
            );
        }
        // Markup in the name is escaped on the settings page.
        let evil = "<img src=x onerror=alert(1)>";
        let r = ann
            .post(
                "/rooms/weekly/settings",
                &[("name", evil), ("max_participants", ""), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        for path in ["/rooms", "/rooms/weekly/settings", "/rooms/weekly/share"] {
            let page = ann.get(path).await;
            assert!(!page.body.contains(evil), "{path} shows raw markup");
            assert!(
                page.body.contains("&#60;img") || page.body.contains("&lt;img"),
                "{path}"
            );
        }

        // French.
        let fr = ann
            .get_with("/rooms/weekly/settings", &[("accept-language", "fr")])
            .await;
        assert!(fr.body.contains("Salle d’attente"));
        assert!(fr.body.contains("Nombre maximal de participants"));
        s.stop().await;
    }
}
