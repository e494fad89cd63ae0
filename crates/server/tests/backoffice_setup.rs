//! First-run setup through HTTP, in-process, on every test backend.

mod common;

use common::{PASSWORD, TestServer, test_backends};
use reqwest::StatusCode;

#[tokio::test]
async fn setup_link_creates_the_first_admin_once() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let link = s
            .server()
            .first_run_link()
            .await
            .expect("store works")
            .expect("no user yet: a link");
        let path = link.strip_prefix(&s.base).expect("link on this server");
        let b = s.browser();
        let signin = b.get("/signin").await;
        assert!(
            signin.body.contains("No account exists yet"),
            "{}",
            signin.body
        );
        let form = b.get(path).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body.contains("Create the administrator"),
            "{}",
            form.body
        );

        // A short password is refused, nothing is created, the link still works.
        let bad = b
            .post(
                path,
                &[
                    ("email", "admin@example.org"),
                    ("password", "short"),
                    ("confirm", "short"),
                    ("csrf", &form.csrf()),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("at least 10 characters"));
        assert_eq!(s.db.store.count_users().await.expect("count"), 0);

        let done = b
            .post(
                path,
                &[
                    ("email", "Admin@Example.org"),
                    ("display_name", "Ada"),
                    ("password", PASSWORD),
                    ("confirm", PASSWORD),
                    ("csrf", &form.csrf()),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location(), "/signin?notice=admin_created");
        let admin =
            s.db.store
                .user_by_email("admin@example.org")
                .await
                .expect("lookup")
                .expect("admin exists");
        assert!(admin.is_admin);

        // Single use: the page and the form now refuse, nothing more is created.
        let again = b.get(path).await;
        assert_eq!(again.status, StatusCode::GONE);
        assert!(again.body.contains("no longer works"), "{}", again.body);
        let again = b
            .post(
                path,
                &[
                    ("email", "second@example.org"),
                    ("password", PASSWORD),
                    ("confirm", PASSWORD),
                    ("csrf", &form.csrf()),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::GONE);
        assert_eq!(s.db.store.count_users().await.expect("count"), 1);
        assert!(s.server().first_run_link().await.expect("works").is_none());

        // A made-up token is refused too.
        let fake = b
            .get("/setup/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await;
        assert_eq!(fake.status, StatusCode::GONE);

        let signed = b.sign_in("admin@example.org", PASSWORD).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER);
        s.stop().await;
    }
}

/// Each start prints a new link while no user exists; once one of them has created the
/// administrator, the link of the other start is refused and creates nothing.
#[tokio::test]
async fn the_link_of_another_start_is_refused_once_the_admin_exists() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let mut paths = Vec::new();
        for _start in 0..2 {
            let link = s
                .server()
                .first_run_link()
                .await
                .expect("store works")
                .expect("no user yet: a link");
            paths.push(link.strip_prefix(&s.base).expect("local").to_owned());
        }
        assert_ne!(paths[0], paths[1], "a new link per start");
        let b = s.browser();
        let second_form = b.get(&paths[1]).await;
        assert_eq!(second_form.status, StatusCode::OK);
        let first_form = b.get(&paths[0]).await;
        let done = b
            .post(
                &paths[0],
                &[
                    ("email", "admin@example.org"),
                    ("password", PASSWORD),
                    ("confirm", PASSWORD),
                    ("csrf", &first_form.csrf()),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

        let page = b.get(&paths[1]).await;
        assert_eq!(page.status, StatusCode::GONE, "{backend:?}");
        assert!(page.body.contains("no longer works"), "{}", page.body);
        let again = b
            .post(
                &paths[1],
                &[
                    ("email", "intruder@example.org"),
                    ("password", PASSWORD),
                    ("confirm", PASSWORD),
                    ("csrf", &second_form.csrf()),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::GONE, "{backend:?}");
        assert_eq!(s.db.store.count_users().await.expect("count"), 1);
        assert!(
            s.db.store
                .user_by_email("intruder@example.org")
                .await
                .expect("lookup")
                .is_none()
        );
        s.stop().await;
    }
}
