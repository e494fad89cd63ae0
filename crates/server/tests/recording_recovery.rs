//! Durability (issue 7 proof): a server killed while recording leaves a replay of what was
//! written (up to ≤ 5 s before the crash), and a restart during processing runs the job again.
//!
//! The "server" whose recording crashes runs on a runtime of its own that the test shuts
//! down at once (`shutdown_background`): its tasks stop where they are and its ffmpeg
//! children are killed (SIGKILL), nothing is stopped or written cleanly — as with `kill -9`.
//! Then a fresh service over the same store and folder recovers.

mod recording_common;
mod signaling_common;

use std::time::{Duration, Instant};

use amphi_server::recording::{jobs, recovery};
use amphi_store::{RecordingJobKind, RecordingOptions, RecordingState};
use recording_common::publisher::Publisher;
use recording_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_while_recording_leaves_a_replay_up_to_the_crash() {
    let media = media().await;
    let h = start(None, None, None).await;
    let _alice = Publisher::join(&h, "Alice", "camera", true, &media).await;
    let _bob = Publisher::join(&h, "Bob", "camera", true, &second_voice().await).await;
    wait_publications(&h, 4).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let target = team(&h, "Crashed");

    // The doomed server: its own runtime.
    let doomed = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let first = service(&h, test_config(), dir.path());
    let (rec, started) = {
        let first = first.clone();
        let target = target.clone();
        doomed
            .spawn(async move {
                let rec = first
                    .start(&target, None, RecordingOptions::default())
                    .await
                    .expect("starts");
                (rec, Instant::now())
            })
            .await
            .expect("started")
    };
    tokio::time::sleep(Duration::from_secs(15)).await;
    let crashed_after = started.elapsed().as_secs_f64();
    doomed.shutdown_background();
    drop(first);
    let left =
        h.db.store
            .recording(&rec.id)
            .await
            .expect("read")
            .expect("row");
    assert_eq!(
        left.state,
        RecordingState::Recording,
        "nothing was told of the crash"
    );

    // The restart.
    let second = service(&h, test_config(), dir.path());
    let mut events = second.subscribe();
    let recovered = recovery::recover(&second).await.expect("recovery");
    assert_eq!(recovered.interrupted, 1);
    jobs::spawn_worker(&second);
    let ready = wait_ready(&mut events, &rec.id, Duration::from_secs(60)).await;
    let secs = ready.duration_ms.expect("duration") as f64 / 1000.0;
    println!("crashed after {crashed_after:.1} s; replay {secs:.1} s");
    assert!(
        secs >= crashed_after - 5.0,
        "up to ≤ 5 s before the crash: {secs} of {crashed_after}"
    );
    assert!(secs <= crashed_after + 1.0, "{secs} of {crashed_after}");
    let replay = dir.path().join(rec.id.as_str()).join("replay.mp4");
    check::assert_replay(&replay, secs, 0.5, true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_during_processing_runs_the_job_again() {
    let media = media().await;
    let h = start(None, None, None).await;
    let _alice = Publisher::join(&h, "Alice", "camera", true, &media).await;
    wait_publications(&h, 2).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let target = team(&h, "Interrupted processing");
    // No worker: the finalize job waits.
    let first = service(&h, test_config(), dir.path());
    let rec = first
        .start(&target, None, RecordingOptions::default())
        .await
        .expect("starts");
    tokio::time::sleep(Duration::from_secs(6)).await;
    first
        .stop(&target.place)
        .await
        .expect("stop")
        .expect("was recording");
    // A worker took the job and the server died with it running.
    let job =
        h.db.store
            .claim_recording_job()
            .await
            .expect("claim")
            .expect("a job");
    assert_eq!((job.kind, job.attempts), (RecordingJobKind::Finalize, 1));
    drop(first);

    let second = service(&h, test_config(), dir.path());
    let mut events = second.subscribe();
    let recovered = recovery::recover(&second).await.expect("recovery");
    assert_eq!((recovered.interrupted, recovered.requeued), (0, 1));
    jobs::spawn_worker(&second);
    let ready = wait_ready(&mut events, &rec.id, Duration::from_secs(60)).await;
    assert!((ready.duration_ms.unwrap_or(0) as f64 / 1000.0 - 6.0).abs() <= 1.0);
    assert!(
        h.db.store
            .unfinished_recording_jobs()
            .await
            .expect("jobs")
            .is_empty()
    );
    check::assert_replay(
        &dir.path().join(rec.id.as_str()).join("replay.mp4"),
        6.0,
        1.0,
        true,
    );
}
