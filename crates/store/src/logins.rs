//! Logins: a signed-in browser. Its cookie carries a random token; only the token's hash is
//! stored, so a leaked database does not sign anyone in. (Not called "session": that word
//! belongs to the programme.)

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::users::user_from_row;
use crate::{Store, StoreError, User, UserId};

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub token_hash: String,
    pub user_id: UserId,
    /// The token forms must echo back (double-submit protection against CSRF).
    pub csrf_token: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds; the login is dead from this instant on.
    pub expires_at: i64,
}

/// What it takes to create a [`Login`]; the caller hashes the token and picks the times.
#[derive(Debug, Clone)]
pub struct NewLogin {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

fn login_from_row(row: &AnyRow) -> Result<Login, sqlx::Error> {
    Ok(Login {
        token_hash: row.try_get("l_token_hash")?,
        user_id: UserId::new(row.try_get::<String, _>("l_user_id")?),
        csrf_token: row.try_get("l_csrf_token")?,
        created_at: row.try_get("l_created_at")?,
        expires_at: row.try_get("l_expires_at")?,
    })
}

impl Store {
    /// Records a login. An unknown user is a database error (foreign key); a token hash
    /// already stored is [`StoreError::Conflict`].
    pub async fn create_login(&self, new: NewLogin) -> Result<Login, StoreError> {
        sqlx::query(
            "INSERT INTO logins (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new.token_hash.as_str())
        .bind(new.user_id.as_str())
        .bind(new.csrf_token.as_str())
        .bind(new.created_at)
        .bind(new.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(Login {
            token_hash: new.token_hash,
            user_id: new.user_id,
            csrf_token: new.csrf_token,
            created_at: new.created_at,
            expires_at: new.expires_at,
        })
    }

    /// The login and its user, if the login exists, has not expired at `now` (Unix ms) and
    /// its user is not disabled. Anything else is `None`: the browser is signed out.
    pub async fn login_by_token_hash(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(Login, User)>, StoreError> {
        let row = sqlx::query(
            "SELECT l.token_hash AS l_token_hash, l.user_id AS l_user_id, \
                    l.csrf_token AS l_csrf_token, l.created_at AS l_created_at, \
                    l.expires_at AS l_expires_at, \
                    u.id AS u_id, u.email AS u_email, u.display_name AS u_display_name, \
                    u.password_hash AS u_password_hash, u.is_admin AS u_is_admin, \
                    u.disabled AS u_disabled, u.created_at AS u_created_at \
             FROM logins l JOIN users u ON u.id = l.user_id \
             WHERE l.token_hash = $1 AND l.expires_at > $2 AND u.disabled = $3",
        )
        .bind(token_hash)
        .bind(now)
        .bind(false)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((login_from_row(&row)?, user_from_row(&row, "u_")?))),
            None => Ok(None),
        }
    }

    /// Signs one browser out. Deleting a login that does not exist is not an error.
    pub async fn delete_login(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM logins WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Signs a user out everywhere; returns how many logins ended.
    pub async fn delete_logins_of_user(&self, user_id: &UserId) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM logins WHERE user_id = $1")
            .bind(user_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Removes logins expired at `now` (Unix ms), for a periodic clean-up; returns how many.
    pub async fn delete_expired_logins(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM logins WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
