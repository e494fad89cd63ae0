//! Recording settings (issue 7, V2) and resumable uploads (V6).
//!
//! - `recording_defaults`: an account's "record automatically when the live starts", with the
//!   options such a recording starts with. No row: off, webcams on, not audio only.
//! - `session_recording`: a session's override of its organiser's default (`None`: follow it).
//! - `recording_uploads`: a browser's upload of a recording in progress. The bytes are the
//!   server's file; the row says how many arrived, so an upload cut by the network (or a
//!   restart) resumes from the server's offset. Advancing is one conditional UPDATE on the
//!   expected offset, so two racing chunks never both count.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::new_id;
use crate::rooms::expect_one;
use crate::row::flag;
use crate::{RecordingOptions, RoomId, SessionId, Store, StoreError, UserId, now_ms};

/// An account's recording defaults (V2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordingDefaults {
    /// Start recording when a live of this account's starts.
    pub auto_record: bool,
    /// What such a recording includes.
    pub options: RecordingOptions,
}

/// A recording being uploaded from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingUpload {
    /// 32 hex digits: also the name of the server's partial file.
    pub id: String,
    pub room_id: RoomId,
    pub session_id: Option<SessionId>,
    pub user_id: UserId,
    pub title: String,
    /// The size announced when the upload began.
    pub total_bytes: i64,
    /// How many bytes the server holds: where the next chunk starts.
    pub received_bytes: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What it takes to begin an upload.
#[derive(Debug, Clone)]
pub struct NewRecordingUpload {
    pub room_id: RoomId,
    pub session_id: Option<SessionId>,
    pub user_id: UserId,
    pub title: String,
    pub total_bytes: i64,
}

const UPLOAD_COLUMNS: &str = "id, room_id, session_id, user_id, title, total_bytes, \
    received_bytes, created_at, updated_at";

/// A nullable flag: BOOLEAN on PostgreSQL, INTEGER on SQLite.
fn optional_flag(row: &AnyRow, column: &str) -> Result<Option<bool>, sqlx::Error> {
    match row.try_get::<Option<bool>, _>(column) {
        Ok(b) => Ok(b),
        Err(sqlx::Error::ColumnDecode { .. }) => {
            Ok(row.try_get::<Option<i64>, _>(column)?.map(|v| v != 0))
        }
        Err(e) => Err(e),
    }
}

fn upload_from_row(row: &AnyRow) -> Result<RecordingUpload, sqlx::Error> {
    Ok(RecordingUpload {
        id: row.try_get("id")?,
        room_id: RoomId::new(row.try_get::<String, _>("room_id")?),
        session_id: row
            .try_get::<Option<String>, _>("session_id")?
            .map(SessionId::new),
        user_id: UserId::new(row.try_get::<String, _>("user_id")?),
        title: row.try_get("title")?,
        total_bytes: row.try_get("total_bytes")?,
        received_bytes: row.try_get("received_bytes")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// An account's recording defaults (the defaults when never set).
    pub async fn recording_defaults(&self, user: &UserId) -> Result<RecordingDefaults, StoreError> {
        let row = sqlx::query(
            "SELECT auto_record, webcams, audio_only FROM recording_defaults WHERE user_id = $1",
        )
        .bind(user.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(RecordingDefaults::default());
        };
        Ok(RecordingDefaults {
            auto_record: flag(&row, "auto_record")?,
            options: RecordingOptions {
                webcams: flag(&row, "webcams")?,
                audio_only: flag(&row, "audio_only")?,
            },
        })
    }

    /// Sets an account's recording defaults (one upsert).
    pub async fn set_recording_defaults(
        &self,
        user: &UserId,
        defaults: RecordingDefaults,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO recording_defaults (user_id, auto_record, webcams, audio_only, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
             auto_record = excluded.auto_record, webcams = excluded.webcams, \
             audio_only = excluded.audio_only, updated_at = excluded.updated_at",
        )
        .bind(user.as_str())
        .bind(defaults.auto_record)
        .bind(defaults.options.webcams)
        .bind(defaults.options.audio_only)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A session's override of "record automatically": `None` follows the account's default.
    pub async fn session_auto_record(
        &self,
        session: &SessionId,
    ) -> Result<Option<bool>, StoreError> {
        let row = sqlx::query("SELECT auto_record FROM session_recording WHERE session_id = $1")
            .bind(session.as_str())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(optional_flag(&row, "auto_record")?),
            None => Ok(None),
        }
    }

    /// Sets (or clears, `None`) a session's override.
    pub async fn set_session_auto_record(
        &self,
        session: &SessionId,
        auto_record: Option<bool>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO session_recording (session_id, auto_record, updated_at) \
             VALUES ($1, $2, $3) ON CONFLICT (session_id) DO UPDATE SET \
             auto_record = excluded.auto_record, updated_at = excluded.updated_at",
        )
        .bind(session.as_str())
        .bind(auto_record)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Begins an upload at offset 0.
    pub async fn create_recording_upload(
        &self,
        new: NewRecordingUpload,
    ) -> Result<RecordingUpload, StoreError> {
        let now = now_ms();
        let sql = format!(
            "INSERT INTO recording_uploads (id, room_id, session_id, user_id, title, total_bytes, \
             received_bytes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) \
             RETURNING {UPLOAD_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(new_id())
            .bind(new.room_id.as_str())
            .bind(new.session_id.as_ref().map(|s| s.as_str().to_owned()))
            .bind(new.user_id.as_str())
            .bind(new.title)
            .bind(new.total_bytes)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(upload_from_row(&row)?)
    }

    pub async fn recording_upload(&self, id: &str) -> Result<Option<RecordingUpload>, StoreError> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM recording_uploads WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| upload_from_row(&r)).transpose()?)
    }

    /// Moves an upload's offset from `from` to `to`: `false` if it was not at `from` any more
    /// (another chunk won), [`StoreError::NotFound`] if the upload is gone.
    pub async fn advance_recording_upload(
        &self,
        id: &str,
        from: i64,
        to: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recording_uploads SET received_bytes = $1, updated_at = $2 \
             WHERE id = $3 AND received_bytes = $4",
        )
        .bind(to)
        .bind(now_ms())
        .bind(id)
        .bind(from)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        match self.recording_upload(id).await? {
            Some(_) => Ok(false),
            None => Err(StoreError::NotFound),
        }
    }

    /// Forgets an upload (finished, refused or abandoned); [`StoreError::NotFound`] if none.
    pub async fn delete_recording_upload(&self, id: &str) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM recording_uploads WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Uploads untouched since before `before` (Unix ms): abandoned, for the sweep.
    pub async fn stale_recording_uploads(
        &self,
        before: i64,
    ) -> Result<Vec<RecordingUpload>, StoreError> {
        let sql = format!(
            "SELECT {UPLOAD_COLUMNS} FROM recording_uploads WHERE updated_at < $1 ORDER BY id"
        );
        let rows = sqlx::query(&sql).bind(before).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(upload_from_row).collect::<Result<_, _>>()?)
    }
}
