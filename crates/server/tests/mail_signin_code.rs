//! Sign-in by code (issue 4, R8) end to end against a real SMTP server: a 6-digit code,
//! valid 10 minutes, used once, 5 tries, limited per address and per client, and the same
//! answer whatever the address.

#[allow(unused_imports)] // common re-exports test_backends; these run on SQLite only
mod common;
mod smtp_sink;

use std::time::Duration;

use amphi_server::mail::SmtpUrl;
use amphi_server::mail::signin_code::hash_code;
use amphi_store::{Backend, CodeCheck, now_ms};
use common::*;
use reqwest::StatusCode;
use smtp_sink::{ReceivedMail, SmtpSink};

async fn server(sink: &SmtpSink, lifetime_secs: u64) -> TestServer {
    let url = SmtpUrl::parse(&sink.url()).expect("valid");
    TestServer::start_with(Backend::Sqlite, move |c| {
        c.mail.smtp_url = Some(url);
        c.mail.signin_code_lifetime_secs = lifetime_secs;
    })
    .await
}

/// Asks for a code from the form, as a browser does; `headers` go on both requests.
async fn request_code(b: &Browser, email: &str, next: &str, headers: &[(&str, &str)]) -> Page {
    let form = b.get_with("/signin/code", headers).await;
    assert_eq!(form.status, StatusCode::OK);
    b.post_with(
        "/signin/code",
        &[("email", email), ("next", next), ("csrf", &form.csrf())],
        headers,
    )
    .await
}

async fn try_code(
    b: &Browser,
    email: &str,
    code: &str,
    next: &str,
    headers: &[(&str, &str)],
) -> Page {
    let form = b.get_with("/signin/code", headers).await;
    b.post_with(
        "/signin/code/verify",
        &[
            ("email", email),
            ("code", code),
            ("next", next),
            ("csrf", &form.csrf()),
        ],
        headers,
    )
    .await
}

/// The 6-digit code in a mail's text.
fn code_in(mail: &ReceivedMail) -> String {
    let text = mail.text.as_deref().expect("a text part");
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_owned()
}

#[tokio::test]
async fn a_code_from_the_mail_signs_in_once() {
    let sink = SmtpSink::start().await;
    let s = server(&sink, 600).await;
    s.user("ann@example.org", false).await;
    let b = s.browser();

    let signin = b.get("/signin?next=/account/password").await;
    assert!(
        signin
            .body
            .contains("href=\"/signin/code?next=/account/password\""),
        "the sign-in page links to sign-in by code, keeping next: {}",
        signin.body
    );
    let sent = request_code(&b, "Ann@Example.org", "/account/password", &[]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(
        sent.body.contains("name=\"code\""),
        "the code form: {}",
        sent.body
    );
    assert!(sent.body.contains("valid for 10 minutes"), "{}", sent.body);

    let mail = sink.wait_for_mail_to("ann@example.org").await;
    assert_eq!(mail.subject, "Your Amphi sign-in code");
    assert_eq!(
        mail.parts,
        ["multipart/alternative", "text/plain", "text/html"]
    );
    let code = code_in(&mail);
    let text = mail.text.as_deref().unwrap_or_default();
    assert!(
        text.contains("10 minutes") && text.contains(&format!("{}/signin/code", s.base)),
        "{text}"
    );

    let done = try_code(&b, "ann@example.org", &code, "/account/password", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/account/password");
    let cookie = done
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("amphi_login="))
        .expect("a login cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let rooms = b.get("/rooms").await;
    assert_eq!(rooms.status, StatusCode::OK, "signed in");
    assert!(rooms.body.contains("ann@example.org"));

    let other = s.browser();
    let again = try_code(&other, "ann@example.org", &code, "", &[]).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "used once");
    assert!(
        again.body.contains("This code is not valid"),
        "{}",
        again.body
    );
    assert_eq!(other.get("/rooms").await.status, StatusCode::SEE_OTHER);

    // An outside `next` is not followed.
    request_code(&other, "ann@example.org", "https://evil.example/", &[]).await;
    sink.wait_for(2).await;
    let code = code_in(&sink.mails_to("ann@example.org")[1]);
    let done = try_code(&other, "ann@example.org", &code, "//evil.example/", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/rooms");
    s.stop().await;
}

#[tokio::test]
async fn the_mail_speaks_the_language_of_the_page() {
    let sink = SmtpSink::start().await;
    let s = server(&sink, 600).await;
    s.user("anne@example.fr", false).await;
    let fr = [("accept-language", "fr-FR,fr;q=0.9")];
    let page = request_code(&s.browser(), "anne@example.fr", "", &fr).await;
    assert!(page.body.contains("valable 10 minutes"), "{}", page.body);
    let mail = sink.wait_for_mail_to("anne@example.fr").await;
    assert_eq!(mail.subject, "Votre code de connexion Amphi");
    assert!(
        mail.text
            .as_deref()
            .unwrap_or_default()
            .contains("Votre code pour vous connecter"),
        "{:?}",
        mail.text
    );
    s.stop().await;
}

#[tokio::test]
async fn unknown_or_disabled_addresses_get_the_same_page_and_no_mail() {
    let sink = SmtpSink::start().await;
    let s = server(&sink, 600).await;
    s.user("ann@example.org", false).await;
    let gone = s.user("gone@example.org", false).await;
    s.db.store
        .set_user_disabled(&gone.id, true)
        .await
        .expect("disabled");
    let b = s.browser();
    let known = request_code(&b, "ann@example.org", "", &[]).await;
    let mut answers = Vec::new();
    for email in ["nobody@example.org", "gone@example.org"] {
        let page = request_code(&b, email, "", &[]).await;
        answers.push((page.status, page.body.replace(email, "ADDRESS")));
    }
    let known_answer = (
        known.status,
        known.body.replace("ann@example.org", "ADDRESS"),
    );
    for answer in &answers {
        assert_eq!(
            answer, &known_answer,
            "the same answer whatever the address"
        );
    }
    sink.wait_for_mail_to("ann@example.org").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "only the real, enabled account got a mail");
    assert_eq!(mails[0].rcpt_to, ["ann@example.org"]);

    // And trying a code for them answers like a wrong code.
    let unknown = try_code(&b, "nobody@example.org", "123456", "", &[]).await;
    let wrong = try_code(&b, "ann@example.org", "000000", "", &[]).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.body.replace("nobody@example.org", "ADDRESS"),
        wrong.body.replace("ann@example.org", "ADDRESS")
    );
    s.stop().await;
}

#[tokio::test]
async fn five_wrong_codes_kill_it() {
    let sink = SmtpSink::start().await;
    let s = server(&sink, 600).await;
    let ann = s.user("ann@example.org", false).await;
    let b = s.browser();
    request_code(&b, "ann@example.org", "", &[]).await;
    let code = code_in(&sink.wait_for_mail_to("ann@example.org").await);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for i in 0..5 {
        let page = try_code(&b, "ann@example.org", wrong, "", &[]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "try {i}");
    }
    // The code itself is dead (the address is also throttled for a while, so the page now
    // says to wait): ask the store, with the hash the server uses.
    assert_eq!(
        s.db.store
            .use_signin_code(&ann.id, &hash_code(&ann.id, &code), now_ms(), 5)
            .await
            .expect("checked"),
        CodeCheck::NoCode
    );
    let late = try_code(&b, "ann@example.org", &code, "", &[]).await;
    assert_ne!(
        late.status,
        StatusCode::SEE_OTHER,
        "the right code no longer signs in"
    );
    assert_eq!(b.get("/rooms").await.status, StatusCode::SEE_OTHER);
    s.stop().await;
}

#[tokio::test]
async fn an_expired_code_is_refused_and_a_new_code_replaces_the_old() {
    let sink = SmtpSink::start().await;
    let s = server(&sink, 1).await;
    s.user("ann@example.org", false).await;
    let b = s.browser();
    request_code(&b, "ann@example.org", "", &[]).await;
    let first = code_in(&sink.wait_for_mail_to("ann@example.org").await);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let late = try_code(&b, "ann@example.org", &first, "", &[]).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED, "expired");
    assert!(late.body.contains("This code is not valid"));
    s.stop().await;

    // With the normal lifetime: a second request replaces the first code.
    let s = server(&sink, 600).await;
    s.user("bob@example.org", false).await;
    let b = s.browser();
    request_code(&b, "bob@example.org", "", &[]).await;
    let old = code_in(&sink.wait_for_mail_to("bob@example.org").await);
    request_code(&b, "bob@example.org", "", &[]).await;
    let mails = loop {
        let mails = sink.mails_to("bob@example.org");
        if mails.len() == 2 {
            break mails;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let new = code_in(&mails[1]);
    if new != old {
        let refused = try_code(&b, "bob@example.org", &old, "", &[]).await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "the old code is replaced"
        );
    }
    let done = try_code(&b, "bob@example.org", &new, "", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    s.stop().await;
}

#[tokio::test]
async fn requests_and_tries_are_limited_per_address_and_per_client() {
    let sink = SmtpSink::start().await;
    let s = server(&sink, 600).await;
    s.user("ann@example.org", false).await;
    let b = s.browser();

    // Per e-mail address: 5 codes, then wait, whatever client asks.
    for i in 0..5 {
        let ip = format!("198.51.100.{i}");
        let page = request_code(&b, "ann@example.org", "", &[("x-forwarded-for", &ip)]).await;
        assert_eq!(page.status, StatusCode::OK, "request {i}");
    }
    let refused = request_code(
        &b,
        "ann@example.org",
        "",
        &[("x-forwarded-for", "198.51.100.99")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.contains_key("retry-after"));
    assert!(
        refused.body.contains("Too many attempts"),
        "{}",
        refused.body
    );
    sink.wait_for(5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sink.mails_to("ann@example.org").len(),
        5,
        "no mail beyond the limit"
    );

    // Per client address: 20 requests (any addresses), then wait; another client goes on.
    let client = [("x-forwarded-for", "203.0.113.7")];
    for i in 0..20 {
        let page = request_code(&b, &format!("u{i}@example.org"), "", &client).await;
        assert_eq!(page.status, StatusCode::OK, "request {i}");
    }
    let refused = request_code(&b, "u99@example.org", "", &client).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let other = request_code(
        &b,
        "u99@example.org",
        "",
        &[("x-forwarded-for", "203.0.113.8")],
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);

    // Tries per client address: 20 wrong ones, then wait.
    let client = [("x-forwarded-for", "192.0.2.1")];
    for i in 0..20 {
        let page = try_code(&b, &format!("t{i}@example.org"), "123456", "", &client).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "try {i}");
    }
    let refused = try_code(&b, "t99@example.org", "123456", "", &client).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    s.stop().await;
}
