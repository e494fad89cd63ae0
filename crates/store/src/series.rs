//! Series (issue 6, G6): sessions grouped to share one registration form. A session belongs to
//! at most one series (`sessions.series_id`); its own form and registrations, if any, stay when
//! it joins one (data gathered before is kept), but new registrations follow the series' form
//! ([`Store::session_registration_target`]).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::rooms::expect_one;
use crate::store::creation_ms;
use crate::{RegistrationTarget, SeriesId, SessionId, Store, StoreError, UserId};

/// A series of sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub id: SeriesId,
    /// Who organises it (deleting the account deletes the series; its sessions stay).
    pub owner_id: UserId,
    pub title: String,
    pub created_at: i64,
}

const SERIES_COLUMNS: &str = "id, owner_id, title, created_at";

fn series_from_row(row: &AnyRow) -> Result<Series, sqlx::Error> {
    Ok(Series {
        id: SeriesId::new(row.try_get::<String, _>("id")?),
        owner_id: UserId::new(row.try_get::<String, _>("owner_id")?),
        title: row.try_get("title")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Creates a series. An empty title is [`StoreError::Invalid`]; an unknown owner is a
    /// database error (foreign key).
    pub async fn create_series(&self, owner: &UserId, title: &str) -> Result<Series, StoreError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::Invalid("series without a title"));
        }
        let row = sqlx::query(&format!(
            "INSERT INTO series (id, owner_id, title, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING {SERIES_COLUMNS}"
        ))
        .bind(SeriesId::generate().as_str())
        .bind(owner.as_str())
        .bind(title)
        .bind(creation_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(series_from_row(&row)?)
    }

    pub async fn series(&self, id: &SeriesId) -> Result<Option<Series>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {SERIES_COLUMNS} FROM series WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| series_from_row(&r)).transpose()?)
    }

    /// The series `owner` organises, oldest first.
    pub async fn series_of_owner(&self, owner: &UserId) -> Result<Vec<Series>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SERIES_COLUMNS} FROM series WHERE owner_id = $1 ORDER BY created_at, id"
        ))
        .bind(owner.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(series_from_row).collect::<Result<_, _>>()?)
    }

    /// Renames a series; NotFound if there is none. An empty title is [`StoreError::Invalid`].
    pub async fn rename_series(&self, id: &SeriesId, title: &str) -> Result<(), StoreError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::Invalid("series without a title"));
        }
        let done = sqlx::query("UPDATE series SET title = $1 WHERE id = $2")
            .bind(title)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Deletes a series with its form and registrations; its sessions leave it (their own
    /// forms and registrations stay). NotFound if there is none.
    pub async fn delete_series(&self, id: &SeriesId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM series WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        expect_one(done.rows_affected())
    }

    /// Puts a session in a series, or takes it out (`None`). Nothing of the session's own
    /// registration is deleted. NotFound if the session or the series does not exist.
    pub async fn set_session_series(
        &self,
        session: &SessionId,
        series: Option<&SeriesId>,
    ) -> Result<(), StoreError> {
        let done = match series {
            Some(series) => {
                sqlx::query(
                    "UPDATE sessions SET series_id = $1 WHERE id = $2 \
                     AND EXISTS (SELECT 1 FROM series WHERE id = $1)",
                )
                .bind(series.as_str())
                .bind(session.as_str())
                .execute(&self.pool)
                .await?
            }
            None => {
                sqlx::query("UPDATE sessions SET series_id = NULL WHERE id = $1")
                    .bind(session.as_str())
                    .execute(&self.pool)
                    .await?
            }
        };
        expect_one(done.rows_affected())
    }

    /// The series the session belongs to; `None` if none (or no such session).
    pub async fn session_series(
        &self,
        session: &SessionId,
    ) -> Result<Option<SeriesId>, StoreError> {
        let id: Option<Option<String>> =
            sqlx::query_scalar("SELECT series_id FROM sessions WHERE id = $1")
                .bind(session.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(id.flatten().map(SeriesId::new))
    }

    /// The sessions of a series, by start time.
    pub async fn series_sessions(&self, series: &SeriesId) -> Result<Vec<SessionId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM sessions WHERE series_id = $1 ORDER BY starts_at, id",
        )
        .bind(series.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(SessionId::new).collect())
    }

    /// Whose form people fill in to register for this session: its series' if it belongs to
    /// one, else its own.
    pub async fn session_registration_target(
        &self,
        session: &SessionId,
    ) -> Result<RegistrationTarget, StoreError> {
        Ok(match self.session_series(session).await? {
            Some(series) => RegistrationTarget::Series(series),
            None => RegistrationTarget::Session(session.clone()),
        })
    }
}
