//! The registrant's mails through a real SMTP server (aiosmtpd, tests/smtp_sink; issue 6,
//! G2–G4): received (pending), approved with the registration ID and the personal link,
//! rejected, confirmed at once, full; each in the language the person registered in, with a
//! text and an HTML part. The link from the mail lets its reader in.

#[allow(unused_imports)] // common re-exports test_backends; mail runs on SQLite only
mod common;
mod programme_common;
mod registration_common;
mod smtp_sink;

use amphi_server::mail::SmtpUrl;
use amphi_store::{Backend, RegistrationStatus};
use common::TestServer;
use registration_common::*;
use reqwest::StatusCode;
use smtp_sink::SmtpSink;

const BASE: &str = "/programme/sessions/launch";

#[tokio::test]
async fn every_registration_mail_arrives() {
    let sink = SmtpSink::start().await;
    let url = SmtpUrl::parse(&sink.url()).expect("valid SMTP URL");
    let s = TestServer::start_with(Backend::Sqlite, move |c| c.mail.smtp_url = Some(url)).await;
    let (scene, session) = launch_scene(&s).await;
    enable(&scene.owner, BASE, false).await;

    // Pending, in French.
    let visitor = s.browser();
    let form = visitor
        .get_with(
            "/s/launch/register",
            &[("accept-language", "fr-FR,fr;q=0.9")],
        )
        .await;
    let csrf = common::hidden_field(&form.body, "csrf").expect("token");
    let done = visitor
        .post_with(
            "/s/launch/register",
            &[
                ("csrf", &csrf),
                ("name", "Zoé"),
                ("email", "zoe@example.org"),
            ],
            &[("accept-language", "fr-FR,fr;q=0.9")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let pending = sink.wait_for_mail_to("zoe@example.org").await;
    assert_eq!(pending.subject, "Inscription reçue : Session launch");
    assert_eq!(pending.content_type, "multipart/alternative");
    let text = pending.text.clone().unwrap_or_default();
    assert!(text.contains("Bonjour Zoé"), "{text}");
    assert!(!text.contains("/join/"), "no way in before approval");

    // Approved: the ID and the personal link, which lets its reader in.
    let r =
        s.db.store
            .registrations(&target(&session), None)
            .await
            .expect("read")[0]
            .clone();
    let list = scene.owner.get(&format!("{BASE}/registrants")).await;
    let one = format!("approve:{}", r.id);
    scene
        .owner
        .post(
            &format!("{BASE}/registrants"),
            &[("csrf", &list.csrf()), ("one", &one)],
        )
        .await;
    let mails = sink.wait_for(2).await;
    let approved = &mails[1];
    assert_eq!(approved.rcpt_to, ["zoe@example.org"]);
    assert_eq!(
        approved.subject,
        "Votre inscription est approuvée : Session launch"
    );
    let text = approved.text.clone().unwrap_or_default();
    let grouped = format!("{}-{}-{}", &r.code[..3], &r.code[3..6], &r.code[6..]);
    assert!(text.contains(&grouped), "the registration ID: {text}");
    assert!(
        text.contains("samedi 21 novembre 2026"),
        "the session's time: {text}"
    );
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/join/"))
        .expect("a personal link")
        .to_owned();
    assert!(link.starts_with(&s.base), "{link}");
    let html = approved.html.clone().unwrap_or_default();
    assert!(html.contains(&format!("<a href=\"{link}\">")), "{html}");
    let reader = s.browser();
    let followed = reader.get(link.trim_start_matches(&s.base)).await;
    assert_eq!(followed.status, StatusCode::SEE_OTHER);
    assert!(!is_gate(&reader.get("/s/launch").await));

    // Rejected.
    let csrf = scene.owner.csrf().await;
    let one = format!("reject:{}", r.id);
    scene
        .owner
        .post(
            &format!("{BASE}/registrants"),
            &[("csrf", &csrf), ("one", &one)],
        )
        .await;
    let rejected = &sink.wait_for(3).await[2];
    assert_eq!(
        rejected.subject,
        "Votre inscription a été refusée : Session launch"
    );
    assert!(!rejected.text.clone().unwrap_or_default().contains(&grouped));
    let stored =
        s.db.store
            .registrations(&target(&session), None)
            .await
            .expect("read");
    assert_eq!(stored[0].status, RegistrationStatus::Rejected);

    // Confirmed at once (automatic approval), in English, with the ID.
    save_settings(
        &scene.owner,
        BASE,
        &[("enabled", "on"), ("auto_approve", "on"), ("cap", "2")],
        &[],
    )
    .await;
    register(
        &s.browser(),
        "/s/launch",
        &[("name", "Ann"), ("email", "ann@example.org")],
    )
    .await;
    let confirmed = sink.wait_for_mail_to("ann@example.org").await;
    assert_eq!(confirmed.subject, "Registration confirmed: Session launch");
    let ann =
        s.db.store
            .registrations(&target(&session), Some(RegistrationStatus::Approved))
            .await
            .expect("read");
    assert!(
        confirmed
            .text
            .clone()
            .unwrap_or_default()
            .contains(&ann[0].code[..3])
    );

    // Full (Zoé's rejected one does not count; Ann's does: one place left, then none).
    register(
        &s.browser(),
        "/s/launch",
        &[("name", "Bob"), ("email", "bob@example.org")],
    )
    .await;
    let full = register(
        &s.browser(),
        "/s/launch",
        &[("name", "Cy"), ("email", "cy@example.org")],
    )
    .await;
    assert_eq!(full.status, StatusCode::OK);
    assert!(full.body.contains("Registration is full"), "{}", full.body);
    let mail = sink.wait_for_mail_to("cy@example.org").await;
    assert_eq!(mail.subject, "Registration full: Session launch");
    assert!(
        mail.text
            .clone()
            .unwrap_or_default()
            .contains("was not recorded")
    );
    s.stop().await;
}
