//! The signaling WebSocket (docs/protocol.md): joining, the cap, resuming, keepalive, shutdown and
//! metrics, against the real server router on port 0.

mod signaling_common;

use std::time::Duration;

use amphi_proto::{Connection, ErrorCode, LeaveReason, Role, ServerMessage};
use serde_json::json;
use signaling_common::*;

#[tokio::test]
async fn join_welcome_and_everyone_sees_arrivals_and_departures() {
    let h = start(None, None, None).await;
    let (mut a, wa) = h.join("Alice").await;
    assert!(!wa.resumed);
    assert_eq!(wa.role, Role::Participant);
    assert!(wa.others.is_empty());
    assert!(wa.ice.is_empty(), "no TURN configured");
    assert!(!wa.token.is_empty());

    let (mut b, wb) = h.join("  Bob  ").await;
    assert_ne!(wa.id, wb.id);
    assert_eq!(wb.others, vec![(wa.id.clone(), Connection::Connected)]);
    match a.recv().await {
        ServerMessage::ParticipantJoined { participant } => {
            assert_eq!(participant.id, wb.id);
            assert_eq!(participant.name, "Bob");
            assert_eq!(participant.connection, Connection::Connected);
        }
        other => panic!("{other:?}"),
    }

    b.send(json!({"type": "leave"})).await;
    let (_, close) = b.expect_close().await;
    assert_eq!(close.map(|c| c.0), Some(1000));
    assert_eq!(
        a.recv().await,
        ServerMessage::ParticipantLeft {
            participant_id: wb.id,
            reason: LeaveReason::Left
        }
    );
    a.ping_pong().await;
}

#[tokio::test]
async fn the_participant_after_the_cap_gets_room_full() {
    let h = start(Some(2), None, None).await;
    let (_a, _) = h.join("A").await;
    let (_b, _) = h.join("B").await;
    let mut c = h.connect().await;
    c.send(json!({"type": "join", "version": 1, "name": "C"}))
        .await;
    let (before, close) = c.expect_close().await;
    assert!(
        matches!(
            &before[..],
            [ServerMessage::Error {
                code: ErrorCode::RoomFull,
                ..
            }]
        ),
        "{before:?}"
    );
    assert_eq!(close, Some((4001, "room_full".to_owned())));
}

#[tokio::test]
async fn another_protocol_version_is_refused_and_closed() {
    let h = start(None, None, None).await;
    let mut c = h.connect().await;
    c.send(json!({"type": "join", "version": 99, "name": "Future"}))
        .await;
    let (before, close) = c.expect_close().await;
    assert!(
        matches!(
            &before[..],
            [ServerMessage::Error {
                code: ErrorCode::UnsupportedVersion,
                ..
            }]
        ),
        "{before:?}"
    );
    assert_eq!(close, Some((4001, "unsupported_version".to_owned())));
}

#[tokio::test]
async fn a_dropped_participant_resumes_with_its_token() {
    let h = start(None, None, None).await;
    let (mut a, wa) = h.join("Alice").await;
    let (b, wb) = h.join("Bob").await;
    a.recv().await; // participant_joined
    drop(b); // the TCP connection goes away without `leave`
    match a.recv().await {
        ServerMessage::ParticipantUpdated { participant } => {
            assert_eq!(participant.id, wb.id);
            assert_eq!(participant.connection, Connection::Reconnecting);
        }
        other => panic!("{other:?}"),
    }
    let mut b2 = h.connect().await;
    let w2 = b2.join("Bob", Some(&wb.token)).await;
    assert!(w2.resumed);
    assert_eq!(w2.id, wb.id);
    assert_ne!(w2.token, wb.token, "a new token with every welcome");
    assert_eq!(w2.others, vec![(wa.id.clone(), Connection::Connected)]);
    match a.recv().await {
        ServerMessage::ParticipantUpdated { participant } => {
            assert_eq!(participant.id, wb.id);
            assert_eq!(participant.connection, Connection::Connected);
        }
        other => panic!("{other:?}"),
    }
    // The spent token no longer resumes: a new participant.
    let mut b3 = h.connect().await;
    let w3 = b3.join("Bob", Some(&wb.token)).await;
    assert!(!w3.resumed);
    assert_ne!(w3.id, wb.id);
}

#[tokio::test]
async fn a_resume_while_the_old_socket_lives_replaces_it() {
    let h = start(None, None, None).await;
    let (mut a, _) = h.join("Alice").await;
    let (mut b1, wb) = h.join("Bob").await;
    a.recv().await; // participant_joined
    let mut b2 = h.connect().await;
    let w2 = b2.join("Bob", Some(&wb.token)).await;
    assert!(w2.resumed);
    assert_eq!(w2.id, wb.id);
    let (before, close) = b1.expect_close().await;
    assert!(
        matches!(
            before.last(),
            Some(ServerMessage::Error {
                code: ErrorCode::Replaced,
                ..
            })
        ),
        "{before:?}"
    );
    assert_eq!(close, Some((4001, "replaced".to_owned())));
    // The room still works for both, and Alice saw no departure.
    b2.ping_pong().await;
    a.ping_pong().await;
}

#[tokio::test]
async fn a_dropped_participant_leaves_after_the_grace_period() {
    let h = start(None, Some(short_limits()), None).await;
    let (mut a, _) = h.join("Alice").await;
    let (b, wb) = h.join("Bob").await;
    a.recv().await; // participant_joined
    drop(b);
    a.recv_until("reconnecting", |m| {
        matches!(m, ServerMessage::ParticipantUpdated { .. })
    })
    .await;
    let left = a
        .recv_until("participant_left", |m| {
            matches!(m, ServerMessage::ParticipantLeft { .. })
        })
        .await;
    assert_eq!(
        left,
        ServerMessage::ParticipantLeft {
            participant_id: wb.id.clone(),
            reason: LeaveReason::Timeout
        }
    );
    let mut late = h.connect().await;
    let w = late.join("Bob", Some(&wb.token)).await;
    assert!(!w.resumed, "too late to resume");
}

#[tokio::test]
async fn a_socket_that_never_joins_is_closed() {
    let h = start(None, Some(short_limits()), None).await;
    let mut c = h.connect().await;
    let (before, close) = c.expect_close().await;
    assert!(
        matches!(
            &before[..],
            [ServerMessage::Error {
                code: ErrorCode::JoinTimeout,
                ..
            }]
        ),
        "{before:?}"
    );
    assert_eq!(close, Some((4001, "join_timeout".to_owned())));
}

#[tokio::test]
async fn welcome_carries_time_limited_turn_credentials() {
    let h = start(None, None, Some(("turn:127.0.0.1:3478", "north"))).await;
    let (_c, w) = h.join("Alice").await;
    assert_eq!(w.ice.len(), 1);
    let server = &w.ice[0];
    assert_eq!(server.urls, vec!["turn:127.0.0.1:3478".to_owned()]);
    let username = server.username.as_deref().expect("a username");
    let (expiry, who) = username.split_once(':').expect("expiry:participant");
    assert_eq!(who, w.id.0);
    let expiry: u64 = expiry.parse().expect("Unix seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    assert!(
        (now + 86_000..=now + 86_500).contains(&expiry),
        "{expiry} vs {now}"
    );
    // base64 of a 20-byte HMAC-SHA1.
    assert_eq!(server.credential.as_deref().map(str::len), Some(28));
}

#[tokio::test]
async fn the_rooms_owner_signed_in_joins_as_owner() {
    let h = start(None, None, None).await;
    let set_cookie =
        amphi_server::auth::login::create_login(&h.state, &h.owner.id, &Default::default())
            .await
            .expect("a login");
    let cookie = set_cookie
        .to_str()
        .expect("ASCII cookie")
        .split(';')
        .next()
        .expect("name=value first")
        .to_owned();
    let mut request = tungstenite::client::IntoClientRequest::into_client_request(format!(
        "{}/r/team/ws",
        h.base
    ))
    .expect("request");
    request
        .headers_mut()
        .insert("cookie", cookie.parse().expect("header"));
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    let mut owner = Client { ws };
    let w = owner.join("Owner", None).await;
    assert_eq!(w.role, Role::Owner);
    let (_anon, w) = h.join("Guest").await;
    assert_eq!(w.role, Role::Participant);
}

#[tokio::test]
async fn a_silent_client_is_dropped_by_the_keepalive() {
    let limits = Limits {
        // Alice is not read while Bob joins (peer connections set up): the idle timeout
        // leaves room for that on a loaded machine.
        ping_interval: Duration::from_millis(250),
        idle_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let h = start(None, Some(limits), None).await;
    let (mut a, _) = h.join("Alice").await;
    let (silent, wb) = h.join("Bob").await;
    a.recv().await; // participant_joined
    // Bob's client never reads again, so it never answers the server's pings. Alice keeps
    // reading (her client answers pings by itself) and stays.
    let m = a
        .recv_until("reconnecting", |m| {
            matches!(m, ServerMessage::ParticipantUpdated { .. })
        })
        .await;
    match m {
        ServerMessage::ParticipantUpdated { participant } => {
            assert_eq!(participant.id, wb.id);
            assert_eq!(participant.connection, Connection::Reconnecting);
        }
        other => panic!("{other:?}"),
    }
    a.ping_pong().await;
    drop(silent);
}

#[tokio::test]
async fn server_shutdown_closes_sockets_as_going_away() {
    let h = start(None, None, None).await;
    let (mut a, _) = h.join("Alice").await;
    h.shutdown.send(true).expect("the server listens");
    let (_, close) = a.expect_close().await;
    assert_eq!(close.map(|c| c.0), Some(1001));
}

#[tokio::test]
async fn metrics_count_live_rooms_and_participants() {
    let h = start(None, None, None).await;
    let http = h.base.replace("ws://", "http://");
    let connected = "amphi_participants{state=\"connected\"} ";
    let reconnecting = "amphi_participants{state=\"reconnecting\"} ";
    let (_a, _) = h.join("Alice").await;
    let (b, _) = h.join("Bob").await;
    assert_eq!(wait_metric(&http, "amphi_live_rooms ", 1).await, Some(1));
    assert_eq!(wait_metric(&http, connected, 2).await, Some(2));
    drop(b);
    assert_eq!(wait_metric(&http, reconnecting, 1).await, Some(1));
    assert_eq!(wait_metric(&http, connected, 1).await, Some(1));
}

/// A socket that sends `join` and goes away before its welcome leaves no ghost behind: the
/// client has no resume token, so the participant must not wait out the grace period.
#[tokio::test]
async fn a_socket_gone_while_joining_leaves_no_ghost() {
    let h = start(None, None, None).await;
    let (mut alice, _) = h.join("Alice").await;
    for _ in 0..3 {
        let mut b = h.connect().await;
        b.send(json!({"type": "join", "version": 1, "name": "Ghost"}))
            .await;
        drop(b);
    }
    // Every ghost's join was decided (let in, then lost; or refused) and nobody is left
    // connected or reconnecting but Alice. Polled: joins set up media, slow on a busy machine.
    let http = h.base.replace("ws://", "http://");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let page = metrics_page(&http).await;
        let value = |name: &str| metric_value(&page, name).unwrap_or(0);
        let decided = value("amphi_joins_total ") + value("amphi_joins_refused_total ");
        let connected = value("amphi_participants{state=\"connected\"} ");
        let reconnecting = value("amphi_participants{state=\"reconnecting\"} ");
        if decided >= 4 && connected == 1 && reconnecting == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "ghosts still there: {decided} joins decided, {connected} connected, {reconnecting} reconnecting"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_c, w) = h.join("Carol").await;
    assert_eq!(
        w.others.len(),
        1,
        "only Alice is in the room: {:?}",
        w.others
    );
    // Alice heard of Carol; whatever she heard of the ghosts, none is reconnecting.
    let seen = alice
        .recv_until("Carol joining", |m| {
            matches!(m, ServerMessage::ParticipantJoined { participant } if participant.name == "Carol")
        })
        .await;
    assert!(matches!(seen, ServerMessage::ParticipantJoined { .. }));
}
