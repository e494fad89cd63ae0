//! The issue 7 benchmark (ignored: run it on purpose, on an otherwise idle machine):
//! `cargo test --release -p amphi-server --test recording_bench -- --ignored --nocapture`.
//! Two webcams and a shared screen, composed at 1280×720 25 fps: the CPU the recording adds
//! (this process and its ffmpeg children, recording minus the same room not recording), and
//! the time from "stop" to a playable replay for a 1-minute recording. Longer recordings:
//! `tests/bench/finalize_rate.sh` (finalize is a copy remux, linear in the size).

mod recording_common;
mod signaling_common;

use std::time::{Duration, Instant};

use amphi_server::config::RecordingConfig;
use amphi_store::RecordingOptions;
use recording_common::publisher::{Publisher, bench_screen_file};
use recording_common::*;

/// Clock ticks of CPU used by `pid` and all its descendants now alive.
fn tree_ticks(pid: u32) -> u64 {
    let mut total = 0;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
            // Fields after the command's closing parenthesis: utime is the 12th, stime the 13th.
            if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
                let f: Vec<&str> = rest.split_whitespace().collect();
                total += f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                total += f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            }
        }
        for task in std::fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                stack.extend(
                    children
                        .split_whitespace()
                        .filter_map(|c| c.parse::<u32>().ok()),
                );
            }
        }
    }
    total
}

/// Cores used by this process tree over `secs`.
async fn cores_over(secs: u64) -> f64 {
    let me = std::process::id();
    let t0 = tree_ticks(me);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let ticks = tree_ticks(me).saturating_sub(t0) as f64;
    ticks / 100.0 / start.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored on an idle machine"]
async fn recording_cpu_and_stop_to_playable() {
    let media = media().await;
    let screen = bench_screen_file().await;
    let h = start(None, None, None).await;
    let _alice = Publisher::join(&h, "Alice", "camera", true, &media).await;
    let _bob = Publisher::join(&h, "Bob", "camera", true, &media).await;
    let _carol = Publisher::join(&h, "Carol", "screen", false, &screen).await;
    wait_publications(&h, 5).await;
    let config = RecordingConfig {
        min_free_start_bytes: 0,
        min_free_stop_bytes: 0,
        ..RecordingConfig::default()
    };
    let (recordings, _dir) = recordings(&h, config);
    let mut events = recordings.subscribe();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let base = cores_over(30).await;
    let rec = recordings
        .start(&team(&h, "Bench"), None, RecordingOptions::default())
        .await
        .expect("starts");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let recording = cores_over(50).await;
    let stop = Instant::now();
    recordings
        .stop(&team(&h, "Bench").place)
        .await
        .expect("stop")
        .expect("was recording");
    let ready = wait_ready(&mut events, &rec.id, Duration::from_secs(120)).await;
    let stop_to_ready = stop.elapsed().as_secs_f64();
    println!(
        "BENCH room without recording: {base:.2} cores; while recording: {recording:.2} cores; \
         recording adds {:.2} cores",
        recording - base
    );
    println!(
        "BENCH 1-minute recording ({:.1} s, {} bytes): stop → playable {stop_to_ready:.2} s",
        ready.duration_ms.unwrap_or(0) as f64 / 1000.0,
        ready.bytes.unwrap_or(0)
    );
}
