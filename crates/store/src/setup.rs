//! The first-run setup token: a one-time link that lets the first person create the admin.
//! Only its hash is stored (the link itself is printed once, at start-up).

use crate::users::insert_user;
use crate::{Backend, NewUser, Store, StoreError, User};

impl Store {
    /// Stores a new setup token hash valid until `expires_at` (Unix ms). A hash already stored
    /// is [`StoreError::Conflict`].
    pub async fn create_setup_token(
        &self,
        token_hash: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO setup_tokens (token_hash, expires_at, used_at) VALUES ($1, $2, NULL)",
        )
        .bind(token_hash)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether the token is unused and unexpired at `now` (Unix ms) and no user exists yet,
    /// without using it: for showing the setup form. (Every start prints a new link while no
    /// user exists; once the first administrator exists, none of them works any more.)
    pub async fn setup_token_valid(&self, token_hash: &str, now: i64) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM setup_tokens \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             AND NOT EXISTS (SELECT 1 FROM users)",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Uses the token: `true` for exactly one caller, ever, and only before it expires.
    /// Atomic on both backends (a single conditional UPDATE: concurrent callers serialise on
    /// the row, and the loser finds `used_at` already set).
    pub async fn consume_setup_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        consume(&self.pool, token_hash, now).await
    }

    /// Uses the token and creates the user in one transaction: if the user cannot be created
    /// (e.g. [`StoreError::Conflict`] on the e-mail) the token stays usable. `Ok(None)` when
    /// the token is unknown, used or expired, or when a user already exists (the link of an
    /// earlier start must not create a second administrator), and then nothing changes.
    ///
    /// Two links completed at the same time create one user: on SQLite the first statement
    /// (a write) serialises the transactions; on PostgreSQL the `users` table is locked
    /// against inserts (reads go on) until the transaction ends, so the second finds the
    /// first one's user.
    pub async fn complete_setup(
        &self,
        token_hash: &str,
        now: i64,
        new: NewUser,
    ) -> Result<Option<User>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("LOCK TABLE users IN EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        // Dropping `tx` without commit rolls back: the token stays as it was.
        if !consume(&mut *tx, token_hash, now).await? {
            return Ok(None);
        }
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await?;
        if users > 0 {
            return Ok(None);
        }
        let user = insert_user(&mut *tx, new).await?;
        tx.commit().await?;
        Ok(Some(user))
    }
}

async fn consume<'e, E>(executor: E, token_hash: &str, now: i64) -> Result<bool, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query(
        "UPDATE setup_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(token_hash)
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}
