//! Signing in and out, cookies, throttling and CSRF through HTTP, on every test backend.

mod common;

use common::{PASSWORD, TestServer, test_backends};
use reqwest::StatusCode;

#[tokio::test]
async fn sign_in_sign_out_and_cookie_flags() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        s.user("ann@example.org", false).await;
        let b = s.browser();

        let anonymous = b.get("/rooms").await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
        assert_eq!(anonymous.location(), "/signin?next=/rooms");

        let r = b.sign_in("ANN@example.org", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/rooms");
        let cookie = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("amphi_login="))
            .expect("login cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");
        // Only the token's hash is stored.
        let token = cookie
            .trim_start_matches("amphi_login=")
            .split(';')
            .next()
            .expect("value");
        let hash = amphi_server::auth::token::hash_token(token);
        let found =
            s.db.store
                .login_by_token_hash(token, amphi_store::now_ms())
                .await
                .expect("lookup");
        assert!(found.is_none(), "the clear token is not a key");
        assert!(
            s.db.store
                .login_by_token_hash(&hash, amphi_store::now_ms())
                .await
                .expect("lookup")
                .is_some()
        );

        let rooms = b.get("/rooms").await;
        assert_eq!(rooms.status, StatusCode::OK);
        assert!(rooms.body.contains("ann@example.org"));

        let out = b.post("/signout", &[("csrf", &rooms.csrf())]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.location(), "/signin?notice=signed_out");
        assert_eq!(b.get("/rooms").await.status, StatusCode::SEE_OTHER);
        let login =
            s.db.store
                .login_by_token_hash(&hash, amphi_store::now_ms())
                .await
                .expect("lookup");
        assert!(login.is_none(), "the login is deleted");
        s.stop().await;
    }
}

#[tokio::test]
async fn secure_cookie_behind_https_proxy() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        s.user("ann@example.org", false).await;
        let b = s.browser();
        let form = b.get("/signin").await;
        let r = b
            .post_with(
                "/signin",
                &[
                    ("email", "ann@example.org"),
                    ("password", PASSWORD),
                    ("csrf", &form.csrf()),
                ],
                &[("x-forwarded-proto", "https")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let cookie = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("amphi_login="))
            .expect("login cookie");
        assert!(cookie.contains("; Secure"), "{cookie}");
        s.stop().await;
    }
}

#[tokio::test]
async fn secure_cookie_when_the_public_url_is_https() {
    let s = TestServer::start_with(amphi_store::Backend::Sqlite, |c| {
        c.http.public_url = Some("https://meet.example.org".to_owned());
    })
    .await;
    s.user("ann@example.org", false).await;
    let b = s.browser();
    let form = b.get("/signin").await;
    assert!(
        form.set_cookies()
            .iter()
            .any(|c| c.starts_with("amphi_pre=") && c.contains("; Secure")),
        "{:?}",
        form.set_cookies()
    );
    // reqwest's jar keeps Secure cookies for https only: send the form's cookie by hand.
    let pre = form
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("amphi_pre="))
        .and_then(|c| c.split(';').next().map(str::to_owned))
        .expect("pre-login cookie");
    let r = b
        .post_with(
            "/signin",
            &[
                ("email", "ann@example.org"),
                ("password", PASSWORD),
                ("csrf", &form.csrf()),
            ],
            &[("cookie", &pre), ("origin", "https://meet.example.org")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("amphi_login="))
        .expect("login cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    s.stop().await;
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_refused_alike() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        s.user("ann@example.org", false).await;
        let b = s.browser();
        for (email, password) in [
            ("ann@example.org", "wrong password!"),
            ("nobody@example.org", PASSWORD),
        ] {
            let r = b.sign_in(email, password).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert!(
                r.body.contains("Wrong e-mail address or password."),
                "{}",
                r.body
            );
            assert!(
                !r.set_cookies()
                    .iter()
                    .any(|c| c.starts_with("amphi_login="))
            );
        }
        assert_eq!(b.get("/rooms").await.status, StatusCode::SEE_OTHER);
        s.stop().await;
    }
}

#[tokio::test]
async fn repeated_failures_are_throttled() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        s.user("ann@example.org", false).await;
        s.user("bob@example.org", false).await;
        let b = s.browser();
        for _ in 0..amphi_server::auth::throttle::FREE_FAILURES_PER_EMAIL {
            assert_eq!(
                b.sign_in("ann@example.org", "wrong password!").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        // Locked: even the right password is refused, with a clear message.
        let locked = b.sign_in("ann@example.org", PASSWORD).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            locked.body.contains("Too many failed sign-in attempts"),
            "{}",
            locked.body
        );
        assert!(locked.headers.contains_key("retry-after"));
        assert_eq!(b.get("/rooms").await.status, StatusCode::SEE_OTHER);
        // Another account from the same address is not locked by Ann's failures.
        assert_eq!(
            b.sign_in("bob@example.org", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        s.stop().await;
    }
}

/// A burst of concurrent guesses: each is counted before its password is checked, so no
/// more than the free failures are ever verified, whatever the timing.
#[tokio::test]
async fn concurrent_guesses_cannot_pass_the_lockout() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        s.user("ann@example.org", false).await;
        let b = s.browser();
        let csrf = b.get("/signin").await.csrf();
        let guesses: Vec<_> = (0..30)
            .map(|i| {
                let browser = common::Browser {
                    client: b.client.clone(),
                    base: b.base.clone(),
                };
                let csrf = csrf.clone();
                tokio::spawn(async move {
                    let guess = format!("wrong guess number {i}");
                    browser
                        .post(
                            "/signin",
                            &[
                                ("email", "ann@example.org"),
                                ("password", guess.as_str()),
                                ("csrf", csrf.as_str()),
                            ],
                        )
                        .await
                        .status
                })
            })
            .collect();
        let mut verified = 0;
        for guess in guesses {
            match guess.await.expect("request task") {
                StatusCode::UNAUTHORIZED => verified += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(
            verified,
            amphi_server::auth::throttle::FREE_FAILURES_PER_EMAIL,
            "{backend:?}: guesses verified"
        );
        assert_eq!(
            b.sign_in("ann@example.org", PASSWORD).await.status,
            StatusCode::TOO_MANY_REQUESTS,
            "still locked"
        );
        s.stop().await;
    }
}

/// Behind the documented local reverse proxy, each visitor is known by the address the proxy
/// appends to X-Forwarded-For (the last hop; the ones before it are the client's word): one
/// address's failures do not lock out another.
#[tokio::test]
async fn visitors_behind_a_local_proxy_are_throttled_apart() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        s.user("ann@example.org", false).await;
        let b = s.browser();
        let guesser = [("x-forwarded-for", "203.0.113.7")];
        for i in 0..amphi_server::auth::throttle::FREE_FAILURES_PER_IP {
            let form = b.get("/signin").await;
            let email = format!("nobody{i}@example.org");
            let r = b
                .post_with(
                    "/signin",
                    &[
                        ("email", email.as_str()),
                        ("password", "wrong password!"),
                        ("csrf", &form.csrf()),
                    ],
                    &guesser,
                )
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "guess {i}");
        }
        let sign_in_from = |forwarded: &'static str| {
            let b = &b;
            async move {
                let form = b.get("/signin").await;
                b.post_with(
                    "/signin",
                    &[
                        ("email", "ann@example.org"),
                        ("password", PASSWORD),
                        ("csrf", &form.csrf()),
                    ],
                    &[("x-forwarded-for", forwarded)],
                )
                .await
                .status
            }
        };
        // The guesser's address is locked, even claiming another address before it.
        assert_eq!(
            sign_in_from("198.51.100.20, 203.0.113.7").await,
            StatusCode::TOO_MANY_REQUESTS
        );
        // Ann, coming through the same proxy from elsewhere, is not.
        assert_eq!(
            sign_in_from("198.51.100.20").await,
            StatusCode::SEE_OTHER,
            "{backend:?}"
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn forms_without_the_right_token_or_from_elsewhere_are_refused() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (ann, b) = s.signed_in("ann@example.org", false).await;
        let csrf = b.csrf().await;

        let missing = b.post("/rooms", &[("name", "Missing")]).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
        assert!(
            missing.body.contains("The form has expired"),
            "{}",
            missing.body
        );
        let wrong = b
            .post(
                "/rooms",
                &[("name", "Wrong"), ("csrf", "x".repeat(43).as_str())],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        let elsewhere = b
            .post_with(
                "/rooms",
                &[("name", "Elsewhere"), ("csrf", &csrf)],
                &[("origin", "http://evil.example")],
            )
            .await;
        assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
        assert!(
            s.db.store
                .rooms_owned_by(&ann.id)
                .await
                .expect("list")
                .is_empty(),
            "nothing created"
        );

        // Sign-out and sign-in are protected too.
        assert_eq!(b.post("/signout", &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            b.get("/rooms").await.status,
            StatusCode::OK,
            "still signed in"
        );
        let other = s.browser();
        let r = other
            .post(
                "/signin",
                &[("email", "ann@example.org"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // The same origin with the right token works.
        let ok = b
            .post_with(
                "/rooms",
                &[("name", "Fine"), ("csrf", &csrf)],
                &[("origin", &s.base)],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        s.stop().await;
    }
}
