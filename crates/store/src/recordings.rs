//! Recordings (issue 7, V1–V8): one row per recording run of a room or a session's live, or per
//! uploaded file, and the durable queue of their processing jobs. The files are the server's
//! (`<data dir>/recordings/<id>/`); this table is their index and state.
//!
//! A recording goes `recording → processing → ready | failed` (an upload starts at
//! `processing`). Every change of state is one conditional `UPDATE`, so a deleted recording is
//! never revived by a late background step (it gets [`StoreError::NotFound`] and stops).
//!
//! Jobs (`recording_jobs`): `pending → running → done | failed`. A worker takes one with
//! [`Store::claim_recording_job`] (one conditional UPDATE: two workers never run the same job);
//! [`Store::requeue_running_recording_jobs`] at start-up puts back what a stopped server was
//! running, so it runs again from the start.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::new_id;
use crate::rooms::expect_one;
use crate::row::{decode, flag, text_enum};
use crate::store::creation_ms;
use crate::{RecordingId, RoomId, SessionId, Store, StoreError, UserId, now_ms};

/// Where a recording is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingState {
    /// The server is recording it now.
    Recording,
    /// Stopped (or uploaded): being turned into `replay.mp4`; see `progress`.
    Processing,
    /// `replay.mp4` plays.
    Ready,
    /// Processing failed; `error` says why.
    Failed,
}

/// Who may watch a replay (W6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Visibility {
    /// Staff, organisers and the room's owner and managers only.
    #[default]
    Private,
    /// Also approved registrants of the session (or room).
    Registrants,
    /// Anyone with the link.
    Public,
}

/// Where a recording comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingSource {
    /// Recorded by the server from the SFU (V5).
    Server,
    /// Recorded in a browser and uploaded (V6).
    Upload,
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingJobKind {
    /// Segments written while recording → `replay.mp4`.
    Finalize,
    /// An uploaded MP4/WebM (`input`) → `replay.mp4`.
    Import,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingJobState {
    Pending,
    Running,
    Done,
    Failed,
}

text_enum!(RecordingState {
    Recording => "recording",
    Processing => "processing",
    Ready => "ready",
    Failed => "failed",
});
text_enum!(Visibility { Private => "private", Registrants => "registrants", Public => "public" });
text_enum!(RecordingSource { Server => "server", Upload => "upload" });
text_enum!(RecordingJobKind { Finalize => "finalize", Import => "import" });
text_enum!(RecordingJobState {
    Pending => "pending",
    Running => "running",
    Done => "done",
    Failed => "failed",
});

/// V3: what a recording includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordingOptions {
    /// Webcams on the picture; `false`: shared content and audio only.
    pub webcams: bool,
    /// Sound only (a still background in the MP4).
    pub audio_only: bool,
}

impl Default for RecordingOptions {
    fn default() -> Self {
        Self {
            webcams: true,
            audio_only: false,
        }
    }
}

/// One recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub id: RecordingId,
    pub room_id: RoomId,
    /// The session whose live was recorded; `None` for a room's meeting.
    pub session_id: Option<SessionId>,
    pub title: String,
    pub state: RecordingState,
    /// 0 to 100 while processing; 100 once ready.
    pub progress: u8,
    /// Once ready.
    pub duration_ms: Option<i64>,
    /// Size of `replay.mp4`, once ready.
    pub bytes: Option<i64>,
    pub visibility: Visibility,
    pub options: RecordingOptions,
    pub source: RecordingSource,
    /// Who started or uploaded it (a record: the account may be gone since).
    pub created_by: Option<UserId>,
    /// Unix ms.
    pub started_at: i64,
    /// When recording stopped (an upload: when it was received).
    pub ended_at: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// What it takes to create a [`Recording`]: a server recording starts `recording`, an upload
/// `processing`; both at progress 0, private.
#[derive(Debug, Clone)]
pub struct NewRecording {
    pub room_id: RoomId,
    pub session_id: Option<SessionId>,
    pub title: String,
    pub options: RecordingOptions,
    pub source: RecordingSource,
    pub created_by: Option<UserId>,
}

/// One processing job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingJob {
    /// 32 hex digits.
    pub id: String,
    pub recording_id: RecordingId,
    pub kind: RecordingJobKind,
    pub state: RecordingJobState,
    /// An import's uploaded file.
    pub input: Option<String>,
    /// How many times it was claimed (a restart mid-run counts one more).
    pub attempts: i64,
    pub error: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, room_id, session_id, title, state, progress, duration_ms, bytes, \
    visibility, webcams, audio_only, source, created_by, started_at, ended_at, error";

const JOB_COLUMNS: &str =
    "id, recording_id, kind, state, input, attempts, error, created_at, updated_at";

fn recording_from_row(row: &AnyRow) -> Result<Recording, sqlx::Error> {
    let progress: i64 = row.try_get("progress")?;
    Ok(Recording {
        id: RecordingId::new(row.try_get::<String, _>("id")?),
        room_id: RoomId::new(row.try_get::<String, _>("room_id")?),
        session_id: row
            .try_get::<Option<String>, _>("session_id")?
            .map(SessionId::new),
        title: row.try_get("title")?,
        state: decode(row, "state", RecordingState::parse)?,
        // The column's CHECK keeps it within 0..=100.
        progress: progress.clamp(0, 100) as u8,
        duration_ms: row.try_get("duration_ms")?,
        bytes: row.try_get("bytes")?,
        visibility: decode(row, "visibility", Visibility::parse)?,
        options: RecordingOptions {
            webcams: flag(row, "webcams")?,
            audio_only: flag(row, "audio_only")?,
        },
        source: decode(row, "source", RecordingSource::parse)?,
        created_by: row
            .try_get::<Option<String>, _>("created_by")?
            .map(UserId::new),
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
        error: row.try_get("error")?,
    })
}

fn job_from_row(row: &AnyRow) -> Result<RecordingJob, sqlx::Error> {
    Ok(RecordingJob {
        id: row.try_get("id")?,
        recording_id: RecordingId::new(row.try_get::<String, _>("recording_id")?),
        kind: decode(row, "kind", RecordingJobKind::parse)?,
        state: decode(row, "state", RecordingJobState::parse)?,
        input: row.try_get("input")?,
        attempts: row.try_get("attempts")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
    })
}

fn all<T>(rows: &[AnyRow], f: fn(&AnyRow) -> Result<T, sqlx::Error>) -> Result<Vec<T>, StoreError> {
    Ok(rows.iter().map(f).collect::<Result<_, _>>()?)
}

impl Store {
    /// Creates a recording: `recording` for the server's, `processing` for an upload.
    pub async fn create_recording(&self, new: NewRecording) -> Result<Recording, StoreError> {
        let state = match new.source {
            RecordingSource::Server => RecordingState::Recording,
            RecordingSource::Upload => RecordingState::Processing,
        };
        let sql = format!(
            "INSERT INTO recordings (id, room_id, session_id, title, state, progress, visibility, \
             webcams, audio_only, source, created_by, started_at) \
             VALUES ($1, $2, $3, $4, $5, 0, 'private', $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(RecordingId::generate().as_str())
            .bind(new.room_id.as_str())
            .bind(new.session_id.as_ref().map(|s| s.as_str().to_owned()))
            .bind(new.title)
            .bind(state.as_str())
            .bind(new.options.webcams)
            .bind(new.options.audio_only)
            .bind(new.source.as_str())
            .bind(new.created_by.as_ref().map(|u| u.as_str().to_owned()))
            .bind(creation_ms())
            .fetch_one(&self.pool)
            .await?;
        Ok(recording_from_row(&row)?)
    }

    pub async fn recording(&self, id: &RecordingId) -> Result<Option<Recording>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM recordings WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| recording_from_row(&r)).transpose()?)
    }

    /// A room's recordings (its meetings' and its sessions'), newest first.
    pub async fn room_recordings(&self, room: &RoomId) -> Result<Vec<Recording>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM recordings WHERE room_id = $1 ORDER BY started_at DESC, id"
        );
        let rows = sqlx::query(&sql)
            .bind(room.as_str())
            .fetch_all(&self.pool)
            .await?;
        all(&rows, recording_from_row)
    }

    /// A session's recordings, newest first.
    pub async fn session_recordings(
        &self,
        session: &SessionId,
    ) -> Result<Vec<Recording>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM recordings WHERE session_id = $1 ORDER BY started_at DESC, id"
        );
        let rows = sqlx::query(&sql)
            .bind(session.as_str())
            .fetch_all(&self.pool)
            .await?;
        all(&rows, recording_from_row)
    }

    /// Every recording in this state, oldest first (start-up recovery).
    pub async fn recordings_in_state(
        &self,
        state: RecordingState,
    ) -> Result<Vec<Recording>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM recordings WHERE state = $1 ORDER BY started_at, id");
        let rows = sqlx::query(&sql)
            .bind(state.as_str())
            .fetch_all(&self.pool)
            .await?;
        all(&rows, recording_from_row)
    }

    /// The ids of every recording (the start-up sweep of orphaned folders).
    pub async fn recording_ids(&self) -> Result<Vec<RecordingId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM recordings")
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(RecordingId::new).collect())
    }

    pub async fn rename_recording(&self, id: &RecordingId, title: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE recordings SET title = $1 WHERE id = $2")
            .bind(title)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    pub async fn set_recording_visibility(
        &self,
        id: &RecordingId,
        visibility: Visibility,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE recordings SET visibility = $1 WHERE id = $2")
            .bind(visibility.as_str())
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Deletes a recording and its jobs; [`StoreError::NotFound`] if there is none. (Its files
    /// are the server's to remove.)
    pub async fn delete_recording(&self, id: &RecordingId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM recordings WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Recording stopped: `recording → processing` at `ended_at`. [`StoreError::NotFound`]
    /// unless it exists and is still recording (so a stop is applied once).
    pub async fn end_recording(
        &self,
        id: &RecordingId,
        ended_at: i64,
    ) -> Result<Recording, StoreError> {
        let sql = format!(
            "UPDATE recordings SET state = 'processing', progress = 0, ended_at = $1 \
             WHERE id = $2 AND state = 'recording' RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(ended_at)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(recording_from_row(&row.ok_or(StoreError::NotFound)?)?)
    }

    /// Sets state, progress (clamped to 0..=100) and error in one statement. Only moves a
    /// recording that is not yet `ready` or `failed` (those are final): otherwise
    /// [`StoreError::NotFound`].
    pub async fn set_recording_state(
        &self,
        id: &RecordingId,
        state: RecordingState,
        progress: u8,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE recordings SET state = $1, progress = $2, error = $3 \
             WHERE id = $4 AND state IN ('recording', 'processing')",
        )
        .bind(state.as_str())
        .bind(i64::from(progress.min(100)))
        .bind(error)
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        expect_one(done.rows_affected())
    }

    /// Processing done: `ready`, progress 100, with the replay's duration and size.
    /// [`StoreError::NotFound`] unless it exists and is processing.
    pub async fn finish_recording(
        &self,
        id: &RecordingId,
        duration_ms: i64,
        bytes: i64,
    ) -> Result<Recording, StoreError> {
        let sql = format!(
            "UPDATE recordings SET state = 'ready', progress = 100, duration_ms = $1, bytes = $2, \
             error = NULL, ended_at = COALESCE(ended_at, $3) \
             WHERE id = $4 AND state = 'processing' RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(duration_ms)
            .bind(bytes)
            .bind(now_ms())
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(recording_from_row(&row.ok_or(StoreError::NotFound)?)?)
    }

    /// Queues a processing job for a recording (`input`: an import's file).
    pub async fn enqueue_recording_job(
        &self,
        recording: &RecordingId,
        kind: RecordingJobKind,
        input: Option<&str>,
    ) -> Result<RecordingJob, StoreError> {
        let now = creation_ms();
        let sql = format!(
            "INSERT INTO recording_jobs (id, recording_id, kind, state, input, attempts, \
             created_at, updated_at) VALUES ($1, $2, $3, 'pending', $4, 0, $5, $5) \
             RETURNING {JOB_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(new_id())
            .bind(recording.as_str())
            .bind(kind.as_str())
            .bind(input)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(job_from_row(&row)?)
    }

    /// Takes the oldest pending job, marking it running (attempts + 1); `None` when there is
    /// none or another worker took it first (ask again).
    pub async fn claim_recording_job(&self) -> Result<Option<RecordingJob>, StoreError> {
        let sql = format!(
            "UPDATE recording_jobs SET state = 'running', attempts = attempts + 1, updated_at = $1 \
             WHERE state = 'pending' AND id = (SELECT id FROM recording_jobs \
             WHERE state = 'pending' ORDER BY created_at, id LIMIT 1) RETURNING {JOB_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| job_from_row(&r)).transpose()?)
    }

    /// A running job ended: `done`, or `failed` with `error`. [`StoreError::NotFound`] unless
    /// it is running.
    pub async fn complete_recording_job(
        &self,
        job_id: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let state = match error {
            None => RecordingJobState::Done,
            Some(_) => RecordingJobState::Failed,
        };
        let done = sqlx::query(
            "UPDATE recording_jobs SET state = $1, error = $2, updated_at = $3 \
             WHERE id = $4 AND state = 'running'",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(now_ms())
        .bind(job_id)
        .execute(&self.pool)
        .await?;
        expect_one(done.rows_affected())
    }

    /// Jobs pending or running, oldest first.
    pub async fn unfinished_recording_jobs(&self) -> Result<Vec<RecordingJob>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM recording_jobs WHERE state IN ('pending', 'running') \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        all(&rows, job_from_row)
    }

    /// At start-up (one server per database): the jobs a stopped server was running go back to
    /// pending, to run again from the start. Returns how many.
    pub async fn requeue_running_recording_jobs(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE recording_jobs SET state = 'pending', updated_at = $1 WHERE state = 'running'",
        )
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
