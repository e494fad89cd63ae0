//! At start-up, before the job worker starts: what a stopped (or killed) server left behind.
//! - Recordings still `recording`: the server died while recording. Their segments are on
//!   disk (each finished segment is complete; the one being written may be cut short and is
//!   left out by `finalize`), so they become `processing` with a finalize job, as if stopped
//!   at the crash (`ended_at`: when the last segment was written).
//! - Jobs still `running`: they go back to `pending` and run again from the start (a remux
//!   writes `replay.part.mp4` and renames it at the end: a half-done run leaves nothing).
//!
//! A `kill -9` kills the server, not its ffmpeg children: outside systemd (or with
//! `KillMode=process`) they live on — the encoder closes its last segment once its input
//! ends, a remux finishes its file. Before touching a folder, recovery waits for the processes
//! still working in it (their arguments name the folder; Linux `/proc`) and kills them past
//! [`SETTLE_GRACE`], so nothing is finalized while an old ffmpeg still writes into it. With
//! systemd's default `KillMode=control-group` they are already gone.
//!
//! One server per database and recordings folder is assumed (as for the room actors).

use std::path::Path;
use std::time::{Duration, Instant, UNIX_EPOCH};

use amphi_store::{RecordingId, RecordingJobState, RecordingState, StoreError};

use super::{Inner, Recordings, finalize, recorder};

/// How long processes of a killed server may go on working in a recording's folder.
pub const SETTLE_GRACE: Duration = Duration::from_secs(10);
const SETTLE_POLL: Duration = Duration::from_millis(200);

/// What recovery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Recordings interrupted by the stop, now processing.
    pub interrupted: usize,
    /// Jobs put back to pending.
    pub requeued: u64,
    /// Leftover processes of the previous server killed after the grace.
    pub killed: usize,
}

pub async fn recover(recordings: &Recordings) -> Result<Recovered, StoreError> {
    let inner = recordings.inner();
    let interrupted = inner
        .store
        .recordings_in_state(RecordingState::Recording)
        .await?;
    let running: Vec<RecordingId> = inner
        .store
        .unfinished_recording_jobs()
        .await?
        .into_iter()
        .filter(|j| j.state == RecordingJobState::Running)
        .map(|j| j.recording_id)
        .collect();
    let mut killed = 0;
    for id in interrupted.iter().map(|r| &r.id).chain(&running) {
        killed += settle(&inner.recording_dir(id)).await;
    }
    let requeued = inner.store.requeue_running_recording_jobs().await?;
    let mut handed_over = 0;
    for r in interrupted {
        tracing::info!(recording = %r.id, "recording interrupted by a stop: finalizing what was written");
        let ended_at = last_written(inner, &r.id).unwrap_or_else(amphi_store::now_ms);
        if recorder::hand_over(inner, &r, ended_at).await.is_some() {
            handed_over += 1;
        }
    }
    if handed_over > 0 || requeued > 0 {
        inner.jobs.notify_one();
    }
    Ok(Recovered {
        interrupted: handed_over,
        requeued,
        killed,
    })
}

/// When the last segment of a recording was written (Unix ms): when it was cut short.
fn last_written(inner: &Inner, id: &RecordingId) -> Option<i64> {
    finalize::segments(&inner.recording_dir(id))
        .iter()
        .filter_map(|s| std::fs::metadata(s).and_then(|m| m.modified()).ok())
        .max()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
}

/// Waits until no process works in `dir` any more; kills (SIGKILL) those still there after
/// [`SETTLE_GRACE`]. Returns how many it killed.
pub async fn settle(dir: &Path) -> usize {
    settle_within(dir, SETTLE_GRACE).await
}

async fn settle_within(dir: &Path, grace: Duration) -> usize {
    let deadline = Instant::now() + grace;
    loop {
        let left = workers_in(dir);
        if left.is_empty() {
            return 0;
        }
        if Instant::now() >= deadline {
            tracing::warn!(folder = %dir.display(), pids = ?left, "processes of the previous server still work in a recording's folder: killed");
            for pid in &left {
                kill(*pid).await;
            }
            // They are gone once the kernel delivered the signal; give it a moment.
            for _ in 0..25 {
                if workers_in(dir).is_empty() {
                    break;
                }
                tokio::time::sleep(SETTLE_POLL).await;
            }
            return left.len();
        }
        tracing::info!(folder = %dir.display(), pids = ?left, "waiting for the previous server's ffmpeg to finish");
        tokio::time::sleep(SETTLE_POLL).await;
    }
}

/// Live processes (not this one, not zombies) whose arguments name a file in `dir`. Empty
/// where there is no `/proc`.
pub fn workers_in(dir: &Path) -> Vec<u32> {
    let Some(dir) = dir.to_str() else {
        return Vec::new();
    };
    let needle = format!("{}/", dir.trim_end_matches('/'));
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me && running(*pid))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|b| {
                b.split(|c| *c == 0)
                    .any(|arg| arg.starts_with(needle.as_bytes()))
            })
        })
        .collect()
}

/// Whether `pid` runs: it exists and is no zombie.
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let (_, rest) = s.rsplit_once(')')?;
            rest.trim_start().chars().next()
        })
        .is_some_and(|state| state != 'Z' && state != 'X')
}

/// SIGKILL with the system's `kill` (no signal call in this crate: `unsafe` is forbidden).
async fn kill(pid: u32) {
    let done = tokio::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .await;
    if let Err(e) = done {
        tracing::warn!(pid, error = %e, "cannot run kill");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process naming a file of the folder is waited for, then killed; one naming another
    /// folder is left alone.
    #[tokio::test]
    async fn leftover_processes_in_a_folder_are_killed_after_the_grace() {
        let root = tempfile::tempdir().expect("temp dir");
        let (mine, other) = (root.path().join("a"), root.path().join("ab"));
        for d in [&mine, &other] {
            std::fs::create_dir_all(d).expect("folder");
            std::fs::write(d.join("seg.ts"), b"x").expect("file");
        }
        let spawn = |d: &Path| {
            tokio::process::Command::new("tail")
                .arg("-f")
                .arg(d.join("seg.ts"))
                .stdout(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("tail runs")
        };
        let (mut stuck, mut bystander) = (spawn(&mine), spawn(&other));
        let pid = stuck.id().expect("running");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(workers_in(&mine), vec![pid]);
        let t = Instant::now();
        assert_eq!(settle_within(&mine, Duration::from_secs(1)).await, 1);
        assert!(t.elapsed() >= Duration::from_secs(1), "waited for it first");
        let status = tokio::time::timeout(Duration::from_secs(5), stuck.wait())
            .await
            .expect("killed")
            .expect("status");
        assert!(!status.success());
        assert!(workers_in(&mine).is_empty());
        assert!(
            bystander.try_wait().expect("status").is_none(),
            "left alone"
        );
        assert_eq!(workers_in(&other).len(), 1);
        // A process that ends within the grace is not killed.
        let _ = bystander.start_kill();
        let _ = bystander.wait().await;
        assert_eq!(settle_within(&other, Duration::from_secs(1)).await, 0);
    }
}
