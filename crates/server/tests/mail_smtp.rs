//! Mail through a real SMTP server (aiosmtpd, tests/smtp_sink): what arrives, and what a
//! failure looks like (issue 4, R6/R8: "every mail has a plain-text part").

#[allow(unused_imports)] // common re-exports test_backends; these run on SQLite only
mod common;
mod smtp_sink;

use amphi_server::mail::{Delivery, Mail, MailError, SmtpUrl};
use amphi_store::Backend;
use common::*;
use smtp_sink::SmtpSink;

async fn server_sending_to(url: &str) -> TestServer {
    let url = SmtpUrl::parse(url).expect("valid SMTP URL");
    TestServer::start_with(Backend::Sqlite, move |c| c.mail.smtp_url = Some(url)).await
}

#[tokio::test]
async fn a_mail_arrives_with_a_text_part_the_subject_and_one_copy_per_recipient() {
    let sink = SmtpSink::start().await;
    let s = server_sending_to(&sink.url()).await;
    let mailer = &s.server().state.mailer;
    assert!(mailer.uses_smtp());
    let text = "Bonjour,\n\nRejoignez la réunion : <img src=x onerror=alert(1)> & co.\nÀ bientôt.";
    let delivery = mailer
        .send(&Mail {
            to: vec!["ann@example.org".into(), "bob@example.org".into()],
            subject: "Réunion « lundi » <b>9h</b>".into(),
            text: text.into(),
            html: None,
        })
        .await
        .expect("sent");
    assert_eq!(delivery, Delivery::Sent);

    let mails = sink.wait_for(2).await;
    assert_eq!(mails.len(), 2);
    for (mail, to) in mails.iter().zip(["ann@example.org", "bob@example.org"]) {
        assert_eq!(mail.rcpt_to, [to], "one copy per recipient");
        assert!(mail.to.contains(to), "{}", mail.to);
        let other = if to.starts_with("ann") {
            "bob@"
        } else {
            "ann@"
        };
        assert!(
            !mail.raw.contains(other),
            "no other recipient shown: {}",
            mail.raw
        );
        assert_eq!(mail.subject, "Réunion « lundi » <b>9h</b>");
        assert!(mail.from.contains("amphi@localhost"), "{}", mail.from);
        assert_eq!(mail.content_type, "multipart/alternative");
        assert_eq!(
            mail.parts,
            ["multipart/alternative", "text/plain", "text/html"]
        );
        assert_eq!(mail.text.as_deref().map(str::trim_end), Some(text));
        let html = mail.html.as_deref().expect("an HTML part");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; co."),
            "{html}"
        );
        assert!(!html.contains("<img"), "escaped: {html}");
    }
    assert_eq!(s.db.store.count_outbox().await.expect("counted"), 0);
    s.stop().await;
}

#[tokio::test]
async fn invalid_recipients_send_nothing() {
    let sink = SmtpSink::start().await;
    let s = server_sending_to(&sink.url()).await;
    let mailer = &s.server().state.mailer;
    let mail = |to: Vec<String>| Mail {
        to,
        subject: "s".into(),
        text: "t".into(),
        html: None,
    };
    assert!(matches!(
        mailer.send(&mail(vec![])).await,
        Err(MailError::NoRecipients)
    ));
    let bad = mailer
        .send(&mail(vec![
            "ann@example.org".into(),
            "eve@example.org\r\nBcc: all@example.org".into(),
        ]))
        .await;
    assert!(matches!(bad, Err(MailError::InvalidAddress(_))), "{bad:?}");
    // A mail that reaches the sink afterwards proves the refused one would have arrived.
    mailer
        .send(&mail(vec!["carl@example.org".into()]))
        .await
        .expect("sent");
    let mails = sink.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].rcpt_to, ["carl@example.org"]);
    s.stop().await;
}

#[tokio::test]
async fn smtp_down_is_a_clear_error_counted_without_the_password() {
    let mut sink = SmtpSink::start().await;
    let port = sink.port();
    sink.stop(); // nothing listens on the port any more
    let s = server_sending_to(&format!("smtp://amphi:s3cret@127.0.0.1:{port}")).await;
    let err = s
        .server()
        .state
        .mailer
        .send(&Mail {
            to: vec!["ann@example.org".into()],
            subject: "Hello".into(),
            text: "Text".into(),
            html: None,
        })
        .await
        .expect_err("nothing listens");
    let message = err.to_string();
    assert!(
        matches!(&err, MailError::Smtp { failed, .. } if failed == &["ann@example.org"]),
        "{err:?}"
    );
    assert!(
        message.contains(&format!("127.0.0.1:{port}")) && message.contains("ann@example.org"),
        "names the server and the recipient: {message}"
    );
    assert!(
        message.to_lowercase().contains("refused"),
        "says what happened: {message}"
    );
    assert!(!message.contains("s3cret"), "{message}");

    let metrics = s.browser().get("/metrics").await;
    assert!(
        metrics.body.contains("amphi_mail_failures_total 1\n"),
        "{}",
        metrics.body
    );
    assert_eq!(
        s.db.store.count_outbox().await.expect("counted"),
        0,
        "not kept"
    );
    s.stop().await;
}
