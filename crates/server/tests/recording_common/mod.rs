//! Shared by the recording suites: publishers with deterministic real media (a VP8 `testsrc2`
//! picture and a 440 Hz Opus tone, encoded once by ffmpeg and replayed in real time), a
//! `Recordings` service over a temp folder, and the checks of a replay (MP4 layout, codecs,
//! duration, clean decode, moving picture, the tone).
#![allow(dead_code)] // each suite uses a part

pub mod check;
pub mod publisher;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use amphi_server::config::RecordingConfig;
use amphi_server::recording::{RecordTarget, RecordingEvent, Recordings, jobs};
use amphi_server::signaling::Place;
use amphi_store::{Recording, RecordingId};
use tokio::sync::broadcast;

pub use crate::signaling_common::*;

/// A small, cheap composition for tests on a busy machine (the benchmark uses 1280×720).
pub fn test_config() -> RecordingConfig {
    RecordingConfig {
        width: 640,
        height: 360,
        fps: 15,
        video_kbps: 600,
        audio_kbps: 96,
        min_free_start_bytes: 0,
        min_free_stop_bytes: 0,
        ..RecordingConfig::default()
    }
}

/// The service over `h`'s rooms and store, recording into `dir` (no worker started).
pub fn service(h: &Harness, config: RecordingConfig, dir: &std::path::Path) -> Recordings {
    Recordings::new(
        h.db.store.clone(),
        h.state.rooms.clone(),
        config,
        dir.to_owned(),
        None,
    )
}

/// The service recording into a fresh temp folder, with its worker running, showing still
/// pictures (images, PDF pages) from `stills`.
pub fn recordings_with_stills(
    h: &Harness,
    config: RecordingConfig,
    stills: Arc<dyn amphi_server::compose::StillSource>,
) -> (Recordings, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = Recordings::new(
        h.db.store.clone(),
        h.state.rooms.clone(),
        config,
        dir.path().to_owned(),
        Some(stills),
    );
    jobs::spawn_worker(&r);
    (r, dir)
}

/// The service recording into a fresh temp folder, with its worker running.
pub fn recordings(h: &Harness, config: RecordingConfig) -> (Recordings, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = service(h, config, dir.path());
    jobs::spawn_worker(&r);
    (r, dir)
}

pub fn team(h: &Harness, title: &str) -> RecordTarget {
    RecordTarget {
        place: Place::Room("team".into()),
        room_id: h.room.id.clone(),
        session_id: None,
        title: title.into(),
    }
}

/// Waits for the room to hold `n` publications whose media flows.
pub async fn wait_publications(h: &Harness, n: usize) {
    for _ in 0..300 {
        if let Some(s) = h.state.rooms.snapshot("team").await
            && s.publications >= n
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{n} publications never started");
}

/// Waits for the `Ready` (or `Failed`) event of `id`; returns the ready recording.
pub async fn wait_ready(
    events: &mut broadcast::Receiver<RecordingEvent>,
    id: &RecordingId,
    within: Duration,
) -> Recording {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let ev = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the replay is ready in time")
            .expect("events flow");
        match ev {
            RecordingEvent::Ready { recording } if recording.id == *id => return recording,
            RecordingEvent::Failed { id: f, error } if f == *id => {
                panic!("processing failed: {error}")
            }
            _ => {}
        }
    }
}

/// Stops the recording at `place`, waits for its replay and returns the replay's path.
pub async fn stop_and_replay(
    recordings: &Recordings,
    place: &Place,
    events: &mut broadcast::Receiver<RecordingEvent>,
    id: &RecordingId,
    dir: &std::path::Path,
) -> PathBuf {
    recordings
        .stop(place)
        .await
        .expect("stop")
        .expect("was recording");
    wait_ready(events, id, Duration::from_secs(60)).await;
    dir.join(id.as_str()).join("replay.mp4")
}

/// The test media, made once per build folder.
pub async fn media() -> Arc<PathBuf> {
    publisher::media_file().await
}

/// A second participant's camera and microphone: the same picture, a 660 Hz tone.
pub async fn second_voice() -> Arc<PathBuf> {
    publisher::second_voice_file().await
}
