//! Shared by the signaling tests (signaling_*.rs): a server on port 0 with one room, and
//! tokio-tungstenite clients speaking docs/protocol.md. Each test file uses part of it.
#![allow(dead_code, unused_imports)] // each test file uses a part

pub mod peer;

use std::time::Duration;

use amphi_proto::{
    ChatMessage, Connection, ErrorCode, Knock, ParticipantId, ParticipantInfo, Role, ServerMessage,
    WaitingReason,
};
use amphi_server::config::{Config, Secret};
pub use amphi_server::signaling::Limits;
use amphi_server::signaling::{self, Rooms};
use amphi_server::{AppState, app};
use amphi_store::testing::{TestStore, fresh_store};
use amphi_store::{Backend, NewRoom, NewUser, ShareRole};
pub use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::watch;
pub use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Harness {
    pub base: String,
    pub db: TestStore,
    pub state: AppState,
    pub owner: amphi_store::User,
    /// The room `team`, as created.
    pub room: amphi_store::Room,
    pub shutdown: watch::Sender<bool>,
    /// The server's `[data] dir` (recordings, content): removed with the harness, so no test
    /// writes into the source tree (the default `./data` is relative to the crate).
    pub data: tempfile::TempDir,
}

/// How to start a test server.
pub struct Setup<'a> {
    pub cap: Option<u32>,
    /// Serve the signaling routes alone over a registry with these limits; `None`: the whole
    /// application as `amphi` serves it.
    pub limits: Option<Limits>,
    pub turn: Option<(&'a str, &'a str)>,
    /// Rooms are closed by default (R2); most tests want the room open.
    pub open: bool,
    pub waiting_room: bool,
    pub backend: Backend,
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Setup {
            cap: None,
            limits: None,
            turn: None,
            open: true,
            waiting_room: false,
            backend: Backend::Sqlite,
        }
    }
}

/// A server with one OPEN room, slug `team`, of cap `cap`. `limits`: serve the signaling
/// routes alone over a registry with these limits; `None`: the whole application as `amphi`
/// serves it.
pub async fn start(
    cap: Option<u32>,
    limits: Option<Limits>,
    turn: Option<(&str, &str)>,
) -> Harness {
    start_with(Setup {
        cap,
        limits,
        turn,
        ..Setup::default()
    })
    .await
}

/// A server with one room, slug `team`, as `setup` says.
pub async fn start_with(setup: Setup<'_>) -> Harness {
    let Setup {
        cap,
        limits,
        turn,
        open,
        waiting_room,
        backend,
    } = setup;
    let db = fresh_store(backend).await;
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
    db.set_room_open(&room.id, open).await.expect("open");
    db.set_room_waiting_room(&room.id, waiting_room)
        .await
        .expect("waiting room");
    let room = db
        .room_by_id(&room.id)
        .await
        .expect("read room")
        .expect("room exists");
    let data = tempfile::tempdir().expect("temp data dir");
    let mut config = Config::default();
    config.data.dir = data.path().to_owned();
    config.media.bind_ip = "127.0.0.1".parse().expect("an IP");
    config.media.announced_ips = vec![];
    if let Some((url, secret)) = turn {
        config.turn.urls = vec![url.to_owned()];
        config.turn.secret = Some(Secret::new(secret));
    }
    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut state = AppState::new(db.store.clone(), config.clone(), shutdown_rx);
    let router = match limits {
        None => app::router(state.clone()),
        Some(limits) => {
            let sfu = amphi_sfu::Sfu::new(amphi_sfu::SfuConfig {
                bind_ip: config.media.bind_ip,
                ..amphi_sfu::SfuConfig::default()
            })
            .expect("valid media config");
            let metrics = signaling::SignalingMetrics::default();
            // In the state too, so tests reach the registry that serves the sockets.
            state.rooms = Rooms::new(db.store.clone(), sfu, config.turn.clone(), limits, metrics);
            signaling::router(&state)
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        // With the peer address, as `amphi` serves (per-address limits need it).
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, service).await;
    });
    Harness {
        base: format!("ws://{addr}"),
        db,
        state,
        owner,
        room,
        shutdown,
        data,
    }
}

impl Harness {
    pub async fn connect(&self) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("{}/r/team/ws", self.base))
            .await
            .expect("WebSocket upgrade");
        Client { ws }
    }

    /// A user of the server (not an administrator).
    pub async fn user(&self, email: &str, name: &str) -> amphi_store::User {
        self.db
            .create_user(NewUser {
                email: email.into(),
                display_name: name.into(),
                password_hash: None,
                is_admin: false,
            })
            .await
            .expect("create user")
    }

    /// A user with a share of the room `team`.
    pub async fn shared_user(&self, email: &str, name: &str, role: ShareRole) -> amphi_store::User {
        let user = self.user(email, name).await;
        self.db
            .share_room(&self.room.id, &user.id, role)
            .await
            .expect("share");
        user
    }

    /// Connects signed in as `user` (a login cookie of its own).
    pub async fn connect_as(&self, user: &amphi_store::User) -> Client {
        self.connect_to("/r/team/ws", Some(user)).await
    }

    /// Connects to the socket at `path` (a room's or a session's), signed in as `user` (a
    /// login cookie of its own) or not.
    pub async fn connect_to(&self, path: &str, user: Option<&amphi_store::User>) -> Client {
        let mut request = tungstenite::client::IntoClientRequest::into_client_request(format!(
            "{}{path}",
            self.base
        ))
        .expect("request");
        if let Some(user) = user {
            let set_cookie =
                amphi_server::auth::login::create_login(&self.state, &user.id, &Default::default())
                    .await
                    .expect("a login");
            let cookie = set_cookie
                .to_str()
                .expect("ASCII cookie")
                .split(';')
                .next()
                .expect("name=value first")
                .to_owned();
            request
                .headers_mut()
                .insert("cookie", cookie.parse().expect("header"));
        }
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("upgrade");
        Client { ws }
    }

    /// Signed in as `user`, joined (the room must let them straight in).
    pub async fn join_as(&self, user: &amphi_store::User, name: &str) -> (Client, Welcome) {
        let mut c = self.connect_as(user).await;
        let w = c.join(name, None).await;
        (c, w)
    }

    /// The room `team` as the store has it now.
    pub async fn room_now(&self) -> amphi_store::Room {
        self.db
            .room_by_id(&self.room.id)
            .await
            .expect("read room")
            .expect("room exists")
    }

    /// Connects and joins; returns the client and its welcome.
    pub async fn join(&self, name: &str) -> (Client, Welcome) {
        let mut c = self.connect().await;
        let w = c.join(name, None).await;
        (c, w)
    }
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

#[derive(Debug)]
pub struct Welcome {
    pub id: ParticipantId,
    pub token: String,
    pub resumed: bool,
    pub role: Role,
    pub others: Vec<(ParticipantId, Connection)>,
    pub ice: Vec<amphi_proto::IceServer>,
    /// Everyone else as the welcome shows them (roles, hands).
    pub participants: Vec<ParticipantInfo>,
    pub waiting_room: bool,
    pub chat: Vec<ChatMessage>,
    pub knocks: Vec<Knock>,
}

impl Welcome {
    /// Reads a `welcome` message; panics on anything else.
    pub fn from_message(m: ServerMessage) -> Welcome {
        match m {
            ServerMessage::Welcome {
                participant_id,
                resume_token,
                resumed,
                role,
                room,
                participants,
                ice_servers,
                waiting_room,
                chat,
                knocks,
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
                        .iter()
                        .map(|p| (p.id.clone(), p.connection))
                        .collect(),
                    ice: ice_servers,
                    participants,
                    waiting_room,
                    chat,
                    knocks,
                }
            }
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    /// Someone else in the welcome, by name.
    pub fn other(&self, name: &str) -> &ParticipantInfo {
        self.participants
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} not in {:?}", self.participants))
    }
}

impl Client {
    pub async fn send(&mut self, v: Value) {
        self.send_text(&v.to_string()).await;
    }

    pub async fn send_text(&mut self, s: &str) {
        self.ws
            .send(Message::Text(s.to_owned().into()))
            .await
            .expect("send");
    }

    /// The next protocol message (WebSocket pings skipped); panics on close or silence.
    pub async fn recv(&mut self) -> ServerMessage {
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
    pub async fn recv_until(
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

    pub async fn expect_error(&mut self, code: ErrorCode, request: Option<&str>) {
        match self.recv().await {
            ServerMessage::Error {
                code: got,
                request: got_request,
                message,
                ..
            } => {
                assert_eq!(got, code, "{message}");
                assert_eq!(got_request.as_deref(), request, "{message}");
                assert!(!message.is_empty());
            }
            other => panic!("expected error {code:?}, got {other:?}"),
        }
    }

    /// Skips events (arrivals, updates) until an `error`, which must be `code` for `request`.
    pub async fn expect_refused(&mut self, code: ErrorCode, request: &str) {
        let m = self
            .recv_until("error", |m| matches!(m, ServerMessage::Error { .. }))
            .await;
        match m {
            ServerMessage::Error {
                code: got,
                request: got_request,
                message,
                ..
            } => {
                assert_eq!(got, code, "{message}");
                assert_eq!(got_request.as_deref(), Some(request), "{message}");
            }
            _ => unreachable!(),
        }
    }

    pub async fn ping_pong(&mut self) {
        self.send(json!({"type": "ping"})).await;
        assert_eq!(self.recv().await, ServerMessage::Pong);
    }

    /// The close frame the server sends next (messages before it are returned too).
    pub async fn expect_close(&mut self) -> (Vec<ServerMessage>, Option<(u16, String)>) {
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

    pub async fn join(&mut self, name: &str, token: Option<&str>) -> Welcome {
        self.send(json!({"type": "join", "version": 1, "name": name, "resume_token": token}))
            .await;
        Welcome::from_message(self.recv().await)
    }

    /// Sends `join` with a client key; returns the first answer (welcome, waiting, error).
    pub async fn join_keyed(&mut self, name: &str, client_key: Option<&str>) -> ServerMessage {
        self.send(json!({"type": "join", "version": 1, "name": name, "client_key": client_key}))
            .await;
        self.recv().await
    }

    /// Sends `join`; expects to be held with `reason`, returns `can_open`.
    pub async fn join_waiting(
        &mut self,
        name: &str,
        client_key: Option<&str>,
        reason: WaitingReason,
    ) -> bool {
        match self.join_keyed(name, client_key).await {
            ServerMessage::Waiting {
                reason: got,
                can_open,
            } => {
                assert_eq!(got, reason);
                can_open
            }
            other => panic!("expected waiting {reason:?}, got {other:?}"),
        }
    }

    /// The next message is a `welcome`.
    pub async fn expect_welcome(&mut self) -> Welcome {
        Welcome::from_message(self.recv().await)
    }

    /// Nothing but pings for `quiet`: proves that no event reached this client.
    pub async fn expect_nothing(&mut self, quiet: Duration) {
        let deadline = tokio::time::Instant::now() + quiet;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(other) => panic!("expected nothing, got {other:?}"),
            }
        }
    }

    /// A fatal error with `code`, then the close 4001.
    pub async fn expect_fatal(&mut self, code: ErrorCode) -> String {
        let (before, close) = self.expect_close().await;
        let message = before
            .iter()
            .find_map(|m| match m {
                ServerMessage::Error {
                    code: got, message, ..
                } if *got == code => Some(message.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no error {code:?} before the close: {before:?}"));
        assert_eq!(close.map(|c| c.0), Some(4001), "{before:?}");
        message
    }

    pub async fn send_type(&mut self, kind: &str, mut fields: Value) {
        fields["type"] = json!(kind);
        self.send(fields).await;
    }
}

pub fn short_limits() -> Limits {
    Limits {
        reconnect_grace: Duration::from_millis(800),
        join_timeout: Duration::from_millis(500),
        ..Limits::default()
    }
}

/// The `/metrics` page of the server at `http`.
pub async fn metrics_page(http: &str) -> String {
    reqwest::get(format!("{http}/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("body")
}

/// The value of the series `line` (its name and labels, then a space) on a `/metrics` page.
pub fn metric_value(page: &str, line: &str) -> Option<i64> {
    page.lines()
        .find(|l| l.starts_with(line))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<i64>().ok())
}

/// Polls `/metrics` until the series `line` has the value `want` (actors report just after
/// they answer), returning the last value seen.
pub async fn wait_metric(http: &str, line: &str, want: i64) -> Option<i64> {
    let mut value = None;
    // Generous: a loaded machine may take seconds for an actor's round trip.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        value = metric_value(&metrics_page(http).await, line);
        if value == Some(want) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    value
}
