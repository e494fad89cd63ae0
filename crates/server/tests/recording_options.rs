//! Recording options and the disk guard (V3, V7), end to end with real media: webcams off
//! gives the shared content only (a yellow "screen" filling the picture, no camera strip);
//! below `min_free_start_bytes` a recording does not start; below `min_free_stop_bytes` it
//! stops by itself, cleanly (Stopped{DiskLow}, then a replay of what was recorded).

mod recording_common;
mod signaling_common;

use std::time::Duration;

use amphi_server::config::RecordingConfig;
use amphi_server::recording::{RecordingError, RecordingEvent, StopReason};
use amphi_store::{RecordingOptions, RecordingState};
use recording_common::publisher::{Publisher, screen_file};
use recording_common::*;

/// Regression test for issue 7: the compositor's decoder probed ~20 frames (4 s of this 5 fps
/// screen) before decoding and threw them away, keyframe included, so the content tile stayed
/// blank (see `compose/input.rs`, `decoder_args`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webcams_off_records_the_content_only() {
    let media = media().await;
    let screen = screen_file().await;
    let h = start(None, None, None).await;
    let _alice = Publisher::join(&h, "Alice", "camera", true, &media).await;
    let _bob = Publisher::join(&h, "Bob", "screen", false, &screen).await;
    wait_publications(&h, 3).await;
    let (recordings, dir) = recordings(&h, test_config());
    let mut events = recordings.subscribe();
    let target = team(&h, "Content only");
    let rec = recordings
        .start(
            &target,
            None,
            RecordingOptions {
                webcams: false,
                audio_only: false,
            },
        )
        .await
        .expect("starts");
    assert!(!rec.options.webcams);
    tokio::time::sleep(Duration::from_secs(8)).await;
    let replay =
        stop_and_replay(&recordings, &target.place, &mut events, &rec.id, dir.path()).await;
    let (streams, duration) = check::probe(&replay);
    assert!((duration - 8.0).abs() <= 1.0, "{duration}");
    assert!(streams.contains(&("video".into(), "h264".into())));
    assert!(streams.contains(&("audio".into(), "aac".into())));
    // After the first seconds (the replayed screen file has a keyframe every 2 s: it cannot
    // answer the compositor's keyframe request as a browser does), every picture is the
    // yellow screen edge to edge: no camera tile anywhere (a camera strip would be testsrc2).
    let thumbs = check::thumbnails(&replay);
    for (i, t) in thumbs.iter().enumerate().skip(4) {
        let right_strip: Vec<u8> = t.chunks(64).flat_map(|row| row[52..60].to_vec()).collect();
        assert!(
            check::mean(t) > 150.0,
            "picture {i} is the yellow screen: {}",
            check::mean(t)
        );
        assert!(
            check::mean(&right_strip) > 150.0,
            "picture {i}: no camera strip"
        );
    }
    // Alice's tone is still heard (content + audio).
    let s = check::samples(&replay, 3.0, 4.0);
    assert!(check::tone_power(&s, 440.0) > 1e-4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_disk_guard_refuses_to_start_and_stops_a_recording() {
    let media = media().await;
    let h = start(None, None, None).await;
    let _alice = Publisher::join(&h, "Alice", "camera", true, &media).await;
    wait_publications(&h, 2).await;
    let target = team(&h, "Guarded");

    let (full, _dir) = recordings(
        &h,
        RecordingConfig {
            min_free_start_bytes: u64::MAX,
            ..test_config()
        },
    );
    match full.start(&target, None, RecordingOptions::default()).await {
        Err(RecordingError::DiskLow { free_bytes }) => assert!(free_bytes > 0),
        other => panic!("refused for the disk: {other:?}"),
    }
    assert!(full.active(&target.place).is_none());
    assert!(
        h.db.store
            .room_recordings(&h.room.id)
            .await
            .expect("list")
            .is_empty(),
        "nothing stored"
    );

    let (low, dir) = recordings(
        &h,
        RecordingConfig {
            min_free_stop_bytes: u64::MAX,
            ..test_config()
        },
    );
    let mut events = low.subscribe();
    let rec = low
        .start(&target, None, RecordingOptions::default())
        .await
        .expect("starts (enough to start)");
    let stopped = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(RecordingEvent::Stopped {
                recording, reason, ..
            }) = events.recv().await
            {
                return (recording, reason);
            }
        }
    })
    .await
    .expect("stopped by the guard");
    assert_eq!(stopped.1, StopReason::DiskLow);
    assert_eq!(stopped.0.state, RecordingState::Processing);
    assert!(low.active(&target.place).is_none());
    let ready = wait_ready(&mut events, &rec.id, Duration::from_secs(60)).await;
    assert!(
        ready.duration_ms.unwrap_or(0) > 0,
        "what was recorded is kept"
    );
    assert!(dir.path().join(rec.id.as_str()).join("replay.mp4").exists());
}
