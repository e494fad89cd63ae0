//! Server-side recording (issue 7, V1–V8): the [`Recordings`] service in `AppState`.
//!
//! - `start` checks the free disk (V7), creates the recording (`recording`), and starts a
//!   compositor (`crate::compose`) on the room's stage writing ~2 s MPEG-TS segments into
//!   `<recordings dir>/<id>/` as it goes: a crash loses at most the segment being written.
//! - `recorder.rs` watches it: a stop (asked, disk low, room closed, encoder failed) ends the
//!   composition, moves the recording to `processing` and queues a durable `finalize` job.
//! - `jobs.rs` runs jobs one at a time (`finalize.rs`: segments → `replay.mp4`, a copy remux
//!   with `+faststart`, seconds whatever the length; an upload's `import`: remux or transcode),
//!   storing and emitting progress. `recovery.rs` at start-up: recordings left `recording` by a
//!   crash get a finalize job from their segments; jobs left running run again.
//!
//! Files: `<dir>/<id>/seg-<run>-<n>.ts` while recording, `replay.mp4` once ready (H.264 +
//! AAC, `moov` first); an upload's original is `upload.<ext>` until converted.
//! RECWEB owns the people's side in this folder (pages, library, replay, upload, access).

pub mod disk;
pub mod finalize;
pub mod jobs;
mod recorder;
pub mod recovery;
// RECWEB's modules (pages, library, replay, upload, access, settings): one line each below.
pub mod access;
pub mod library;
pub mod pages;
pub mod replay;
pub mod settings;
pub mod upload;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use amphi_store::{
    NewRecording, Recording, RecordingId, RecordingJobKind, RecordingOptions, RecordingSource,
    RoomId, SessionId, Store, StoreError, UserId,
};
use tokio::sync::{Notify, broadcast, oneshot};

use crate::compose::{ComposeError, CompositionSpec, StillSource};
use crate::config::RecordingConfig;
use crate::signaling::{Place, Rooms};

/// What to record: a room's meeting or a session's live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordTarget {
    /// Where the room actor runs (`Place::Room(slug)` or `Place::Session(slug)`).
    pub place: Place,
    pub room_id: RoomId,
    pub session_id: Option<SessionId>,
    /// The recording's title (people rename it later).
    pub title: String,
}

/// Why a recording stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Someone stopped it.
    Asked,
    /// Free disk fell below `[recording] min_free_stop_bytes` (V7).
    DiskLow,
    /// Everyone left: the room's actor stopped.
    RoomClosed,
    /// The composition failed (ffmpeg's reason).
    Failed(String),
}

/// What the service tells its subscribers (RECWEB: protocol messages and replay pages).
#[derive(Debug, Clone)]
pub enum RecordingEvent {
    Started {
        place: Place,
        recording: Recording,
    },
    /// Now `processing`.
    Stopped {
        place: Place,
        recording: Recording,
        reason: StopReason,
    },
    /// Processing progress, 0–100 (also stored).
    Progress {
        id: RecordingId,
        progress: u8,
    },
    /// `replay.mp4` plays.
    Ready {
        recording: Recording,
    },
    /// Processing failed.
    Failed {
        id: RecordingId,
        error: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// Below `[recording] min_free_start_bytes` (V7).
    #[error("not enough free disk space to record ({free_bytes} bytes free)")]
    DiskLow { free_bytes: u64 },
    #[error("this room is already being recorded")]
    AlreadyRecording,
    /// Nobody is in the room (no actor): nothing to record.
    #[error("nobody is in the room")]
    RoomNotRunning,
    /// An upload that is not an MP4 or WebM with sound or picture.
    #[error("unsupported file: {0}")]
    Unsupported(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("composition: {0}")]
    Compose(#[from] ComposeError),
    #[error("{0}")]
    Io(String),
}

/// Server-side recording. Cheap to clone.
#[derive(Clone)]
pub struct Recordings {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) rooms: Rooms,
    pub(crate) config: RecordingConfig,
    /// `<recordings dir>`: one folder per recording.
    pub(crate) dir: PathBuf,
    pub(crate) events: broadcast::Sender<RecordingEvent>,
    /// Running recordings by place. Held only to look up, insert or remove.
    active: Mutex<HashMap<Place, Slot>>,
    pub(crate) stills: Option<Arc<dyn StillSource>>,
    /// Wakes the job worker.
    pub(crate) jobs: Notify,
}

/// A place being started or recorded.
enum Slot {
    /// `start` is checking the disk and starting the compositor.
    Starting,
    Running {
        recording: Box<Recording>,
        /// Asks the recorder to stop; it answers with the recording once `processing`.
        stop: oneshot::Sender<oneshot::Sender<Option<Recording>>>,
    },
}

impl Recordings {
    /// The service; `dir` is where recordings live (created if needed). Start the job worker
    /// with [`jobs::spawn_worker`] after [`recovery::recover`].
    pub fn new(
        store: Store,
        rooms: Rooms,
        config: RecordingConfig,
        dir: PathBuf,
        stills: Option<Arc<dyn StillSource>>,
    ) -> Recordings {
        let (events, _) = broadcast::channel(256);
        Recordings {
            inner: Arc::new(Inner {
                store,
                rooms,
                config,
                dir,
                events,
                active: Mutex::new(HashMap::new()),
                stills,
                jobs: Notify::new(),
            }),
        }
    }

    /// The service as `[recording]` and `[data]` configure it (stills: the sessions' content).
    pub fn from_config(config: &crate::Config, store: Store, rooms: Rooms) -> Recordings {
        let dir = if config.recording.dir.is_empty() {
            config.data.dir.join("recordings")
        } else {
            PathBuf::from(&config.recording.dir)
        };
        let stills: Arc<dyn StillSource> = Arc::new(crate::compose::ContentFiles::new(
            crate::content::content_root(config),
        ));
        Recordings::new(store, rooms, config.recording.clone(), dir, Some(stills))
    }

    /// At start-up: recovery (`recovery.rs`), then the job worker, in the background.
    pub fn spawn_background(&self) -> tokio::task::JoinHandle<()> {
        let recordings = self.clone();
        tokio::spawn(async move {
            match recovery::recover(&recordings).await {
                Ok(r) => tracing::info!(?r, "recordings recovered"),
                Err(e) => tracing::warn!(error = %e, "recording recovery failed"),
            }
            let _ = jobs::spawn_worker(&recordings).await;
        })
    }

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }

    /// Where recordings live.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The folder of one recording.
    pub fn recording_dir(&self, id: &RecordingId) -> PathBuf {
        self.inner.recording_dir(id)
    }

    /// The replay of a ready recording.
    pub fn replay_path(&self, id: &RecordingId) -> PathBuf {
        self.inner.recording_dir(id).join(finalize::REPLAY)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<RecordingEvent> {
        self.inner.events.subscribe()
    }

    /// The recording running at `place`, if any.
    pub fn active(&self, place: &Place) -> Option<Recording> {
        match self.inner.lock().get(place) {
            Some(Slot::Running { recording, .. }) => Some(Recording::clone(recording)),
            _ => None,
        }
    }

    /// Starts recording `target` (V1, V5). Refused below the free-disk threshold (V7), when
    /// it is already recorded, or when nobody is in. The caller checked the permission.
    pub async fn start(
        &self,
        target: &RecordTarget,
        by: Option<&UserId>,
        options: RecordingOptions,
    ) -> Result<Recording, RecordingError> {
        {
            let mut active = self.inner.lock();
            if active.contains_key(&target.place) {
                return Err(RecordingError::AlreadyRecording);
            }
            active.insert(target.place.clone(), Slot::Starting);
        }
        let started = self.start_slot(target, by, options).await;
        let mut active = self.inner.lock();
        match started {
            Ok((recording, stop)) => {
                active.insert(
                    target.place.clone(),
                    Slot::Running {
                        recording: Box::new(recording.clone()),
                        stop,
                    },
                );
                drop(active);
                self.inner.emit(RecordingEvent::Started {
                    place: target.place.clone(),
                    recording: recording.clone(),
                });
                Ok(recording)
            }
            Err(e) => {
                active.remove(&target.place);
                Err(e)
            }
        }
    }

    async fn start_slot(
        &self,
        target: &RecordTarget,
        by: Option<&UserId>,
        options: RecordingOptions,
    ) -> Result<
        (
            Recording,
            oneshot::Sender<oneshot::Sender<Option<Recording>>>,
        ),
        RecordingError,
    > {
        if self.inner.rooms.stage_feed(&target.place).is_none() {
            return Err(RecordingError::RoomNotRunning);
        }
        tokio::fs::create_dir_all(&self.inner.dir)
            .await
            .map_err(|e| RecordingError::Io(format!("{}: {e}", self.inner.dir.display())))?;
        let free = disk::free_bytes(&self.inner.dir).await?;
        if free < self.inner.config.min_free_start_bytes {
            return Err(RecordingError::DiskLow { free_bytes: free });
        }
        let recording = self
            .inner
            .store
            .create_recording(NewRecording {
                room_id: target.room_id.clone(),
                session_id: target.session_id.clone(),
                title: target.title.clone(),
                options,
                source: RecordingSource::Server,
                created_by: by.cloned(),
            })
            .await?;
        match recorder::start(self.inner.clone(), target.place.clone(), recording.clone()).await {
            Ok(stop) => Ok((recording, stop)),
            Err(e) => {
                let why = e.to_string();
                let _ = self
                    .inner
                    .store
                    .end_recording(&recording.id, amphi_store::now_ms())
                    .await;
                let _ = self
                    .inner
                    .store
                    .set_recording_state(
                        &recording.id,
                        amphi_store::RecordingState::Failed,
                        0,
                        Some(&why),
                    )
                    .await;
                Err(e)
            }
        }
    }

    /// Stops the recording at `place` (V1): the composition ends, the recording is
    /// `processing`, a finalize job is queued. `None` if nothing was being recorded.
    pub async fn stop(&self, place: &Place) -> Result<Option<Recording>, RecordingError> {
        let slot = {
            let mut active = self.inner.lock();
            let running = matches!(active.get(place), Some(Slot::Running { .. }));
            if running { active.remove(place) } else { None }
        };
        let Some(Slot::Running { stop, .. }) = slot else {
            return Ok(None);
        };
        let (reply, answer) = oneshot::channel();
        if stop.send(reply).is_err() {
            // The recorder stopped by itself meanwhile (and emitted Stopped).
            return Ok(None);
        }
        Ok(answer.await.ok().flatten())
    }

    /// An uploaded file (V6) becomes a recording: converted to `replay.mp4` by a durable job
    /// (a remux for H.264 + AAC, else a transcode). The file is moved into the recording's
    /// folder. The caller checked the permission and the size.
    pub async fn import_upload(
        &self,
        room_id: &RoomId,
        session_id: Option<&SessionId>,
        by: Option<&UserId>,
        title: &str,
        path: PathBuf,
    ) -> Result<Recording, RecordingError> {
        let probe = finalize::probe(&path).await?;
        if !probe.has_video && !probe.has_audio {
            return Err(RecordingError::Unsupported("no sound or picture".into()));
        }
        let recording = self
            .inner
            .store
            .create_recording(NewRecording {
                room_id: room_id.clone(),
                session_id: session_id.cloned(),
                title: title.to_owned(),
                options: RecordingOptions {
                    webcams: true,
                    audio_only: !probe.has_video,
                },
                source: RecordingSource::Upload,
                created_by: by.cloned(),
            })
            .await?;
        let dir = self.inner.recording_dir(&recording.id);
        let moved = async {
            tokio::fs::create_dir_all(&dir).await?;
            let target = dir.join("upload.input");
            if tokio::fs::rename(&path, &target).await.is_err() {
                // Another file system: copy, then remove.
                tokio::fs::copy(&path, &target).await?;
                tokio::fs::remove_file(&path).await?;
            }
            Ok::<PathBuf, std::io::Error>(target)
        }
        .await;
        let input = match moved {
            Ok(p) => p,
            Err(e) => {
                let _ = self.inner.store.delete_recording(&recording.id).await;
                let _ = tokio::fs::remove_dir_all(&dir).await;
                return Err(RecordingError::Io(format!("upload not kept: {e}")));
            }
        };
        self.inner
            .store
            .enqueue_recording_job(&recording.id, RecordingJobKind::Import, input.to_str())
            .await?;
        self.inner.jobs.notify_one();
        Ok(recording)
    }

    /// Deletes a recording and its files (stopping it first if it runs).
    pub async fn delete(&self, id: &RecordingId) -> Result<(), RecordingError> {
        let place = {
            let active = self.inner.lock();
            active.iter().find_map(|(place, slot)| match slot {
                Slot::Running { recording, .. } if recording.id == *id => Some(place.clone()),
                _ => None,
            })
        };
        if let Some(place) = place {
            self.stop(&place).await?;
        }
        self.inner.store.delete_recording(id).await?;
        let _ = tokio::fs::remove_dir_all(self.inner.recording_dir(id)).await;
        Ok(())
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Place, Slot>> {
        // Only inserts, lookups and removals happen under it: a poisoned map is still valid.
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn recording_dir(&self, id: &RecordingId) -> PathBuf {
        self.dir.join(id.as_str())
    }

    pub(crate) fn emit(&self, event: RecordingEvent) {
        // No subscriber is fine: nobody is listening.
        let _ = self.events.send(event);
    }

    /// The recorder of `place` stopped by itself: forget it (if it is still this recording).
    pub(crate) fn forget(&self, place: &Place, id: &RecordingId) {
        let mut active = self.lock();
        if matches!(active.get(place), Some(Slot::Running { recording, .. }) if recording.id == *id)
        {
            active.remove(place);
        }
    }

    /// The composition for a recording with `options`.
    pub(crate) fn spec(&self, options: RecordingOptions) -> CompositionSpec {
        CompositionSpec {
            width: self.config.width,
            height: self.config.height,
            fps: self.config.fps,
            video_kbps: self.config.video_kbps,
            audio_kbps: self.config.audio_kbps,
            webcams: options.webcams,
            audio_only: options.audio_only,
        }
    }
}
