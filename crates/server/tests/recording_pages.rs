//! The recordings library, the replay page and its files, for each role (owner, manager and
//! moderator of the room, the session's moderator and speaker, a signed-in outsider, the
//! moderator of another session, an administrator, the anonymous), on each backend: who sees
//! which recordings, who renames, changes visibility and deletes; who watches what under each
//! visibility (registrants with a real approved registration); byte ranges and downloads.

mod common;
mod content_common;
mod recording_pages_common;

use amphi_store::{
    NewRegistration, RegisterOutcome, RegistrationSettings, RegistrationStatus, RegistrationTarget,
    Visibility,
};
use common::test_backends;
use recording_pages_common::Cast;
use reqwest::StatusCode;
use serde_json::Value;

const BYTES: &[u8] = b"\0\0\0\x20ftypisom-not-really-a-movie-but-bytes-to-serve-0123456789";

#[tokio::test]
async fn the_library_lists_what_each_role_runs() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let mine = cast
            .ready("Launch replay", false, Visibility::Private, BYTES)
            .await;
        let theirs = cast
            .ready("Other replay", true, Visibility::Private, BYTES)
            .await;
        let (a, b) = (mine.id.as_str(), theirs.id.as_str());
        for (who, browser, sees_mine, sees_theirs) in [
            ("owner", &cast.scene.owner.browser, true, false),
            ("manager", &cast.manager.browser, true, false),
            ("room moderator", &cast.room_moderator.browser, true, false),
            (
                "session moderator",
                &cast.scene.moderator.browser,
                true,
                false,
            ),
            ("speaker", &cast.scene.speaker.browser, false, false),
            ("attendee", &cast.scene.attendee.browser, false, false),
            ("other staff", &cast.scene.other_staff.browser, false, true),
            ("admin", &cast.admin.browser, true, true),
        ] {
            let page = browser.get("/recordings").await;
            assert_eq!(page.status, StatusCode::OK, "{backend:?} {who}");
            assert_eq!(page.body.contains(a), sees_mine, "{backend:?} {who}: mine");
            assert_eq!(
                page.body.contains(b),
                sees_theirs,
                "{backend:?} {who}: theirs"
            );
            let status = browser.get("/recordings/status").await;
            assert_eq!(status.status, StatusCode::OK, "{backend:?} {who}");
            let lines: Vec<Value> = serde_json::from_str(&status.body).expect("json");
            let ids: Vec<&str> = lines.iter().filter_map(|l| l["id"].as_str()).collect();
            assert_eq!(ids.contains(&a), sees_mine, "{backend:?} {who}: status");
        }
        let page = cast.scene.owner.browser.get("/recordings").await;
        assert!(page.body.contains("Launch replay"), "title shown");
        assert!(page.body.contains("0:20"), "duration shown");
        assert!(page.body.contains("/replays/"), "share link");
        assert!(
            page.body.contains("Session · Session launch"),
            "place shown"
        );
        let anonymous = cast.anonymous().get("/recordings").await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{backend:?}");
        assert!(anonymous.location().starts_with("/signin"), "{backend:?}");
        cast.stop().await;
    }
}

#[tokio::test]
async fn only_those_who_run_it_rename_change_visibility_and_delete() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let r = cast
            .ready("Before", false, Visibility::Private, BYTES)
            .await;
        let id = r.id.as_str();
        for p in [
            &cast.scene.speaker,
            &cast.scene.attendee,
            &cast.scene.other_staff,
        ] {
            let who = &p.user.email;
            for (path, form) in [
                (
                    format!("/recordings/{id}/rename"),
                    vec![("title", "X"), ("csrf", p.csrf.as_str())],
                ),
                (
                    format!("/recordings/{id}/visibility"),
                    vec![("visibility", "public"), ("csrf", p.csrf.as_str())],
                ),
                (
                    format!("/recordings/{id}/delete"),
                    vec![("csrf", p.csrf.as_str())],
                ),
            ] {
                let reply = p.browser.post(&path, &form).await;
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{backend:?} {who} {path}"
                );
            }
            let reply = p.browser.get(&format!("/recordings/{id}/delete")).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{backend:?} {who}");
        }
        let anon = cast
            .anonymous()
            .post(&format!("/recordings/{id}/rename"), &[("title", "X")])
            .await;
        assert_eq!(
            anon.status,
            StatusCode::SEE_OTHER,
            "{backend:?} anonymous to sign-in"
        );
        let store = &cast.scene.ts.db.store;
        let now = store.recording(&r.id).await.expect("read").expect("there");
        assert_eq!(
            (now.title.as_str(), now.visibility),
            ("Before", Visibility::Private)
        );

        // The manager renames; bad titles are refused with the field named, in French too.
        let m = &cast.manager;
        let empty = m
            .browser
            .post(
                &format!("/recordings/{id}/rename"),
                &[("title", "  "), ("csrf", &m.csrf)],
            )
            .await;
        assert_eq!(
            empty.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        assert!(
            empty.body.contains("Title: give the recording a title."),
            "{backend:?}"
        );
        let long = "x".repeat(201);
        let french = m
            .browser
            .post_with(
                &format!("/recordings/{id}/rename"),
                &[("title", &long), ("csrf", &m.csrf)],
                &[("accept-language", "fr")],
            )
            .await;
        assert_eq!(
            french.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        assert!(
            french.body.contains("Titre : 200 caractères au plus."),
            "{backend:?}"
        );
        let ok = m
            .browser
            .post(
                &format!("/recordings/{id}/rename"),
                &[("title", "After"), ("csrf", &m.csrf)],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{backend:?}");
        assert_eq!(ok.location(), "/recordings?notice=renamed");
        let no_csrf = m
            .browser
            .post(&format!("/recordings/{id}/rename"), &[("title", "Z")])
            .await;
        assert_eq!(
            no_csrf.status,
            StatusCode::FORBIDDEN,
            "{backend:?} without the token"
        );

        // The session's moderator changes the visibility; an unknown one is refused.
        let sm = &cast.scene.moderator;
        let bad = sm
            .browser
            .post(
                &format!("/recordings/{id}/visibility"),
                &[("visibility", "everyone"), ("csrf", &sm.csrf)],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(
            bad.body
                .contains("Visibility: choose private, registrants only or public.")
        );
        let ok = sm
            .browser
            .post(
                &format!("/recordings/{id}/visibility"),
                &[("visibility", "public"), ("csrf", &sm.csrf)],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{backend:?}");
        let now = store.recording(&r.id).await.expect("read").expect("there");
        assert_eq!(
            (now.title.as_str(), now.visibility),
            ("After", Visibility::Public)
        );

        // The room's moderator deletes, after the confirmation page: row and folder go.
        let rm = &cast.room_moderator;
        let confirm = rm.browser.get(&format!("/recordings/{id}/delete")).await;
        assert_eq!(confirm.status, StatusCode::OK, "{backend:?}");
        assert!(confirm.body.contains("After"), "the confirmation names it");
        let done = rm
            .browser
            .post(&format!("/recordings/{id}/delete"), &[("csrf", &rm.csrf)])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{backend:?}");
        assert!(
            store.recording(&r.id).await.expect("read").is_none(),
            "{backend:?}: row gone"
        );
        let dir = cast.scene.ts.server().state.recordings.recording_dir(&r.id);
        assert!(!dir.exists(), "{backend:?}: folder gone");
        let again = rm.browser.get(&format!("/replays/{id}")).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{backend:?}");
        cast.stop().await;
    }
}

/// (who, private, registrants without registering, public): the expected status of the page.
#[tokio::test]
async fn who_watches_under_each_visibility() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let private = cast.ready("P", false, Visibility::Private, BYTES).await;
        let registrants = cast.ready("R", false, Visibility::Registrants, BYTES).await;
        let public = cast.ready("Q", false, Visibility::Public, BYTES).await;
        let staff = [
            ("owner", &cast.scene.owner.browser),
            ("manager", &cast.manager.browser),
            ("room moderator", &cast.room_moderator.browser),
            ("session moderator", &cast.scene.moderator.browser),
            ("speaker", &cast.scene.speaker.browser),
            ("admin", &cast.admin.browser),
        ];
        for (who, browser) in staff {
            for r in [&private, &registrants, &public] {
                for path in [
                    format!("/replays/{}", r.id),
                    format!("/replays/{}/video", r.id),
                    format!("/replays/{}/status", r.id),
                ] {
                    let page = browser.get(&path).await;
                    assert_eq!(page.status, StatusCode::OK, "{backend:?} {who} {path}");
                }
            }
        }
        for (who, browser) in [
            ("attendee", &cast.scene.attendee.browser),
            ("other staff", &cast.scene.other_staff.browser),
        ] {
            let page = browser.get(&format!("/replays/{}", private.id)).await;
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "{backend:?} {who}: private"
            );
            let video = browser.get(&format!("/replays/{}/video", private.id)).await;
            assert_eq!(
                video.status,
                StatusCode::FORBIDDEN,
                "{backend:?} {who}: private file"
            );
            let status = browser
                .get(&format!("/replays/{}/status", private.id))
                .await;
            assert_eq!(
                status.status,
                StatusCode::FORBIDDEN,
                "{backend:?} {who}: private status"
            );
            let page = browser.get(&format!("/replays/{}", registrants.id)).await;
            assert_eq!(
                page.status,
                StatusCode::SEE_OTHER,
                "{backend:?} {who}: registrants"
            );
            assert_eq!(
                page.location(),
                "/s/launch",
                "{backend:?}: sent to register"
            );
            let page = browser.get(&format!("/replays/{}", public.id)).await;
            assert_eq!(page.status, StatusCode::OK, "{backend:?} {who}: public");
        }
        let anon = cast.anonymous();
        let page = anon.get(&format!("/replays/{}", private.id)).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{backend:?} anonymous: private"
        );
        assert!(
            page.location().starts_with("/signin?next=/replays/"),
            "{}",
            page.location()
        );
        let status = anon.get(&format!("/replays/{}/status", private.id)).await;
        assert_eq!(
            status.status,
            StatusCode::UNAUTHORIZED,
            "{backend:?} anonymous: status"
        );
        let page = anon.get(&format!("/replays/{}", registrants.id)).await;
        assert_eq!(
            page.location(),
            "/s/launch",
            "{backend:?} anonymous: registrants"
        );
        let video = anon.get(&format!("/replays/{}/video", public.id)).await;
        assert_eq!(
            video.status,
            StatusCode::OK,
            "{backend:?} anonymous: public"
        );
        assert_eq!(video.body.as_bytes(), BYTES);

        // An approved registrant of the session (the gate's cookie) watches registrants-only.
        let store = &cast.scene.ts.db.store;
        let target = RegistrationTarget::Session(cast.scene.session.id.clone());
        store
            .set_registration_settings(
                &target,
                &RegistrationSettings {
                    enabled: true,
                    auto_approve: false,
                    cap: None,
                    landing_url: None,
                    fields: Vec::new(),
                },
            )
            .await
            .expect("form");
        let outcome = store
            .register(
                &target,
                NewRegistration {
                    name: "Reg".into(),
                    email: "reg@example.org".into(),
                    answers: Vec::new(),
                    language: "en".into(),
                },
            )
            .await
            .expect("registered");
        let RegisterOutcome::Registered(reg) = outcome else {
            panic!("{backend:?}: a new registration");
        };
        // A browser with the gate's cookie only (no cookie jar to add others).
        let registrant = common::Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: anon.base.clone(),
        };
        let cookie = format!("amphi_reg={}", reg.join_token);
        let pending = registrant
            .get_with(
                &format!("/replays/{}", registrants.id),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(
            pending.status,
            StatusCode::SEE_OTHER,
            "{backend:?}: pending is not enough"
        );
        store
            .set_registration_status(
                &target,
                std::slice::from_ref(&reg.id),
                RegistrationStatus::Approved,
            )
            .await
            .expect("approved");
        let ok = registrant
            .get_with(
                &format!("/replays/{}", registrants.id),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(
            ok.status,
            StatusCode::OK,
            "{backend:?}: approved registrant"
        );
        let still = registrant
            .get_with(&format!("/replays/{}", private.id), &[("cookie", &cookie)])
            .await;
        assert_eq!(
            still.status,
            StatusCode::SEE_OTHER,
            "{backend:?}: private stays private"
        );
        cast.stop().await;
    }
}

#[tokio::test]
async fn the_file_seeks_and_downloads() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let r = cast
            .ready("Été \"2026\"", false, Visibility::Public, BYTES)
            .await;
        let anon = cast.anonymous();
        let part = anon
            .get_with(
                &format!("/replays/{}/video", r.id),
                &[("range", "bytes=4-11")],
            )
            .await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT, "{backend:?}");
        assert_eq!(part.body.as_bytes(), &BYTES[4..12]);
        let header = |name: &str| {
            part.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert_eq!(
            header("content-range"),
            format!("bytes 4-11/{}", BYTES.len())
        );
        assert_eq!(header("content-type"), "video/mp4");
        assert_eq!(header("content-disposition"), "inline");
        let download = anon.get(&format!("/recordings/{}/download", r.id)).await;
        assert_eq!(download.status, StatusCode::OK, "{backend:?}");
        let disposition = download.headers["content-disposition"]
            .to_str()
            .expect("ascii");
        assert!(
            disposition.starts_with("attachment; filename=\"_t_ _2026_.mp4\""),
            "{disposition}"
        );
        assert!(
            disposition.contains("filename*=UTF-8''%C3%89t%C3%A9%20%222026%22.mp4"),
            "{disposition}"
        );
        assert_eq!(download.headers["accept-ranges"], "bytes");

        // The replay's status, and the session page's replay (the newest the visitor may watch).
        let status: Value =
            serde_json::from_str(&anon.get(&format!("/replays/{}/status", r.id)).await.body)
                .expect("json");
        assert_eq!(status["state"], "ready");
        assert_eq!(status["video_url"], format!("/replays/{}/video", r.id));
        let session: Value =
            serde_json::from_str(&anon.get("/s/launch/replay").await.body).expect("json");
        assert_eq!(session["replay"]["id"], r.id.as_str(), "{backend:?}");
        let draft = anon.get("/s/other/replay").await;
        assert_eq!(
            draft.status,
            StatusCode::NOT_FOUND,
            "{backend:?}: a draft is not shown"
        );

        // A malformed or unknown id is a 404, before any file is looked for.
        for path in [
            "/replays/..%2F..%2Fetc",
            "/replays/0123456789abcdef0123456789abcdef",
            "/recordings/nope/download",
        ] {
            let page = anon.get(path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{backend:?} {path}");
        }
        cast.stop().await;
    }
}
