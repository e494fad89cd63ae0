//! Session content (issue 5, C2/C8): the images, PDFs and MP4 videos a session's staff upload
//! to show on the stage. The files are the server's (under `<data dir>/content/<id>/`); this
//! table is their index and the state of their processing.
//!
//! An item goes `processing → ready` or `processing → failed`, never back: every change of
//! status or progress is one `UPDATE ... WHERE status = 'processing'`, so a deleted item, or
//! one the start-up sweep already marked failed, is never revived by a late background step
//! (that step gets [`StoreError::NotFound`] and stops).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::rooms::expect_one;
use crate::row::{decode, text_enum};
use crate::store::creation_ms;
use crate::{ContentId, SessionId, Store, StoreError, UserId};

/// What a content item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentKind {
    /// PNG or JPEG.
    Image,
    /// Shown page by page as rendered PNG images.
    Pdf,
    /// MP4 (H.264), played in sync for everyone.
    Video,
}

/// Where a content item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentStatus {
    /// Being checked or rendered: not yet showable.
    Processing,
    /// Showable.
    Ready,
    /// Processing failed; `error` says why.
    Failed,
}

text_enum!(ContentKind { Image => "image", Pdf => "pdf", Video => "video" });
text_enum!(ContentStatus { Processing => "processing", Ready => "ready", Failed => "failed" });

/// One content item of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub id: ContentId,
    pub session_id: SessionId,
    pub kind: ContentKind,
    /// The uploaded file's name, for people (never used as a path).
    pub name: String,
    /// Size of the uploaded file.
    pub bytes: i64,
    /// A PDF's page count, once ready; `None` for images and videos.
    pub pages: Option<i64>,
    pub status: ContentStatus,
    /// 0 to 100 while processing; 100 once ready.
    pub progress: i64,
    /// Why processing failed (set with [`ContentStatus::Failed`] only).
    pub error: Option<String>,
    /// Who uploaded it (a record: the account may be gone since).
    pub created_by: UserId,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// What it takes to create a [`Content`]: it starts `processing` at progress 0.
#[derive(Debug, Clone)]
pub struct NewContent {
    pub session_id: SessionId,
    pub kind: ContentKind,
    pub name: String,
    pub bytes: i64,
    pub created_by: UserId,
}

const CONTENT_COLUMNS: &str =
    "id, session_id, kind, name, bytes, pages, status, progress, error, created_by, created_at";

fn content_from_row(row: &AnyRow) -> Result<Content, sqlx::Error> {
    Ok(Content {
        id: ContentId::new(row.try_get::<String, _>("id")?),
        session_id: SessionId::new(row.try_get::<String, _>("session_id")?),
        kind: decode(row, "kind", ContentKind::parse)?,
        name: row.try_get("name")?,
        bytes: row.try_get("bytes")?,
        pages: row.try_get("pages")?,
        status: decode(row, "status", ContentStatus::parse)?,
        progress: row.try_get("progress")?,
        error: row.try_get("error")?,
        created_by: UserId::new(row.try_get::<String, _>("created_by")?),
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Creates a content item, `processing` at progress 0. An unknown session is a database
    /// error (foreign key).
    pub async fn create_content(&self, new: NewContent) -> Result<Content, StoreError> {
        let sql = format!(
            "INSERT INTO session_contents (id, session_id, kind, name, bytes, pages, status, \
             progress, error, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, 'processing', 0, NULL, $6, $7) \
             RETURNING {CONTENT_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(ContentId::generate().as_str())
            .bind(new.session_id.as_str())
            .bind(new.kind.as_str())
            .bind(new.name)
            .bind(new.bytes)
            .bind(new.created_by.as_str())
            .bind(creation_ms())
            .fetch_one(&self.pool)
            .await?;
        Ok(content_from_row(&row)?)
    }

    pub async fn content_by_id(&self, id: &ContentId) -> Result<Option<Content>, StoreError> {
        let sql = format!("SELECT {CONTENT_COLUMNS} FROM session_contents WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| content_from_row(&r)).transpose()?)
    }

    /// A session's content items, oldest first.
    pub async fn session_contents(&self, session: &SessionId) -> Result<Vec<Content>, StoreError> {
        let sql = format!(
            "SELECT {CONTENT_COLUMNS} FROM session_contents WHERE session_id = $1 \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(session.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(content_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Records processing progress (clamped to 0..=99: only [`Store::set_content_ready`]
    /// reaches 100). [`StoreError::NotFound`] unless the item exists and is still processing.
    pub async fn set_content_progress(
        &self,
        id: &ContentId,
        progress: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE session_contents SET progress = $1 WHERE id = $2 AND status = 'processing'",
        )
        .bind(progress.clamp(0, 99))
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        expect_one(done.rows_affected())
    }

    /// Marks a processing item ready (progress 100), with a PDF's page count.
    /// [`StoreError::NotFound`] unless the item exists and is still processing.
    pub async fn set_content_ready(
        &self,
        id: &ContentId,
        pages: Option<i64>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE session_contents SET status = 'ready', progress = 100, pages = $1 \
             WHERE id = $2 AND status = 'processing'",
        )
        .bind(pages)
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        expect_one(done.rows_affected())
    }

    /// Marks a processing item failed, saying why. [`StoreError::NotFound`] unless the item
    /// exists and is still processing.
    pub async fn set_content_failed(&self, id: &ContentId, error: &str) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE session_contents SET status = 'failed', error = $1 \
             WHERE id = $2 AND status = 'processing'",
        )
        .bind(error)
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        expect_one(done.rows_affected())
    }

    /// Deletes a content item; [`StoreError::NotFound`] if there is none. (Its files are the
    /// server's to remove.)
    pub async fn delete_content(&self, id: &ContentId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM session_contents WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Marks every item still processing that was created before `before` (Unix ms) as
    /// failed with `error`, in one statement, and returns them: at start-up, the work a
    /// stopped server left unfinished (and not what this server began since it started).
    pub async fn fail_processing_contents(
        &self,
        before: i64,
        error: &str,
    ) -> Result<Vec<Content>, StoreError> {
        let sql = format!(
            "UPDATE session_contents SET status = 'failed', error = $1 \
             WHERE status = 'processing' AND created_at < $2 RETURNING {CONTENT_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(error)
            .bind(before)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(content_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The ids of every content item (for the start-up sweep of orphaned files).
    pub async fn content_ids(&self) -> Result<Vec<ContentId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM session_contents")
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(ContentId::new).collect())
    }
}
