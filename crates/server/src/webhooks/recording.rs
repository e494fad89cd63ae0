//! `recording.ready`: the recording service's `Ready` events (a processed recording, an
//! imported upload) become webhook events, from a task of their own so that neither the job
//! worker nor the service needs to know about webhooks.

use amphi_store::{Recording, Store};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{RecordingData, WebhookEvent, Webhooks};
use crate::recording::{RecordingEvent, Recordings};

/// Forwards `Ready` events until shutdown (or the service is gone). `base_url` makes the
/// replay's absolute URL (the public URL, else the listening address). Start it before the
/// job worker, so that no replay made at start-up (recovery) is missed.
pub fn spawn(
    recordings: &Recordings,
    webhooks: Webhooks,
    base_url: String,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let mut events = recordings.subscribe();
    tokio::spawn(async move {
        loop {
            // The server waits for its background tasks when it stops: this one must end then.
            let event = tokio::select! {
                event = events.recv() => event,
                () = crate::serve::stopped(&mut shutdown) => return,
            };
            match event {
                Ok(RecordingEvent::Ready { recording }) => {
                    match ready(webhooks.store(), &recording, &base_url).await {
                        Ok(data) => webhooks.emit(WebhookEvent::RecordingReady(data)),
                        Err(e) => tracing::warn!(
                            recording = %recording.id,
                            error = %e,
                            "recording.ready webhook not queued"
                        ),
                    }
                }
                Ok(_) => {}
                // Only progress events come in bursts, and this loop does not wait on them;
                // should it ever fall behind, say so rather than stop.
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "recording events skipped by the webhooks")
                }
                Err(RecvError::Closed) => return,
            }
        }
    })
}

/// The event's data: the room's and session's slugs are read from the store.
async fn ready(
    store: &Store,
    recording: &Recording,
    base_url: &str,
) -> Result<RecordingData, amphi_store::StoreError> {
    let room_slug = store
        .room_by_id(&recording.room_id)
        .await?
        .map(|room| room.slug)
        .unwrap_or_default();
    let session_slug = match &recording.session_id {
        Some(id) => store.session_by_id(id).await?.map(|s| s.slug),
        None => None,
    };
    Ok(RecordingData {
        id: recording.id.to_string(),
        title: recording.title.clone(),
        room_slug,
        session_slug,
        duration_ms: recording.duration_ms,
        bytes: recording.bytes,
        replay_url: format!(
            "{}/replays/{}",
            base_url.trim_end_matches('/'),
            recording.id
        ),
    })
}
