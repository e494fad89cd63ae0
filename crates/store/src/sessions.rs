//! Sessions (issue 5, W1/W2): scheduled webinars of the programme. A session is held in a
//! room (whose owner and managers organise it) and names its staff (speakers, moderators) by
//! e-mail. Its live goes `not_started → live → ended`, once: the store is the truth and each
//! transition is one conditional UPDATE, so two concurrent starts give exactly one winner.
//!
//! Invariant: a published session has at least one staff moderator. Every write that could
//! break it ([`Store::update_session`], [`Store::set_staff`], [`Store::remove_staff`]) first
//! writes the session's row (which serialises it with the others on both backends: a row lock
//! on PostgreSQL, the write lock on SQLite), then checks, in the same transaction, and rolls
//! back with [`StoreError::NoModerator`].

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::rooms::expect_one;
use crate::row::{decode, text_enum};
use crate::store::now_ms;
use crate::{RoomId, SessionId, Store, StoreError, UserId};

/// Whether the public sees a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    Draft,
    Published,
}

/// Where a session's live is. Only moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiveState {
    NotStarted,
    Live,
    Ended,
}

/// A staff member's role on a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StaffRole {
    Speaker,
    Moderator,
}

text_enum!(SessionStatus { Draft => "draft", Published => "published" });
text_enum!(LiveState { NotStarted => "not_started", Live => "live", Ended => "ended" });
text_enum!(StaffRole { Speaker => "speaker", Moderator => "moderator" });

/// A scheduled session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    /// Unique; the session's URL is `/s/<slug>`.
    pub slug: String,
    /// The room it is held in (its owner and managers organise the session).
    pub room_id: RoomId,
    pub title: String,
    pub description: String,
    /// UTC Unix milliseconds; `ends_at > starts_at`.
    pub starts_at: i64,
    pub ends_at: i64,
    /// IANA name (e.g. `Europe/Paris`): the zone the times are shown in.
    pub time_zone: String,
    pub status: SessionStatus,
    pub live_state: LiveState,
    pub live_started_at: Option<i64>,
    pub live_ended_at: Option<i64>,
    /// Who created it (a record: the account may be gone since).
    pub created_by: UserId,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What it takes to create a [`Session`]; its live starts `not_started`.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub slug: String,
    pub room_id: RoomId,
    pub title: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub time_zone: String,
    pub status: SessionStatus,
    pub created_by: UserId,
}

/// The editable part of a [`Session`] (the back office's form), saved all at once.
#[derive(Debug, Clone)]
pub struct SessionUpdate {
    pub title: String,
    pub description: String,
    pub room_id: RoomId,
    pub starts_at: i64,
    pub ends_at: i64,
    pub time_zone: String,
    pub status: SessionStatus,
}

/// A speaker or moderator named on a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStaff {
    pub session_id: SessionId,
    /// Lowercase.
    pub email: String,
    pub role: StaffRole,
    pub added_at: i64,
}

/// The outcome of [`Store::start_live`] / [`Store::end_live`].
// The contract's shape: one value per transition, never kept in bulk, so the size is moot.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveTransition {
    /// This call made the change; the session as it is now.
    Changed(Session),
    /// Start asked, but the live is already on.
    AlreadyLive,
    /// End asked, but the live has not started.
    NotLive,
    /// The live has ended: it never restarts, and ending it again changes nothing.
    AlreadyEnded,
}

const SESSION_COLUMNS: &str = "id, slug, room_id, title, description, starts_at, ends_at, \
     time_zone, status, live_state, live_started_at, live_ended_at, created_by, created_at, \
     updated_at";

/// [`SESSION_COLUMNS`] qualified by the alias `s`, for joins.
const SESSION_COLUMNS_S: &str = "s.id, s.slug, s.room_id, s.title, s.description, \
     s.starts_at, s.ends_at, s.time_zone, s.status, s.live_state, s.live_started_at, \
     s.live_ended_at, s.created_by, s.created_at, s.updated_at";

fn session_from_row(row: &AnyRow) -> Result<Session, sqlx::Error> {
    Ok(Session {
        id: SessionId::new(row.try_get::<String, _>("id")?),
        slug: row.try_get("slug")?,
        room_id: RoomId::new(row.try_get::<String, _>("room_id")?),
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        time_zone: row.try_get("time_zone")?,
        status: decode(row, "status", SessionStatus::parse)?,
        live_state: decode(row, "live_state", LiveState::parse)?,
        live_started_at: row.try_get("live_started_at")?,
        live_ended_at: row.try_get("live_ended_at")?,
        created_by: UserId::new(row.try_get::<String, _>("created_by")?),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn staff_from_row(row: &AnyRow) -> Result<SessionStaff, sqlx::Error> {
    Ok(SessionStaff {
        session_id: SessionId::new(row.try_get::<String, _>("session_id")?),
        email: row.try_get("email")?,
        role: decode(row, "role", StaffRole::parse)?,
        added_at: row.try_get("added_at")?,
    })
}

/// Lowercased, as staff e-mails are stored (here and in `staff_signin_codes`).
pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Touches the session's row (the first statement of a transaction that may change whether it
/// has a moderator): serialises such transactions, and tells whether the session exists.
async fn lock_session(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &SessionId,
    now: i64,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE sessions SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    expect_one(done.rows_affected())
}

/// `Err(NoModerator)` if the session is published and names no moderator (read inside the
/// transaction, after [`lock_session`] or the session's UPDATE).
async fn check_moderator(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &SessionId,
) -> Result<(), StoreError> {
    let missing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions s WHERE s.id = $1 AND s.status = 'published' \
         AND NOT EXISTS (SELECT 1 FROM session_staff t \
                         WHERE t.session_id = s.id AND t.role = 'moderator')",
    )
    .bind(id.as_str())
    .fetch_one(&mut **tx)
    .await?;
    if missing > 0 {
        Err(StoreError::NoModerator)
    } else {
        Ok(())
    }
}

impl Store {
    /// Creates a session. A taken slug is [`StoreError::Conflict`]; a session created
    /// published has no staff yet, so that is [`StoreError::NoModerator`] (create it as a
    /// draft, name a moderator, then publish). An unknown room is a database error.
    pub async fn create_session(&self, new: NewSession) -> Result<Session, StoreError> {
        if new.status == SessionStatus::Published {
            return Err(StoreError::NoModerator);
        }
        let now = now_ms();
        let sql = format!(
            "INSERT INTO sessions (id, slug, room_id, title, description, starts_at, ends_at, \
             time_zone, status, live_state, live_started_at, live_ended_at, created_by, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'not_started', NULL, NULL, $10, $11, $11) \
             RETURNING {SESSION_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(SessionId::generate().as_str())
            .bind(new.slug)
            .bind(new.room_id.as_str())
            .bind(new.title)
            .bind(new.description)
            .bind(new.starts_at)
            .bind(new.ends_at)
            .bind(new.time_zone)
            .bind(new.status.as_str())
            .bind(new.created_by.as_str())
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(session_from_row(&row)?)
    }

    pub async fn session_by_slug(&self, slug: &str) -> Result<Option<Session>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE slug = $1");
        let row = sqlx::query(&sql)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| session_from_row(&r)).transpose()?)
    }

    pub async fn session_by_id(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| session_from_row(&r)).transpose()?)
    }

    /// Whether a session slug is taken (a hint: only [`Store::create_session`]'s Conflict is
    /// authoritative).
    pub async fn session_slug_exists(&self, slug: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE slug = $1")
            .bind(slug)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Saves the editable fields at once. Published without a staff moderator is
    /// [`StoreError::NoModerator`] and changes nothing; an unknown session is NotFound.
    pub async fn update_session(
        &self,
        id: &SessionId,
        update: SessionUpdate,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE sessions SET title = $1, description = $2, room_id = $3, starts_at = $4, \
             ends_at = $5, time_zone = $6, status = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(update.title)
        .bind(update.description)
        .bind(update.room_id.as_str())
        .bind(update.starts_at)
        .bind(update.ends_at)
        .bind(update.time_zone)
        .bind(update.status.as_str())
        .bind(now_ms())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        expect_one(done.rows_affected())?;
        // Dropping `tx` without commit rolls back.
        check_moderator(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a session and its staff; NotFound if it does not exist.
    pub async fn delete_session(&self, id: &SessionId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Every session, by start time (the back office filters by permission).
    pub async fn list_sessions(&self) -> Result<Vec<Session>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions ORDER BY starts_at, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(session_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Published sessions, by start time (the public programme).
    pub async fn published_sessions(&self) -> Result<Vec<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE status = 'published' \
             ORDER BY starts_at, id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(session_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The sessions held in a room, by start time.
    pub async fn sessions_of_room(&self, room_id: &RoomId) -> Result<Vec<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE room_id = $1 ORDER BY starts_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(room_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(session_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Starts the live: [`LiveTransition::Changed`] for exactly one caller, ever (one
    /// conditional UPDATE); otherwise why not. An unknown session is NotFound.
    pub async fn start_live(&self, id: &SessionId, now: i64) -> Result<LiveTransition, StoreError> {
        let sql = format!(
            "UPDATE sessions SET live_state = 'live', live_started_at = $1, updated_at = $1 \
             WHERE id = $2 AND live_state = 'not_started' RETURNING {SESSION_COLUMNS}"
        );
        self.live_transition(&sql, id, now).await
    }

    /// Ends the live: [`LiveTransition::Changed`] for exactly one caller, and only while it
    /// is live; otherwise why not. An unknown session is NotFound.
    pub async fn end_live(&self, id: &SessionId, now: i64) -> Result<LiveTransition, StoreError> {
        let sql = format!(
            "UPDATE sessions SET live_state = 'ended', live_ended_at = $1, updated_at = $1 \
             WHERE id = $2 AND live_state = 'live' RETURNING {SESSION_COLUMNS}"
        );
        self.live_transition(&sql, id, now).await
    }

    async fn live_transition(
        &self,
        sql: &str,
        id: &SessionId,
        now: i64,
    ) -> Result<LiveTransition, StoreError> {
        let row = sqlx::query(sql)
            .bind(now)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = row {
            return Ok(LiveTransition::Changed(session_from_row(&row)?));
        }
        // Lost (or nothing to do): the state only moves forward, so what we read now says why.
        let state = self
            .session_by_id(id)
            .await?
            .ok_or(StoreError::NotFound)?
            .live_state;
        Ok(match state {
            LiveState::NotStarted => LiveTransition::NotLive,
            LiveState::Live => LiveTransition::AlreadyLive,
            LiveState::Ended => LiveTransition::AlreadyEnded,
        })
    }

    /// Names `email` (lowercased) as `role` on the session, or changes their role. Turning
    /// the last moderator of a published session into a speaker is
    /// [`StoreError::NoModerator`]; an unknown session is NotFound.
    pub async fn set_staff(
        &self,
        id: &SessionId,
        email: &str,
        role: StaffRole,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        lock_session(&mut tx, id, now).await?;
        sqlx::query(
            "INSERT INTO session_staff (session_id, email, role, added_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (session_id, email) DO UPDATE SET role = excluded.role",
        )
        .bind(id.as_str())
        .bind(normalise_email(email))
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        check_moderator(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes `email` from the staff; NotFound if they were not on it. Removing the last
    /// moderator of a published session is [`StoreError::NoModerator`] and changes nothing.
    pub async fn remove_staff(&self, id: &SessionId, email: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        lock_session(&mut tx, id, now_ms()).await?;
        let done = sqlx::query("DELETE FROM session_staff WHERE session_id = $1 AND email = $2")
            .bind(id.as_str())
            .bind(normalise_email(email))
            .execute(&mut *tx)
            .await?;
        expect_one(done.rows_affected())?;
        check_moderator(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A session's staff, moderators first, then by when they were added.
    pub async fn session_staff(&self, id: &SessionId) -> Result<Vec<SessionStaff>, StoreError> {
        let rows = sqlx::query(
            "SELECT session_id, email, role, added_at FROM session_staff WHERE session_id = $1 \
             ORDER BY CASE role WHEN 'moderator' THEN 0 ELSE 1 END, added_at, email",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(staff_from_row).collect::<Result<_, _>>()?)
    }

    /// The role `email` (any case) has on the session, if named.
    pub async fn staff_role(
        &self,
        id: &SessionId,
        email: &str,
    ) -> Result<Option<StaffRole>, StoreError> {
        let row =
            sqlx::query("SELECT role FROM session_staff WHERE session_id = $1 AND email = $2")
                .bind(id.as_str())
                .bind(normalise_email(email))
                .fetch_optional(&self.pool)
                .await?;
        Ok(row
            .map(|r| decode(&r, "role", StaffRole::parse))
            .transpose()?)
    }

    /// The sessions that name `email` (any case), by start time, with the role.
    pub async fn sessions_staffed_by(
        &self,
        email: &str,
    ) -> Result<Vec<(Session, StaffRole)>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS_S}, t.role FROM session_staff t \
             JOIN sessions s ON s.id = t.session_id WHERE t.email = $1 \
             ORDER BY s.starts_at, s.id"
        );
        let rows = sqlx::query(&sql)
            .bind(normalise_email(email))
            .fetch_all(&self.pool)
            .await?;
        let pair = |row: &AnyRow| -> Result<(Session, StaffRole), sqlx::Error> {
            Ok((
                session_from_row(row)?,
                decode(row, "role", StaffRole::parse)?,
            ))
        };
        Ok(rows.iter().map(pair).collect::<Result<_, _>>()?)
    }
}
