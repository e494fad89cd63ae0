//! Users: accounts that sign in to the back office.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::row::flag;
use crate::store::creation_ms;
use crate::{Store, StoreError, UserId};

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// Always lowercase: the store lowercases on write and on lookup.
    pub email: String,
    pub display_name: String,
    /// A PHC string (argon2), or `None` for an account without a password.
    pub password_hash: Option<String>,
    pub is_admin: bool,
    /// A disabled user cannot sign in; their logins stop working at once.
    pub disabled: bool,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// What it takes to create a [`User`]. The e-mail is validated by the caller; the store only
/// lowercases it.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
}

pub(crate) const USER_COLUMNS: &str =
    "id, email, display_name, password_hash, is_admin, disabled, created_at";

/// Reads a user from a row carrying [`USER_COLUMNS`], each optionally behind `prefix`
/// (`"u_"` when joined with another table whose column names clash).
pub(crate) fn user_from_row(row: &AnyRow, prefix: &str) -> Result<User, sqlx::Error> {
    let col = |name: &str| format!("{prefix}{name}");
    Ok(User {
        id: UserId::new(row.try_get::<String, _>(col("id").as_str())?),
        email: row.try_get(col("email").as_str())?,
        display_name: row.try_get(col("display_name").as_str())?,
        password_hash: row.try_get(col("password_hash").as_str())?,
        is_admin: flag(row, &col("is_admin"))?,
        disabled: flag(row, &col("disabled"))?,
        created_at: row.try_get(col("created_at").as_str())?,
    })
}

/// E-mail addresses are unique regardless of case: one canonical form, stored and looked up.
fn canonical_email(email: &str) -> String {
    email.to_lowercase()
}

/// Inserts a user through any executor (the pool, or a transaction as in first-run setup).
pub(crate) async fn insert_user<'e, E>(executor: E, new: NewUser) -> Result<User, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "INSERT INTO users (id, email, display_name, password_hash, is_admin, disabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {USER_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(UserId::generate().as_str())
        .bind(canonical_email(&new.email))
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(new.is_admin)
        .bind(false)
        .bind(creation_ms())
        .fetch_one(executor)
        .await?;
    Ok(user_from_row(&row, "")?)
}

impl Store {
    /// Creates a user. A taken e-mail (in any case) is [`StoreError::Conflict`].
    pub async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        insert_user(&self.pool, new).await
    }

    pub async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| user_from_row(&r, "")).transpose()?)
    }

    /// Finds a user by e-mail, in any case.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let row = sqlx::query(&sql)
            .bind(canonical_email(email))
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| user_from_row(&r, "")).transpose()?)
    }

    /// Every user, oldest first (ties broken by id, so the order is stable).
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| user_from_row(r, ""))
            .collect::<Result<_, _>>()?)
    }

    pub async fn count_users(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Disables (or re-enables) a user. Disabling also ends every login of theirs, so the
    /// user is signed out everywhere at once; [`Store::login_by_token_hash`] refuses disabled
    /// users anyway.
    pub async fn set_user_disabled(&self, id: &UserId, disabled: bool) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            sqlx::query("DELETE FROM logins WHERE user_id = $1")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the password hash (`None` removes the password). Logins are left alone: the
    /// caller decides whether a password change signs the user out elsewhere
    /// ([`Store::delete_logins_of_user`]).
    pub async fn set_password_hash(
        &self,
        id: &UserId,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A password change, in one transaction: sets the new hash and ends every login of the
    /// user except `keep_login` (the token hash of the browser that made the change), so a
    /// stolen login cannot outlive the password it was opened with. Unknown user:
    /// [`StoreError::NotFound`], nothing changed. Returns how many logins ended.
    pub async fn change_password(
        &self,
        id: &UserId,
        password_hash: &str,
        keep_login: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let ended = sqlx::query("DELETE FROM logins WHERE user_id = $1 AND token_hash <> $2")
            .bind(id.as_str())
            .bind(keep_login)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ended.rows_affected())
    }

    /// Deletes a user, with everything that is theirs: their logins and the rooms they own
    /// (foreign keys `ON DELETE CASCADE`). Disable a user instead to keep their rooms.
    pub async fn delete_user(&self, id: &UserId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
