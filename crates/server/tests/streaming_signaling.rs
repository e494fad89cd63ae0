//! Streaming from a room, through the signaling (docs/protocol.md, "Streaming"), against a real
//! RTMP server: the stream starts when the room opens (its first arrival), moderators stop and
//! start it (two received streams), participants may not, everyone is told each state, and it
//! stops by itself when the last moderator left and none came back within the (shortened)
//! grace period. The key appears in no log line and in no message.

mod signaling_common;
mod streaming_common;

use std::time::Duration;

use amphi_proto::{ErrorCode, ServerMessage, StreamInfo, StreamReason, StreamState};
use amphi_server::config::StreamingConfig;
use amphi_store::{StreamKey, StreamTarget};
use serde_json::json;
use signaling_common::{Client, Harness, Limits, Setup, start_with};
use streaming_common::{LogCapture, RtmpServer, probe};

const KEY: &str = "sk-signal-Zx81Qp";

async fn harness(grace_secs: u64) -> Harness {
    start_with(Setup {
        limits: Some(Limits {
            streaming: StreamingConfig {
                moderator_grace_secs: grace_secs,
                width: 320,
                height: 240,
                fps: 15,
                video_kbps: 300,
                audio_kbps: 64,
                retry_min_secs: 1,
                retry_max_secs: 2,
                ..StreamingConfig::default()
            },
            ..Limits::default()
        }),
        ..Setup::default()
    })
    .await
}

/// Joins and returns the client with its raw `welcome`.
async fn join(client: &mut Client, name: &str) -> ServerMessage {
    let welcome = client.join_keyed(name, None).await;
    assert!(
        matches!(welcome, ServerMessage::Welcome { .. }),
        "{welcome:?}"
    );
    assert!(!welcome.to_json().contains(KEY));
    welcome
}

fn welcome_stream(welcome: &ServerMessage) -> Option<StreamInfo> {
    match welcome {
        ServerMessage::Welcome { stream, .. } => stream.clone(),
        _ => None,
    }
}

/// Skips messages until a `stream_updated` in `state`; returns it.
async fn stream_state(client: &mut Client, state: StreamState) -> StreamInfo {
    for _ in 0..200 {
        let m = tokio::time::timeout(Duration::from_secs(40), client.recv())
            .await
            .expect("a message");
        if let ServerMessage::StreamUpdated { stream } = &m {
            assert!(!m.to_json().contains(KEY));
            if stream.state == state {
                return stream.clone();
            }
        }
    }
    panic!("no stream_updated {state:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_control_the_stream_and_it_stops_without_them() {
    let logs = LogCapture::install();
    let rtmp = RtmpServer::start();
    let h = harness(3).await;
    h.db.set_stream_settings(
        &StreamTarget::Room(h.room.id.clone()),
        &rtmp.url(),
        &StreamKey::new(KEY),
    )
    .await
    .expect("settings");

    // The room opens with its owner: the stream starts by itself.
    let mut owner = h.connect_as(&h.owner).await;
    join(&mut owner, "Owner").await;
    stream_state(&mut owner, StreamState::Starting).await;
    stream_state(&mut owner, StreamState::Live).await;

    // A participant sees it live, and may not stop it.
    let mut pat = h.connect().await;
    let welcome = join(&mut pat, "Pat").await;
    assert_eq!(
        welcome_stream(&welcome).map(|s| s.state),
        Some(StreamState::Live)
    );
    pat.send(json!({"type": "stop_stream"})).await;
    pat.expect_refused(ErrorCode::Forbidden, "stop_stream")
        .await;
    pat.send(json!({"type": "start_stream"})).await;
    pat.expect_refused(ErrorCode::Forbidden, "start_stream")
        .await;
    tokio::time::sleep(Duration::from_secs(4)).await;

    // The owner stops it: everyone is told who did.
    owner.send(json!({"type": "stop_stream"})).await;
    let stopped = stream_state(&mut pat, StreamState::Stopped).await;
    assert_eq!(
        stopped.reason,
        Some(StreamReason::StoppedBy { by: "Owner".into() })
    );
    stream_state(&mut owner, StreamState::Stopped).await;

    // ...and starts it again: a second stream reaches the RTMP server.
    owner.send(json!({"type": "start_stream"})).await;
    stream_state(&mut owner, StreamState::Live).await;
    stream_state(&mut pat, StreamState::Live).await;
    tokio::time::sleep(Duration::from_secs(4)).await;

    // The last moderator leaves; none comes back within 3 s: the stream stops.
    owner.send(json!({"type": "leave"})).await;
    let left = tokio::time::Instant::now();
    let stopped = stream_state(&mut pat, StreamState::Stopped).await;
    assert_eq!(stopped.reason, Some(StreamReason::NoModerator));
    let waited = left.elapsed();
    assert!(
        waited >= Duration::from_millis(2500) && waited < Duration::from_secs(15),
        "stopped {waited:?} after the moderator left"
    );

    // Two streams received, each H.264 + AAC.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let files = rtmp.recordings();
    assert_eq!(files.len(), 2, "{files:?}");
    for file in &files {
        let p = probe(file);
        assert!(
            p.codecs.contains(&"h264".to_owned()) && p.codecs.contains(&"aac".to_owned()),
            "{file:?}: {p:?}"
        );
        assert!(p.duration >= 3.0, "{file:?}: {p:?}");
    }
    assert!(!logs.text().contains(KEY), "the key is in the logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_without_stream_says_so() {
    LogCapture::install();
    let h = harness(120).await;
    let mut owner = h.connect_as(&h.owner).await;
    let welcome = join(&mut owner, "Owner").await;
    assert_eq!(welcome_stream(&welcome), None);
    // At once: a frame read just after the welcome waits for the join's answer.
    owner.send(json!({"type": "start_stream"})).await;
    owner
        .expect_refused(ErrorCode::InvalidMessage, "start_stream")
        .await;
}
