//! Without SMTP, mail goes to the outbox, which only administrators read (issue 4, R6).

mod common;

use amphi_server::mail::{Delivery, Mail};
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
