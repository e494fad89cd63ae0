//! A session's speakers and moderators (issue 5, W2): named by e-mail (several at once),
//! role changed, removed; each addition mails an invitation in the inviter's language (the
//! outbox without SMTP; through a real SMTP server otherwise); a named address without an
//! account signs in by code (the account is created then) and reaches the backstage. On every
//! test backend.

mod common;
mod programme_common;
mod smtp_sink;

use amphi_server::mail::SmtpUrl;
use amphi_store::{Backend, StaffRole};
use common::{Browser, Page, TestServer, test_backends};
use programme_common::*;
use reqwest::StatusCode;
use smtp_sink::{ReceivedMail, SmtpSink};

async fn server_with_smtp(backend: Backend, sink: &SmtpSink) -> TestServer {
    let url = SmtpUrl::parse(&sink.url()).expect("valid");
    TestServer::start_with(backend, move |c| c.mail.smtp_url = Some(url)).await
}

async fn staff(s: &TestServer, slug: &str) -> Vec<(String, StaffRole)> {
    let id = session(s, slug).await.expect("session").id;
    s.db.store
        .session_staff(&id)
        .await
        .expect("staff")
        .into_iter()
        .map(|m| (m.email, m.role))
        .collect()
}

#[tokio::test]
async fn add_change_remove_with_invitations_in_the_outbox() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let scene = scene(&s).await;
        stored_session(&s, "talk", NOV_21_1430_PARIS).await;
        s.user("has.account@example.org", false).await;
        let owner = &scene.owner;

        let page = owner.get("/programme/sessions/talk/staff").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Nobody yet: add at least one moderator"));
        assert!(
            page.body.contains("This server sends no mail"),
            "no SMTP: the page says so"
        );

        // Refusals store nothing and mail nobody.
        for (emails, role, message) in [
            (
                "",
                "speaker",
                "E-mail addresses: enter at least one address.",
            ),
            (
                "ok@example.org, not-an-address",
                "speaker",
                "these are not valid; nobody was added: not-an-address",
            ),
            (
                "ok@example.org",
                "host",
                "Role: choose speaker or moderator.",
            ),
        ] {
            let page = post_form(
                owner,
                "/programme/sessions/talk/staff",
                &[("emails", emails), ("role", role)],
            )
            .await;
            assert_eq!(
                page.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{emails} {role}"
            );
            assert!(page.body.contains(message), "{backend:?}: {}", page.body);
            assert!(staff(&s, "talk").await.is_empty());
        }
        let many: String = (0..51).map(|i| format!("p{i}@example.org ")).collect();
        let page = post_form(
            owner,
            "/programme/sessions/talk/staff",
            &[("emails", &many), ("role", "speaker")],
        )
        .await;
        assert!(page.body.contains("at most 50 at once"));
        assert_eq!(s.db.store.count_outbox().await.expect("count"), 0);

        // Several at once, any case and separator; each gets an invitation.
        let added = post_form(
            owner,
            "/programme/sessions/talk/staff",
            &[
                ("emails", "Has.Account@example.org;\nnew.person@example.org"),
                ("role", "moderator"),
            ],
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        assert_eq!(
            added.location(),
            "/programme/sessions/talk/staff?notice=added"
        );
        assert_eq!(
            staff(&s, "talk").await,
            [
                ("has.account@example.org".to_owned(), StaffRole::Moderator),
                ("new.person@example.org".to_owned(), StaffRole::Moderator)
            ]
        );
        let outbox = s.db.store.outbox(10).await.expect("outbox");
        assert_eq!(outbox.len(), 2, "{backend:?}");
        for mail in &outbox {
            assert_eq!(mail.recipients.len(), 1);
            let to = &mail.recipients[0];
            assert_eq!(mail.subject, "Session talk: you are invited as moderator");
            for part in [
                "Session talk",
                "Saturday 21 November 2026, 14:30 – 15:30 (Europe/Paris)",
                "moderator",
                &format!("{}/s/talk/backstage", s.base),
                &format!("with this address, {to}"),
                "ask the server's administrator",
            ] {
                assert!(mail.text.contains(part), "{part:?} missing: {}", mail.text);
            }
            let html = mail.html.as_deref().expect("HTML part");
            assert!(
                html.contains(&format!("<a href=\"{0}/s/talk/backstage\">", s.base)),
                "{html}"
            );
        }
        let page = owner.get(added.location()).await;
        assert!(page.body.contains("Added; each got an invitation"));
        assert!(page.body.contains("Has an account") && page.body.contains("No account yet"));

        // Change a role; remove someone; an unknown member is a 404.
        let changed = post_form(
            owner,
            "/programme/sessions/talk/staff/role",
            &[("email", "new.person@example.org"), ("role", "speaker")],
        )
        .await;
        assert_eq!(
            changed.location(),
            "/programme/sessions/talk/staff?notice=changed"
        );
        let removed = post_form(
            owner,
            "/programme/sessions/talk/staff/remove",
            &[("email", "HAS.ACCOUNT@example.org")],
        )
        .await;
        assert_eq!(
            removed.location(),
            "/programme/sessions/talk/staff?notice=removed"
        );
        assert_eq!(
            staff(&s, "talk").await,
            [("new.person@example.org".to_owned(), StaffRole::Speaker)]
        );
        for (path, fields) in [
            (
                "/programme/sessions/talk/staff/role",
                vec![("email", "nobody@example.org"), ("role", "speaker")],
            ),
            (
                "/programme/sessions/talk/staff/remove",
                vec![("email", "nobody@example.org")],
            ),
        ] {
            assert_eq!(
                post_form(owner, path, &fields).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        assert_eq!(
            staff(&s, "talk").await.len(),
            1,
            "a role change never adds anyone"
        );
        s.stop().await;
    }
}

/// The 6-digit code in a mail's text.
fn code_in(mail: &ReceivedMail) -> String {
    let text = mail.text.as_deref().expect("a text part");
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_owned()
}

async fn request_code(b: &Browser, email: &str, next: &str) -> Page {
    let form = b.get("/signin/code").await;
    b.post(
        "/signin/code",
        &[("email", email), ("next", next), ("csrf", &form.csrf())],
    )
    .await
}

async fn try_code(b: &Browser, email: &str, code: &str, next: &str) -> Page {
    let form = b.get("/signin/code").await;
    b.post(
        "/signin/code/verify",
        &[
            ("email", email),
            ("code", code),
            ("next", next),
            ("csrf", &form.csrf()),
        ],
    )
    .await
}

/// Through a real SMTP server: the invitation (French, as the inviter's page), then the
/// invited address, which has no account, signs in by code and lands on the backstage.
#[tokio::test]
async fn invited_by_smtp_and_signed_in_by_code_without_an_account() {
    for backend in test_backends() {
        let sink = SmtpSink::start().await;
        let s = server_with_smtp(backend, &sink).await;
        let scene = scene(&s).await;
        let talk = stored_session(&s, "talk", NOV_21_1430_PARIS).await;
        publish(&s, &talk, "mod@example.org").await;

        // The inviter's page is in French: so is the mail.
        let fr = [("accept-language", "fr")];
        let page = scene
            .owner
            .get_with("/programme/sessions/talk/staff", &fr)
            .await;
        assert!(page.body.contains("Intervenants et modérateurs"));
        assert!(
            !page.body.contains("envoie pas d"),
            "SMTP configured: no outbox warning"
        );
        let added = scene
            .owner
            .post_with(
                "/programme/sessions/talk/staff",
                &[
                    ("emails", "lea.martin@example.org"),
                    ("role", "speaker"),
                    ("csrf", &page.csrf()),
                ],
                &fr,
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let mail = sink.wait_for_mail_to("lea.martin@example.org").await;
        assert_eq!(
            mail.subject,
            "Session talk : vous êtes invité comme intervenant"
        );
        assert_eq!(
            mail.parts,
            ["multipart/alternative", "text/plain", "text/html"]
        );
        let text = mail.text.as_deref().expect("text");
        for part in [
            "« Session talk »",
            "samedi 21 novembre 2026, 14:30 – 15:30 (Europe/Paris)",
            "intervenant",
            &format!("{}/s/talk/backstage", s.base),
            "lea.martin@example.org",
            "demandez un code de connexion",
        ] {
            assert!(text.contains(part), "{part:?} missing: {text}");
        }
        let html = mail.html.as_deref().expect("html");
        assert!(
            html.contains(&format!("href=\"{}/s/talk/backstage\"", s.base)),
            "{html}"
        );
        assert_eq!(
            s.db.store.count_outbox().await.expect("count"),
            0,
            "sent, not kept"
        );

        // The invitation's link: not signed in → sign-in, back to the backstage after.
        let lea = s.browser();
        let gate = lea.get("/s/talk/backstage").await;
        assert_eq!(gate.status, StatusCode::SEE_OTHER);
        assert_eq!(gate.location(), "/signin?next=/s/talk/backstage");

        // No account has this address; a code comes anyway, because a session names it.
        assert!(
            s.db.store
                .user_by_email("lea.martin@example.org")
                .await
                .expect("read")
                .is_none()
        );
        let asked = request_code(&lea, "Lea.Martin@example.org", "/s/talk/backstage").await;
        assert_eq!(asked.status, StatusCode::OK);
        let code_mail = sink.wait_for_mail_to("lea.martin@example.org").await;
        let code_mail = if code_mail.subject.contains("code") {
            code_mail
        } else {
            // wait_for_mail_to returned the invitation: wait for the second mail.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                let mails = sink.mails_to("lea.martin@example.org");
                if mails.len() >= 2 {
                    break mails[1].clone();
                }
                assert!(std::time::Instant::now() < deadline, "no code mail");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        };
        assert_eq!(code_mail.subject, "Your Amphi sign-in code");
        let code = code_in(&code_mail);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let refused = try_code(&lea, "lea.martin@example.org", wrong, "/s/talk/backstage").await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(
            s.db.store
                .user_by_email("lea.martin@example.org")
                .await
                .expect("read")
                .is_none(),
            "a wrong code creates nothing"
        );

        let done = try_code(&lea, "lea.martin@example.org", &code, "/s/talk/backstage").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location(), "/s/talk/backstage");
        let user =
            s.db.store
                .user_by_email("lea.martin@example.org")
                .await
                .expect("read")
                .expect("account created");
        assert_eq!(user.display_name, "Lea Martin");
        assert_eq!(user.password_hash, None);
        assert!(!user.is_admin && !user.disabled);
        let backstage = lea.get("/s/talk/backstage").await;
        assert_eq!(backstage.status, StatusCode::OK, "{}", backstage.body);
        assert!(backstage.body.contains("data-role=\"speaker\""));
        assert!(backstage.body.contains("/static/js/webinar/backstage.js"));

        // The code is used up; the next request is an account's like any other.
        let again = try_code(&s.browser(), "lea.martin@example.org", &code, "").await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED);

        // An address nobody names, without account: the same answer, and no mail.
        let before = sink.mails().len();
        let page = request_code(&s.browser(), "stranger@example.org", "").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("name=\"code\""));
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(
            sink.mails().len(),
            before,
            "{backend:?}: no code for an unnamed address"
        );
        let guess = try_code(&s.browser(), "stranger@example.org", "123456", "").await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED);
        assert!(
            s.db.store
                .user_by_email("stranger@example.org")
                .await
                .expect("read")
                .is_none()
        );
        s.stop().await;
    }
}
