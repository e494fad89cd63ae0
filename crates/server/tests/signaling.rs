//! The signaling WebSocket (docs/protocol.md) against the real server router on port 0, with
//! tokio-tungstenite clients (issue "Meet in the browser").

use std::time::Duration;

use amphi_proto::{Connection, ErrorCode, LeaveReason, ParticipantId, Role, ServerMessage};
use amphi_server::config::{Config, Secret};
use amphi_server::signaling::{self, Limits, Rooms};
use amphi_server::{AppState, app};
use amphi_store::testing::{TestStore, fresh_store};
use amphi_store::{Backend, NewRoom, NewUser};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const WAIT: Duration = Duration::from_secs(10);

struct Harness {
    base: String,
    db: TestStore,
    state: AppState,
    owner: amphi_store::User,
    shutdown: watch::Sender<bool>,
}

/// A server with one room, slug `team`, of cap `cap`. `limits`: serve the signaling routes
/// alone over a registry with these limits; `None`: the whole application as `amphi` serves it.
async fn start(cap: Option<u32>, limits: Option<Limits>, turn: Option<(&str, &str)>) -> Harness {
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
            name: "Team meeting".into(),
            owner_id: owner.id.clone(),
        })
        .await
        .expect("create room");
    db.set_room_max_participants(&room.id, cap)
        .await
        .expect("set cap");
    let mut config = Config::default();
    config.media.bind_ip = "127.0.0.1".parse().expect("an IP");
    config.media.announced_ips = vec![];
    if let Some((url, secret)) = turn {
        config.turn.urls = vec![url.to_owned()];
        config.turn.secret = Some(Secret::new(secret));
    }
    let (shutdown, shutdown_rx) = watch::channel(false);
    let state = AppState::new(db.store.clone(), config.clone(), shutdown_rx);
    let router = match limits {
        None => app::router(state.clone()),
        Some(limits) => {
            let sfu = amphi_sfu::Sfu::new(amphi_sfu::SfuConfig {
                bind_ip: config.media.bind_ip,
                ..amphi_sfu::SfuConfig::default()
            })
            .expect("valid media config");
            let metrics = signaling::SignalingMetrics::default();
            signaling::router_with(
                &state,
                Rooms::new(sfu, config.turn.clone(), limits, metrics),
            )
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Harness {
        base: format!("ws://{addr}"),
        db,
        state,
        owner,
        shutdown,
    }
}

impl Harness {
    async fn connect(&self) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("{}/r/team/ws", self.base))
            .await
            .expect("WebSocket upgrade");
        Client { ws }
    }

    /// Connects and joins; returns the client and its welcome.
    async fn join(&self, name: &str) -> (Client, Welcome) {
        let mut c = self.connect().await;
        let w = c.join(name, None).await;
        (c, w)
    }
}

struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

#[derive(Debug)]
struct Welcome {
    id: ParticipantId,
    token: String,
    resumed: bool,
    role: Role,
    others: Vec<(ParticipantId, Connection)>,
    ice: Vec<amphi_proto::IceServer>,
}

impl Client {
    async fn send(&mut self, v: Value) {
        self.send_text(&v.to_string()).await;
    }

    async fn send_text(&mut self, s: &str) {
        self.ws
            .send(Message::Text(s.to_owned().into()))
            .await
            .expect("send");
    }

    /// The next protocol message (WebSocket pings skipped); panics on close or silence.
    async fn recv(&mut self) -> ServerMessage {
        loop {
            let frame = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a message within the wait")
                .expect("the socket is open")
                .expect("a frame");
            match frame {
                Message::Text(t) => {
                    return ServerMessage::parse(t.as_str()).expect("valid server JSON");
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Skips messages until one matches.
    async fn recv_until(
        &mut self,
        what: &str,
        pred: impl Fn(&ServerMessage) -> bool,
    ) -> ServerMessage {
        for _ in 0..50 {
            let m = self.recv().await;
            if pred(&m) {
                return m;
            }
        }
        panic!("no {what} in 50 messages");
    }

    async fn expect_error(&mut self, code: ErrorCode, request: Option<&str>) {
        match self.recv().await {
            ServerMessage::Error {
                code: got,
                request: got_request,
                message,
            } => {
                assert_eq!(got, code, "{message}");
                assert_eq!(got_request.as_deref(), request, "{message}");
                assert!(!message.is_empty());
            }
            other => panic!("expected error {code:?}, got {other:?}"),
        }
    }

    async fn ping_pong(&mut self) {
        self.send(json!({"type": "ping"})).await;
        assert_eq!(self.recv().await, ServerMessage::Pong);
    }

    /// The close frame the server sends next (messages before it are returned too).
    async fn expect_close(&mut self) -> (Vec<ServerMessage>, Option<(u16, String)>) {
        let mut before = Vec::new();
        loop {
            let frame = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a close within the wait");
            match frame {
                Some(Ok(Message::Close(frame))) => {
                    return (
                        before,
                        frame.map(|f| (u16::from(f.code), f.reason.to_string())),
                    );
                }
                Some(Ok(Message::Text(t))) => {
                    before.push(ServerMessage::parse(t.as_str()).expect("valid server JSON"));
                }
                Some(Ok(_)) => continue,
                None | Some(Err(_)) => return (before, None),
            }
        }
    }

    async fn join(&mut self, name: &str, token: Option<&str>) -> Welcome {
        self.send(json!({"type": "join", "version": 1, "name": name, "resume_token": token}))
            .await;
        match self.recv().await {
            ServerMessage::Welcome {
                participant_id,
                resume_token,
                resumed,
                role,
                room,
                participants,
                ice_servers,
                ..
            } => {
                assert_eq!(room.slug, "team");
                assert_eq!(room.name, "Team meeting");
                Welcome {
                    id: participant_id,
                    token: resume_token,
                    resumed,
                    role,
                    others: participants
                        .into_iter()
                        .map(|p| (p.id, p.connection))
                        .collect(),
                    ice: ice_servers,
                }
            }
            other => panic!("expected welcome, got {other:?}"),
        }
    }
}

fn short_limits() -> Limits {
    Limits {
        reconnect_grace: Duration::from_millis(800),
        join_timeout: Duration::from_millis(500),
        ..Limits::default()
    }
}

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
        ping_interval: Duration::from_millis(150),
        idle_timeout: Duration::from_millis(500),
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

/// Polls `/metrics` until the series `line` has the value `want` (actors report just after
/// they answer), returning the last value seen.
async fn wait_metric(http: &str, line: &str, want: i64) -> Option<i64> {
    let mut value = None;
    for _ in 0..50 {
        let body = reqwest::get(format!("{http}/metrics"))
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("body");
        value = body
            .lines()
            .find(|l| l.starts_with(line))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<i64>().ok());
        if value == Some(want) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    value
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

// ---------------------------------------------------------------------------------------------
// Media through the signaling: webrtc-rs peers standing in for browsers, the real SFU.
// ---------------------------------------------------------------------------------------------

mod peer {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use rtc::media_stream::MediaStreamTrack;
    use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
    use rtc::peer_connection::configuration::media_engine::MIME_TYPE_OPUS;
    use rtc::rtp_transceiver::rtp_sender::{
        RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
    };
    use tokio::sync::{mpsc, watch};
    use webrtc::media_stream::track_local::TrackLocal;
    use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
    use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
    use webrtc::peer_connection::{
        MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
        RTCIceGatheringState, RTCSessionDescription,
    };

    pub type BoxErr = Box<dyn std::error::Error + Send + Sync>;

    /// One peer connection on 127.0.0.1 with default codecs and interceptors, as a browser has.
    pub struct Peer {
        pub pc: Arc<dyn PeerConnection>,
        gathered: watch::Receiver<bool>,
        tracks: mpsc::UnboundedReceiver<Arc<dyn TrackRemote>>,
    }

    struct Handler {
        gathered: watch::Sender<bool>,
        tracks: mpsc::UnboundedSender<Arc<dyn TrackRemote>>,
    }

    #[async_trait::async_trait]
    impl PeerConnectionEventHandler for Handler {
        async fn on_ice_gathering_state_change(&self, s: RTCIceGatheringState) {
            if s == RTCIceGatheringState::Complete {
                let _ = self.gathered.send(true);
            }
        }
        async fn on_track(&self, t: Arc<dyn TrackRemote>) {
            let _ = self.tracks.send(t);
        }
    }

    impl Peer {
        pub async fn new() -> Result<Peer, BoxErr> {
            let mut engine = MediaEngine::default();
            engine.register_default_codecs()?;
            let registry =
                register_default_interceptors(rtc::interceptor::Registry::new(), &mut engine)?;
            let (g_tx, gathered) = watch::channel(false);
            let (t_tx, tracks) = mpsc::unbounded_channel();
            let pc = PeerConnectionBuilder::new()
                .with_media_engine(engine)
                .with_interceptor_registry(registry)
                .with_handler(Arc::new(Handler {
                    gathered: g_tx,
                    tracks: t_tx,
                }))
                .with_udp_addrs(vec!["127.0.0.1:0".to_owned()])
                .build()
                .await?;
            Ok(Peer {
                pc: Arc::new(pc),
                gathered,
                tracks,
            })
        }

        /// Our offer, candidates included (no trickle needed).
        pub async fn offer(&mut self) -> Result<String, BoxErr> {
            let offer = self.pc.create_offer(None).await?;
            self.pc.set_local_description(offer).await?;
            tokio::time::timeout(Duration::from_secs(5), self.gathered.wait_for(|g| *g)).await??;
            Ok(self.pc.local_description().await.ok_or("no offer")?.sdp)
        }

        pub async fn accept_answer(&self, sdp: &str) -> Result<(), BoxErr> {
            self.pc
                .set_remote_description(RTCSessionDescription::answer(sdp.to_owned())?)
                .await?;
            Ok(())
        }

        /// Our answer to the server's offer, candidates included.
        pub async fn answer(&mut self, offer: &str) -> Result<String, BoxErr> {
            self.pc
                .set_remote_description(RTCSessionDescription::offer(offer.to_owned())?)
                .await?;
            let answer = self.pc.create_answer(None).await?;
            self.pc.set_local_description(answer).await?;
            tokio::time::timeout(Duration::from_secs(5), self.gathered.wait_for(|g| *g)).await??;
            Ok(self.pc.local_description().await.ok_or("no answer")?.sdp)
        }

        /// Counts the RTP packets of the first track this peer receives.
        pub async fn count_first_track(&mut self) -> Arc<AtomicUsize> {
            let track = tokio::time::timeout(Duration::from_secs(10), self.tracks.recv())
                .await
                .expect("a track within 10 s")
                .expect("track channel open");
            let count = Arc::new(AtomicUsize::new(0));
            let c = count.clone();
            tokio::spawn(async move {
                while let Some(ev) = track.poll().await {
                    if let TrackRemoteEvent::OnRtpPacket(_) = ev {
                        c.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            count
        }
    }

    /// An Opus track fed with Opus-shaped RTP every 20 ms until the returned task is aborted.
    pub async fn send_opus(peer: &Peer) -> Result<tokio::task::JoinHandle<()>, BoxErr> {
        const SSRC: u32 = 0x2222_0001;
        let track = Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
            "stream-mic".into(),
            "mic".into(),
            "mic".into(),
            RtpCodecKind::Audio,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(SSRC),
                    ..Default::default()
                },
                codec: RTCRtpCodec {
                    mime_type: MIME_TYPE_OPUS.into(),
                    clock_rate: 48_000,
                    channels: 2,
                    sdp_fmtp_line: "minptime=10;useinbandfec=1".into(),
                    rtcp_feedback: vec![],
                },
                ..Default::default()
            }],
        )));
        peer.pc
            .add_track(track.clone() as Arc<dyn TrackLocal>)
            .await?;
        Ok(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            for i in 0u32.. {
                tick.tick().await;
                let packet = rtc::rtp::Packet {
                    header: rtc::rtp::header::Header {
                        version: 2,
                        payload_type: 111,
                        sequence_number: i as u16,
                        timestamp: i.wrapping_mul(960),
                        ssrc: SSRC,
                        ..Default::default()
                    },
                    payload: bytes::Bytes::from(vec![0xAB; 60]),
                };
                let _ = track.write_rtp(packet).await;
            }
        }))
    }

    /// The `a=mid:` of the first media section.
    pub fn first_mid(sdp: &str) -> String {
        sdp.lines()
            .find_map(|l| l.trim().strip_prefix("a=mid:"))
            .unwrap_or("0")
            .to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_published_through_the_websocket_reaches_the_other_participant() {
    let h = start(None, None, None).await;
    let (mut alice, wa) = h.join("Alice").await;
    let (mut bob, _) = h.join("Bob").await;
    alice.recv().await; // participant_joined

    // Alice publishes her microphone: her offer, the server's answer.
    let mut alice_pc = peer::Peer::new().await.expect("peer");
    let sending = peer::send_opus(&alice_pc).await.expect("track");
    let offer = alice_pc.offer().await.expect("offer");
    let mid = peer::first_mid(&offer);
    alice
        .send(json!({"type": "publish_offer", "sdp": offer, "tracks": [{"mid": mid, "source": "microphone"}]}))
        .await;
    let answer = alice
        .recv_until("publish_answer", |m| {
            matches!(m, ServerMessage::PublishAnswer { .. })
        })
        .await;
    let ServerMessage::PublishAnswer { sdp } = answer else {
        unreachable!()
    };
    alice_pc.accept_answer(&sdp).await.expect("answer applies");

    // Once media flows, everyone hears of the publication, Alice included.
    let added = |m: &ServerMessage| matches!(m, ServerMessage::PublicationAdded { .. });
    let ServerMessage::PublicationAdded { publication } =
        alice.recv_until("publication_added", added).await
    else {
        unreachable!()
    };
    assert_eq!(publication.participant_id, wa.id);
    assert_eq!(publication.source, amphi_proto::Source::Microphone);
    bob.recv_until("publication_added", added).await;

    // Bob is offered it on his subscriber leg, answers, and receives packets.
    let offer = bob
        .recv_until("subscribe_offer", |m| {
            matches!(m, ServerMessage::SubscribeOffer { .. })
        })
        .await;
    let ServerMessage::SubscribeOffer { sdp, tracks } = offer else {
        unreachable!()
    };
    assert_eq!(tracks.len(), 1, "{tracks:?}");
    assert_eq!(tracks[0].publication_id, publication.id);
    assert_eq!(tracks[0].participant_id, wa.id);
    assert_eq!(tracks[0].kind, amphi_proto::Kind::Audio);
    let mut bob_pc = peer::Peer::new().await.expect("peer");
    let answer = bob_pc.answer(&sdp).await.expect("answer");
    bob.send(json!({"type": "subscribe_answer", "sdp": answer}))
        .await;
    let received = bob_pc.count_first_track().await;
    let mut got = 0;
    for _ in 0..100 {
        got = received.load(std::sync::atomic::Ordering::Relaxed);
        if got >= 25 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(got >= 25, "Bob received only {got} packets");

    // Mute and leave are seen by Bob.
    alice
        .send(json!({"type": "set_muted", "source": "microphone", "muted": true}))
        .await;
    let muted = bob
        .recv_until("publication_muted", |m| {
            matches!(m, ServerMessage::PublicationMuted { .. })
        })
        .await;
    assert_eq!(
        muted,
        ServerMessage::PublicationMuted {
            publication_id: publication.id.clone(),
            muted: true
        }
    );
    alice.send(json!({"type": "leave"})).await;
    bob.recv_until("publication_removed", |m| {
        matches!(m, ServerMessage::PublicationRemoved { publication_id } if *publication_id == publication.id)
    })
    .await;
    bob.recv_until("participant_left", |m| {
        matches!(m, ServerMessage::ParticipantLeft { .. })
    })
    .await;
    sending.abort();
    let _ = alice_pc.pc.close().await;
    let _ = bob_pc.pc.close().await;
}
