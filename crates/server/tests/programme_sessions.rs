//! Back office → Programme → Sessions (issue 5, W1): create, list, edit, delete through the
//! real forms; refusals that name the field and store nothing; publishing needs a
//! moderator; who may do what on every endpoint (owner, manager, moderator share, another
//! user, anonymous, administrator). On every test backend.

mod common;
mod programme_common;

use amphi_store::{LiveState, SessionStatus, StaffRole};
use common::{TestServer, test_backends};
use programme_common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn create_list_edit_and_delete() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let scene = scene(&s).await;
        let owner = &scene.owner;

        // The navigation links to the programme; the list offers a new session.
        let rooms = owner.get("/rooms").await;
        assert!(
            rooms.body.contains("href=\"/programme/sessions\""),
            "{}",
            rooms.body
        );
        let list = owner.get("/programme/sessions").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("href=\"/programme/sessions/new\""));
        assert!(list.body.contains("No sessions yet."));
        let form = owner.get("/programme/sessions/new").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body
                .contains("<option value=\"hall\" selected>Hall</option>"),
            "{}",
            form.body
        );
        assert!(form.body.contains("<option selected>Europe/Paris</option>"));
        assert!(form.body.contains("<option>America/New_York</option>"));

        // Created: UTC times in the store, the zone's canonical name, then the staff page.
        let fields = form_fields(&[("time_zone", "europe/paris")]);
        let created = post_form(owner, "/programme/sessions/new", &fields).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        assert_eq!(
            created.location(),
            "/programme/sessions/opening-keynote/staff?notice=created"
        );
        let stored = session(&s, "opening-keynote").await.expect("stored");
        assert_eq!(stored.title, "Opening keynote");
        assert_eq!(
            stored.description,
            "Welcome & plans\n\nQuestions at the end."
        );
        assert_eq!(stored.starts_at, NOV_21_1430_PARIS, "{backend:?}");
        assert_eq!(stored.ends_at, NOV_21_1430_PARIS + HOUR_MS);
        assert_eq!(stored.time_zone, "Europe/Paris");
        assert_eq!(stored.status, SessionStatus::Draft);
        assert_eq!(stored.live_state, LiveState::NotStarted);
        assert_eq!(stored.room_id, hall(&s).await.id);
        let staff_page = owner.get(created.location()).await;
        assert!(
            staff_page.body.contains("Session created."),
            "{}",
            staff_page.body
        );

        // A second one with the same title gets the next slug.
        let again = post_form(owner, "/programme/sessions/new", &form_fields(&[])).await;
        assert_eq!(
            again.location(),
            "/programme/sessions/opening-keynote-2/staff?notice=created"
        );

        // Listed with time in words and zone, room, status, live state.
        let list = owner.get("/programme/sessions").await;
        assert!(
            list.body
                .contains("Saturday 21 November 2026, 14:30 – 15:30 (Europe/Paris)"),
            "{}",
            list.body
        );
        assert!(list.body.contains("data-session=\"opening-keynote\""));
        assert!(list.body.contains("data-session=\"opening-keynote-2\""));
        assert!(list.body.contains(">Draft<") && list.body.contains(">Not started<"));
        assert!(
            list.body
                .contains("href=\"/programme/sessions/opening-keynote/edit\"")
        );
        assert!(
            list.body
                .contains("href=\"/programme/sessions/opening-keynote/staff\"")
        );
        assert!(
            list.body
                .contains("href=\"/programme/sessions/opening-keynote/delete\"")
        );

        // Edit: the form comes filled; every field changes, the slug stays.
        let edit = owner.get("/programme/sessions/opening-keynote/edit").await;
        assert_eq!(edit.status, StatusCode::OK);
        assert!(edit.body.contains("value=\"Opening keynote\""));
        assert!(
            edit.body.contains("value=\"2026-11-21\"") && edit.body.contains("value=\"14:30\"")
        );
        let fields = form_fields(&[
            ("title", "Closing keynote"),
            ("description", ""),
            ("start_date", "2026-12-01"),
            ("start_time", "23:30"),
            ("end_date", "2026-12-02"),
            ("end_time", "00:15"),
            ("time_zone", "America/New_York"),
        ]);
        let saved = post_form(owner, "/programme/sessions/opening-keynote/edit", &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(saved.location(), "/programme/sessions?notice=saved");
        let stored = session(&s, "opening-keynote").await.expect("stored");
        assert_eq!(stored.title, "Closing keynote");
        assert_eq!(stored.description, "");
        assert_eq!(stored.time_zone, "America/New_York");
        // 1 December 2026 23:30 in New York (UTC-5) = 2 December 04:30 UTC.
        assert_eq!(stored.starts_at, 1_796_185_800_000, "{backend:?}");
        assert_eq!(stored.ends_at, 1_796_185_800_000 + 45 * 60_000);
        let list = owner.get("/programme/sessions?notice=saved").await;
        assert!(list.body.contains("Session saved."));
        assert!(list.body.contains(
            "Tuesday 1 December 2026, 23:30 – Wednesday 2 December 2026, 00:15 (America/New_York)"
        ), "{}", list.body);

        // Delete: confirmation page, then gone (with its staff), and its pages are 404.
        s.db.store
            .set_staff(&stored.id, "sam@example.org", StaffRole::Speaker)
            .await
            .expect("staff");
        let confirm = owner
            .get("/programme/sessions/opening-keynote/delete")
            .await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(
            confirm.body.contains("Closing keynote") && confirm.body.contains("cannot be undone")
        );
        let deleted = post_form(owner, "/programme/sessions/opening-keynote/delete", &[]).await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert_eq!(deleted.location(), "/programme/sessions?notice=deleted");
        assert!(session(&s, "opening-keynote").await.is_none());
        assert!(
            s.db.store
                .sessions_staffed_by("sam@example.org")
                .await
                .expect("read")
                .is_empty()
        );
        assert_eq!(
            owner.get("/s/opening-keynote").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            owner
                .get("/programme/sessions/opening-keynote/edit")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let list = owner.get("/programme/sessions?notice=deleted").await;
        assert!(list.body.contains("Session deleted."));
        assert!(!list.body.contains("data-session=\"opening-keynote\""));
        s.stop().await;
    }
}

#[tokio::test]
async fn refusals_name_the_field_and_store_nothing() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let scene = scene(&s).await;
        let long_title = "t".repeat(201);
        let long_description = "d".repeat(5001);
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![("title", "  ")], "Title: enter a title."),
            (
                vec![("title", &long_title)],
                "Title: at most 200 characters.",
            ),
            (vec![("title", "Two\nlines")], "Title: no line breaks"),
            (
                vec![("description", &long_description)],
                "Description: at most 5,000 characters.",
            ),
            (
                vec![("room", "elsewhere")],
                "Room: choose one of the rooms you own or manage.",
            ),
            (
                vec![("start_date", "2026-02-30")],
                "Start: enter a valid date and time.",
            ),
            (
                vec![("start_time", "")],
                "Start: enter a valid date and time.",
            ),
            (
                vec![("end_time", "nope")],
                "End: enter a valid date and time.",
            ),
            (
                vec![("end_time", "14:30")],
                "End: the session must end after it starts.",
            ),
            (
                vec![("end_date", "2026-11-20")],
                "End: the session must end after it starts.",
            ),
            (
                vec![("time_zone", "Mars/Olympus_Mons")],
                "Time zone: choose a time zone from the list.",
            ),
            (
                vec![("status", "live")],
                "Status: choose draft or published.",
            ),
            (
                vec![("status", "published")],
                "Status: a session can be published only once it has a moderator.",
            ),
        ];
        for (changes, message) in &cases {
            let page = post_form(
                &scene.owner,
                "/programme/sessions/new",
                &form_fields(changes),
            )
            .await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{changes:?}");
            assert!(
                page.body.contains(message),
                "{backend:?} {changes:?}: {}",
                page.body
            );
            assert!(page.body.contains("aria-invalid=\"true\""), "{changes:?}");
            assert!(
                s.db.store.list_sessions().await.expect("list").is_empty(),
                "{changes:?}: nothing stored"
            );
        }
        // What was typed comes back (escaped).
        let page = post_form(
            &scene.owner,
            "/programme/sessions/new",
            &form_fields(&[("title", "<b>Q&A</b>"), ("status", "live")]),
        )
        .await;
        assert!(
            page.body
                .contains("value=\"&#60;b&#62;Q&#38;A&#60;/b&#62;\"")
                || page.body.contains("value=\"&lt;b&gt;Q&amp;A&lt;/b&gt;\""),
            "{}",
            page.body
        );

        // The same checks on edit, and the stored session stays as it was.
        let stored = stored_session(&s, "talk", NOV_21_1430_PARIS).await;
        for (changes, message) in &cases {
            let page = post_form(
                &scene.owner,
                "/programme/sessions/talk/edit",
                &form_fields(changes),
            )
            .await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{changes:?}");
            assert!(
                page.body.contains(message),
                "{backend:?} edit {changes:?}: {}",
                page.body
            );
            assert_eq!(
                session(&s, "talk").await.as_ref(),
                Some(&stored),
                "{changes:?}"
            );
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn publishing_needs_a_moderator_and_keeps_one() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let scene = scene(&s).await;
        let owner = &scene.owner;
        stored_session(&s, "talk", NOV_21_1430_PARIS).await;
        let publish = form_fields(&[("status", "published")]);

        // A speaker is not enough.
        let added = post_form(
            owner,
            "/programme/sessions/talk/staff",
            &[("emails", "sam@example.org"), ("role", "speaker")],
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let refused = post_form(owner, "/programme/sessions/talk/edit", &publish).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .body
                .contains("published only once it has a moderator"),
            "{}",
            refused.body
        );
        assert_eq!(
            session(&s, "talk").await.expect("there").status,
            SessionStatus::Draft
        );

        // With a moderator it publishes.
        post_form(
            owner,
            "/programme/sessions/talk/staff",
            &[("emails", "mo@example.org"), ("role", "moderator")],
        )
        .await;
        let published = post_form(owner, "/programme/sessions/talk/edit", &publish).await;
        assert_eq!(
            published.status,
            StatusCode::SEE_OTHER,
            "{}",
            published.body
        );
        assert_eq!(
            session(&s, "talk").await.expect("there").status,
            SessionStatus::Published
        );

        // The last moderator can be neither removed nor made speaker, by any of the forms.
        for (path, fields) in [
            (
                "/programme/sessions/talk/staff/remove",
                vec![("email", "mo@example.org")],
            ),
            (
                "/programme/sessions/talk/staff/role",
                vec![("email", "mo@example.org"), ("role", "speaker")],
            ),
            (
                "/programme/sessions/talk/staff",
                vec![("emails", "mo@example.org"), ("role", "speaker")],
            ),
        ] {
            let page = post_form(owner, path, &fields).await;
            assert_eq!(page.status, StatusCode::CONFLICT, "{path}");
            assert!(
                page.body
                    .contains("This is the last moderator of a published session"),
                "{path}: {}",
                page.body
            );
            let id = session(&s, "talk").await.expect("there").id;
            assert_eq!(
                s.db.store
                    .staff_role(&id, "mo@example.org")
                    .await
                    .expect("read"),
                Some(StaffRole::Moderator),
                "{backend:?} {path}"
            );
        }
        // Back to draft, the moderator can go.
        let draft = post_form(owner, "/programme/sessions/talk/edit", &form_fields(&[])).await;
        assert_eq!(draft.status, StatusCode::SEE_OTHER);
        let removed = post_form(
            owner,
            "/programme/sessions/talk/staff/remove",
            &[("email", "mo@example.org")],
        )
        .await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
        s.stop().await;
    }
}

/// Every back-office endpoint of the programme, for every kind of visitor.
#[tokio::test]
async fn who_may_do_what() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let scene = scene(&s).await;
        let talk = stored_session(&s, "talk", NOV_21_1430_PARIS).await;
        s.db.store
            .set_staff(&talk.id, "mod@example.org", StaffRole::Moderator)
            .await
            .expect("named");
        s.db.store
            .set_staff(&talk.id, "sam@example.org", StaffRole::Speaker)
            .await
            .expect("named");
        let anonymous = s.browser();

        // (path, form or None for a GET)
        // (path, form fields; None for a GET)
        type Endpoint<'a> = (&'a str, Option<Vec<(&'a str, &'a str)>>);
        let endpoints: Vec<Endpoint> = vec![
            ("/programme/sessions/talk/edit", None),
            (
                "/programme/sessions/talk/edit",
                Some(form_fields(&[("title", "Changed")])),
            ),
            ("/programme/sessions/talk/staff", None),
            (
                "/programme/sessions/talk/staff",
                Some(vec![("emails", "new@example.org"), ("role", "speaker")]),
            ),
            (
                "/programme/sessions/talk/staff/role",
                Some(vec![("email", "sam@example.org"), ("role", "moderator")]),
            ),
            (
                "/programme/sessions/talk/staff/remove",
                Some(vec![("email", "sam@example.org")]),
            ),
            ("/programme/sessions/talk/delete", None),
            ("/programme/sessions/talk/delete", Some(vec![])),
        ];
        let before = session(&s, "talk").await;
        let staff_before = s.db.store.session_staff(&talk.id).await.expect("staff");

        // Refused: a moderator share of the room (even named moderator of the session), another
        // user: 403, nothing changes. Anonymous: to the sign-in page (back here for a GET).
        for (who, b) in [
            ("moderator share", &scene.moderator),
            ("other", &scene.other),
        ] {
            for (path, form) in &endpoints {
                let page = match form {
                    None => b.get(path).await,
                    Some(fields) => post_form(b, path, fields).await,
                };
                assert_eq!(
                    page.status,
                    StatusCode::FORBIDDEN,
                    "{backend:?} {who} {path}"
                );
            }
        }
        for (path, form) in &endpoints {
            let page = match form {
                None => anonymous.get(path).await,
                Some(fields) => anonymous.post(path, fields).await,
            };
            assert_eq!(page.status, StatusCode::SEE_OTHER, "anonymous {path}");
            assert!(
                page.location().starts_with("/signin?next="),
                "anonymous {path}: {}",
                page.location()
            );
            if form.is_none() {
                assert_eq!(page.location(), format!("/signin?next={path}"));
            }
        }
        assert_eq!(session(&s, "talk").await, before, "nothing changed");
        assert_eq!(
            s.db.store.session_staff(&talk.id).await.expect("staff"),
            staff_before
        );
        // Neither lists the session as theirs to manage; new-session is refused without a room.
        let list = scene.other.get("/programme/sessions").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(!list.body.contains("data-session=\"talk\""));
        assert!(!list.body.contains("href=\"/programme/sessions/new\""));
        assert_eq!(
            scene.other.get("/programme/sessions/new").await.status,
            StatusCode::FORBIDDEN
        );
        let create = post_form(&scene.other, "/programme/sessions/new", &form_fields(&[])).await;
        assert_eq!(create.status, StatusCode::FORBIDDEN);
        let create = post_form(
            &scene.moderator,
            "/programme/sessions/new",
            &form_fields(&[]),
        )
        .await;
        assert_eq!(
            create.status,
            StatusCode::FORBIDDEN,
            "a moderator share cannot hold sessions"
        );
        assert_eq!(
            anonymous.get("/programme/sessions").await.status,
            StatusCode::SEE_OTHER
        );
        // The moderator share sees the session among the ones they are named on.
        let list = scene.moderator.get("/programme/sessions").await;
        assert!(list.body.contains("data-staffed=\"talk\""), "{}", list.body);
        assert!(list.body.contains("href=\"/s/talk/backstage\""));

        // Allowed: owner, manager, administrator (each runs every endpoint on its own session).
        for (who, b) in [
            ("owner", &scene.owner),
            ("manager", &scene.manager),
            ("admin", &scene.admin),
        ] {
            let slug = format!("talk-{}", who.replace(' ', "-"));
            let mine = stored_session(&s, &slug, NOV_21_1430_PARIS).await;
            s.db.store
                .set_staff(&mine.id, "sam@example.org", StaffRole::Speaker)
                .await
                .expect("named");
            let list = b.get("/programme/sessions").await;
            assert!(
                list.body.contains(&format!("data-session=\"{slug}\"")),
                "{who}"
            );
            for (path, form) in &endpoints {
                let path = path.replace("/talk/", &format!("/{slug}/"));
                let page = match form {
                    None => b.get(&path).await,
                    Some(fields) => post_form(b, &path, fields).await,
                };
                let expected = if form.is_some() {
                    StatusCode::SEE_OTHER
                } else {
                    StatusCode::OK
                };
                assert_eq!(
                    page.status, expected,
                    "{backend:?} {who} {path}: {}",
                    page.body
                );
            }
            assert!(
                session(&s, &slug).await.is_none(),
                "{who}: deleted at the end"
            );
        }
        // An administrator may hold a session in anyone's room.
        let create = post_form(&scene.admin, "/programme/sessions/new", &form_fields(&[])).await;
        assert_eq!(create.status, StatusCode::SEE_OTHER, "{}", create.body);
        // The manager too (their shared room is in the list).
        let create = post_form(
            &scene.manager,
            "/programme/sessions/new",
            &form_fields(&[("title", "By the manager")]),
        )
        .await;
        assert_eq!(create.status, StatusCode::SEE_OTHER, "{}", create.body);
        s.stop().await;
    }
}
