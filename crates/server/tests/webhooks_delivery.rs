//! Webhook deliveries end to end, on both databases: a real receiver on 127.0.0.1 gets each
//! event signed (checked here with an HMAC of our own), a failing receiver gets the event on
//! the third try with the attempts logged, a tampered body fails verification, and a delivery
//! queued before a restart is delivered after it.

mod common;
mod webhooks_common;

use std::time::Duration;

use amphi_proto::Role;
use amphi_server::Config;
use amphi_server::serve::Server;
use amphi_server::webhooks::{self, EVENT_TYPES, WebhookEvent};
use amphi_store::testing::fresh_store;
use amphi_store::{DeliveryStatus, NewWebhookEndpoint, Store, now_ms};
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use webhooks_common::{Receiver, add_endpoint, verify};

const WITHIN: Duration = Duration::from_secs(20);

fn fast_retries(config: &mut Config) {
    config.webhooks.retry_base_secs = 1;
}

#[tokio::test]
async fn every_event_reaches_the_receiver_signed() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, fast_retries).await;
        let receiver = Receiver::start().await;
        let (_, b) = s.signed_in("admin@example.org", true).await;
        let (_, secret) = add_endpoint(&b, &receiver.url(), EVENT_TYPES).await;

        // room.opened / room.closed from the back office (room_admin::set_open).
        let created = b.create_room("Standup").await;
        assert_eq!(created.status, StatusCode::SEE_OTHER);
        let csrf = b.csrf().await;
        let open = b.post("/rooms/standup/open", &[("csrf", &csrf)]).await;
        assert_eq!(open.status, StatusCode::SEE_OTHER, "{}", open.body);
        let opened = receiver.wait_for_event("room.opened", WITHIN).await;
        let close = b.post("/rooms/standup/close", &[("csrf", &csrf)]).await;
        assert_eq!(close.status, StatusCode::SEE_OTHER);
        let closed = receiver.wait_for_event("room.closed", WITHIN).await;
        assert_eq!(opened.json()["data"]["room"], "standup");
        assert_eq!(opened.json()["data"]["by"], "admin@example.org");
        assert_eq!(closed.json()["data"]["room"], "standup");

        // The other events, as the room actor emits them.
        let hooks = &s.server().state.webhooks;
        for event in [
            WebhookEvent::ParticipantJoined {
                room_slug: "standup".into(),
                session_slug: None,
                participant_id: "p1".into(),
                name: "Ann".into(),
                role: Role::Participant,
            },
            WebhookEvent::ParticipantLeft {
                room_slug: "standup".into(),
                session_slug: None,
                participant_id: "p1".into(),
                name: "Ann".into(),
                role: Role::Participant,
            },
            WebhookEvent::LiveStarted {
                session_slug: "launch".into(),
                by: Some("Olivia".into()),
            },
            WebhookEvent::LiveEnded {
                session_slug: "launch".into(),
                by: Some("Olivia".into()),
            },
        ] {
            hooks.emit(event);
        }
        // `amphi room open` (the CLI, another process) queues in the store; this server's
        // worker posts it.
        let cli = std::process::Command::new(env!("CARGO_BIN_EXE_amphi"))
            .args(["room", "open", "standup"])
            .env("DATABASE_URL", &s.db.url)
            .env("AMPHI_LOG", "warn")
            .output()
            .expect("amphi runs");
        assert!(cli.status.success(), "{cli:?}");

        let all = receiver.wait_for(7, WITHIN).await;
        let mut types: Vec<&str> = all.iter().map(|r| r.event.as_str()).collect();
        types.sort_unstable();
        let mut expected = vec!["room.opened", "room.opened", "room.closed"];
        // The registration and recording events come from their features: webhooks_events.rs.
        expected.extend(&EVENT_TYPES[2..6]);
        expected.sort_unstable();
        assert_eq!(types, expected);
        let by_cli = all
            .iter()
            .filter(|r| r.event == "room.opened")
            .find(|r| r.json()["data"]["by"].is_null())
            .expect("the CLI's room.opened names nobody");
        assert_eq!(by_cli.json()["data"]["room"], "standup");
        for r in &all {
            assert!(
                verify(&secret, &r.signature, &r.body),
                "bad signature: {r:#?}"
            );
            assert_eq!(r.content_type, "application/json");
            let v = r.json();
            assert_eq!(v["type"], r.event.as_str());
            assert!(v["id"].as_str().is_some_and(|id| id.starts_with("evt_")));
            assert!(v["created_at"].as_i64().is_some_and(|t| t > 0));
            assert!(v["data"].is_object());
            assert_eq!(r.delivery.len(), 32, "{r:#?}");
        }
        let joined = all
            .iter()
            .find(|r| r.event == "participant.joined")
            .expect("joined");
        assert_eq!(joined.json()["data"]["name"], "Ann");
        assert_eq!(joined.json()["data"]["role"], "participant");

        // A receiver refuses a body changed in transit, a wrong secret, and an old timestamp.
        let tampered = opened.body.replace("standup", "stand-up");
        assert!(!verify(&secret, &opened.signature, &tampered));
        assert!(!verify("whsec_wrong", &opened.signature, &opened.body));
        let t = now_ms() / 1000 - 3600;
        let old = format!(
            "t={t},v1={}",
            amphi_server::webhooks::sign::sign(&secret, t, &opened.body)
        );
        assert!(!verify(&secret, &old, &opened.body));
        receiver.stop();
        s.stop().await;
    }
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_it_on_the_third_try() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, fast_retries).await;
        let receiver = Receiver::failing(2, 503).await;
        let (_, b) = s.signed_in("admin@example.org", true).await;
        let (endpoint_id, secret) = add_endpoint(&b, &receiver.url(), &["room.opened"]).await;
        b.create_room("Retry").await;
        let csrf = b.csrf().await;
        // Not subscribed: room.closed goes nowhere.
        b.post("/rooms/retry/open", &[("csrf", &csrf)]).await;
        b.post("/rooms/retry/close", &[("csrf", &csrf)]).await;

        let got = receiver.wait_for(3, WITHIN).await;
        let answered: Vec<u16> = got.iter().map(|r| r.answered).collect();
        assert_eq!(answered, [503, 503, 200]);
        assert!(
            got.iter()
                .all(|r| r.delivery == got[0].delivery && r.body == got[0].body)
        );
        assert!(got.iter().all(|r| verify(&secret, &r.signature, &r.body)));
        // Back-off with a base of 1 s: about 1 s, then about 4 s.
        let first_gap = got[1].at - got[0].at;
        let second_gap = got[2].at - got[1].at;
        assert!(first_gap >= Duration::from_millis(900), "{first_gap:?}");
        assert!(second_gap >= Duration::from_millis(3900), "{second_gap:?}");

        // The log says so: delivered, 3 attempts, HTTP 200.
        let store = &s.db.store;
        let delivery = wait_delivered(store, &got[0].delivery).await;
        assert_eq!(delivery.attempts, 3);
        assert_eq!(delivery.last_status, Some(200));
        assert_eq!(delivery.last_error, None);
        assert!(delivery.delivered_at.is_some());
        let log = b.get(&format!("/admin/webhooks/{endpoint_id}")).await;
        assert_eq!(log.status, StatusCode::OK);
        let row_start = log
            .body
            .find(&format!("id=\"delivery-{}\"", delivery.id))
            .expect("the delivery is in the log");
        let row =
            &log.body[row_start..row_start + log.body[row_start..].find("</tr>").expect("row end")];
        assert!(row.contains("<td class=\"attempts\">3</td>"), "{row}");
        assert!(row.contains("<td class=\"http\">200</td>"), "{row}");
        assert!(row.contains("delivery delivered"), "{row}");
        // Only the subscribed event was queued.
        assert_eq!(
            store
                .count_webhook_deliveries_of(&endpoint_id)
                .await
                .expect("count"),
            1
        );
        receiver.stop();
        s.stop().await;
    }
}

async fn wait_delivered(store: &Store, id: &str) -> amphi_store::WebhookDelivery {
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        let d = store
            .webhook_delivery(id)
            .await
            .expect("read")
            .expect("exists");
        if d.status == DeliveryStatus::Delivered {
            return d;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not delivered: {d:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_delivery_queued_before_a_restart_is_delivered_after() {
    for backend in test_backends() {
        let db = fresh_store(backend).await;
        let data = tempfile::tempdir().expect("temp dir");
        let config = || {
            let mut c = Config::default();
            c.http.listen = "127.0.0.1:0".parse().expect("valid");
            c.data.dir = data.path().to_owned();
            c.webhooks.retry_base_secs = 2;
            c
        };
        let receiver = Receiver::failing(1, 500).await;
        let endpoint = db
            .store
            .create_webhook_endpoint(NewWebhookEndpoint {
                url: receiver.url(),
                description: String::new(),
                events: vec!["room.opened".into(), "room.closed".into()],
                secret: "whsec_restart".into(),
                created_at: now_ms(),
            })
            .await
            .expect("endpoint");

        // First life: the first attempt fails (500); the server stops before the retry.
        let first =
            Server::start_with_store(config(), Store::connect(&db.url).await.expect("connect"))
                .await
                .expect("starts");
        first.state.webhooks.emit(WebhookEvent::RoomOpened {
            room_slug: "kept".into(),
            by: None,
        });
        let failed = receiver.wait_for(1, WITHIN).await;
        assert_eq!(failed[0].answered, 500);
        let id = failed[0].delivery.clone();
        // Wait for the attempt to be recorded, then stop.
        let deadline = tokio::time::Instant::now() + WITHIN;
        while db
            .store
            .webhook_delivery(&id)
            .await
            .expect("read")
            .expect("exists")
            .attempts
            < 1
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "attempt not recorded"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        first.stop().await.expect("clean stop");

        // While no server runs: an event queued as the CLI does.
        webhooks::enqueue(
            &db.store,
            &WebhookEvent::RoomClosed {
                room_slug: "kept".into(),
                by: None,
            },
        )
        .await
        .expect("queued");
        assert_eq!(
            db.store
                .count_pending_webhook_deliveries()
                .await
                .expect("count"),
            2
        );

        // Second life: both are delivered, the first on its second attempt.
        let second =
            Server::start_with_store(config(), Store::connect(&db.url).await.expect("connect"))
                .await
                .expect("starts again");
        let got = receiver.wait_for(3, WITHIN).await;
        assert!(got[1..].iter().all(|r| r.answered == 200));
        let retried = wait_delivered(&db.store, &id).await;
        assert_eq!(retried.attempts, 2);
        let closed = got
            .iter()
            .find(|r| r.event == "room.closed")
            .expect("room.closed");
        assert!(verify("whsec_restart", &closed.signature, &closed.body));
        let closed = wait_delivered(&db.store, &closed.delivery).await;
        assert_eq!(closed.attempts, 1);
        assert_eq!(
            db.store
                .count_pending_webhook_deliveries()
                .await
                .expect("count"),
            0
        );
        assert_eq!(
            db.store
                .count_webhook_deliveries_of(&endpoint.id)
                .await
                .expect("count"),
            2
        );
        second.stop().await.expect("clean stop");
        receiver.stop();
    }
}

#[tokio::test]
async fn deliveries_older_than_30_days_are_swept() {
    for backend in test_backends() {
        let db = fresh_store(backend).await;
        let endpoint = db
            .store
            .create_webhook_endpoint(NewWebhookEndpoint {
                url: "http://127.0.0.1:9/in".into(),
                description: String::new(),
                events: vec!["room.opened".into()],
                secret: "whsec_sweep".into(),
                created_at: now_ms(),
            })
            .await
            .expect("endpoint");
        db.store
            .set_webhook_endpoint_enabled(&endpoint.id, false)
            .await
            .expect("disabled: the worker leaves them alone");
        let day = 24 * 3600 * 1000;
        for (id, age) in [("old", 31 * day), ("recent", 29 * day)] {
            db.store
                .enqueue_webhook_delivery(
                    &endpoint.id,
                    &amphi_store::NewWebhookEvent {
                        event_id: format!("evt_{id}"),
                        event_type: "room.opened".into(),
                        body: "{}".into(),
                        created_at: now_ms() - age,
                    },
                )
                .await
                .expect("queued");
        }
        // The hourly sweeper also runs at start.
        let data = tempfile::tempdir().expect("temp dir");
        let mut config = Config::default();
        config.http.listen = "127.0.0.1:0".parse().expect("valid");
        config.data.dir = data.path().to_owned();
        let server =
            Server::start_with_store(config, Store::connect(&db.url).await.expect("connect"))
                .await
                .expect("starts");
        let deadline = tokio::time::Instant::now() + WITHIN;
        loop {
            let left = db
                .store
                .webhook_deliveries_of(&endpoint.id, 10, 0)
                .await
                .expect("list");
            if left.len() == 1 {
                assert_eq!(left[0].event_id, "evt_recent");
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{left:#?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server.stop().await.expect("clean stop");
    }
}
