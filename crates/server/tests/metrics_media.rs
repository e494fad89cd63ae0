//! `/metrics` for recording and streaming (issue 10, O5, with issues 7 and 8), over the whole
//! application on port 0:
//! - a recording started over the signaling makes `amphi_recordings_active 1`, its stop 0, on
//!   both databases (read from the store);
//! - the stop queues a finalize job: `amphi_recording_jobs_queued 1` while no worker runs
//!   (this server starts none), 0 once the worker has run it;
//! - a stream to a real RTMP server (nginx-rtmp) makes `amphi_streams_active 1` while
//!   `starting`/`live`, 0 once a moderator stopped it (`retrying` counts as active too).

mod signaling_common;
mod streaming_common;

use std::time::Duration;

use amphi_proto::{ServerMessage, StreamState};
use amphi_server::config::Config;
use amphi_server::{AppState, app};
use amphi_store::testing::{TestStore, fresh_store, test_backends};
use amphi_store::{Backend, NewRoom, NewUser, Room, StreamKey, StreamTarget, User};
use serde_json::json;
use signaling_common::{Client, metric_value, metrics_page};
use streaming_common::RtmpServer;
use tokio::sync::watch;

/// The application with one open room `team` owned by `owner`, recording and streaming small
/// pictures (a busy 2-core machine), its recording worker NOT started.
struct Media {
    http: String,
    ws: String,
    db: TestStore,
    state: AppState,
    owner: User,
    room: Room,
    _shutdown: watch::Sender<bool>,
    _data: tempfile::TempDir,
}

async fn start(backend: Backend) -> Media {
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
    db.set_room_open(&room.id, true).await.expect("open");
    let data = tempfile::tempdir().expect("temp data dir");
    let mut config = Config::default();
    config.data.dir = data.path().to_owned();
    config.media.bind_ip = "127.0.0.1".parse().expect("an IP");
    config.media.announced_ips = vec![];
    let r = &mut config.recording;
    (r.width, r.height, r.fps, r.video_kbps) = (320, 240, 15, 300);
    (r.min_free_start_bytes, r.min_free_stop_bytes) = (0, 0);
    let st = &mut config.streaming;
    (st.width, st.height, st.fps, st.video_kbps, st.audio_kbps) = (320, 240, 15, 300, 64);
    (st.retry_min_secs, st.retry_max_secs) = (1, 2);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let state = AppState::new(db.store.clone(), config, shutdown_rx);
    let router = app::router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, service).await;
    });
    Media {
        http: format!("http://{addr}"),
        ws: format!("ws://{addr}"),
        db,
        state,
        owner,
        room,
        _shutdown: shutdown,
        _data: data,
    }
}

impl Media {
    /// The owner's socket in `team`, joined.
    async fn owner_joins(&self) -> Client {
        let set_cookie = amphi_server::auth::login::create_login(
            &self.state,
            &self.owner.id,
            &Default::default(),
        )
        .await
        .expect("a login");
        let cookie = set_cookie
            .to_str()
            .expect("ASCII cookie")
            .split(';')
            .next()
            .expect("name=value first")
            .to_owned();
        let mut request =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                format!("{}/r/team/ws", self.ws),
            )
            .expect("request");
        request
            .headers_mut()
            .insert("cookie", cookie.parse().expect("header"));
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("upgrade");
        let mut client = Client { ws };
        client
            .send(json!({"type": "join", "version": 1, "name": "Owner"}))
            .await;
        client
            .recv_until("welcome", |m| matches!(m, ServerMessage::Welcome { .. }))
            .await;
        client
    }

    /// The value of the series `name` in `/metrics` now.
    async fn metric(&self, name: &str) -> i64 {
        let page = metrics_page(&self.http).await;
        metric_value(&page, &format!("{name} ")).unwrap_or_else(|| panic!("no {name} in {page}"))
    }

    /// Waits until `name` is `want` (states change just after the messages that announce them).
    async fn expect_metric(&self, name: &str, want: i64, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let value = self.metric(name).await;
            if value == want {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} is {value}, not {want}, after {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The next `recording_updated`: whether it carries a recording.
async fn recording_updated(c: &mut Client) -> bool {
    match c
        .recv_until("recording_updated", |m| {
            matches!(m, ServerMessage::RecordingUpdated { .. })
        })
        .await
    {
        ServerMessage::RecordingUpdated { recording, .. } => recording.is_some(),
        _ => unreachable!("recv_until returns the message asked for"),
    }
}

#[tokio::test]
async fn recordings_and_their_jobs_are_counted() {
    for backend in test_backends() {
        let m = start(backend).await;
        let short = Duration::from_secs(5);
        let mut owner = m.owner_joins().await;
        assert_eq!(m.metric("amphi_recordings_active").await, 0);
        assert_eq!(m.metric("amphi_recording_jobs_queued").await, 0);

        owner.send(json!({"type": "start_recording"})).await;
        assert!(recording_updated(&mut owner).await, "{backend:?}: started");
        m.expect_metric("amphi_recordings_active", 1, short).await;

        owner.send(json!({"type": "stop_recording"})).await;
        assert!(!recording_updated(&mut owner).await, "{backend:?}: stopped");
        m.expect_metric("amphi_recordings_active", 0, short).await;
        // Its finalize job waits: nobody runs jobs on this server yet.
        m.expect_metric("amphi_recording_jobs_queued", 1, short)
            .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(m.metric("amphi_recording_jobs_queued").await, 1);

        // The worker runs it (to a replay, or to a failure: either way it is done).
        let worker = amphi_server::recording::jobs::spawn_worker(&m.state.recordings);
        m.expect_metric("amphi_recording_jobs_queued", 0, Duration::from_secs(60))
            .await;
        let done = m.db.room_recordings(&m.room.id).await.expect("list");
        assert_eq!(done.len(), 1, "{backend:?}");
        assert!(
            matches!(
                done[0].state,
                amphi_store::RecordingState::Ready | amphi_store::RecordingState::Failed
            ),
            "{backend:?}: {:?}",
            done[0]
        );
        worker.abort();
    }
}

/// Skips messages until a `stream_updated` in `state`.
async fn stream_state(c: &mut Client, state: StreamState) {
    for _ in 0..200 {
        let m = tokio::time::timeout(Duration::from_secs(40), c.recv())
            .await
            .expect("a message");
        if let ServerMessage::StreamUpdated { stream } = &m
            && stream.state == state
        {
            return;
        }
    }
    panic!("no stream_updated {state:?}");
}

// Streams are this server's own (memory, not the store): one backend is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_sending_are_counted() {
    let rtmp = RtmpServer::start();
    let m = start(Backend::Sqlite).await;
    m.db.set_stream_settings(
        &StreamTarget::Room(m.room.id.clone()),
        &rtmp.url(),
        &StreamKey::new("sk-metrics-Qw3"),
    )
    .await
    .expect("settings");
    assert_eq!(m.metric("amphi_streams_active").await, 0);

    // The room opens with its owner: the stream starts by itself.
    let mut owner = m.owner_joins().await;
    stream_state(&mut owner, StreamState::Starting).await;
    stream_state(&mut owner, StreamState::Live).await;
    m.expect_metric("amphi_streams_active", 1, Duration::from_secs(5))
        .await;

    owner.send(json!({"type": "stop_stream"})).await;
    stream_state(&mut owner, StreamState::Stopped).await;
    m.expect_metric("amphi_streams_active", 0, Duration::from_secs(5))
        .await;
}
