//! The registrant list and access to the organiser's pages (issue 6, G2/G8), on every
//! backend: filters, bulk accept/reject, a spreadsheet-safe CSV export, and who may set
//! registration up (owner, manager, administrator; not a moderator share nor anyone else).

mod common;
mod programme_common;
mod registration_common;

use common::{TestServer, test_backends};
use registration_common::*;
use reqwest::StatusCode;

const BASE: &str = "/programme/sessions/launch";

fn one_field() -> Vec<(&'static str, &'static str, bool, &'static str)> {
    vec![("Organisation", "short_text", true, "")]
}

#[tokio::test]
async fn bulk_changes_and_a_spreadsheet_safe_export() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, session) = launch_scene(&s).await;
        save_settings(&scene.owner, BASE, &[("enabled", "on")], &one_field()).await;
        for (name, email, org) in [
            ("=cmd|' /C calc'!A0", "a@example.org", "+33 1"),
            ("Lee, Ann", "b@example.org", "@SUM(1)"),
            ("Cy", "c@example.org", "-2"),
        ] {
            register(
                &s.browser(),
                "/s/launch",
                &[("name", name), ("email", email), ("f_q1", org)],
            )
            .await;
        }
        let list = scene.owner.get(&format!("{BASE}/registrants")).await;
        let regs =
            s.db.store
                .registrations(&target(&session), None)
                .await
                .expect("read");
        let (a, b) = (regs[0].id.to_string(), regs[1].id.to_string());
        let nothing = scene
            .owner
            .post(
                &format!("{BASE}/registrants"),
                &[("csrf", &list.csrf()), ("action", "approve")],
            )
            .await;
        assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(nothing.body.contains("Select at least one registration."));
        let bulk = scene
            .owner
            .post(
                &format!("{BASE}/registrants"),
                &[
                    ("csrf", &list.csrf()),
                    ("id", &a),
                    ("id", &b),
                    ("action", "reject"),
                ],
            )
            .await;
        assert_eq!(bulk.status, StatusCode::SEE_OTHER, "{}", bulk.body);
        let rejected = scene
            .owner
            .get(&format!("{BASE}/registrants?status=rejected"))
            .await;
        assert!(rejected.body.contains("a@example.org") && rejected.body.contains("b@example.org"));
        assert!(!rejected.body.contains("c@example.org"));
        let pending = scene
            .owner
            .get(&format!("{BASE}/registrants?status=pending"))
            .await;
        assert!(pending.body.contains("c@example.org") && !pending.body.contains("a@example.org"));

        let csv = scene.owner.get(&format!("{BASE}/registrants.csv")).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.headers["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("text/csv")
        );
        assert!(
            csv.body.contains("\r\n'=cmd|' /C calc'!A0,"),
            "{}",
            csv.body
        );
        assert!(
            csv.body.contains("'+33 1")
                && csv.body.contains("'@SUM(1)")
                && csv.body.contains("'-2")
        );
        assert!(csv.body.contains("\"Lee, Ann\""));
        assert!(csv.body.contains("Organisation"));
        s.stop().await;
    }
}

#[tokio::test]
async fn who_may_set_registration_up() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, _) = launch_scene(&s).await;
        for (who, path, want) in [
            (&scene.owner, BASE, StatusCode::OK),
            (&scene.manager, BASE, StatusCode::OK),
            (&scene.admin, BASE, StatusCode::OK),
            (&scene.moderator, BASE, StatusCode::FORBIDDEN),
            (&scene.other, BASE, StatusCode::FORBIDDEN),
            (&scene.owner, "/rooms/hall", StatusCode::OK),
            (&scene.manager, "/rooms/hall", StatusCode::OK),
            (&scene.moderator, "/rooms/hall", StatusCode::FORBIDDEN),
            (&scene.other, "/rooms/hall", StatusCode::FORBIDDEN),
        ] {
            for page in [
                "registration",
                "registrants",
                "registrants.csv",
                "registration/disable",
            ] {
                let got = who.get(&format!("{path}/{page}")).await;
                assert_eq!(got.status, want, "{path}/{page}");
            }
        }
        let anonymous = s.browser().get(&format!("{BASE}/registrants")).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
        assert!(anonymous.location().starts_with("/signin"));
        // A POST by someone who may not: refused, nothing stored.
        let csrf = scene.other.csrf().await;
        let post = scene
            .other
            .post(
                &format!("{BASE}/registration"),
                &[("csrf", &csrf), ("enabled", "on"), ("count", "0")],
            )
            .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN);
        assert_eq!(
            s.browser().get("/s/nope/register").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            scene
                .other
                .get("/programme/series/0123456789abcdef0123456789abcdef/registration")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        s.stop().await;
    }
}
