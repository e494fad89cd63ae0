//! The organiser's side of registration (issue 6, G1/G4–G7) through the real forms, on every
//! backend: the custom fields and the public form's refusals (nothing stored), the cap, the
//! landing page allow-list, turning it off after a warning, series. The list and access:
//! registration_list.rs.

mod common;
mod programme_common;
mod registration_common;

use amphi_store::{FieldKind, RegistrationStatus, RegistrationTarget};
use common::{TestServer, test_backends};
use programme_common::{NOV_21_1430_PARIS, publish, stored_session};
use registration_common::*;
use reqwest::StatusCode;

const BASE: &str = "/programme/sessions/launch";

fn all_kinds() -> Vec<(&'static str, &'static str, bool, &'static str)> {
    vec![
        ("Organisation", "short_text", true, ""),
        ("Why come?", "long_text", false, ""),
        ("City", "single_choice", true, "Paris\nLyon"),
        ("Days", "multiple_choice", false, "Mon\nTue"),
        ("I accept the rules", "checkbox", true, ""),
    ]
}

#[tokio::test]
async fn custom_fields_and_refusals_that_store_nothing() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, session) = launch_scene(&s).await;
        // An invalid form names each problem and stores nothing.
        let bad = save_settings(
            &scene.owner,
            BASE,
            &[("enabled", "on"), ("cap", "0")],
            &[
                ("", "short_text", false, ""),
                ("City", "single_choice", true, ""),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for text in [
            "Maximum number of registrations",
            "Field 1: the question is missing.",
            "Field 2: give at least one choice.",
        ] {
            assert!(bad.body.contains(text), "{text}: {}", bad.body);
        }
        let store = &s.db.store;
        assert!(
            store
                .registration_settings(&target(&session))
                .await
                .expect("read")
                .is_none()
        );

        // The editor's buttons change the page, not the store.
        let csrf = scene.owner.csrf().await;
        let added = scene
            .owner
            .post(
                &format!("{BASE}/registration"),
                &[("csrf", &csrf), ("count", "0"), ("action", "add")],
            )
            .await;
        assert_eq!(added.status, StatusCode::OK);
        assert!(added.body.contains("name=\"label_0\""), "{}", added.body);
        assert!(added.body.contains("value=\"q1\""));
        assert!(
            store
                .registration_settings(&target(&session))
                .await
                .expect("read")
                .is_none()
        );

        let saved = save_settings(
            &scene.owner,
            BASE,
            &[("enabled", "on"), ("cap", "5")],
            &all_kinds(),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let settings = store
            .registration_settings(&target(&session))
            .await
            .expect("read")
            .expect("set");
        assert_eq!(settings.cap, Some(5));
        assert!(!settings.auto_approve);
        assert_eq!(settings.fields.len(), 5);
        assert_eq!(
            settings.fields[2].kind,
            FieldKind::SingleChoice(vec!["Paris".into(), "Lyon".into()])
        );

        // The public form, in French: every refusal names its field and stores nothing.
        let visitor = s.browser();
        let page = visitor
            .get_with("/s/launch/register", &[("accept-language", "fr")])
            .await;
        assert!(page.body.contains("<label for=\"f_q1\">Organisation <span class=\"required\">(obligatoire)</span></label>"), "{}", page.body);
        assert!(page.body.contains("type=\"radio\""));
        let missing = register(
            &visitor,
            "/s/launch",
            &[
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("f_q1", ""),
                ("f_q2", ""),
            ],
        )
        .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        for text in [
            "Organisation: this field is required.",
            "City: this field is required.",
            "I accept the rules: this field is required.",
            "aria-describedby=\"f_q1-error\"",
            "aria-invalid=\"true\"",
            "value=\"Ann\"",
        ] {
            assert!(missing.body.contains(text), "{text}: {}", missing.body);
        }
        let unknown = register(
            &visitor,
            "/s/launch",
            &[
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("f_q1", "ACME"),
                ("f_q2", ""),
                ("f_q3", "Paris"),
                ("f_q5", "on"),
                ("is_vip", "yes"),
            ],
        )
        .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.body.contains("is_vip"), "{}", unknown.body);
        let bad_choice = register(
            &visitor,
            "/s/launch",
            &[
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("f_q1", "ACME"),
                ("f_q2", ""),
                ("f_q3", "Nice"),
                ("f_q5", "on"),
            ],
        )
        .await;
        assert_eq!(bad_choice.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad_choice
                .body
                .contains("City: choose one of the choices offered.")
        );
        assert_eq!(
            store
                .count_registrations(&target(&session))
                .await
                .expect("count"),
            0
        );

        let ok = register(
            &visitor,
            "/s/launch",
            &[
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("f_q1", "ACME"),
                ("f_q2", "To learn"),
                ("f_q3", "Lyon"),
                ("f_q4", "Tue"),
                ("f_q4", "Mon"),
                ("f_q5", "on"),
            ],
        )
        .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        let r = &store
            .registrations(&target(&session), None)
            .await
            .expect("read")[0];
        assert_eq!(r.status, RegistrationStatus::Pending);
        assert_eq!(r.answers.len(), 5);
        // The same address again: nothing new.
        let again = register(
            &visitor,
            "/s/launch",
            &[
                ("name", "Ann 2"),
                ("email", "ANN@example.org"),
                ("f_q1", "X"),
                ("f_q2", ""),
                ("f_q3", "Lyon"),
                ("f_q5", "on"),
            ],
        )
        .await;
        assert!(again.body.contains("already registered"), "{}", again.body);
        assert_eq!(
            store
                .count_registrations(&target(&session))
                .await
                .expect("count"),
            1
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn the_cap_and_the_landing_page_allow_list() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, session) = launch_scene(&s).await;
        // Only an administrator sets the allow-list.
        assert_eq!(
            scene.owner.get("/admin/landing-domains").await.status,
            StatusCode::FORBIDDEN
        );
        let admin_csrf = scene.admin.csrf().await;
        let refused = scene
            .admin
            .post(
                "/admin/landing-domains",
                &[("csrf", &admin_csrf), ("domains", "example.org\nlocalhost")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(s.db.store.landing_domains().await.expect("read").is_empty());
        let set = scene
            .admin
            .post(
                "/admin/landing-domains",
                &[("csrf", &admin_csrf), ("domains", "Example.org")],
            )
            .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
        assert_eq!(
            s.db.store.landing_domains().await.expect("read"),
            ["example.org"]
        );

        let elsewhere = save_settings(
            &scene.owner,
            BASE,
            &[
                ("enabled", "on"),
                ("auto_approve", "on"),
                ("landing_url", "https://evil.example.net/"),
            ],
            &[],
        )
        .await;
        assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            elsewhere.body.contains("not on the administrator"),
            "{}",
            elsewhere.body
        );
        assert!(
            s.db.store
                .registration_settings(&target(&session))
                .await
                .expect("read")
                .is_none()
        );
        let landing = "https://www.example.org/merci";
        let saved = save_settings(
            &scene.owner,
            BASE,
            &[
                ("enabled", "on"),
                ("auto_approve", "on"),
                ("cap", "1"),
                ("landing_url", landing),
            ],
            &[],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

        let first = s.browser();
        let done = register(
            &first,
            "/s/launch",
            &[("name", "Ann"), ("email", "ann@example.org")],
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert_eq!(done.location(), landing);
        assert!(reg_cookie(&done).is_some());

        // Full: the form says so, a late post too, and nothing is stored.
        let second = s.browser();
        let page = second.get("/s/launch/register").await;
        assert!(page.body.contains("Registration is full"), "{}", page.body);
        let csrf = common::hidden_field(&first.get("/s/launch/register").await.body, "csrf");
        assert!(csrf.is_none(), "no form when full");
        let tok = {
            let gate = second.get("/s/launch").await;
            common::hidden_field(&gate.body, "csrf").expect("token")
        };
        let late = second
            .post(
                "/s/launch/register",
                &[
                    ("csrf", &tok),
                    ("name", "Bob"),
                    ("email", "bob@example.org"),
                ],
            )
            .await;
        assert_eq!(late.status, StatusCode::OK);
        assert!(late.body.contains("Registration is full"), "{}", late.body);
        assert_eq!(
            s.db.store
                .count_registrations(&target(&session))
                .await
                .expect("count"),
            1
        );

        // A domain taken off the list stops its redirects at once.
        scene
            .admin
            .post(
                "/admin/landing-domains",
                &[("csrf", &admin_csrf), ("domains", "")],
            )
            .await;
        let settings =
            s.db.store
                .registration_settings(&target(&session))
                .await
                .expect("read")
                .expect("set");
        let mut more = settings.clone();
        more.cap = None;
        s.db.store
            .set_registration_settings(&target(&session), &more)
            .await
            .expect("saved");
        let third = register(
            &s.browser(),
            "/s/launch",
            &[("name", "Cy"), ("email", "cy@example.org")],
        )
        .await;
        assert_eq!(third.status, StatusCode::OK, "our own page, {}", third.body);
        s.stop().await;
    }
}

#[tokio::test]
async fn turning_it_off_warns_with_the_count_then_deletes() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, session) = launch_scene(&s).await;
        save_settings(&scene.owner, BASE, &[("enabled", "on")], &all_kinds()[..1]).await;
        for who in ["a@example.org", "b@example.org"] {
            register(
                &s.browser(),
                "/s/launch",
                &[("name", "X"), ("email", who), ("f_q1", "Y")],
            )
            .await;
        }
        // Unticking "Require registration" asks first and deletes nothing.
        let off = save_settings(&scene.owner, BASE, &[], &all_kinds()[..1]).await;
        assert_eq!(off.status, StatusCode::SEE_OTHER);
        assert_eq!(off.location(), format!("{BASE}/registration/disable"));
        assert_eq!(
            s.db.store
                .registrations(&target(&session), None)
                .await
                .expect("read")
                .len(),
            2
        );
        let warning = scene
            .owner
            .get(&format!("{BASE}/registration/disable"))
            .await;
        assert!(
            warning
                .body
                .contains("deletes its 2 registrations for good"),
            "{}",
            warning.body
        );
        assert!(warning.body.contains("Delete 2 registrations and turn off"));
        let confirmed = scene
            .owner
            .post(
                &format!("{BASE}/registration/disable"),
                &[("csrf", &warning.csrf())],
            )
            .await;
        assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
        assert!(
            s.db.store
                .registrations(&target(&session), None)
                .await
                .expect("read")
                .is_empty()
        );
        assert!(
            s.db.store
                .registration_settings(&target(&session))
                .await
                .expect("read")
                .is_none()
        );
        assert!(!is_gate(&s.browser().get("/s/launch").await));
        // On again: the standard form.
        let page = scene.owner.get(&format!("{BASE}/registration")).await;
        assert!(page.body.contains("No custom fields"), "{}", page.body);
        enable(&scene.owner, BASE, false).await;
        let settings =
            s.db.store
                .registration_settings(&target(&session))
                .await
                .expect("read")
                .expect("set");
        assert!(settings.fields.is_empty());
        s.stop().await;
    }
}

#[tokio::test]
async fn a_series_shares_one_form_and_keeps_earlier_registrations() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (scene, first) = launch_scene(&s).await;
        let second = stored_session(&s, "day-two", NOV_21_1430_PARIS + 86_400_000).await;
        publish(&s, &second, "mod@example.org").await;
        // An approved registration to the first session, before any series.
        enable(&scene.owner, BASE, true).await;
        let early = s.browser();
        let done = register(
            &early,
            "/s/launch",
            &[("name", "Early"), ("email", "early@example.org")],
        )
        .await;
        let early_cookie = reg_cookie(&done).expect("cookie");

        let csrf = scene.owner.csrf().await;
        let bad = scene
            .owner
            .post("/programme/series", &[("csrf", &csrf), ("title", " ")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let created = scene
            .owner
            .post(
                "/programme/series",
                &[("csrf", &csrf), ("title", "Autumn talks")],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let owner =
            s.db.store
                .user_by_email("owner@example.org")
                .await
                .expect("read")
                .expect("owner");
        let series =
            s.db.store
                .series_of_owner(&owner.id)
                .await
                .expect("read")
                .remove(0);
        // Another organiser may not use it.
        let other_csrf = scene.manager.csrf().await;
        let stolen = scene
            .manager
            .post(
                &format!("{BASE}/registration/series"),
                &[("csrf", &other_csrf), ("series", series.id.as_str())],
            )
            .await;
        assert_eq!(stolen.status, StatusCode::FORBIDDEN);
        for slug in ["launch", "day-two"] {
            let put = scene
                .owner
                .post(
                    &format!("/programme/sessions/{slug}/registration/series"),
                    &[("csrf", &csrf), ("series", series.id.as_str())],
                )
                .await;
            assert_eq!(put.status, StatusCode::SEE_OTHER, "{}", put.body);
        }
        let note = scene.owner.get(&format!("{BASE}/registration")).await;
        assert!(note.body.contains("Autumn talks"), "{}", note.body);
        let series_base = format!("/programme/series/{}", series.id);
        save_settings(
            &scene.owner,
            &series_base,
            &[("enabled", "on"), ("auto_approve", "on")],
            &all_kinds()[..1],
        )
        .await;

        // Registering on day two's page uses the series' form and opens both sessions.
        let visitor = s.browser();
        let form = visitor.get("/s/day-two/register").await;
        assert!(
            form.body.contains("name=\"f_q1\""),
            "the series' form: {}",
            form.body
        );
        let done = register(
            &visitor,
            "/s/day-two",
            &[
                ("name", "Vi"),
                ("email", "vi@example.org"),
                ("f_q1", "ACME"),
            ],
        )
        .await;
        let cookie = reg_cookie(&done).expect("cookie");
        let in_series =
            s.db.store
                .registrations(&RegistrationTarget::Series(series.id.clone()), None)
                .await
                .expect("read");
        assert_eq!(in_series.len(), 1);
        for slug in ["/s/launch", "/s/day-two"] {
            assert!(!is_gate(&visitor.get(slug).await), "{slug}");
            assert_eq!(
                ws_join(&s.base, slug, Some(&cookie)).await.0,
                "welcome",
                "{slug}"
            );
        }
        // The earlier registration is kept and still opens its own session, not the others.
        assert_eq!(
            s.db.store
                .registrations(&target(&first), None)
                .await
                .expect("read")
                .len(),
            1
        );
        assert!(!is_gate(&early.get("/s/launch").await));
        assert_eq!(
            ws_join(&s.base, "/s/launch", Some(&early_cookie)).await.0,
            "welcome"
        );
        assert!(is_gate(&early.get("/s/day-two").await));
        let list = scene.owner.get("/programme/series").await;
        assert!(list.body.contains("Autumn talks") && list.body.contains("href=\"/s/day-two\""));
        s.stop().await;
    }
}
