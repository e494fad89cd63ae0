//! Server-side recording end to end (issue 7 proof): two participants publishing real media
//! (VP8 `testsrc2` + a 440 Hz Opus tone) through the signaling and the real SFU; the
//! recording service taps them, composes live, writes segments, and makes `replay.mp4`.
//! Needs ffmpeg/ffprobe (the test fails without them).

mod recording_common;
mod signaling_common;

use std::time::{Duration, Instant};

use amphi_server::recording::RecordingError;
use amphi_store::{RecordingOptions, RecordingState};
use recording_common::publisher::Publisher;
use recording_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_participants_for_twenty_seconds_make_a_replay_and_a_second_run_another() {
    let media = media().await;
    let h = start(None, None, None).await;
    let _alice = Publisher::join(&h, "Alice", "camera", true, &media).await;
    let _bob = Publisher::join(&h, "Bob", "camera", true, &second_voice().await).await;
    wait_publications(&h, 4).await;
    let (recordings, dir) = recordings(&h, test_config());
    let mut events = recordings.subscribe();
    let target = team(&h, "Weekly");

    let rec = recordings
        .start(&target, Some(&h.owner.id), RecordingOptions::default())
        .await
        .expect("recording starts");
    assert_eq!(rec.state, RecordingState::Recording);
    assert!(matches!(
        recordings
            .start(&target, None, RecordingOptions::default())
            .await,
        Err(RecordingError::AlreadyRecording)
    ));
    assert_eq!(
        recordings.active(&target.place).map(|r| r.id),
        Some(rec.id.clone())
    );
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(20)).await;
    let stopped = recordings
        .stop(&target.place)
        .await
        .expect("stops")
        .expect("it was recording");
    let stop_at = Instant::now();
    assert_eq!(stopped.state, RecordingState::Processing);
    assert!(recordings.active(&target.place).is_none());
    let ready = wait_ready(&mut events, &rec.id, Duration::from_secs(120)).await;
    let stop_to_ready = stop_at.elapsed();
    let recorded = stop_at.duration_since(started).as_secs_f64();
    println!(
        "recorded {recorded:.1} s; stop → ready {:.1} s",
        stop_to_ready.as_secs_f64()
    );
    assert_eq!(ready.state, RecordingState::Ready);
    let replay = dir.path().join(rec.id.as_str()).join("replay.mp4");
    assert_eq!(
        ready.bytes,
        Some(std::fs::metadata(&replay).expect("replay").len() as i64)
    );
    let secs = ready.duration_ms.expect("a duration") as f64 / 1000.0;
    assert!((secs - 20.0).abs() <= 1.0, "20 ± 1 s, got {secs}");
    check::assert_replay(&replay, 20.0, 1.0, true);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join(rec.id.as_str()))
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, vec!["replay.mp4".to_owned()], "segments removed");

    // Start again: another recording (V1).
    let second = recordings
        .start(&target, None, RecordingOptions::default())
        .await
        .expect("starts again");
    assert_ne!(second.id, rec.id);
    tokio::time::sleep(Duration::from_secs(6)).await;
    recordings
        .stop(&target.place)
        .await
        .expect("stops")
        .expect("was recording");
    let second = wait_ready(&mut events, &second.id, Duration::from_secs(60)).await;
    let list = h.db.store.room_recordings(&h.room.id).await.expect("list");
    assert_eq!(list.len(), 2, "two recordings");
    assert!(list.iter().all(|r| r.state == RecordingState::Ready));
    let secs = second.duration_ms.expect("duration") as f64 / 1000.0;
    assert!((secs - 6.0).abs() <= 1.0, "{secs}");
}
