//! The back office drives live rooms (issue 4, R2, R4): a guest waiting at a closed room gets
//! in when the owner presses Open in the back office, without reconnecting; Close ends the
//! meeting with the name of who closed it (only the back office's push carries a name: the
//! actor's periodic re-read of the store does not); switching the waiting room on makes the
//! next arrival knock; deleting the room ends the meeting for everyone. Real server, real
//! WebSocket, speaking docs/protocol.md.

mod common;

use std::time::Duration;

use common::{TestServer, test_backends};
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const WAIT: Duration = Duration::from_secs(10);

/// An anonymous guest's socket on `/r/{slug}/ws`, after sending `join`.
async fn guest(s: &TestServer, slug: &str, name: &str) -> Socket {
    let url = format!("{}/r/{slug}/ws", s.base.replacen("http://", "ws://", 1));
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("upgrade");
    let join = json!({"type": "join", "version": 1, "name": name, "resume_token": null});
    ws.send(Message::text(join.to_string()))
        .await
        .expect("send join");
    ws
}

/// The next message of one of `types`, skipping others (pings, presence updates...).
async fn next_of(ws: &mut Socket, types: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = match tokio::time::timeout(left, ws.next()).await {
            Err(_) => panic!("no {types:?} within {WAIT:?}"),
            Ok(None) => panic!("socket ended before {types:?}"),
            Ok(Some(frame)) => frame.expect("frame"),
        };
        if let Message::Text(text) = frame {
            let v: Value = serde_json::from_str(&text).expect("JSON");
            if types.contains(&v["type"].as_str().unwrap_or("")) {
                return v;
            }
        }
    }
}

#[tokio::test]
async fn back_office_open_close_waiting_room_and_delete_reach_the_live_room() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, ann) = s.signed_in("ann@example.org", false).await;
        ann.create_room("Weekly").await;
        let csrf = ann.csrf().await;

        // Closed: the guest waits, socket open.
        let mut g1 = guest(&s, "weekly", "Guest one").await;
        let w = next_of(&mut g1, &["waiting", "welcome", "error"]).await;
        assert_eq!(w["type"], "waiting", "{w}");
        assert_eq!(w["reason"], "room_closed");
        assert_eq!(w["can_open"], false);

        // Open in the back office: in at once.
        let r = ann.post("/rooms/weekly/open", &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let w = next_of(&mut g1, &["welcome", "error"]).await;
        assert_eq!(w["type"], "welcome", "{w}");

        // The waiting room switched on in the settings: the next arrival knocks.
        let r = ann
            .post(
                "/rooms/weekly/settings",
                &[
                    ("name", "Weekly"),
                    ("waiting_room", "on"),
                    ("max_participants", ""),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mut g2 = guest(&s, "weekly", "Guest two").await;
        let w = next_of(&mut g2, &["waiting", "welcome", "error"]).await;
        assert_eq!(w["type"], "waiting", "{w}");
        assert_eq!(w["reason"], "knocking");

        // Close in the back office: the meeting ends, saying who closed it; the knocking guest
        // goes back to waiting for the room to open.
        let r = ann.post("/rooms/weekly/close", &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let end = next_of(&mut g1, &["meeting_ended"]).await;
        assert_eq!(end["reason"], "room_closed");
        assert_eq!(
            end["by"], "ann@example.org",
            "the back office names who closed"
        );
        let w = next_of(&mut g2, &["waiting", "meeting_ended", "error"]).await;
        assert_eq!(w["type"], "waiting", "{w}");
        assert_eq!(w["reason"], "room_closed");

        // Deleting the room tells the people waiting too.
        let r = ann.post("/rooms/weekly/delete", &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let end = next_of(&mut g2, &["meeting_ended"]).await;
        assert_eq!(end["reason"], "room_deleted");
        s.stop().await;
    }
}
