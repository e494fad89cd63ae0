//! Without SMTP, mail goes to the outbox, which only administrators read (issue 4, R6).

mod common;

use std::time::{Duration, Instant};

use amphi_server::Config;
use amphi_server::mail::{Delivery, Mail};
use amphi_server::serve::Server;
use amphi_store::testing::fresh_store;
use amphi_store::{NewOutboxMail, NewUser, now_ms};
use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn without_smtp_mails_are_kept_for_administrators_only() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let mailer = &s.server().state.mailer;
        assert!(!mailer.uses_smtp());
        let delivery = mailer
            .send(&Mail {
                to: vec!["ann@example.org".into(), "bob@example.org".into()],
                subject: "Invitation <script>alert(1)</script>".into(),
                text: "Join us:\nhttp://127.0.0.1/r/team <b>now</b>".into(),
                html: None,
            })
            .await
            .expect("kept");
        assert_eq!(delivery, Delivery::Outbox, "{backend:?}");

        let (_, admin) = s.signed_in("root@example.org", true).await;
        let page = admin.get("/admin/outbox").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(
            page.body.contains("ann@example.org, bob@example.org"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("Invitation &#60;script&#62;alert(1)&#60;/script&#62;"),
            "subject escaped: {}",
            page.body
        );
        assert!(
            page.body
                .contains("Join us:\nhttp://127.0.0.1/r/team &#60;b&#62;now&#60;/b&#62;"),
            "text readable and escaped: {}",
            page.body
        );
        assert!(!page.body.contains("<script>alert"), "{}", page.body);
        let rooms = admin.get("/rooms").await;
        assert!(
            rooms.body.contains("href=\"/admin/outbox\""),
            "admin nav link"
        );

        let (_, user) = s.signed_in("ann@example.org", false).await;
        assert_eq!(
            user.get("/admin/outbox").await.status,
            StatusCode::FORBIDDEN
        );
        let rooms = user.get("/rooms").await;
        assert!(!rooms.body.contains("/admin/outbox"), "no link for others");
        let anonymous = s.browser().get("/admin/outbox").await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
        assert!(anonymous.location().starts_with("/signin"));

        let metrics = s.browser().get("/metrics").await;
        assert!(
            metrics
                .body
                .contains("amphi_mails_total{delivery=\"outbox\"} 1\n"),
            "{}",
            metrics.body
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn an_empty_outbox_says_so() {
    let s = TestServer::start(amphi_store::Backend::Sqlite).await;
    let (_, admin) = s.signed_in("root@example.org", true).await;
    let page = admin.get("/admin/outbox").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("The outbox is empty."), "{}", page.body);
    assert!(page.body.contains("No mail server (SMTP) is configured"));
    s.stop().await;
}

/// Review S3: without SMTP, sign-in by code is off. The sign-in page does not offer it, the
/// code page says it needs a mail server (in the page's language), and asking for a code
/// stores none and keeps no mail in the outbox, where an administrator could read it.
#[tokio::test]
async fn without_smtp_sign_in_by_code_is_off() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        s.user("ann@example.org", false).await;
        let b = s.browser();
        let signin = b.get("/signin").await;
        assert_eq!(signin.status, StatusCode::OK);
        assert!(
            !signin.body.contains("/signin/code"),
            "{backend:?}: no link: {}",
            signin.body
        );
        let page = b.get("/signin/code").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Sign-in by code needs a mail server")
                && page.body.contains("ask an administrator"),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("name=\"email\""),
            "no form: {}",
            page.body
        );
        let fr = b
            .get_with("/signin/code", &[("accept-language", "fr")])
            .await;
        assert!(
            fr.body
                .contains("La connexion par code a besoin d’un serveur de messagerie"),
            "{}",
            fr.body
        );

        let asked = b
            .post(
                "/signin/code",
                &[("email", "ann@example.org"), ("csrf", &signin.csrf())],
            )
            .await;
        assert_eq!(asked.status, StatusCode::SERVICE_UNAVAILABLE, "{backend:?}");
        assert!(asked.body.contains("Sign-in by code needs a mail server"));
        let tried = b
            .post(
                "/signin/code/verify",
                &[
                    ("email", "ann@example.org"),
                    ("code", "123456"),
                    ("csrf", &signin.csrf()),
                ],
            )
            .await;
        assert_eq!(tried.status, StatusCode::SERVICE_UNAVAILABLE, "{backend:?}");
        // Give a background task, if any, time to write.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            s.db.count_outbox().await.expect("counted"),
            0,
            "{backend:?}"
        );
        assert_eq!(
            s.db.delete_expired_signin_codes(i64::MAX)
                .await
                .expect("swept"),
            0,
            "{backend:?}: no code stored"
        );
        s.stop().await;
    }
}

/// Review S3: the server sweeps expired sign-in codes and outbox mails older than 30 days
/// (at start, then every hour); live codes and recent mails stay.
#[tokio::test]
async fn the_sweeper_deletes_expired_codes_and_old_outbox_mails() {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    for backend in test_backends() {
        let db = fresh_store(backend).await;
        let now = now_ms();
        for (email, expires_at) in [
            ("old@example.org", now - 1000),
            ("live@example.org", now + DAY_MS),
        ] {
            let user = db
                .create_user(NewUser {
                    email: email.to_owned(),
                    display_name: String::new(),
                    password_hash: None,
                    is_admin: false,
                })
                .await
                .expect("user");
            db.put_signin_code(&user.id, "hash", now - 2000, expires_at)
                .await
                .expect("stored");
        }
        for (subject, age_days) in [("old", 31), ("recent", 29)] {
            db.add_to_outbox(NewOutboxMail {
                recipients: vec!["ann@example.org".to_owned()],
                subject: subject.to_owned(),
                text: "text".to_owned(),
                html: None,
                created_at: now - age_days * DAY_MS,
            })
            .await
            .expect("kept");
        }

        let data = tempfile::tempdir().expect("temp data dir");
        let mut config = Config::default();
        config.http.listen = "127.0.0.1:0".parse().expect("valid address");
        config.data.dir = data.path().to_owned();
        let server = Server::start_with_store(config, db.store.clone())
            .await
            .expect("server starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while db.count_outbox().await.expect("counted") != 1 {
            assert!(
                Instant::now() < deadline,
                "{backend:?}: the old mail is still there"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let kept = db.outbox(10).await.expect("listed");
        assert_eq!(kept[0].subject, "recent", "{backend:?}");
        assert_eq!(
            db.delete_expired_signin_codes(i64::MAX)
                .await
                .expect("swept"),
            1,
            "{backend:?}: only the live code was left"
        );
        server.stop().await.expect("clean stop");
    }
}
