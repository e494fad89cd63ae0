//! The SFU's counters and gauges appear in `/metrics`, live: a participant joining over the
//! signaling WebSocket opens two peer connections (two UDP ports), leaving closes them.
//! (Packet counters moving under real media and loss: tests/browser/loss/loss.test.js.)

use std::time::Duration;

use amphi_server::Config;
use amphi_server::serve::Server;
use amphi_store::testing::fresh_store;
use amphi_store::{Backend, NewRoom, NewUser};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(10);

/// Every SFU figure, as `/metrics` names it (with its labels).
const SFU_SERIES: &[&str] = &[
    "amphi_sfu_packets_received_total",
    "amphi_sfu_bytes_received_total",
    "amphi_sfu_duplicate_packets_total",
    "amphi_sfu_packets_forwarded_total",
    "amphi_sfu_bytes_forwarded_total",
    "amphi_sfu_dropped_packets_total{reason=\"queue_full\"}",
    "amphi_sfu_dropped_packets_total{reason=\"not_connected\"}",
    "amphi_sfu_dropped_packets_total{reason=\"unmapped_codec\"}",
    "amphi_sfu_dropped_packets_total{reason=\"write_error\"}",
    "amphi_sfu_nacks_sent_total",
    "amphi_sfu_nacks_received_total",
    "amphi_sfu_retransmissions_sent_total",
    "amphi_sfu_retransmissions_missed_total",
    "amphi_sfu_keyframe_requests_received_total",
    "amphi_sfu_keyframe_requests_sent_total",
    "amphi_sfu_layer_switches_total",
    "amphi_sfu_peer_connections",
    "amphi_sfu_subscriptions",
    "amphi_sfu_udp_ports_in_use",
];

/// The value of one series (name with its labels) in a Prometheus text page.
fn value(page: &str, series: &str) -> Option<i64> {
    page.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(base: &str) -> String {
    let response = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("GET /metrics");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    response.text().await.expect("metrics body")
}

/// Scrapes until `series` reads `want` (the SFU closes peer connections asynchronously).
async fn wait_for(base: &str, series: &str, want: i64) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let page = scrape(base).await;
        if value(&page, series) == Some(want) {
            return page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{series} never reached {want}:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sfu_figures_are_in_metrics_and_follow_participants() {
    let db = fresh_store(Backend::Sqlite).await;
    let owner = db
        .create_user(NewUser {
            email: "owner@example.org".into(),
            display_name: "Owner".into(),
            password_hash: None,
            is_admin: false,
        })
        .await
        .expect("create user");
    let room = db
        .create_room(NewRoom {
            slug: "team".into(),
            name: "Team".into(),
            owner_id: owner.id.clone(),
        })
        .await
        .expect("create room");
    // Rooms are closed by default (issue 4): open it, as `amphi room open team` would.
    db.set_room_open(&room.id, true).await.expect("open");
    let data = tempfile::tempdir().expect("temp data dir");
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().expect("an address");
    config.data.dir = data.path().to_owned();
    // A wildcard bind skips loopback (webrtc-rs): bind where the test lives.
    config.media.bind_ip = "127.0.0.1".parse().expect("an IP");
    let server = Server::start_with_store(config, db.store.clone())
        .await
        .expect("server starts");
    let base = server.listen_url();

    let page = scrape(&base).await;
    for series in SFU_SERIES {
        assert_eq!(value(&page, series), Some(0), "{series} at start:\n{page}");
    }
    assert!(
        page.contains("# TYPE amphi_sfu_nacks_received_total counter\n"),
        "{page}"
    );
    assert!(
        page.contains("# TYPE amphi_sfu_peer_connections gauge\n"),
        "{page}"
    );

    // A participant: its publisher and subscriber legs are two peer connections on two ports.
    let ws_url = format!("{}/r/team/ws", base.replacen("http://", "ws://", 1));
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("WebSocket upgrade");
    let join = json!({"type": "join", "version": 1, "name": "Alice", "resume_token": null});
    ws.send(Message::text(join.to_string()))
        .await
        .expect("join sent");
    let welcome = tokio::time::timeout(WAIT, async {
        while let Some(frame) = ws.next().await {
            if let Ok(Message::Text(text)) = frame {
                let message: Value = serde_json::from_str(&text).expect("JSON frame");
                if message["type"] == "welcome" {
                    return message;
                }
                assert_ne!(message["type"], "error", "{message}");
            }
        }
        panic!("socket closed before the welcome");
    })
    .await
    .expect("welcome in time");
    assert!(welcome["participant_id"].is_string(), "{welcome}");

    let page = wait_for(&base, "amphi_sfu_peer_connections", 2).await;
    assert_eq!(
        value(&page, "amphi_sfu_udp_ports_in_use"),
        Some(2),
        "{page}"
    );

    // Leaving closes both, and gives the ports back.
    ws.send(Message::text(json!({"type": "leave"}).to_string()))
        .await
        .expect("leave sent");
    let page = wait_for(&base, "amphi_sfu_peer_connections", 0).await;
    assert_eq!(
        value(&page, "amphi_sfu_udp_ports_in_use"),
        Some(0),
        "{page}"
    );

    server.stop().await.expect("clean stop");
}
