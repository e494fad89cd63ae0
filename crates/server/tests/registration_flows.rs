//! Registration's gate (issue 6, G2/G3) through the real pages and sockets, on every backend:
//! automatic approval during the live lets people in at once; manual approval, then the
//! e-mail + registration ID or the personal link; wrong IDs throttled; staff never register;
//! a room's own registration; rejecting a registration ends the sockets that came in with it.

mod common;
mod programme_common;
mod registration_common;

use amphi_store::{RegistrationStatus, RegistrationTarget, now_ms};
use common::{TestServer, test_backends};
use programme_common::hall;
use registration_common::*;
use reqwest::StatusCode;

const BASE: &str = "/programme/sessions/launch";

#[tokio::test]
async fn automatic_approval_during_the_live_lets_people_in_at_once() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, session) = launch_scene(&s).await;
        // Before registration is required, the page is the client, the socket joins.
        let visitor = s.browser();
        assert!(!is_gate(&visitor.get("/s/launch").await));
        assert_eq!(ws_join(&s.base, "/s/launch", None).await.0, "welcome");

        enable(&scene.owner, BASE, true).await;
        let gate = visitor.get("/s/launch").await;
        assert_eq!(gate.status, StatusCode::OK);
        assert!(is_gate(&gate), "{}", gate.body);
        assert!(gate.body.contains("href=\"/s/launch/register\""));
        assert_eq!(
            ws_join(&s.base, "/s/launch", None).await,
            ("error".to_owned(), Some("registration_required".to_owned())),
            "{backend:?}"
        );
        // Staff and organisers never register.
        assert!(!is_gate(&scene.moderator.get("/s/launch").await));
        assert!(!is_gate(&scene.owner.get("/s/launch").await));

        s.db.store
            .start_live(&session.id, now_ms())
            .await
            .expect("live");
        let done = register(
            &visitor,
            "/s/launch",
            &[("name", "Ann Lee"), ("email", "Ann@Example.org")],
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location(), "/s/launch", "straight in");
        let cookie = reg_cookie(&done).expect("the amphi_reg cookie");
        let set = done.set_cookies().join("\n");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"));
        assert!(!is_gate(&visitor.get("/s/launch").await));
        assert_eq!(
            ws_join(&s.base, "/s/launch", Some(&cookie)).await.0,
            "welcome"
        );

        let stored =
            s.db.store
                .registrations(&target(&session), None)
                .await
                .expect("read");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].email, "ann@example.org");
        assert_eq!(stored[0].status, RegistrationStatus::Approved);
        assert_eq!(stored[0].language, "en");
        s.stop().await;
    }
}

#[tokio::test]
async fn manual_approval_then_the_registration_id_or_the_personal_link() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, session) = launch_scene(&s).await;
        enable(&scene.owner, BASE, false).await;
        let visitor = s.browser();
        let done = register(
            &visitor,
            "/s/launch",
            &[("name", "Bob"), ("email", "bob@example.org")],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("awaits the organiser"), "{}", done.body);
        assert!(reg_cookie(&done).is_none(), "pending: no way in");
        assert!(is_gate(&visitor.get("/s/launch").await));

        // The organiser sees it pending and accepts it with its row's button.
        let pending = scene
            .owner
            .get(&format!("{BASE}/registrants?status=pending"))
            .await;
        assert_eq!(pending.status, StatusCode::OK);
        assert!(pending.body.contains("bob@example.org"), "{}", pending.body);
        let r =
            s.db.store
                .registrations(&target(&session), None)
                .await
                .expect("read");
        let bob = r[0].clone();
        assert_eq!(bob.status, RegistrationStatus::Pending);
        let csrf = pending.csrf();
        let one = format!("approve:{}", bob.id);
        let changed = scene
            .owner
            .post(
                &format!("{BASE}/registrants"),
                &[("csrf", &csrf), ("one", &one)],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
        let approved =
            s.db.store
                .registrations(&target(&session), Some(RegistrationStatus::Approved))
                .await
                .expect("read");
        assert_eq!(approved.len(), 1);

        // Wrong ID: refused, tied to the field; the right one, typed loosely: in.
        let wrong = check(&visitor, "/s/launch", "bob@example.org", "ZZZZZZZZZ").await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong.body.contains("id=\"gate-code-error\""),
            "{}",
            wrong.body
        );
        assert!(
            wrong
                .body
                .contains("aria-describedby=\"gate-code-hint gate-code-error\"")
        );
        assert!(reg_cookie(&wrong).is_none());
        let typed = format!(
            " {}-{}-{} ",
            &bob.code[..3].to_lowercase(),
            &bob.code[3..6],
            &bob.code[6..]
        );
        let right = check(&visitor, "/s/launch", "BOB@example.org", &typed).await;
        assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
        assert_eq!(right.location(), "/s/launch");
        let cookie = reg_cookie(&right).expect("cookie");
        assert!(!is_gate(&visitor.get("/s/launch").await));
        let (mut inside, kind, _) = ws_open(&s.base, "/s/launch", Some(&cookie)).await;
        assert_eq!(kind, "welcome");

        // The personal link, in another browser.
        let phone = s.browser();
        let link = phone
            .get(&format!("/s/launch/join/{}", bob.join_token))
            .await;
        assert_eq!(link.status, StatusCode::SEE_OTHER);
        assert_eq!(link.location(), "/s/launch");
        assert!(reg_cookie(&link).is_some());
        assert!(!is_gate(&phone.get("/s/launch").await));
        let bad = s
            .browser()
            .get("/s/launch/join/0123456789abcdef0123456789abcdef")
            .await;
        assert_eq!(bad.status, StatusCode::NOT_FOUND);
        assert!(reg_cookie(&bad).is_none());

        // Rejected: the link and the cookie stop working.
        let csrf = scene.owner.csrf().await;
        let reject = format!("reject:{}", bob.id);
        scene
            .owner
            .post(
                &format!("{BASE}/registrants"),
                &[("csrf", &csrf), ("one", &reject)],
            )
            .await;
        assert!(is_gate(&phone.get("/s/launch").await));
        // The socket that came in with it is ended, told why.
        assert_eq!(
            first_error(&mut inside).await,
            ("error".to_owned(), Some("registration_required".to_owned()))
        );
        assert_eq!(
            next_answer(&mut inside).await,
            ("close".to_owned(), Some("registration_required".to_owned()))
        );
        assert_eq!(
            ws_join(&s.base, "/s/launch", Some(&cookie))
                .await
                .1
                .as_deref(),
            Some("registration_required")
        );
        let again = s
            .browser()
            .get(&format!("/s/launch/join/{}", bob.join_token))
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        s.stop().await;
    }
}

#[tokio::test]
async fn wrong_registration_ids_are_rate_limited() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, session) = launch_scene(&s).await;
        enable(&scene.owner, BASE, true).await;
        register(
            &s.browser(),
            "/s/launch",
            &[("name", "Cy"), ("email", "cy@example.org")],
        )
        .await;
        let code =
            s.db.store
                .registrations(&target(&session), None)
                .await
                .expect("read")[0]
                .code
                .clone();
        let guesser = s.browser();
        for _ in 0..5 {
            let wrong = check(&guesser, "/s/launch", "cy@example.org", "AAAAAAAAA").await;
            assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let locked = check(&guesser, "/s/launch", "cy@example.org", "AAAAAAAAA").await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            locked.body
        );
        assert!(locked.headers.get("retry-after").is_some());
        assert!(
            locked.body.contains("Too many wrong tries"),
            "{}",
            locked.body
        );
        // Locked means locked, even for the right ID.
        let right = check(&guesser, "/s/launch", "cy@example.org", &code).await;
        assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
        // Another address from the same IP is not locked (an IP has 20 free failures).
        let french = check(&guesser, "/s/launch", "dan@example.org", "AAAAAAAAA").await;
        assert_eq!(french.status, StatusCode::UNPROCESSABLE_ENTITY);
        s.stop().await;
    }
}

#[tokio::test]
async fn a_room_requires_registration_of_its_participants_only() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, _) = launch_scene(&s).await;
        enable(&scene.owner, "/rooms/hall", true).await;
        let room = hall(&s).await;
        let guest = s.browser();
        assert!(is_gate(&guest.get("/r/hall").await));
        assert_eq!(
            ws_join(&s.base, "/r/hall", None).await.1.as_deref(),
            Some("registration_required")
        );
        let owner =
            s.db.store
                .user_by_email("owner@example.org")
                .await
                .expect("read")
                .expect("owner");
        let owner_cookie = login_cookie(&s, &owner).await;
        assert_ne!(
            ws_join(&s.base, "/r/hall", Some(&owner_cookie))
                .await
                .1
                .as_deref(),
            Some("registration_required"),
            "the owner never registers"
        );
        let done = register(
            &guest,
            "/r/hall",
            &[("name", "Eve"), ("email", "eve@example.org")],
        )
        .await;
        assert_eq!(
            done.status,
            StatusCode::OK,
            "closed room: the done page, {}",
            done.body
        );
        assert!(done.body.contains("href=\"/r/hall\""));
        let cookie = reg_cookie(&done).expect("approved at once: the cookie");
        assert!(!is_gate(&guest.get("/r/hall").await));
        // In: the room is closed, so the guest waits for it to open.
        let (mut waiting, kind, code) = ws_open(&s.base, "/r/hall", Some(&cookie)).await;
        assert_eq!((kind.as_str(), code), ("waiting", None));
        let stored =
            s.db.store
                .registrations(&RegistrationTarget::Room(room.id.clone()), None)
                .await
                .expect("read");
        assert_eq!(stored.len(), 1);
        // Rejected while waiting: the held socket is ended, told why.
        let csrf = scene.owner.csrf().await;
        let reject = format!("reject:{}", stored[0].id);
        let changed = scene
            .owner
            .post(
                "/rooms/hall/registrants",
                &[("csrf", &csrf), ("one", &reject)],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
        assert_eq!(
            first_error(&mut waiting).await,
            ("error".to_owned(), Some("registration_required".to_owned()))
        );
        // A session's registration does not open the room, nor the other way round.
        enable(&scene.owner, BASE, true).await;
        assert!(is_gate(&guest.get("/s/launch").await));
        s.stop().await;
    }
}

/// The first `error` or close on `ws`, skipping what the room sends meanwhile.
async fn first_error(ws: &mut Ws) -> (String, Option<String>) {
    loop {
        let answer = next_answer(ws).await;
        if answer.0 == "error" || answer.0 == "close" {
            return answer;
        }
    }
}
