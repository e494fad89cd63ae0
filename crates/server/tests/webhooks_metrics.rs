//! `/metrics` for operators (issue 10, O5), both databases: open rooms and the webhook queue's
//! length and failures are exposed, and `[metrics] listen` moves `/metrics` to an address of
//! its own (the main listener then answers 404 for it).

mod common;

use std::time::Duration;

use amphi_server::webhooks::{self, WebhookEvent};
use amphi_store::{NewWebhookEndpoint, now_ms};
use common::{TestServer, test_backends};
use reqwest::StatusCode;

/// The value of one series in the text format.
fn value(text: &str, series: &str) -> Option<i64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test]
async fn open_rooms_and_the_webhook_queue_are_counted() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, |c| c.webhooks.retry_base_secs = 1).await;
        let (_, b) = s.signed_in("admin@example.org", true).await;
        b.create_room("One").await;
        b.create_room("Two").await;
        let text = b.get("/metrics").await.body;
        assert_eq!(value(&text, "amphi_rooms"), Some(2), "{text}");
        assert_eq!(value(&text, "amphi_rooms_open"), Some(0));
        assert_eq!(value(&text, "amphi_webhook_deliveries_pending"), Some(0));
        assert!(text.contains("# TYPE amphi_mail_failures_total counter"));

        // An endpoint nobody answers: its deliveries stay pending and each attempt fails.
        s.db.store
            .create_webhook_endpoint(NewWebhookEndpoint {
                url: "http://127.0.0.1:9/refused".into(),
                description: String::new(),
                events: vec!["room.opened".into()],
                secret: "whsec_x".into(),
                created_at: now_ms(),
            })
            .await
            .expect("endpoint");
        let csrf = b.csrf().await;
        b.post("/rooms/one/open", &[("csrf", &csrf)]).await;
        webhooks::enqueue(
            &s.db.store,
            &WebhookEvent::RoomOpened {
                room_slug: "two".into(),
                by: None,
            },
        )
        .await
        .expect("queued");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let text = b.get("/metrics").await.body;
            let errors =
                value(&text, "amphi_webhook_attempts_total{outcome=\"error\"}").unwrap_or(0);
            if errors >= 2 {
                assert_eq!(value(&text, "amphi_rooms_open"), Some(1), "{text}");
                assert_eq!(
                    value(&text, "amphi_webhook_deliveries_pending"),
                    Some(2),
                    "{text}"
                );
                assert_eq!(
                    value(&text, "amphi_webhook_attempts_total{outcome=\"delivered\"}"),
                    Some(0)
                );
                assert_eq!(
                    value(&text, "amphi_webhook_deliveries_failed_total"),
                    Some(0)
                );
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{text}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn metrics_listen_serves_metrics_on_its_own_address_only() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, |c| {
            c.metrics.listen = Some("127.0.0.1:0".parse().expect("valid"));
        })
        .await;
        let addr = s.server().metrics_addr.expect("a metrics address");
        assert_ne!(addr.port(), 0);
        assert_ne!(addr, s.server().addr);
        let b = s.browser();
        // The main listener: 404 for /metrics, the rest as usual.
        let main = b.get("/metrics").await;
        assert_eq!(main.status, StatusCode::NOT_FOUND);
        assert!(!main.body.contains("amphi_http_requests_total"));
        assert_eq!(b.get("/healthz").await.status, StatusCode::OK);
        // The metrics listener: /metrics and nothing else.
        let client = reqwest::Client::new();
        let metrics = client
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .expect("scrape");
        assert_eq!(metrics.status(), StatusCode::OK);
        assert!(
            metrics
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/plain; version=0.0.4"))
        );
        let text = metrics.text().await.expect("body");
        // The 404 above was counted: same registry.
        assert!(
            value(&text, "amphi_http_requests_total{class=\"4xx\"}").is_some_and(|n| n >= 1),
            "{text}"
        );
        assert!(text.contains("amphi_sfu_packets_forwarded_total"));
        let other = client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .expect("request");
        assert_eq!(other.status(), StatusCode::NOT_FOUND);
        // It stops with the server.
        s.stop().await;
        assert!(
            client
                .get(format!("http://{addr}/metrics"))
                .send()
                .await
                .is_err(),
            "the metrics listener is closed"
        );
    }
}

#[test]
fn metrics_listen_is_parsed_and_checked() {
    let c = amphi_server::Config::load_from(
        None,
        &[("AMPHI_METRICS_LISTEN".into(), "127.0.0.1:9100".into())],
    )
    .expect("valid");
    assert_eq!(
        c.metrics.listen,
        Some("127.0.0.1:9100".parse().expect("valid"))
    );
    let c = amphi_server::Config::load_from(None, &[]).expect("defaults");
    assert_eq!(c.metrics.listen, None);
    assert_eq!(c.webhooks.retry_base_secs, 30);
    let err =
        amphi_server::Config::load_from(None, &[("AMPHI_METRICS_LISTEN".into(), "9100".into())])
            .expect_err("no IP")
            .to_string();
    assert!(err.contains("metrics.listen"), "{err}");
    let err = amphi_server::Config::load_from(
        None,
        &[("AMPHI_WEBHOOKS_RETRY_BASE_SECS".into(), "0".into())],
    )
    .expect_err("zero")
    .to_string();
    assert!(err.contains("webhooks.retry_base_secs"), "{err}");
}
