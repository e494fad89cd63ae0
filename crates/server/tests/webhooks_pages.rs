//! The webhooks back office on both databases: only administrators reach it, URLs and events
//! are validated, the secret is shown once, enable/disable/delete, the test event, and the
//! delivery log's pages.

mod common;
mod webhooks_common;

use std::time::Duration;

use amphi_store::{NewWebhookEvent, now_ms};
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use webhooks_common::{Receiver, add_endpoint, new_secret, verify};

#[tokio::test]
async fn only_administrators_reach_the_pages() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, admin) = s.signed_in("admin@example.org", true).await;
        let (endpoint_id, _) =
            add_endpoint(&admin, "https://hooks.example.org/in", &["room.opened"]).await;
        let paths = [
            "/admin/webhooks".to_owned(),
            format!("/admin/webhooks/{endpoint_id}"),
        ];
        let posts = ["enable", "disable", "test", "delete"]
            .map(|a| format!("/admin/webhooks/{endpoint_id}/{a}"));

        let anonymous = s.browser();
        for path in &paths {
            let page = anonymous.get(path).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            assert!(page.location().starts_with("/signin"), "{path}");
        }
        let (_, user) = s.signed_in("ann@example.org", false).await;
        let csrf = user.csrf().await;
        for path in &paths {
            assert_eq!(user.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
        }
        for path in posts
            .iter()
            .chain(std::iter::once(&"/admin/webhooks".to_owned()))
        {
            let page = user
                .post(
                    path,
                    &[
                        ("csrf", &csrf),
                        ("url", "https://evil.example/"),
                        ("event", "room.opened"),
                    ],
                )
                .await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        }
        // Nothing changed: still one endpoint, enabled, no delivery.
        let endpoints = s.db.store.webhook_endpoints().await.expect("list");
        assert_eq!(endpoints.len(), 1);
        assert!(endpoints[0].enabled);
        assert_eq!(
            s.db.store
                .count_webhook_deliveries_of(&endpoint_id)
                .await
                .expect("count"),
            0
        );
        // The menu shows the entry to administrators only.
        assert!(
            admin
                .get("/rooms")
                .await
                .body
                .contains("href=\"/admin/webhooks\"")
        );
        assert!(
            !user
                .get("/rooms")
                .await
                .body
                .contains("href=\"/admin/webhooks\"")
        );
        // Without the CSRF token, even an administrator changes nothing.
        let no_token = admin.post(&posts[1], &[("csrf", "nope")]).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN);
        s.stop().await;
    }
}

#[tokio::test]
async fn urls_and_events_are_validated() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, b) = s.signed_in("admin@example.org", true).await;
        let csrf = b.csrf().await;
        let cases: &[(&str, &[&str], &str)] = &[
            ("", &["room.opened"], "Enter the URL to post to."),
            (
                "ftp://example.org/in",
                &["room.opened"],
                "must start with http:// or https://",
            ),
            (
                "example.org/in",
                &["room.opened"],
                "must start with http:// or https://",
            ),
            (
                "javascript:alert(1)",
                &["room.opened"],
                "must start with http:// or https://",
            ),
            (
                "https://user:pw@example.org/in",
                &["room.opened"],
                "Leave user names and passwords out",
            ),
            ("https://example.org/in", &[], "Choose at least one event."),
            (
                "https://example.org/in",
                &["no.such.event"],
                "Choose at least one event.",
            ),
        ];
        for (url, events, message) in cases {
            let mut form = vec![("url", *url), ("description", "x"), ("csrf", csrf.as_str())];
            form.extend(events.iter().map(|e| ("event", *e)));
            let page = b.post("/admin/webhooks", &form).await;
            assert_eq!(
                page.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{url} {events:?}"
            );
            assert!(
                page.body.contains(message),
                "{url}: {message} not in the page"
            );
            assert!(new_secret(&page.body).is_none());
            // The form keeps what was typed (escaped).
            if !url.is_empty() {
                assert!(
                    page.body
                        .contains(&format!("value=\"{}\"", url.replace('&', "&amp;"))),
                    "{url}"
                );
            }
        }
        let long = "d".repeat(201);
        let page = b
            .post(
                "/admin/webhooks",
                &[
                    ("url", "https://example.org/in"),
                    ("description", &long),
                    ("event", "room.opened"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("The description is too long"));
        assert!(
            s.db.store
                .webhook_endpoints()
                .await
                .expect("list")
                .is_empty()
        );

        // French messages.
        let fr = b
            .post_with(
                "/admin/webhooks",
                &[
                    ("url", "ftp://x"),
                    ("event", "room.opened"),
                    ("csrf", &csrf),
                ],
                &[("accept-language", "fr")],
            )
            .await;
        assert!(
            fr.body.contains("L’URL doit commencer par http://"),
            "{}",
            fr.body
        );

        // A valid one: events kept in the listed order, unknown ones dropped.
        let ok = b
            .post(
                "/admin/webhooks",
                &[
                    ("url", " http://127.0.0.1:9/in?token=1 "),
                    ("description", "Intranet <calendar>"),
                    ("event", "live.ended"),
                    ("event", "bogus"),
                    ("event", "room.opened"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
        let endpoints = s.db.store.webhook_endpoints().await.expect("list");
        assert_eq!(endpoints.len(), 1);
        assert_eq!(endpoints[0].url, "http://127.0.0.1:9/in?token=1");
        assert_eq!(endpoints[0].events, ["room.opened", "live.ended"]);
        assert!(
            ok.body.contains("Intranet &lt;calendar&gt;")
                || ok.body.contains("Intranet &#60;calendar&#62;")
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn the_secret_is_shown_once_and_endpoints_are_managed() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, |c| c.webhooks.retry_base_secs = 1).await;
        let receiver = Receiver::start().await;
        let (_, b) = s.signed_in("admin@example.org", true).await;
        let (id, secret) = add_endpoint(&b, &receiver.url(), &["room.opened"]).await;
        assert!(secret.starts_with("whsec_"), "{secret}");
        // Stored as given (signing needs it), never shown again.
        let stored =
            s.db.store
                .webhook_endpoint(&id)
                .await
                .expect("read")
                .expect("exists");
        assert_eq!(stored.secret, secret);
        for path in [
            "/admin/webhooks".to_owned(),
            format!("/admin/webhooks/{id}"),
        ] {
            let page = b.get(&path).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.body.contains(&secret), "{path} shows the secret");
            assert!(page.body.contains(&receiver.url()), "{path}");
        }

        // Send a test event: delivered, signed, logged.
        let csrf = b.csrf().await;
        let test = b
            .post(&format!("/admin/webhooks/{id}/test"), &[("csrf", &csrf)])
            .await;
        assert_eq!(test.status, StatusCode::SEE_OTHER);
        assert_eq!(test.location(), format!("/admin/webhooks/{id}?notice=test"));
        let got = receiver
            .wait_for_event("webhook.test", Duration::from_secs(20))
            .await;
        assert!(verify(&secret, &got.signature, &got.body));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let log = b.get(&format!("/admin/webhooks/{id}")).await;
            if log.body.contains("delivery delivered") {
                assert!(log.body.contains("<td class=\"http\">200</td>"));
                assert!(log.body.contains("webhook.test"));
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{}", log.body);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // Disabled: no new deliveries for its events.
        let off = b
            .post(&format!("/admin/webhooks/{id}/disable"), &[("csrf", &csrf)])
            .await;
        assert_eq!(off.status, StatusCode::SEE_OTHER);
        let page = b.get(off.location()).await;
        assert!(page.body.contains("Endpoint disabled"));
        assert!(page.body.contains(&format!("/admin/webhooks/{id}/enable")));
        amphi_server::webhooks::enqueue(
            &s.db.store,
            &amphi_server::webhooks::WebhookEvent::RoomOpened {
                room_slug: "x".into(),
                by: None,
            },
        )
        .await
        .expect("queued");
        assert_eq!(
            s.db.store
                .count_webhook_deliveries_of(&id)
                .await
                .expect("count"),
            1
        );
        let on = b
            .post(&format!("/admin/webhooks/{id}/enable"), &[("csrf", &csrf)])
            .await;
        assert_eq!(on.status, StatusCode::SEE_OTHER);
        assert!(
            s.db.store
                .webhook_endpoint(&id)
                .await
                .expect("read")
                .expect("exists")
                .enabled
        );

        // Unknown ids are 404.
        let missing = "0".repeat(32);
        assert_eq!(
            b.get(&format!("/admin/webhooks/{missing}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            b.post(
                &format!("/admin/webhooks/{missing}/test"),
                &[("csrf", &csrf)]
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );

        // Deleted with its log.
        let gone = b
            .post(&format!("/admin/webhooks/{id}/delete"), &[("csrf", &csrf)])
            .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER);
        assert_eq!(gone.location(), "/admin/webhooks?notice=deleted");
        assert!(
            b.get(gone.location())
                .await
                .body
                .contains("Endpoint deleted.")
        );
        assert!(
            s.db.store
                .webhook_endpoint(&id)
                .await
                .expect("read")
                .is_none()
        );
        assert_eq!(
            s.db.store
                .count_webhook_deliveries_of(&id)
                .await
                .expect("count"),
            0
        );
        receiver.stop();
        s.stop().await;
    }
}

#[tokio::test]
async fn the_delivery_log_is_paged_newest_first() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, b) = s.signed_in("admin@example.org", true).await;
        // An endpoint nobody listens on; disabled, so the worker leaves its deliveries alone.
        let (id, _) = add_endpoint(&b, "http://127.0.0.1:9/in", &["room.opened"]).await;
        s.db.store
            .set_webhook_endpoint_enabled(&id, false)
            .await
            .expect("disable");
        let t0 = now_ms() - 1_000_000;
        for i in 0..120_i64 {
            s.db.store
                .enqueue_webhook_delivery(
                    &id,
                    &NewWebhookEvent {
                        event_id: format!("evt_{i:03}"),
                        event_type: "room.opened".into(),
                        body: "{}".into(),
                        created_at: t0 + i * 1000,
                    },
                )
                .await
                .expect("queued");
        }
        let rows = |html: &str| html.matches("<tr id=\"delivery-").count();
        let first = b.get(&format!("/admin/webhooks/{id}")).await;
        assert_eq!(rows(&first.body), 50);
        assert!(first.body.contains("Page 1 / 3"));
        assert!(
            first
                .body
                .contains(&format!("href=\"/admin/webhooks/{id}?page=2\""))
        );
        let third = b.get(&format!("/admin/webhooks/{id}?page=3")).await;
        assert_eq!(rows(&third.body), 20);
        assert!(third.body.contains("Page 3 / 3"));
        // Newest first: page 1 starts with the last one queued, page 3 ends with the first.
        let newest =
            s.db.store
                .webhook_deliveries_of(&id, 1, 0)
                .await
                .expect("page")[0]
                .clone();
        assert_eq!(newest.created_at, t0 + 119_000);
        let first_row = first.body.find("<tr id=\"delivery-").expect("a row");
        assert!(first.body[first_row..].starts_with(&format!("<tr id=\"delivery-{}\"", newest.id)));
        let oldest =
            s.db.store
                .webhook_deliveries_of(&id, 1, 119)
                .await
                .expect("page")[0]
                .clone();
        assert_eq!(oldest.created_at, t0);
        assert!(third.body.contains(&format!("delivery-{}", oldest.id)));
        // A page past the end shows the last one.
        let past = b.get(&format!("/admin/webhooks/{id}?page=99")).await;
        assert!(past.body.contains("Page 3 / 3"));
        s.stop().await;
    }
}
