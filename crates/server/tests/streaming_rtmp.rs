//! The RTMP leg against a real RTMP server (nginx-rtmp on 127.0.0.1): a stream goes
//! `starting → live`, the server receives FLV with H.264 + AAC of the right length; killing
//! the server gives `retrying`, and the stream resumes when it is back (a second recording);
//! a server that refuses every attempt ends `failed` after `retry_attempts`. The key never
//! appears in what the supervisor reports nor in the logs.

mod streaming_common;

use std::sync::Arc;
use std::time::Duration;

use amphi_proto::{StreamReason, StreamState};
use amphi_server::config::StreamingConfig;
use amphi_server::streaming::feed;
use amphi_server::streaming::supervisor::{Starter, Supervisor};
use amphi_server::streaming::target::Target;
use amphi_store::StreamKey;
use streaming_common::{LogCapture, RtmpServer, eventually, probe};

const KEY: &str = "k3y-rtmp-7Hq2";

fn config() -> StreamingConfig {
    StreamingConfig {
        width: 320,
        height: 240,
        fps: 15,
        video_kbps: 300,
        audio_kbps: 64,
        retry_min_secs: 1,
        retry_max_secs: 2,
        retry_attempts: 3,
        ..StreamingConfig::default()
    }
}

/// The product's sender (ffmpeg) with the slate picture: what runs until a stage is composed.
fn starter(config: &StreamingConfig) -> Starter {
    let config = config.clone();
    Arc::new(move |target: Target| {
        let config = config.clone();
        Box::pin(async move { feed::spawn_ffmpeg(feed::slate_input(&config), &config, &target) })
    })
}

fn state_of(s: &Supervisor) -> StreamState {
    s.state.borrow().state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_retries_after_a_drop_and_resumes() {
    let logs = LogCapture::install();
    let mut rtmp = RtmpServer::start();
    let config = config();
    let target = Target::new(rtmp.url(), StreamKey::new(KEY));
    let sup = Supervisor::start(starter(&config), target, config.clone());
    assert_eq!(state_of(&sup), StreamState::Starting);
    eventually(20, "live", || state_of(&sup) == StreamState::Live).await;
    tokio::time::sleep(Duration::from_secs(6)).await;

    // The RTMP server goes away: retrying, with the reason, and without the key.
    rtmp.kill();
    eventually(20, "retrying", || state_of(&sup) == StreamState::Retrying).await;
    let info = sup.state.borrow().clone();
    assert!(info.attempt.is_some_and(|a| a >= 1), "{info:?}");
    let Some(StreamReason::Error { detail }) = &info.reason else {
        panic!("a retry says why: {info:?}")
    };
    assert!(!detail.contains(KEY), "the reason shows the key: {detail}");

    // It comes back: the stream resumes by itself.
    tokio::time::sleep(Duration::from_secs(1)).await;
    rtmp.restart();
    eventually(30, "live again", || state_of(&sup) == StreamState::Live).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    sup.stop().await;

    let files = rtmp.recordings();
    assert_eq!(
        files.len(),
        2,
        "one recording before the drop, one after: {files:?}"
    );
    for file in &files {
        let p = probe(file);
        assert!(p.codecs.contains(&"h264".to_owned()), "{file:?}: {p:?}");
        assert!(p.codecs.contains(&"aac".to_owned()), "{file:?}: {p:?}");
    }
    let first = probe(&files[0]);
    assert!(
        (5.0..=9.0).contains(&first.duration),
        "about 6 s before the drop: {first:?}"
    );
    let second = probe(&files[1]);
    assert!(
        (3.5..=7.5).contains(&second.duration),
        "about 5 s after: {second:?}"
    );
    assert!(!logs.text().contains(KEY), "the key is in the logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_every_attempt_ends_failed() {
    LogCapture::install();
    // Nothing listens on this port: every attempt is refused at once.
    let port = streaming_common::free_port();
    let config = config();
    let target = Target::new(format!("rtmp://127.0.0.1:{port}/live"), StreamKey::new(KEY));
    let sup = Supervisor::start(starter(&config), target, config.clone());
    // 3 attempts with 1 s and 2 s between them.
    eventually(30, "failed", || state_of(&sup) == StreamState::Failed).await;
    let info = sup.state.borrow().clone();
    assert!(
        matches!(&info.reason, Some(StreamReason::Error { detail }) if !detail.is_empty() && !detail.contains(KEY)),
        "{info:?}"
    );
    sup.stop().await;
}
