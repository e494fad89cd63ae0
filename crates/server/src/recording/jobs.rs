//! The processing worker: takes durable jobs from the store one at a time (a claim is one
//! conditional UPDATE), runs them (`finalize.rs`), and stores and emits progress and the
//! outcome. Woken when a job is queued; also looks every few seconds (a job queued by another
//! process, or one whose wake-up was missed).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amphi_store::{RecordingJob, RecordingJobKind, RecordingState};
use tokio::task::JoinHandle;

use super::{Inner, RecordingEvent, Recordings, finalize};

/// How often the worker looks for jobs when nobody wakes it.
const POLL: Duration = Duration::from_secs(5);
/// Progress is written to the store at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// Starts the worker (once per server, after `recovery::recover`).
pub fn spawn_worker(recordings: &Recordings) -> JoinHandle<()> {
    let inner = recordings.inner().clone();
    tokio::spawn(async move {
        loop {
            match inner.store.claim_recording_job().await {
                Ok(Some(job)) => run(&inner, job).await,
                Ok(None) => {
                    let _ = tokio::time::timeout(POLL, inner.jobs.notified()).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "recording jobs unavailable");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    })
}

/// Runs one claimed job to its end.
async fn run(inner: &Arc<Inner>, job: RecordingJob) {
    let id = job.recording_id.clone();
    let dir = inner.recording_dir(&id);
    tracing::info!(recording = %id, kind = ?job.kind, attempt = job.attempts, "recording job");
    let (progress_tx, mut progress_rx) = tokio::sync::watch::channel(0u8);
    let reporter = {
        let inner = inner.clone();
        let id = id.clone();
        tokio::spawn(async move {
            let mut last_write = Instant::now() - PROGRESS_EVERY;
            while progress_rx.changed().await.is_ok() {
                let p = *progress_rx.borrow_and_update();
                inner.emit(RecordingEvent::Progress {
                    id: id.clone(),
                    progress: p,
                });
                if last_write.elapsed() >= PROGRESS_EVERY {
                    last_write = Instant::now();
                    let _ = inner
                        .store
                        .set_recording_state(&id, RecordingState::Processing, p, None)
                        .await;
                }
            }
        })
    };
    let report = move |p: u8| {
        progress_tx.send_replace(p);
    };
    let outcome = match job.kind {
        RecordingJobKind::Finalize => finalize::finalize(&dir, report).await,
        RecordingJobKind::Import => match &job.input {
            Some(input) => finalize::import(&dir, &PathBuf::from(input), report).await,
            None => Err(super::RecordingError::Unsupported(
                "no uploaded file".into(),
            )),
        },
    };
    let _ = reporter.await;
    match outcome {
        Ok(replay) => {
            let _ = inner.store.complete_recording_job(&job.id, None).await;
            match inner
                .store
                .finish_recording(&id, replay.duration_ms, replay.bytes)
                .await
            {
                Ok(recording) => {
                    tracing::info!(recording = %id, duration_ms = replay.duration_ms, "replay ready");
                    inner.emit(RecordingEvent::Ready { recording });
                }
                // Deleted meanwhile: its folder goes too.
                Err(_) => {
                    let _ = tokio::fs::remove_dir_all(&dir).await;
                }
            }
        }
        Err(e) => {
            let error = e.to_string();
            tracing::warn!(recording = %id, error = %error, "recording job failed");
            let _ = inner
                .store
                .complete_recording_job(&job.id, Some(&error))
                .await;
            let _ = inner
                .store
                .set_recording_state(&id, RecordingState::Failed, 0, Some(&error))
                .await;
            inner.emit(RecordingEvent::Failed { id, error });
        }
    }
}
