//! The back office through HTTP, in-process, on every test backend (issue "Foundation").

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

#[tokio::test]
async fn owner_creates_lists_renames_and_deletes_rooms() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (ann, b) = s.signed_in("ann@example.org", false).await;

        let r = b.create_room("Réunion d'équipe").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/rooms?notice=room_created");
        // Collisions get -2, -3.
        b.create_room("Réunion d’équipe").await;
        b.create_room("REUNION D EQUIPE").await;
        let mut slugs: Vec<String> =
            s.db.store
                .rooms_owned_by(&ann.id)
                .await
                .expect("list")
                .into_iter()
                .map(|r| r.slug)
                .collect();
        slugs.sort();
        assert_eq!(
            slugs,
            [
                "reunion-d-equipe",
                "reunion-d-equipe-2",
                "reunion-d-equipe-3"
            ]
        );

        let list = b.get("/rooms?notice=room_created").await;
        assert!(list.body.contains("The room is created."));
        assert!(
            list.body
                .contains(&format!("{}/r/reunion-d-equipe-2", s.base))
        );
        assert!(
            list.body
                .contains("aria-label=\"Copy the link of room Réunion d’équipe\"")
        );

        let form = b.get("/rooms/reunion-d-equipe/rename").await;
        assert_eq!(form.status, StatusCode::OK);
        let renamed = b
            .post(
                "/rooms/reunion-d-equipe/rename",
                &[("name", "  Weekly sync  "), ("csrf", &form.csrf())],
            )
            .await;
        assert_eq!(renamed.status, StatusCode::SEE_OTHER);
        let room =
            s.db.store
                .room_by_slug("reunion-d-equipe")
                .await
                .expect("lookup")
                .expect("the slug is permanent");
        assert_eq!(room.name, "Weekly sync");

        let page = b.get("/r/reunion-d-equipe").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("data-slug=\"reunion-d-equipe\""));
        assert!(page.body.contains("data-room-name=\"Weekly sync\""));
        assert!(page.body.contains("/static/js/room/main.js"));

        let confirm = b.get("/rooms/reunion-d-equipe/delete").await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(confirm.body.contains("cannot be undone"));
        let deleted = b
            .post(
                "/rooms/reunion-d-equipe/delete",
                &[("csrf", &confirm.csrf())],
            )
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert!(
            s.db.store
                .room_by_slug("reunion-d-equipe")
                .await
                .expect("lookup")
                .is_none()
        );
        let gone = s.browser().get("/r/reunion-d-equipe").await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert!(gone.body.contains("Room not found"), "{}", gone.body);
        s.stop().await;
    }
}

#[tokio::test]
async fn another_user_cannot_touch_my_rooms() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, ann) = s.signed_in("ann@example.org", false).await;
        let (_, bob) = s.signed_in("bob@example.org", true).await;
        ann.create_room("Ann's room").await;
        let bob_csrf = bob.csrf().await;

        assert_eq!(
            bob.get("/rooms/ann-s-room/rename").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bob.get("/rooms/ann-s-room/delete").await.status,
            StatusCode::FORBIDDEN
        );
        let rename = bob
            .post(
                "/rooms/ann-s-room/rename",
                &[("name", "Mine now"), ("csrf", &bob_csrf)],
            )
            .await;
        assert_eq!(rename.status, StatusCode::FORBIDDEN);
        assert!(rename.body.contains("Not allowed"));
        let delete = bob
            .post("/rooms/ann-s-room/delete", &[("csrf", &bob_csrf)])
            .await;
        assert_eq!(delete.status, StatusCode::FORBIDDEN);
        let room =
            s.db.store
                .room_by_slug("ann-s-room")
                .await
                .expect("lookup")
                .expect("still there");
        assert_eq!(room.name, "Ann's room");
        assert!(!bob.get("/rooms").await.body.contains("Ann&#x27;s room"));
        assert!(!bob.get("/rooms").await.body.contains("ann-s-room"));

        // Anonymous: sent to sign in, nothing changes.
        let anon = s.browser();
        let r = anon
            .post("/rooms/ann-s-room/delete", &[("csrf", &bob_csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/signin"));
        let r = anon.post("/rooms", &[("name", "Anon")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/signin"));
        assert!(
            s.db.store
                .room_by_slug("ann-s-room")
                .await
                .expect("ok")
                .is_some()
        );
        assert_eq!(s.db.store.list_rooms().await.expect("ok").len(), 1);
        assert_eq!(
            anon.get("/rooms/ann-s-room/rename").await.location(),
            "/signin?next=/rooms/ann-s-room/rename"
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn bad_room_names_are_refused_and_markup_is_escaped_everywhere() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (ann, b) = s.signed_in("ann@example.org", false).await;
        let long = "x".repeat(10_000);
        for (name, message) in [
            ("", "Enter a name for the room."),
            ("   ", "Enter a name for the room."),
            (long.as_str(), "100 characters at most"),
            ("a\u{7}b", "control characters"),
            ("line\nbreak", "control characters"),
        ] {
            let r = b.create_room(name).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
            assert!(r.body.contains(message), "{name:?}: {}", r.body);
        }
        assert!(
            s.db.store
                .rooms_owned_by(&ann.id)
                .await
                .expect("ok")
                .is_empty()
        );

        let evil = "<script>alert(1)</script>";
        assert_eq!(b.create_room(evil).await.status, StatusCode::SEE_OTHER);
        let slug = "script-alert-1-script";
        let escaped = "&#60;script&#62;alert(1)&#60;/script&#62;";
        for path in [
            "/rooms".to_owned(),
            format!("/rooms/{slug}/rename"),
            format!("/rooms/{slug}/delete"),
            format!("/r/{slug}"),
        ] {
            let page = b.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(!page.body.contains(evil), "{path} shows raw markup");
            assert!(
                page.body.contains(escaped) || page.body.contains("&lt;script&gt;"),
                "{path}: {}",
                page.body
            );
        }
        // A rename to a bad name echoes it back escaped and changes nothing.
        let form = b.get(&format!("/rooms/{slug}/rename")).await;
        let r = b
            .post(
                &format!("/rooms/{slug}/rename"),
                &[("name", "<b>\u{0}</b>"), ("csrf", &form.csrf())],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!r.body.contains("<b>"));
        let room =
            s.db.store
                .room_by_slug(slug)
                .await
                .expect("ok")
                .expect("exists");
        assert_eq!(room.name, evil);
        s.stop().await;
    }
}

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

#[tokio::test]
async fn pages_speak_french_or_english() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let b = s.browser();
        let fr = b
            .get_with("/signin", &[("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")])
            .await;
        assert!(fr.body.contains("<html lang=\"fr\">"));
        assert!(fr.body.contains("Se connecter"));
        assert!(fr.body.contains("hreflang=\"en\""));
        let missing = b.get_with("/r/nope", &[("accept-language", "fr")]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(
            missing.body.contains("Salle introuvable"),
            "{}",
            missing.body
        );
        assert_eq!(b.get("/no/such/page").await.status, StatusCode::NOT_FOUND);

        // The switch sets a cookie that wins over Accept-Language, and comes back.
        let switch = b.get("/lang/en?next=/signin").await;
        assert_eq!(switch.status, StatusCode::SEE_OTHER);
        assert_eq!(switch.location(), "/signin");
        let en = b.get_with("/signin", &[("accept-language", "fr")]).await;
        assert!(en.body.contains("<html lang=\"en\">"));
        // No open redirect.
        assert_eq!(b.get("/lang/fr?next=//evil.example").await.location(), "/");
        s.stop().await;
    }
}

#[tokio::test]
async fn healthz_reports_the_database() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let b = s.browser();
        let ok = b.get("/healthz").await;
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.body.trim(), "ok");
        s.server().state.store.close().await;
        let down = b.get("/healthz").await;
        assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(down.body.contains("database"), "{}", down.body);
        s.stop().await;
    }
}

#[tokio::test]
async fn metrics_count_requests_users_and_rooms() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, b) = s.signed_in("ann@example.org", false).await;
        b.create_room("One").await;
        b.get("/nothing-here").await;
        let extra = s
            .server()
            .state
            .metrics
            .counter("amphi_test_things_total", "Things other modules count");
        extra.add(7);
        let m = b.get("/metrics").await;
        assert_eq!(m.status, StatusCode::OK);
        assert!(
            m.headers["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/plain; version=0.0.4")
        );
        assert!(
            m.body.contains("# TYPE amphi_http_requests_total counter"),
            "{}",
            m.body
        );
        assert!(
            m.body
                .contains("amphi_http_requests_total{class=\"4xx\"} 1"),
            "{}",
            m.body
        );
        assert!(m.body.contains("amphi_http_requests_total{class=\"3xx\"}"));
        assert!(m.body.contains("amphi_users 1\n"), "{}", m.body);
        assert!(m.body.contains("amphi_rooms 1\n"), "{}", m.body);
        assert!(m.body.contains("amphi_sign_ins_total 1\n"));
        assert!(m.body.contains("amphi_test_things_total 7\n"));
        s.stop().await;
    }
}

#[tokio::test]
async fn static_files_have_types_and_cache_headers() {
    let s = TestServer::start(amphi_store::Backend::Sqlite).await;
    let b = s.browser();
    let css = b.get("/static/css/backoffice.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    let etag = css.headers["etag"].to_str().expect("ascii").to_owned();
    assert!(css.headers.contains_key("cache-control"));
    let js = b.get("/static/js/backoffice.js").await;
    assert!(
        js.headers["content-type"]
            .to_str()
            .expect("ascii")
            .contains("javascript"),
        "{:?}",
        js.headers
    );
    let again = b
        .get_with("/static/css/backoffice.css", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        b.get("/static/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get("/static/%2e%2e/Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    s.stop().await;
}
