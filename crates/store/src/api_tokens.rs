//! REST API tokens (issue 10, O5): bearer tokens a user creates in the back office. A token
//! acts as its user, limited by its scope (read or write). Only the token's hash is stored;
//! revoking deletes the row, and a disabled user's tokens are refused, so a lookup never finds
//! a token that should no longer work (the server keeps no cache).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::row::{decode, text_enum};
use crate::store::creation_ms;
use crate::users::{USER_COLUMNS, user_from_row};
use crate::{ApiTokenId, Store, StoreError, User, UserId};

/// `last_used_at` is written at most this often per token (a busy integration would
/// otherwise write the database on every request).
pub const LAST_USED_PRECISION_MS: i64 = 60_000;

/// What a token may do: `Read` only reads; `Write` also changes things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiScope {
    Read,
    Write,
}

text_enum!(ApiScope { Read => "read", Write => "write" });

/// A stored token (without its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub user_id: UserId,
    pub name: String,
    pub scope: ApiScope,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds, to the minute ([`LAST_USED_PRECISION_MS`]); `None`: never used.
    pub last_used_at: Option<i64>,
}

/// What it takes to create an [`ApiToken`]: the caller makes the secret and hashes it.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub user_id: UserId,
    pub name: String,
    pub scope: ApiScope,
    pub token_hash: String,
}

const TOKEN_COLUMNS: &str = "id, user_id, name, scope, created_at, last_used_at";

fn token_from_row(row: &AnyRow, prefix: &str) -> Result<ApiToken, sqlx::Error> {
    let col = |name: &str| format!("{prefix}{name}");
    Ok(ApiToken {
        id: ApiTokenId::new(row.try_get::<String, _>(col("id").as_str())?),
        user_id: UserId::new(row.try_get::<String, _>(col("user_id").as_str())?),
        name: row.try_get(col("name").as_str())?,
        scope: decode(row, &col("scope"), ApiScope::parse)?,
        created_at: row.try_get(col("created_at").as_str())?,
        last_used_at: row.try_get(col("last_used_at").as_str())?,
    })
}

impl Store {
    /// Stores a new token. A hash already stored is [`StoreError::Conflict`]; an unknown user
    /// is a database error (foreign key).
    pub async fn create_api_token(&self, new: NewApiToken) -> Result<ApiToken, StoreError> {
        let sql = format!(
            "INSERT INTO api_tokens (id, user_id, name, scope, token_hash, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL) RETURNING {TOKEN_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(ApiTokenId::generate().as_str())
            .bind(new.user_id.as_str())
            .bind(new.name)
            .bind(new.scope.as_str())
            .bind(new.token_hash)
            .bind(creation_ms())
            .fetch_one(&self.pool)
            .await?;
        Ok(token_from_row(&row, "")?)
    }

    /// A user's tokens, newest first.
    pub async fn api_tokens_of_user(&self, user_id: &UserId) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 \
             ORDER BY created_at DESC, id"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| token_from_row(r, ""))
            .collect::<Result<_, _>>()?)
    }

    /// The token with this hash and its user, unless the user is disabled (then `None`, as
    /// for an unknown or revoked token).
    pub async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiToken, User)>, StoreError> {
        let user_cols: String = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c} AS u_{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT t.id AS t_id, t.user_id AS t_user_id, t.name AS t_name, t.scope AS t_scope, \
                    t.created_at AS t_created_at, t.last_used_at AS t_last_used_at, {user_cols} \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND u.disabled = $2"
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(false)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some((
                token_from_row(&row, "t_")?,
                user_from_row(&row, "u_")?,
            ))),
            None => Ok(None),
        }
    }

    /// Revokes (deletes) one of a user's tokens; [`StoreError::NotFound`] if the user has no
    /// such token (another user's token is not theirs to revoke).
    pub async fn revoke_api_token(
        &self,
        user_id: &UserId,
        id: &ApiTokenId,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
            .bind(id.as_str())
            .bind(user_id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Records a use of the token at `now` (Unix ms), unless one was recorded less than
    /// [`LAST_USED_PRECISION_MS`] before: one conditional UPDATE, so concurrent requests write
    /// at most once. Returns whether it wrote.
    pub async fn touch_api_token(&self, id: &ApiTokenId, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 \
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(now)
        .bind(id.as_str())
        .bind(now.saturating_sub(LAST_USED_PRECISION_MS))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
