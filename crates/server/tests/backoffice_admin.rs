//! User administration and password changes through HTTP, on every test backend.

mod common;

use common::{PASSWORD, TestServer, test_backends};
use reqwest::StatusCode;

#[tokio::test]
async fn admins_manage_users_and_others_cannot() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, admin) = s.signed_in("admin@example.org", true).await;
        let (_, bob) = s.signed_in("bob@example.org", false).await;

        // Bob is no admin: the page and its forms are refused.
        let page = bob.get("/admin/users").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(!bob.get("/rooms").await.body.contains("/admin/users"));
        let csrf = bob.csrf().await;
        let r = bob
            .post(
                "/admin/users",
                &[
                    ("email", "eve@example.org"),
                    ("password", PASSWORD),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            s.db.store
                .user_by_email("eve@example.org")
                .await
                .expect("ok")
                .is_none()
        );

        // The admin adds Carol, with markup in her name.
        let list = admin.get("/admin/users").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("bob@example.org"));
        let r = admin
            .post(
                "/admin/users",
                &[
                    ("email", "carol@example.org"),
                    ("display_name", "<script>x</script>"),
                    ("password", PASSWORD),
                    ("csrf", &list.csrf()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let list = admin.get("/admin/users").await;
        assert!(list.body.contains("carol@example.org"));
        assert!(!list.body.contains("<script>x"), "escaped");
        // Bad input and a taken address are refused.
        for (email, password, message) in [
            ("not-an-email", PASSWORD, "valid e-mail"),
            ("dave@example.org", "short", "at least 10"),
            ("carol@example.org", PASSWORD, "already has an account"),
        ] {
            let r = admin
                .post(
                    "/admin/users",
                    &[
                        ("email", email),
                        ("password", password),
                        ("csrf", &list.csrf()),
                    ],
                )
                .await;
            assert!(r.status.is_client_error(), "{email}");
            assert!(r.body.contains(message), "{email}: {}", r.body);
        }
        assert_eq!(s.db.store.count_users().await.expect("ok"), 3);
        s.stop().await;
    }
}

#[tokio::test]
async fn a_disabled_user_is_signed_out_at_once() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (admin_user, admin) = s.signed_in("admin@example.org", true).await;
        let (bob_user, bob) = s.signed_in("bob@example.org", false).await;
        assert_eq!(bob.get("/rooms").await.status, StatusCode::OK);
        let csrf = admin.csrf().await;

        // Bob cannot disable anyone; the admin cannot disable themselves.
        let bob_csrf = bob.csrf().await;
        let r = bob
            .post(
                &format!("/admin/users/{}/disable", admin_user.id),
                &[("csrf", &bob_csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = admin
            .post(
                &format!("/admin/users/{}/disable", admin_user.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        let r = admin
            .post(
                &format!("/admin/users/{}/disable", bob_user.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            bob.get("/rooms").await.status,
            StatusCode::SEE_OTHER,
            "signed out"
        );
        assert_eq!(
            bob.sign_in("bob@example.org", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        let r = admin
            .post(
                &format!("/admin/users/{}/enable", bob_user.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            bob.sign_in("bob@example.org", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn changing_the_password_signs_out_other_browsers() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, b1) = s.signed_in("ann@example.org", false).await;
        let b2 = s.browser();
        assert_eq!(
            b2.sign_in("ann@example.org", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        let form = b1.get("/account/password").await;
        assert_eq!(form.status, StatusCode::OK);
        let new = "a much better passphrase";
        let wrong = b1
            .post(
                "/account/password",
                &[
                    ("current", "not it at all"),
                    ("password", new),
                    ("confirm", new),
                    ("csrf", &form.csrf()),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("current password is wrong"));
        let ok = b1
            .post(
                "/account/password",
                &[
                    ("current", PASSWORD),
                    ("password", new),
                    ("confirm", new),
                    ("csrf", &form.csrf()),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(
            b1.get("/rooms").await.status,
            StatusCode::OK,
            "this browser stays in"
        );
        assert_eq!(
            b2.get("/rooms").await.status,
            StatusCode::SEE_OTHER,
            "others are out"
        );
        let b3 = s.browser();
        assert_eq!(
            b3.sign_in("ann@example.org", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            b3.sign_in("ann@example.org", new).await.status,
            StatusCode::SEE_OTHER
        );
        s.stop().await;
    }
}
