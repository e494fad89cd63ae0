//! Invitations (issue 4, R6) end to end: the form pre-filled in French or English, an edited
//! subject and text delivered by a real SMTP server (aiosmtpd) to each recipient alone, with
//! a plain-text part; malformed addresses refused with nothing sent; the outbox when no SMTP
//! server is configured.

mod common;
mod smtp_sink;

use std::time::Duration;

use amphi_server::mail::SmtpUrl;
use amphi_store::Backend;
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use smtp_sink::SmtpSink;

#[tokio::test]
async fn the_form_is_prefilled_in_the_chosen_language() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (_, ann) = s.signed_in("ann@example.org", false).await;
    s.user("mia@example.org", false).await;
    let (gone, _) = s.signed_in("gone@example.org", false).await;
    s.db.store
        .set_user_disabled(&gone.id, true)
        .await
        .expect("disable");
    ann.create_room("<img src=x onerror=alert(1)> Weekly").await;
    let slug = "img-src-x-onerror-alert-1-weekly";
    let link = format!("{}/r/{slug}", s.base);

    let en = ann.get(&format!("/rooms/{slug}/invite")).await;
    assert_eq!(en.status, StatusCode::OK);
    assert!(en.body.contains("invites you to the web conference"));
    assert!(en.body.contains(&link), "the room's link");
    assert!(
        en.body.contains("ann@example.org invites you"),
        "who invites"
    );
    assert!(!en.body.contains("<img src=x"), "the room name is escaped");
    assert!(en.body.contains("Invitation: &#60;img") || en.body.contains("Invitation: &lt;img"));
    // Active users other than oneself are offered, with labels.
    assert!(en.body.contains("mia@example.org"));
    assert!(
        !en.body.contains("gone@example.org"),
        "disabled users are not offered"
    );
    assert!(
        en.body
            .contains("<label for=\"invite-user-1\">mia@example.org</label>")
    );

    let fr = ann.get(&format!("/rooms/{slug}/invite?mail_lang=fr")).await;
    assert!(fr.body.contains("vous invite à la web-conférence"));
    assert!(fr.body.contains("Invitation : "));
    assert!(
        fr.body
            .contains("<option value=\"fr\" lang=\"fr\" selected>")
    );
    assert!(fr.body.contains(&link));
    // The page's language is the default for the message.
    let fr_page = ann
        .get_with(
            &format!("/rooms/{slug}/invite"),
            &[("accept-language", "fr")],
        )
        .await;
    assert!(fr_page.body.contains("Envoyer l’invitation"));
    assert!(fr_page.body.contains("vous invite"));
    s.stop().await;
}

#[tokio::test]
async fn an_edited_invitation_reaches_each_recipient_alone_through_smtp() {
    let sink = SmtpSink::start().await;
    let url = SmtpUrl::parse(&sink.url()).expect("valid");
    let s = TestServer::start_with(Backend::Sqlite, move |c| c.mail.smtp_url = Some(url)).await;
    let (_, ann) = s.signed_in("ann@example.org", false).await;
    let mia = s.user("mia@example.org", false).await;
    ann.create_room("Weekly").await;
    let form = ann.get("/rooms/weekly/invite").await;
    let csrf = form.csrf();

    let subject = "Réunion de jeudi — « Weekly »";
    let body = "Bonjour,\n\nOn se retrouve jeudi à 10 h.\n<b>pas du HTML</b>\nLien : http://example.org/r/weekly\n";
    let user_id = mia.id.as_str().to_owned();
    let r = ann
        .post(
            "/rooms/weekly/invite",
            &[
                ("csrf", &csrf),
                ("mail_lang", "fr"),
                ("user", &user_id),
                (
                    "addresses",
                    "Guest@Example.org,\n mia@example.org ; other@example.net",
                ),
                ("subject", subject),
                ("body", body),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location(),
        "/rooms/weekly/invite?mail_lang=fr&sent=3&outbox=0"
    );
    let done = ann.get(r.location()).await;
    assert!(
        done.body
            .contains("The invitation is sent to 3 recipients.")
    );

    let mails = sink.wait_for(3).await;
    // Give a duplicate a chance to show up: mia was both ticked and typed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = if sink.mails().len() > mails.len() {
        sink.mails()
    } else {
        mails
    };
    assert_eq!(mails.len(), 3, "one mail per recipient, mia once");
    let mut envelopes: Vec<Vec<String>> = mails.iter().map(|m| m.rcpt_to.clone()).collect();
    envelopes.sort();
    assert_eq!(
        envelopes,
        vec![
            vec!["guest@example.org".to_owned()],
            vec!["mia@example.org".to_owned()],
            vec!["other@example.net".to_owned()],
        ],
        "each recipient alone in the envelope"
    );
    for mail in &mails {
        assert_eq!(mail.subject, subject, "the edited subject");
        assert_eq!(
            mail.to.matches('@').count(),
            1,
            "nobody sees the others' addresses: {}",
            mail.to
        );
        let text = mail.text.as_deref().expect("a plain-text part");
        assert!(text.contains("On se retrouve jeudi à 10 h."), "{text}");
        assert!(text.contains("<b>pas du HTML</b>"), "text as typed");
        if let Some(html) = &mail.html {
            assert!(!html.contains("<b>pas du HTML</b>"), "escaped in HTML");
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn malformed_addresses_send_nothing() {
    let sink = SmtpSink::start().await;
    let url = SmtpUrl::parse(&sink.url()).expect("valid");
    let s = TestServer::start_with(Backend::Sqlite, move |c| c.mail.smtp_url = Some(url)).await;
    let (_, ann) = s.signed_in("ann@example.org", false).await;
    ann.create_room("Weekly").await;
    let csrf = ann.get("/rooms/weekly/invite").await.csrf();

    let post = |addresses: &'static str, subject: &'static str, body: &'static str| {
        let csrf = csrf.clone();
        let ann = &ann;
        async move {
            ann.post(
                "/rooms/weekly/invite",
                &[
                    ("csrf", csrf.as_str()),
                    ("addresses", addresses),
                    ("subject", subject),
                    ("body", body),
                ],
            )
            .await
        }
    };
    let r = post(
        "good@example.org, not-an-address; x@, <script>@evil",
        "Hello",
        "Come.",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("These addresses are not valid; nothing was sent:")
    );
    assert!(r.body.contains("not-an-address"));
    assert!(r.body.contains("x@"));
    assert!(!r.body.contains("<script>@evil"), "escaped");
    assert!(
        r.body.contains("good@example.org"),
        "what was typed is kept"
    );

    for (addresses, subject, body, message) in [
        (
            "",
            "Hello",
            "Come.",
            "Choose at least one user or enter an address.",
        ),
        ("a@example.org", "", "Come.", "Enter a subject on one line"),
        (
            "a@example.org",
            "Bcc: x@example.org\r\nHi",
            "Come.",
            "Enter a subject on one line",
        ),
        (
            "a@example.org",
            "Hello",
            "   ",
            "Enter a message of 1 to 10,000 characters.",
        ),
    ] {
        let r = post(addresses, subject, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    // A huge text is refused too.
    let huge = "x".repeat(10_001);
    let r = ann
        .post(
            "/rooms/weekly/invite",
            &[
                ("csrf", csrf.as_str()),
                ("addresses", "a@example.org"),
                ("subject", "Hello"),
                ("body", &huge),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // An unknown user id (forged form): nothing sent.
    let r = ann
        .post(
            "/rooms/weekly/invite",
            &[
                ("csrf", csrf.as_str()),
                ("user", "ghost"),
                ("addresses", "a@example.org"),
                ("subject", "Hello"),
                ("body", "Come."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // More than 200 recipients (forged user ids): refused before any lookup, nothing sent.
    let ids: Vec<String> = (0..201).map(|i| format!("id-{i}")).collect();
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf", csrf.as_str()),
        ("subject", "Hello"),
        ("body", "Come."),
    ];
    form.extend(ids.iter().map(|id| ("user", id.as_str())));
    let r = ann.post("/rooms/weekly/invite", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Too many recipients: 200 at most per invitation.")
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sink.mails().is_empty(), "nothing sent");
    assert_eq!(s.db.store.count_outbox().await.expect("outbox"), 0);
    s.stop().await;
}

#[tokio::test]
async fn without_smtp_the_invitation_is_kept_in_the_outbox() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, ann) = s.signed_in("ann@example.org", false).await;
        ann.create_room("Weekly").await;
        let csrf = ann.get("/rooms/weekly/invite").await.csrf();
        let r = ann
            .post(
                "/rooms/weekly/invite",
                &[
                    ("csrf", csrf.as_str()),
                    ("addresses", "bad address@"),
                    ("subject", "Hello"),
                    ("body", "Come."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            s.db.store.count_outbox().await.expect("outbox"),
            0,
            "{backend:?}"
        );

        let r = ann
            .post(
                "/rooms/weekly/invite",
                &[
                    ("csrf", csrf.as_str()),
                    ("addresses", "a@example.org b@example.org"),
                    ("subject", "Hello"),
                    ("body", "Come."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = ann.get(r.location()).await;
        assert!(
            page.body
                .contains("the invitation for 2 recipients is kept in the outbox"),
            "{}",
            page.body
        );
        let kept = s.db.store.outbox(10).await.expect("outbox");
        assert_eq!(kept.len(), 1, "{backend:?}");
        assert_eq!(kept[0].recipients, ["a@example.org", "b@example.org"]);
        assert_eq!(kept[0].subject, "Hello");
        assert_eq!(kept[0].text, "Come.");

        // The longest text, in a script whose characters take 9 bytes once encoded, fits.
        let long = "漢".repeat(10_000);
        let r = ann
            .post(
                "/rooms/weekly/invite",
                &[
                    ("csrf", csrf.as_str()),
                    ("addresses", "a@example.org"),
                    ("subject", "Hello"),
                    ("body", &long),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}");
        let kept = s.db.store.outbox(10).await.expect("outbox");
        assert_eq!(kept.len(), 2);
        assert!(kept.iter().any(|m| m.text == long), "kept whole");
        // Far beyond it: refused before it is read, nothing kept.
        let r = ann
            .post(
                "/rooms/weekly/invite",
                &[
                    ("csrf", csrf.as_str()),
                    ("addresses", "a@example.org"),
                    ("subject", "Hello"),
                    ("body", &"x".repeat(300_000)),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(s.db.store.count_outbox().await.expect("outbox"), 2);

        // 300 recipients an hour per user: 3 so far, 200 + 97 more pass, then one is refused.
        let many = |from: usize, n: usize| {
            (from..from + n)
                .map(|i| format!("r{i}@example.org"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (addresses, status) in [
            (many(0, 200), StatusCode::SEE_OTHER),
            (many(200, 97), StatusCode::SEE_OTHER),
            (many(300, 1), StatusCode::TOO_MANY_REQUESTS),
        ] {
            let r = ann
                .post(
                    "/rooms/weekly/invite",
                    &[
                        ("csrf", csrf.as_str()),
                        ("addresses", &addresses),
                        ("subject", "Hello"),
                        ("body", "Come."),
                    ],
                )
                .await;
            assert_eq!(r.status, status, "{backend:?}");
            if status == StatusCode::TOO_MANY_REQUESTS {
                assert!(r.body.contains("wait 60 minutes"), "{}", r.body);
                assert!(r.body.contains("r300@example.org"), "the form is kept");
            }
        }
        assert_eq!(
            s.db.store.count_outbox().await.expect("outbox"),
            4,
            "the refused one is not kept"
        );
        // Another user has their own hour.
        let (_, bob) = s.signed_in("bob@example.org", false).await;
        bob.create_room("Bob's").await;
        let bob_csrf = bob.csrf().await;
        let r = bob
            .post(
                "/rooms/bob-s/invite",
                &[
                    ("csrf", bob_csrf.as_str()),
                    ("addresses", "a@example.org"),
                    ("subject", "Hello"),
                    ("body", "Come."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        s.stop().await;
    }
}
