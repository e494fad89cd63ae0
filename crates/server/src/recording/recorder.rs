//! One running recording: its compositor writing segments, watched until it stops — asked to
//! (`Recordings::stop`), the disk running low (V7), the room closing, or the encoder failing.
//! Whatever the reason, the end is the same: the composition finishes its last segment, the
//! recording becomes `processing` with a durable finalize job, and `Stopped` is emitted.

use std::sync::Arc;
use std::time::Duration;

use amphi_store::{Recording, RecordingJobKind, now_ms};
use tokio::sync::oneshot;

use super::{Inner, RecordingError, RecordingEvent, StopReason, disk};
use crate::compose::{Compositor, CompositorState, Output};
use crate::signaling::Place;

/// How often the free disk is checked while recording.
const DISK_CHECK: Duration = Duration::from_secs(2);

type StopRequest = oneshot::Sender<Option<Recording>>;

/// Starts the compositor of `recording` and the task that watches it. The returned sender
/// asks it to stop; it answers once the recording is `processing`.
pub(super) async fn start(
    inner: Arc<Inner>,
    place: Place,
    recording: Recording,
) -> Result<oneshot::Sender<StopRequest>, RecordingError> {
    let dir = inner.recording_dir(&recording.id);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| RecordingError::Io(format!("{}: {e}", dir.display())))?;
    let compositor = Compositor::start(
        &inner.rooms,
        &place,
        inner.spec(recording.options),
        Output::Segments { dir },
        inner.stills.clone(),
    )
    .await
    .map_err(|e| match e {
        crate::compose::ComposeError::NoRoom => RecordingError::RoomNotRunning,
        e => RecordingError::Compose(e),
    })?;
    let (stop_tx, stop_rx) = oneshot::channel();
    tokio::spawn(watch(inner, place, recording, compositor, stop_rx));
    Ok(stop_tx)
}

async fn watch(
    inner: Arc<Inner>,
    place: Place,
    recording: Recording,
    compositor: Compositor,
    mut stop: oneshot::Receiver<StopRequest>,
) {
    let mut state = compositor.state();
    let mut disk_check =
        tokio::time::interval_at(tokio::time::Instant::now() + DISK_CHECK, DISK_CHECK);
    let (reason, reply) = loop {
        tokio::select! {
            asked = &mut stop => break (StopReason::Asked, asked.ok()),
            _ = disk_check.tick() => {
                match disk::free_bytes(&inner.dir).await {
                    Ok(free) if free < inner.config.min_free_stop_bytes => {
                        tracing::warn!(recording = %recording.id, free, "disk low: recording stops");
                        break (StopReason::DiskLow, None);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "free disk unknown"),
                }
            }
            changed = state.changed() => {
                let now = if changed.is_ok() { state.borrow_and_update().clone() } else { CompositorState::Ended };
                match now {
                    CompositorState::Failed(why) => break (StopReason::Failed(why), None),
                    CompositorState::Ended => break (StopReason::RoomClosed, None),
                    CompositorState::Starting | CompositorState::Running => {}
                }
            }
        }
    };
    if reply.is_none() {
        inner.forget(&place, &recording.id);
    }
    if let Err(e) = compositor.stop().await {
        // The segments written so far are still finalized.
        tracing::warn!(recording = %recording.id, error = %e, "composition ended with an error");
    }
    let ended = hand_over(&inner, &recording, now_ms()).await;
    if let Some(r) = &ended {
        inner.emit(RecordingEvent::Stopped {
            place,
            recording: r.clone(),
            reason,
        });
    }
    if let Some(reply) = reply {
        let _ = reply.send(ended);
    }
}

/// `recording → processing` (ended at `ended_at`, Unix ms) with a finalize job; `None` if the
/// recording is gone.
pub(super) async fn hand_over(
    inner: &Inner,
    recording: &Recording,
    ended_at: i64,
) -> Option<Recording> {
    let ended = match inner.store.end_recording(&recording.id, ended_at).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(recording = %recording.id, error = %e, "recording not ended in the store");
            return None;
        }
    };
    if let Err(e) = inner
        .store
        .enqueue_recording_job(&recording.id, RecordingJobKind::Finalize, None)
        .await
    {
        tracing::warn!(recording = %recording.id, error = %e, "finalize job not queued");
    }
    inner.jobs.notify_one();
    Some(ended)
}
