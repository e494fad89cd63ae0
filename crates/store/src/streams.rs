//! Streaming settings (issue 8, S1): the RTMP(S) URL and stream key a room's meetings, or a
//! session's live, are streamed to. Tables `room_streams` and `session_streams` (migration
//! 0011), one row per room or session that streams, deleted with it.
//!
//! The key is a secret the server must hand to the RTMP server, so it is stored as given. Its
//! [`StreamKey`] type prints `[redacted]` in `Debug` and shows only its last four characters
//! through [`StreamKey::masked`]; nothing else of it leaves the server but the RTMP push.

use std::fmt;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::store::now_ms;
use crate::{RoomId, SessionId, Store, StoreError};

/// What streams: a room's meetings or a session's live.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StreamTarget {
    Room(RoomId),
    Session(SessionId),
}

impl StreamTarget {
    /// The table and its key column.
    fn table(&self) -> (&'static str, &'static str, &str) {
        match self {
            StreamTarget::Room(id) => ("room_streams", "room_id", id.as_str()),
            StreamTarget::Session(id) => ("session_streams", "session_id", id.as_str()),
        }
    }
}

/// A stream key: never printed by `Debug`, shown to people only masked.
#[derive(Clone, PartialEq, Eq)]
pub struct StreamKey(String);

impl StreamKey {
    pub fn new(key: impl Into<String>) -> StreamKey {
        StreamKey(key.into())
    }

    /// The key itself: only for the RTMP URL handed to the sender.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `••••` and the last four characters (all bullets for a key of four or fewer), for
    /// pages that show which key is set.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() <= 4 {
            return "••••".to_owned();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("••••{tail}")
    }
}

impl fmt::Debug for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where a room or session streams to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSettings {
    /// `rtmp://` or `rtmps://` URL of the RTMP application (the server validates it).
    pub rtmp_url: String,
    pub key: StreamKey,
    /// Unix milliseconds of the last change.
    pub updated_at: i64,
}

fn settings_from_row(row: &AnyRow) -> Result<StreamSettings, sqlx::Error> {
    Ok(StreamSettings {
        rtmp_url: row.try_get("rtmp_url")?,
        key: StreamKey(row.try_get("stream_key")?),
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// The stream settings of a room or session; `None`: it does not stream.
    pub async fn stream_settings(
        &self,
        target: &StreamTarget,
    ) -> Result<Option<StreamSettings>, StoreError> {
        let (table, column, id) = target.table();
        let sql =
            format!("SELECT rtmp_url, stream_key, updated_at FROM {table} WHERE {column} = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| settings_from_row(&r)).transpose()?)
    }

    /// Sets (or replaces) where a room or session streams to. An unknown room or session is a
    /// database error (foreign key).
    pub async fn set_stream_settings(
        &self,
        target: &StreamTarget,
        rtmp_url: &str,
        key: &StreamKey,
    ) -> Result<StreamSettings, StoreError> {
        let (table, column, id) = target.table();
        let sql = format!(
            "INSERT INTO {table} ({column}, rtmp_url, stream_key, updated_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT ({column}) DO UPDATE SET rtmp_url = excluded.rtmp_url, \
             stream_key = excluded.stream_key, updated_at = excluded.updated_at \
             RETURNING rtmp_url, stream_key, updated_at"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(rtmp_url)
            .bind(key.expose())
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await?;
        Ok(settings_from_row(&row)?)
    }

    /// Stops a room or session from streaming (its settings are forgotten, key included).
    /// Returns whether there were any.
    pub async fn delete_stream_settings(&self, target: &StreamTarget) -> Result<bool, StoreError> {
        let (table, column, id) = target.table();
        let sql = format!("DELETE FROM {table} WHERE {column} = $1");
        let done = sqlx::query(&sql).bind(id).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }
}
