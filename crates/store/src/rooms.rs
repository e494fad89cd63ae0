//! Rooms: permanent places with a URL (`/r/<slug>`). Slug generation and collision handling
//! (`team-meeting`, `team-meeting-2`, ...) are the server's; the store guarantees uniqueness
//! and reports a taken slug as [`StoreError::Conflict`] so the caller can try the next one.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::row::flag;
use crate::store::creation_ms;
use crate::{RoomId, Store, StoreError, UserId};

/// A room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: RoomId,
    /// Unique; the room's URL is `/r/<slug>`.
    pub slug: String,
    pub name: String,
    pub owner_id: UserId,
    /// Rooms are closed by default (R2).
    pub is_open: bool,
    /// `None`: the server's configured default applies.
    pub max_participants: Option<u32>,
    /// Arrivals knock and wait for a moderator (R4); off by default.
    pub waiting_room: bool,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// What it takes to create a [`Room`]; it starts closed, without a waiting room, with the
/// default participant cap.
#[derive(Debug, Clone)]
pub struct NewRoom {
    pub slug: String,
    pub name: String,
    pub owner_id: UserId,
}

const ROOM_COLUMNS: &str =
    "id, slug, name, owner_id, is_open, max_participants, waiting_room, created_at";

/// [`ROOM_COLUMNS`] qualified by the alias `r`, for queries that join rooms with another table
/// (the result columns keep their plain names, so [`room_from_row`] reads them).
pub(crate) const ROOM_COLUMNS_R: &str = "r.id, r.slug, r.name, r.owner_id, r.is_open, \
     r.max_participants, r.waiting_room, r.created_at";

pub(crate) fn room_from_row(row: &AnyRow) -> Result<Room, sqlx::Error> {
    let cap: Option<i64> = row.try_get("max_participants")?;
    Ok(Room {
        id: RoomId::new(row.try_get::<String, _>("id")?),
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        owner_id: UserId::new(row.try_get::<String, _>("owner_id")?),
        is_open: flag(row, "is_open")?,
        // Only ever written from a u32 (see set_room_max_participants).
        max_participants: cap.and_then(|n| u32::try_from(n).ok()),
        waiting_room: flag(row, "waiting_room")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Creates a closed room. A taken slug is [`StoreError::Conflict`]; an unknown owner is a
    /// database error (foreign key).
    pub async fn create_room(&self, new: NewRoom) -> Result<Room, StoreError> {
        let sql = format!(
            "INSERT INTO rooms (id, slug, name, owner_id, is_open, max_participants, waiting_room, \
             created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6, $7) RETURNING {ROOM_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(RoomId::generate().as_str())
            .bind(new.slug)
            .bind(new.name)
            .bind(new.owner_id.as_str())
            .bind(false)
            .bind(false)
            .bind(creation_ms())
            .fetch_one(&self.pool)
            .await?;
        Ok(room_from_row(&row)?)
    }

    pub async fn room_by_slug(&self, slug: &str) -> Result<Option<Room>, StoreError> {
        let sql = format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE slug = $1");
        let row = sqlx::query(&sql)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| room_from_row(&r)).transpose()?)
    }

    pub async fn room_by_id(&self, id: &RoomId) -> Result<Option<Room>, StoreError> {
        let sql = format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| room_from_row(&r)).transpose()?)
    }

    /// Whether a slug is taken. A hint for choosing one: only [`Store::create_room`]'s
    /// Conflict is authoritative (another request may take the slug in between).
    pub async fn slug_exists(&self, slug: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms WHERE slug = $1")
            .bind(slug)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// The rooms a user owns, oldest first.
    pub async fn rooms_owned_by(&self, owner_id: &UserId) -> Result<Vec<Room>, StoreError> {
        let sql =
            format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE owner_id = $1 ORDER BY created_at, id");
        let rows = sqlx::query(&sql)
            .bind(owner_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(room_from_row).collect::<Result<_, _>>()?)
    }

    /// Every room, oldest first (for administrators).
    pub async fn list_rooms(&self) -> Result<Vec<Room>, StoreError> {
        let sql = format!("SELECT {ROOM_COLUMNS} FROM rooms ORDER BY created_at, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(room_from_row).collect::<Result<_, _>>()?)
    }

    /// How many rooms exist (for `/metrics`: one COUNT, not a list).
    pub async fn count_rooms(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many rooms are open (`amphi_rooms_open` on `/metrics`).
    pub async fn count_open_rooms(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms WHERE is_open = $1")
            .bind(true)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Renames a room; its slug (and so its URL) stays.
    pub async fn rename_room(&self, id: &RoomId, name: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE rooms SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Opens or closes a room (R2).
    pub async fn set_room_open(&self, id: &RoomId, is_open: bool) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE rooms SET is_open = $1 WHERE id = $2")
            .bind(is_open)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Turns the waiting room on or off (R4). The live room applies it through the server's
    /// room registry; the store only keeps the setting.
    pub async fn set_room_waiting_room(
        &self,
        id: &RoomId,
        enabled: bool,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE rooms SET waiting_room = $1 WHERE id = $2")
            .bind(enabled)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Saves a room's settings in one statement (the back office's settings form): its name,
    /// participant cap (`None`: the server default) and waiting room. All or nothing.
    pub async fn update_room_settings(
        &self,
        id: &RoomId,
        name: &str,
        max_participants: Option<u32>,
        waiting_room: bool,
    ) -> Result<(), StoreError> {
        // The cap column is a 32-bit signed integer on PostgreSQL: clamp rather than fail.
        let cap = max_participants.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
        let done = sqlx::query(
            "UPDATE rooms SET name = $1, max_participants = $2, waiting_room = $3 WHERE id = $4",
        )
        .bind(name)
        .bind(cap)
        .bind(waiting_room)
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        expect_one(done.rows_affected())
    }

    /// Sets the room's participant cap; `None` restores the server default.
    pub async fn set_room_max_participants(
        &self,
        id: &RoomId,
        max_participants: Option<u32>,
    ) -> Result<(), StoreError> {
        // The column is a 32-bit signed integer on PostgreSQL: clamp rather than fail.
        let cap = max_participants.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
        let done = sqlx::query("UPDATE rooms SET max_participants = $1 WHERE id = $2")
            .bind(cap)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Deletes a room (and, as later tables arrive, everything that belongs to it, by
    /// `ON DELETE CASCADE`).
    pub async fn delete_room(&self, id: &RoomId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM rooms WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }
}

pub(crate) fn expect_one(rows_affected: u64) -> Result<(), StoreError> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
