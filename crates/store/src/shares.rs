//! Room shares: a room's owner (or a manager) gives other users a hand in running it (R7, C10).
//! A share makes a user the room's *manager* (open/close, invite, re-share, settings; moderator
//! in the room) or *moderator* (open/close; moderator in the room). What each may do is decided
//! by the server's one permissions table (`amphi_room::may`); the store only keeps who has which
//! share. The owner never has a share: their access comes from `rooms.owner_id`, and the server
//! refuses to share a room with its owner.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::rooms::{ROOM_COLUMNS_R, expect_one, room_from_row};
use crate::store::now_ms;
use crate::users::{USER_COLUMNS, user_from_row};
use crate::{Room, RoomId, Store, StoreError, User, UserId};

/// The access a share gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShareRole {
    Manager,
    Moderator,
}

impl ShareRole {
    /// As stored (and as forms send it): `"manager"` or `"moderator"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareRole::Manager => "manager",
            ShareRole::Moderator => "moderator",
        }
    }

    /// The inverse of [`ShareRole::as_str`]; anything else is `None`.
    pub fn parse(s: &str) -> Option<ShareRole> {
        match s {
            "manager" => Some(ShareRole::Manager),
            "moderator" => Some(ShareRole::Moderator),
            _ => None,
        }
    }
}

/// One user's share of a room, with the user (for listing: name and e-mail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomShare {
    pub user: User,
    pub role: ShareRole,
    /// Unix milliseconds: when the share was first given (changing its role keeps it).
    pub created_at: i64,
}

/// How a user may reach a room they see in their list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoomAccess {
    Owner,
    Shared(ShareRole),
}

/// A room as one user sees it in "My rooms".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibleRoom {
    pub room: Room,
    /// This user's access.
    pub access: RoomAccess,
    /// With how many users the room is shared (the list shows a sharing icon when > 0).
    pub share_count: u32,
}

/// A stored role outside the CHECK constraint cannot happen; it would be a database error.
fn role_from_row(row: &AnyRow) -> Result<ShareRole, sqlx::Error> {
    let text: String = row.try_get("role")?;
    ShareRole::parse(&text).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: "role".to_owned(),
        source: format!("unknown share role {text:?}").into(),
    })
}

impl Store {
    /// Shares a room with a user as `role`, or changes the role of an existing share (its
    /// `created_at` stays). An unknown room or user is a database error (foreign key). The
    /// caller refuses the owner (whose access does not come from a share).
    pub async fn share_room(
        &self,
        room_id: &RoomId,
        user_id: &UserId,
        role: ShareRole,
    ) -> Result<(), StoreError> {
        // One statement on both backends (SQLite >= 3.24 and PostgreSQL know ON CONFLICT).
        sqlx::query(
            "INSERT INTO room_shares (room_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (room_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(room_id.as_str())
        .bind(user_id.as_str())
        .bind(role.as_str())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Changes the access of an existing share; [`StoreError::NotFound`] if the user has none
    /// (never creates one: a share removed meanwhile stays removed).
    pub async fn set_share_role(
        &self,
        room_id: &RoomId,
        user_id: &UserId,
        role: ShareRole,
    ) -> Result<(), StoreError> {
        let done =
            sqlx::query("UPDATE room_shares SET role = $1 WHERE room_id = $2 AND user_id = $3")
                .bind(role.as_str())
                .bind(room_id.as_str())
                .bind(user_id.as_str())
                .execute(&self.pool)
                .await?;
        expect_one(done.rows_affected())
    }

    /// Removes a user's share; [`StoreError::NotFound`] if they had none.
    pub async fn unshare_room(&self, room_id: &RoomId, user_id: &UserId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM room_shares WHERE room_id = $1 AND user_id = $2")
            .bind(room_id.as_str())
            .bind(user_id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// A room's shares, oldest first, each with its user.
    pub async fn room_shares(&self, room_id: &RoomId) -> Result<Vec<RoomShare>, StoreError> {
        // The user's columns come unprefixed; the share's own `created_at` is renamed so it
        // does not clash with the user's.
        let user_cols: String = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {user_cols}, s.role, s.created_at AS share_created_at \
             FROM room_shares s JOIN users u ON u.id = s.user_id \
             WHERE s.room_id = $1 ORDER BY s.created_at, u.email"
        );
        let rows = sqlx::query(&sql)
            .bind(room_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        let share = |row: &AnyRow| -> Result<RoomShare, sqlx::Error> {
            Ok(RoomShare {
                user: user_from_row(row, "")?,
                role: role_from_row(row)?,
                created_at: row.try_get("share_created_at")?,
            })
        };
        Ok(rows.iter().map(share).collect::<Result<_, _>>()?)
    }

    /// The share a user has in a room, if any (the owner has none: compare with
    /// [`Room::owner_id`] first).
    pub async fn share_role(
        &self,
        room_id: &RoomId,
        user_id: &UserId,
    ) -> Result<Option<ShareRole>, StoreError> {
        let row = sqlx::query("SELECT role FROM room_shares WHERE room_id = $1 AND user_id = $2")
            .bind(room_id.as_str())
            .bind(user_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| role_from_row(&r)).transpose()?)
    }

    /// The access a user has to a room: [`RoomAccess::Owner`], a share, or `None`.
    pub async fn room_access(
        &self,
        room: &Room,
        user_id: &UserId,
    ) -> Result<Option<RoomAccess>, StoreError> {
        if &room.owner_id == user_id {
            return Ok(Some(RoomAccess::Owner));
        }
        Ok(self
            .share_role(&room.id, user_id)
            .await?
            .map(RoomAccess::Shared))
    }

    /// The rooms a user owns or has a share of, oldest first, each with the user's access
    /// and the room's number of shares ("My rooms").
    pub async fn rooms_visible_to(&self, user_id: &UserId) -> Result<Vec<VisibleRoom>, StoreError> {
        let sql = format!(
            "SELECT {ROOM_COLUMNS_R}, mine.role, \
             (SELECT COUNT(*) FROM room_shares c WHERE c.room_id = r.id) AS share_count \
             FROM rooms r \
             LEFT JOIN room_shares mine ON mine.room_id = r.id AND mine.user_id = $1 \
             WHERE r.owner_id = $1 OR mine.user_id IS NOT NULL \
             ORDER BY r.created_at, r.id"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        let visible = |row: &AnyRow| -> Result<VisibleRoom, sqlx::Error> {
            let room = room_from_row(row)?;
            let access = if &room.owner_id == user_id {
                RoomAccess::Owner
            } else {
                RoomAccess::Shared(role_from_row(row)?)
            };
            let count: i64 = row.try_get("share_count")?;
            Ok(VisibleRoom {
                room,
                access,
                share_count: u32::try_from(count).unwrap_or(u32::MAX),
            })
        };
        Ok(rows.iter().map(visible).collect::<Result<_, _>>()?)
    }
}
