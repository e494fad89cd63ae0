//! At start-up, before the job worker starts: what a stopped (or killed) server left behind.
//! - Recordings still `recording`: the server died while recording. Their segments are on
//!   disk (each finished segment is complete; the one being written is cut short), so they
//!   become `processing` with a finalize job, as if stopped at the crash.
//! - Jobs still `running`: they go back to `pending` and run again from the start (a remux
//!   writes `replay.part.mp4` and renames it at the end: a half-done run leaves nothing).
//!
//! One server per database is assumed (as for the room actors).

use amphi_store::{RecordingState, StoreError};

use super::{Recordings, recorder};

/// What recovery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Recordings interrupted by the stop, now processing.
    pub interrupted: usize,
    /// Jobs put back to pending.
    pub requeued: u64,
}

pub async fn recover(recordings: &Recordings) -> Result<Recovered, StoreError> {
    let inner = recordings.inner();
    let requeued = inner.store.requeue_running_recording_jobs().await?;
    let mut interrupted = 0;
    for r in inner
        .store
        .recordings_in_state(RecordingState::Recording)
        .await?
    {
        tracing::info!(recording = %r.id, "recording interrupted by a stop: finalizing what was written");
        if recorder::hand_over(inner, &r).await.is_some() {
            interrupted += 1;
        }
    }
    if interrupted > 0 || requeued > 0 {
        inner.jobs.notify_one();
    }
    Ok(Recovered {
        interrupted,
        requeued,
    })
}
