//! Shared notes (C5): a room's (or a session's) notes, one Yjs document kept as its encoded
//! state (the server owns the CRDT; the store only keeps bytes) and whether it is locked.
//! One row per room or session at most, created by the first save.

use sqlx::Row;

use crate::row::flag;
use crate::store::now_ms;
use crate::{RoomId, SessionId, Store, StoreError};

/// What notes and polls belong to: a room (its meetings) or a session (its live).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CollabPlace {
    Room(RoomId),
    Session(SessionId),
}

impl CollabPlace {
    /// The owning column, one of two fixed names (never user input).
    pub(crate) fn column(&self) -> &'static str {
        match self {
            CollabPlace::Room(_) => "room_id",
            CollabPlace::Session(_) => "session_id",
        }
    }

    pub(crate) fn id(&self) -> &str {
        match self {
            CollabPlace::Room(id) => id.as_str(),
            CollabPlace::Session(id) => id.as_str(),
        }
    }

    /// The (room_id, session_id) pair of a row, one of them NULL.
    pub(crate) fn columns(&self) -> (Option<&str>, Option<&str>) {
        match self {
            CollabPlace::Room(id) => (Some(id.as_str()), None),
            CollabPlace::Session(id) => (None, Some(id.as_str())),
        }
    }
}

/// The stored notes of a room or session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotes {
    /// The Yjs document as one update (v1).
    pub state: Vec<u8>,
    pub locked: bool,
    /// Unix milliseconds of the last save.
    pub updated_at: i64,
}

impl Store {
    /// The notes of a room or session; `None` before the first save.
    pub async fn notes(&self, place: &CollabPlace) -> Result<Option<StoredNotes>, StoreError> {
        let sql = format!(
            "SELECT state, locked, updated_at FROM notes WHERE {} = $1",
            place.column()
        );
        let row = sqlx::query(&sql)
            .bind(place.id())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(StoredNotes {
            state: row.try_get("state")?,
            locked: flag(&row, "locked")?,
            updated_at: row.try_get("updated_at")?,
        }))
    }

    /// Saves the whole document and the lock (one statement: insert or replace). A room or
    /// session that no longer exists is [`StoreError::NotFound`] (nothing stored).
    pub async fn save_notes(
        &self,
        place: &CollabPlace,
        state: &[u8],
        locked: bool,
    ) -> Result<(), StoreError> {
        let (room_id, session_id) = place.columns();
        let sql = format!(
            "INSERT INTO notes (room_id, session_id, state, locked, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT ({}) DO UPDATE SET state = excluded.state, locked = excluded.locked, \
             updated_at = excluded.updated_at",
            place.column()
        );
        let result = sqlx::query(&sql)
            .bind(room_id)
            .bind(session_id)
            .bind(state.to_vec())
            .bind(locked)
            .bind(now_ms())
            .execute(&self.pool)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                Err(StoreError::NotFound)
            }
            Err(e) => Err(e.into()),
        }
    }
}
