//! Sharing a room through the back office (issue 4: R7, C10): by e-mail as manager or
//! moderator, refusals that store nothing, changing and removing a share, a manager
//! re-sharing. On every test backend.

mod common;

use amphi_store::ShareRole;
use common::{TestServer, test_backends};
use reqwest::StatusCode;

async fn shares(s: &TestServer) -> Vec<(String, ShareRole)> {
    let room =
        s.db.store
            .room_by_slug("weekly")
            .await
            .expect("room")
            .expect("exists");
    let mut list: Vec<(String, ShareRole)> =
        s.db.store
            .room_shares(&room.id)
            .await
            .expect("shares")
            .into_iter()
            .map(|sh| (sh.user.email, sh.role))
            .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

#[tokio::test]
async fn share_by_email_refusals_change_and_remove() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, ann) = s.signed_in("ann@example.org", false).await;
        let (mia, mia_b) = s.signed_in("mia@example.org", false).await;
        s.user("max@example.org", false).await;
        ann.create_room("Weekly").await;
        let page = ann.get("/rooms/weekly/share").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains("The room is not shared with anyone yet.")
        );
        let csrf = page.csrf();

        // Refused, with a clear message, nothing stored.
        for (email, role, message) in [
            (
                "nobody@example.org",
                "manager",
                "No account uses this e-mail address",
            ),
            ("", "manager", "No account uses this e-mail address"),
            (
                "ANN@example.org",
                "moderator",
                "You cannot share the room with yourself.",
            ),
            (
                "mia@example.org",
                "owner",
                "Choose an access: manager or moderator.",
            ),
            (
                "mia@example.org",
                "admin",
                "Choose an access: manager or moderator.",
            ),
        ] {
            let r = ann
                .post(
                    "/rooms/weekly/share",
                    &[("email", email), ("role", role), ("csrf", &csrf)],
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend:?} {email} {role}"
            );
            assert!(r.body.contains(message), "{email}: {}", r.body);
            assert!(shares(&s).await.is_empty(), "{backend:?} {email}: stored");
        }
        // A disabled account cannot be given a room to run.
        let (gone, _) = s.signed_in("gone@example.org", false).await;
        s.db.store
            .set_user_disabled(&gone.id, true)
            .await
            .expect("disable");
        let r = ann
            .post(
                "/rooms/weekly/share",
                &[
                    ("email", "gone@example.org"),
                    ("role", "moderator"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("This account is disabled"), "{}", r.body);
        assert!(shares(&s).await.is_empty());

        // Markup typed as an e-mail comes back escaped.
        let r = ann
            .post(
                "/rooms/weekly/share",
                &[
                    ("email", "<img src=x onerror=alert(1)>"),
                    ("role", "manager"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!r.body.contains("<img src=x"), "{}", r.body);

        // Shared: case and spaces in the e-mail do not matter.
        let r = ann
            .post(
                "/rooms/weekly/share",
                &[
                    ("email", "  Mia@Example.org "),
                    ("role", "manager"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/rooms/weekly/share?notice=share_added");
        assert_eq!(
            shares(&s).await,
            vec![("mia@example.org".to_owned(), ShareRole::Manager)]
        );
        let page = ann.get(r.location()).await;
        assert!(page.body.contains("The room is shared."));
        assert!(page.body.contains("mia@example.org"));
        assert!(
            page.body
                .contains("aria-label=\"Remove the access of mia@example.org\"")
        );

        // The manager re-shares; cannot share with the owner.
        let mia_csrf = mia_b.csrf().await;
        let r = mia_b
            .post(
                "/rooms/weekly/share",
                &[
                    ("email", "ann@example.org"),
                    ("role", "moderator"),
                    ("csrf", &mia_csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("This person owns the room"));
        let r = mia_b
            .post(
                "/rooms/weekly/share",
                &[
                    ("email", "max@example.org"),
                    ("role", "moderator"),
                    ("csrf", &mia_csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            shares(&s).await,
            vec![
                ("max@example.org".to_owned(), ShareRole::Moderator),
                ("mia@example.org".to_owned(), ShareRole::Manager),
            ],
            "{backend:?}"
        );

        // Sharing an already shared user changes the access.
        let r = ann
            .post(
                "/rooms/weekly/share",
                &[
                    ("email", "max@example.org"),
                    ("role", "manager"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.location(), "/rooms/weekly/share?notice=share_changed");
        // And the per-row form: back to moderator.
        let max =
            s.db.store
                .user_by_email("max@example.org")
                .await
                .expect("lookup")
                .expect("max");
        let r = ann
            .post(
                &format!("/rooms/weekly/share/{}", max.id),
                &[("role", "moderator"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // The per-row form never creates a share, and refuses an unknown access.
        let stranger = s.user("stranger@example.org", false).await;
        let r = ann
            .post(
                &format!("/rooms/weekly/share/{}", stranger.id),
                &[("role", "manager"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = ann
            .post(
                &format!("/rooms/weekly/share/{}", max.id),
                &[("role", "owner"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            shares(&s).await,
            vec![
                ("max@example.org".to_owned(), ShareRole::Moderator),
                ("mia@example.org".to_owned(), ShareRole::Manager),
            ]
        );

        // Removing.
        let r = ann
            .post(
                &format!("/rooms/weekly/share/{}/remove", max.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.location(), "/rooms/weekly/share?notice=share_removed");
        let r = ann
            .post(
                &format!("/rooms/weekly/share/{}/remove", max.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "already removed");
        // A manager who removes their own access goes back to their list, without the room.
        let r = mia_b
            .post(
                &format!("/rooms/weekly/share/{}/remove", mia.id),
                &[("csrf", &mia_csrf)],
            )
            .await;
        assert_eq!(r.location(), "/rooms");
        assert!(shares(&s).await.is_empty());
        assert!(!mia_b.get("/rooms").await.body.contains("weekly"));
        assert_eq!(
            mia_b.get("/rooms/weekly/share").await.status,
            StatusCode::FORBIDDEN
        );
        s.stop().await;
    }
}
