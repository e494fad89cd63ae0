//! Who is who in a session (`session_admin::role_of`, `may_manage`, `may_view`), the public
//! programme (`/programme`: published only, upcoming then past, live badge), the session's
//! page (`/s/{slug}`: drafts hidden) and its backstage (`/s/{slug}/backstage`: staff only).
//! On every test backend.

mod common;
mod programme_common;

use amphi_proto::Role;
use amphi_server::session_admin::{may_manage, may_view, role_of};
use amphi_store::{StaffRole, now_ms};
use common::{TestServer, test_backends};
use programme_common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn the_role_table() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let _scene = scene(&s).await;
        let store = &s.db.store;
        let user = |email: &'static str| async move {
            store
                .user_by_email(email)
                .await
                .expect("read")
                .expect("user")
        };
        let (owner, manager, moderator, other, admin) = (
            user("owner@example.org").await,
            user("manager@example.org").await,
            user("mod@example.org").await,
            user("other@example.org").await,
            user("admin@example.org").await,
        );
        let speaker = s.user("Speaker@example.org", false).await;
        let named_mod = s.user("named.mod@example.org", false).await;
        let both = s.user("both@example.org", false).await;
        let session = stored_session(&s, "talk", NOV_21_1430_PARIS).await;
        for (email, role) in [
            ("speaker@example.org", StaffRole::Speaker),
            ("NAMED.MOD@example.org", StaffRole::Moderator),
            ("manager@example.org", StaffRole::Speaker),
            ("both@example.org", StaffRole::Speaker),
        ] {
            store
                .set_staff(&session.id, email, role)
                .await
                .expect("named");
        }
        let room = hall(&s).await;
        store
            .share_room(&room.id, &both.id, amphi_store::ShareRole::Manager)
            .await
            .expect("shared");

        // (who, role, may manage, may view the draft)
        let table = [
            ("owner", Some(&owner), Role::Moderator, true, true),
            (
                "manager (named speaker too: highest wins)",
                Some(&manager),
                Role::Moderator,
                true,
                true,
            ),
            (
                "room moderator share",
                Some(&moderator),
                Role::Attendee,
                false,
                false,
            ),
            ("other user", Some(&other), Role::Attendee, false, false),
            ("administrator", Some(&admin), Role::Moderator, true, true),
            ("named speaker", Some(&speaker), Role::Speaker, false, true),
            (
                "named moderator",
                Some(&named_mod),
                Role::Moderator,
                false,
                true,
            ),
            (
                "speaker and manager",
                Some(&both),
                Role::Moderator,
                true,
                true,
            ),
            ("anonymous", None, Role::Attendee, false, false),
        ];
        for (who, user, role, manage, view) in &table {
            assert_eq!(
                role_of(store, &session, *user).await.expect("role"),
                *role,
                "{backend:?} {who}"
            );
            if let Some(user) = user {
                assert_eq!(
                    may_manage(store, &session, user).await.expect("manage"),
                    *manage,
                    "{who}"
                );
            }
            assert_eq!(
                may_view(store, &session, *user).await.expect("view"),
                *view,
                "{who} (draft)"
            );
        }
        // Published: everyone may view; roles do not change.
        publish(&s, &session, "named.mod@example.org").await;
        let session = session_of(&s, "talk").await;
        for (who, user, role, _, _) in &table {
            assert!(
                may_view(store, &session, *user).await.expect("view"),
                "{who} (published)"
            );
            assert_eq!(
                role_of(store, &session, *user).await.expect("role"),
                *role,
                "{who}"
            );
        }
        s.stop().await;
    }
}

async fn session_of(s: &TestServer, slug: &str) -> amphi_store::Session {
    session(s, slug).await.expect("session")
}

#[tokio::test]
async fn the_public_programme() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let _scene = scene(&s).await;
        let anonymous = s.browser();
        let empty = anonymous.get("/programme").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.body.contains("No session is published yet."));

        let now = now_ms();
        let soon = stored_session(&s, "soon", now + 2 * HOUR_MS).await;
        let later = stored_session(&s, "later", now + 48 * HOUR_MS).await;
        let done = stored_session(&s, "done", now - 48 * HOUR_MS).await;
        let live = stored_session(&s, "live-now", now - 5 * HOUR_MS).await;
        stored_session(&s, "secret-draft", now + HOUR_MS).await;
        for session in [&soon, &later, &done, &live] {
            publish(&s, session, "mod@example.org").await;
        }
        s.db.store.start_live(&live.id, now).await.expect("live");

        let page = anonymous.get("/programme").await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.body;
        assert!(
            !body.contains("secret-draft"),
            "{backend:?}: drafts are not public"
        );
        let at = |slug: &str| {
            body.find(&format!("data-session=\"{slug}\""))
                .unwrap_or_else(|| panic!("{slug} listed: {body}"))
        };
        let past_heading = body.find("id=\"past-heading\"").expect("a past section");
        // Upcoming first, soonest first (a live session is there whatever its time), then past.
        assert!(
            at("live-now") < at("soon") && at("soon") < at("later"),
            "{body}"
        );
        assert!(
            at("later") < past_heading && past_heading < at("done"),
            "{body}"
        );
        assert!(
            body.contains("(Europe/Paris)"),
            "times with the zone's name"
        );
        assert_eq!(
            body.matches("live-badge").count(),
            1,
            "only the live one has the badge"
        );
        assert!(body.contains("href=\"/s/soon\""));

        // In French.
        let fr = anonymous
            .get_with("/programme", &[("accept-language", "fr")])
            .await;
        assert!(
            fr.body.contains("À venir")
                && fr.body.contains("Passées")
                && fr.body.contains("En direct")
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn the_session_page_and_the_backstage() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let scene = scene(&s).await;
        let talk = stored_session(&s, "talk", NOV_21_1430_PARIS).await;
        s.db.store
            .set_staff(&talk.id, "sam@example.org", StaffRole::Speaker)
            .await
            .expect("named");
        let (_, sam) = s.signed_in("sam@example.org", false).await;
        let anonymous = s.browser();

        // A draft: 404 for the public (page and backstage), visible to its staff and organisers.
        assert_eq!(anonymous.get("/s/talk").await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            scene.other.get("/s/talk").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            scene.other.get("/s/talk/backstage").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            anonymous.get("/s/nothing-here").await.status,
            StatusCode::NOT_FOUND
        );
        for b in [&sam, &scene.owner, &scene.manager, &scene.admin] {
            assert_eq!(b.get("/s/talk").await.status, StatusCode::OK);
        }

        publish(&s, &talk, "mod@example.org").await;
        // The attendees' page: the shell of the contract, and the words without JavaScript.
        let page = anonymous.get("/s/talk").await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.body;
        for part in [
            "<main id=\"session\"",
            "data-slug=\"talk\"",
            "data-title=\"Session talk\"",
            "data-live-state=\"not_started\"",
            &format!("data-starts-at=\"{NOV_21_1430_PARIS}\""),
            &format!("data-ends-at=\"{}\"", NOV_21_1430_PARIS + HOUR_MS),
            "data-time-zone=\"Europe/Paris\"",
            "data-role=\"attendee\"",
            "/static/js/webinar/attendee.js",
            "/static/css/webinar.css",
            "What it is about",
            "Saturday 21 November 2026, 14:30 – 15:30 (Europe/Paris)",
            "The live has not started.",
            "datetime=\"2026-11-21T13:30:00Z\"",
        ] {
            assert!(
                body.contains(part),
                "{backend:?}: {part:?} missing in {body}"
            );
        }
        assert!(!body.contains("backstage.js") && !body.contains("href=\"/s/talk/backstage\""));
        let fr = anonymous
            .get_with("/s/talk", &[("accept-language", "fr")])
            .await;
        assert!(
            fr.body.contains("Le direct n’a pas commencé.")
                || fr.body.contains("Le direct n&#8217;a pas commencé."),
            "{}",
            fr.body
        );
        assert!(fr.body.contains("samedi 21 novembre 2026"));
        // Staff see their role and the way to the backstage.
        let page = sam.get("/s/talk").await;
        assert!(
            page.body.contains("data-role=\"speaker\"")
                && page.body.contains("href=\"/s/talk/backstage\"")
        );

        // The live state, in words.
        s.db.store
            .start_live(&talk.id, now_ms())
            .await
            .expect("started");
        let page = anonymous.get("/s/talk").await;
        assert!(
            page.body.contains("data-live-state=\"live\"")
                && page.body.contains("The session is live.")
        );
        s.db.store
            .end_live(&talk.id, now_ms())
            .await
            .expect("ended");
        let page = anonymous.get("/s/talk").await;
        assert!(
            page.body.contains("data-live-state=\"ended\"")
                && page.body.contains("The live has ended.")
        );

        // The backstage: anonymous → sign in, back here; not staff → 403 naming the address.
        let gate = anonymous.get("/s/talk/backstage").await;
        assert_eq!(gate.status, StatusCode::SEE_OTHER);
        assert_eq!(gate.location(), "/signin?next=/s/talk/backstage");
        let refused = scene.other.get("/s/talk/backstage").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(
            refused
                .body
                .contains("You are signed in as other@example.org"),
            "{}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains("the address the invitation was sent to")
        );
        assert!(refused.body.contains("action=\"/signout\""));
        let fr = scene
            .other
            .get_with("/s/talk/backstage", &[("accept-language", "fr")])
            .await;
        assert_eq!(fr.status, StatusCode::FORBIDDEN);
        assert!(fr.body.contains("other@example.org") && fr.body.contains("Coulisses"));

        // Staff: the backstage shell with the role, the CSRF token and backstage.js.
        for (b, role) in [
            (&sam, "speaker"),
            (&scene.moderator, "moderator"), // named moderator (a room moderator share alone is not staff)
            (&scene.owner, "moderator"),
            (&scene.manager, "moderator"),
            (&scene.admin, "moderator"),
        ] {
            let page = b.get("/s/talk/backstage").await;
            assert_eq!(page.status, StatusCode::OK, "{role}: {}", page.body);
            assert!(
                page.body.contains(&format!("data-role=\"{role}\"")),
                "{role}"
            );
            assert!(page.body.contains("/static/js/webinar/backstage.js"));
            assert!(!page.body.contains("attendee.js"));
            let csrf = b.csrf().await;
            assert!(page.body.contains(&format!("data-csrf=\"{csrf}\"")));
        }
        // The moderator share without being named: not staff.
        let id = talk.id.clone();
        s.db.store
            .set_staff(&id, "second.mod@example.org", StaffRole::Moderator)
            .await
            .expect("named");
        s.db.store
            .remove_staff(&id, "mod@example.org")
            .await
            .expect("removed");
        assert_eq!(
            scene.moderator.get("/s/talk/backstage").await.status,
            StatusCode::FORBIDDEN
        );
        s.stop().await;
    }
}
