//! The signaling WebSocket (docs/protocol.md): bad input, out-of-order requests, floods and
//! refused upgrades each get their documented answer.

mod signaling_common;

use std::time::Duration;

use amphi_proto::{ErrorCode, ServerMessage};
use serde_json::json;
use signaling_common::*;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test]
async fn bad_input_before_join_is_answered_and_the_connection_stays_usable() {
    let h = start(None, None, None).await;
    let mut c = h.connect().await;
    c.ping_pong().await;
    c.send(json!({"type": "publish_offer", "sdp": "v=0", "tracks": []}))
        .await;
    c.expect_error(ErrorCode::NotJoined, Some("publish_offer"))
        .await;
    c.send(json!({"type": "subscribe_answer", "sdp": "v=0"}))
        .await;
    c.expect_error(ErrorCode::NotJoined, Some("subscribe_answer"))
        .await;
    c.send_text("not json").await;
    c.expect_error(ErrorCode::InvalidMessage, None).await;
    c.send_text("[1,2]").await;
    c.expect_error(ErrorCode::InvalidMessage, None).await;
    c.send(json!({"type": "teleport"})).await;
    c.expect_error(ErrorCode::InvalidMessage, Some("teleport"))
        .await;
    c.send(json!({"type": "join", "version": "1", "name": "A"}))
        .await;
    c.expect_error(ErrorCode::InvalidMessage, Some("join"))
        .await;
    c.send(json!({"type": "join", "version": 1})).await;
    c.expect_error(ErrorCode::InvalidMessage, Some("join"))
        .await;
    c.send(json!({"type": "join", "version": 1, "name": "   "}))
        .await;
    c.expect_error(ErrorCode::InvalidName, Some("join")).await;
    c.ws.send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .expect("send");
    c.expect_error(ErrorCode::InvalidMessage, None).await;
    let big = json!({"type": "subscribe_answer", "sdp": "x".repeat(70 * 1024)});
    c.send(big).await;
    c.expect_error(ErrorCode::MessageTooLarge, None).await;
    // Still sane: it joins.
    let w = c.join("Alice", None).await;
    assert!(!w.resumed);
}

#[tokio::test]
async fn out_of_order_actions_after_join_each_get_an_error() {
    let h = start(None, None, None).await;
    let (mut c, _) = h.join("Alice").await;
    c.send(json!({"type": "join", "version": 1, "name": "Again"}))
        .await;
    c.expect_error(ErrorCode::AlreadyJoined, Some("join")).await;
    c.send(json!({"type": "subscribe_answer", "sdp": "v=0\r\n"}))
        .await;
    c.expect_error(ErrorCode::NoOfferPending, Some("subscribe_answer"))
        .await;
    let candidate = json!({"candidate": "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0});
    c.send(json!({"type": "ice_candidate", "leg": "publisher", "candidate": candidate}))
        .await;
    c.expect_error(ErrorCode::InvalidMessage, Some("ice_candidate"))
        .await;
    c.send(json!({"type": "ice_candidate", "leg": "subscriber", "candidate": candidate}))
        .await;
    c.expect_error(ErrorCode::InvalidMessage, Some("ice_candidate"))
        .await;
    c.send(json!({"type": "set_muted", "source": "microphone", "muted": true}))
        .await;
    c.expect_error(ErrorCode::UnknownPublication, Some("set_muted"))
        .await;
    c.send(
        json!({"type": "set_video_size", "publication_id": "nope", "width": 320, "height": 180}),
    )
    .await;
    c.expect_error(ErrorCode::UnknownPublication, Some("set_video_size"))
        .await;
    c.send(json!({"type": "publish_offer", "sdp": "this is not SDP", "tracks": [{"mid": "0", "source": "camera"}]}))
        .await;
    c.expect_error(ErrorCode::InvalidSdp, Some("publish_offer"))
        .await;
    c.send(json!({"type": "publish_offer", "sdp": "v=0\r\n", "tracks": [{"mid": "0", "source": "camera"}, {"mid": "1", "source": "camera"}]}))
        .await;
    c.expect_error(ErrorCode::InvalidMessage, Some("publish_offer"))
        .await;
    c.ping_pong().await;
}

#[tokio::test]
async fn a_flood_is_rate_limited_then_closed() {
    let limits = Limits {
        rate_burst: 5,
        rate_per_second: 1,
        rate_abuse_after: Duration::from_millis(1500),
        ..Limits::default()
    };
    let h = start(None, Some(limits), None).await;
    let mut c = h.connect().await;
    for _ in 0..20 {
        c.send(json!({"type": "ping"})).await;
    }
    for _ in 0..5 {
        assert_eq!(c.recv().await, ServerMessage::Pong);
    }
    c.expect_error(ErrorCode::RateLimited, None).await;
    // Keep flooding for longer than the abuse limit: the server closes with 1008.
    let mut closed = None;
    for _ in 0..40 {
        if c.ws
            .send(Message::Text(json!({"type": "ping"}).to_string().into()))
            .await
            .is_err()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        while let Ok(Some(frame)) =
            tokio::time::timeout(Duration::from_millis(1), c.ws.next()).await
        {
            if let Ok(Message::Close(f)) = frame {
                closed = f.map(|f| f.code);
            }
        }
        if closed.is_some() {
            break;
        }
    }
    assert_eq!(closed, Some(CloseCode::Policy));
}

#[tokio::test]
async fn unknown_rooms_and_foreign_origins_are_refused_before_the_upgrade() {
    let h = start(None, None, None).await;
    let status = |r: Result<_, tungstenite::Error>| match r {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("{e}"),
        Ok(_) => 101,
    };
    let unknown = tokio_tungstenite::connect_async(format!("{}/r/nope/ws", h.base)).await;
    assert_eq!(status(unknown.map(|_| ())), 404);
    let mut request = tungstenite::client::IntoClientRequest::into_client_request(format!(
        "{}/r/team/ws",
        h.base
    ))
    .expect("request");
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().expect("header"));
    let foreign = tokio_tungstenite::connect_async(request).await;
    assert_eq!(status(foreign.map(|_| ())), 403);
    let _ = &h.db;
}

/// An offer whose media sections are an Opus microphone (mid 0, sending) and a receive-only
/// video (mid 1), with ICE credentials and a fingerprint: one the SFU would apply.
fn offer_sdp() -> String {
    [
        "v=0",
        "o=- 1 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 0.0.0.0",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:abcdefghijklmnopqrstuvwx",
        "a=setup:actpass",
        "a=mid:0",
        "a=sendonly",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "c=IN IP4 0.0.0.0",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:abcdefghijklmnopqrstuvwx",
        "a=setup:actpass",
        "a=mid:1",
        "a=recvonly",
        "a=rtcp-mux",
        "a=rtpmap:96 VP8/90000",
        "",
    ]
    .join("\r\n")
}

#[tokio::test]
async fn publish_offer_tracks_must_be_sending_sections_of_the_sdp() {
    let h = start(None, None, None).await;
    let (mut c, _) = h.join("Alice").await;
    let sdp = offer_sdp();
    let five: Vec<_> = ["microphone", "camera", "screen", "screen_audio", "camera"]
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"mid": i.to_string(), "source": s}))
        .collect();
    for tracks in [
        json!([{"mid": "5", "source": "microphone"}]),
        json!([{"mid": "1", "source": "camera"}]),
        json!([{"mid": "0", "source": "camera"}]),
        json!(five),
    ] {
        c.send(json!({"type": "publish_offer", "sdp": sdp, "tracks": tracks}))
            .await;
        c.expect_error(ErrorCode::InvalidMessage, Some("publish_offer"))
            .await;
    }
    // Nothing changed: the same offer with its one sending section listed is answered.
    c.send(json!({"type": "publish_offer", "sdp": sdp, "tracks": [{"mid": "0", "source": "microphone"}]}))
        .await;
    match c.recv().await {
        ServerMessage::PublishAnswer { sdp } => assert!(sdp.contains("a=mid:0"), "{sdp}"),
        other => panic!("expected publish_answer, got {other:?}"),
    }
}

#[tokio::test]
async fn too_many_sockets_from_one_address_are_refused() {
    let limits = Limits {
        max_sockets_per_ip: 2,
        ..Limits::default()
    };
    let h = start(None, Some(limits), None).await;
    let (mut a, _) = h.join("Alice").await;
    let mut b = h.connect().await;
    b.ping_pong().await;
    let mut c = h.connect().await;
    let (before, close) = c.expect_close().await;
    assert!(
        matches!(
            before.as_slice(),
            [ServerMessage::Error {
                code: ErrorCode::TooManyConnections,
                ..
            }]
        ),
        "{before:?}"
    );
    assert_eq!(close, Some((4001, "too_many_connections".to_owned())));
    // The others are unaffected, and a closed socket gives its place back.
    a.ping_pong().await;
    drop(b);
    let mut joined = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut d = h.connect().await;
        d.send(json!({"type": "ping"})).await;
        if d.recv().await == ServerMessage::Pong {
            joined = Some(d);
            break;
        }
    }
    assert!(
        joined.is_some(),
        "the place of the closed socket never came back"
    );
}
