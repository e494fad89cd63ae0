//! Sign-in codes (R8): a short code mailed to a user, who types it in to sign in. Only its
//! hash is stored (the caller hashes). A user has at most one live code: a new one replaces
//! the old. A code works once, before it expires, and dies after `max_attempts` wrong tries.

use sqlx::AnyPool;

use crate::{Store, StoreError, UserId};

/// What [`Store::use_signin_code`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The right code, now used up: sign the user in.
    Accepted,
    /// A wrong code; the live code has this many tries left (0: it is now dead).
    Wrong { attempts_left: u32 },
    /// The user has no live code (none asked for, used, expired or killed by wrong tries).
    NoCode,
}

impl Store {
    /// Stores a new code for the user, valid from `created_at` until `expires_at` (Unix ms),
    /// replacing any code they had (its tries start again at zero). An unknown user is a
    /// database error (foreign key).
    pub async fn put_signin_code(
        &self,
        user_id: &UserId,
        code_hash: &str,
        created_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        USER_CODES
            .put(
                &self.pool,
                user_id.as_str(),
                code_hash,
                created_at,
                expires_at,
            )
            .await
    }

    /// Tries a code at `now` (Unix ms). The try is counted first, and the stored hash read,
    /// in one statement that only matches a live code (unexpired, fewer than `max_attempts`
    /// tries so far); then the hashes are compared in constant time. A match uses the code
    /// up: [`CodeCheck::Accepted`] for exactly one caller. A try that reaches `max_attempts`
    /// without a match deletes the code.
    ///
    /// Counting before checking means concurrent tries (several requests, several nodes, a
    /// restart that clears the in-memory throttle) never check more than `max_attempts`
    /// guesses between them: a try that is not counted is not checked ([`CodeCheck::NoCode`]).
    pub async fn use_signin_code(
        &self,
        user_id: &UserId,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> Result<CodeCheck, StoreError> {
        USER_CODES
            .try_code(&self.pool, user_id.as_str(), code_hash, now, max_attempts)
            .await
    }

    /// Removes codes expired at `now` (Unix ms), for a periodic clean-up; returns how many.
    pub async fn delete_expired_signin_codes(&self, now: i64) -> Result<u64, StoreError> {
        USER_CODES.delete_expired(&self.pool, now).await
    }
}

/// A table of sign-in codes: `signin_codes` keyed by user id, and `staff_signin_codes` keyed by
/// e-mail (staff_codes.rs). Same columns and rules, only the key differs, so both go through
/// these two statements' one implementation.
pub(crate) struct CodeTable {
    pub(crate) table: &'static str,
    pub(crate) key: &'static str,
}

const USER_CODES: CodeTable = CodeTable {
    table: "signin_codes",
    key: "user_id",
};

impl CodeTable {
    /// Stores a new code for `key`, replacing any it had (its tries start again at zero).
    pub(crate) async fn put(
        &self,
        pool: &AnyPool,
        key: &str,
        code_hash: &str,
        created_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let CodeTable {
            table,
            key: key_column,
        } = self;
        // One statement, atomic on both backends: two requests at once leave one code.
        let sql = format!(
            "INSERT INTO {table} ({key_column}, code_hash, attempts, created_at, expires_at) \
             VALUES ($1, $2, 0, $3, $4) \
             ON CONFLICT ({key_column}) DO UPDATE SET code_hash = excluded.code_hash, \
             attempts = 0, created_at = excluded.created_at, expires_at = excluded.expires_at"
        );
        sqlx::query(&sql)
            .bind(key)
            .bind(code_hash)
            .bind(created_at)
            .bind(expires_at)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Removes the codes expired at `now` (Unix ms); returns how many.
    pub(crate) async fn delete_expired(&self, pool: &AnyPool, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(&format!(
            "DELETE FROM {} WHERE expires_at <= $1",
            self.table
        ))
        .bind(now)
        .execute(pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Tries a code for `key` at `now`, as [`Store::use_signin_code`] describes.
    pub(crate) async fn try_code(
        &self,
        pool: &AnyPool,
        key: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> Result<CodeCheck, StoreError> {
        let CodeTable {
            table,
            key: key_column,
        } = self;
        let max = i64::from(max_attempts);
        let count = format!(
            "UPDATE {table} SET attempts = attempts + 1 \
             WHERE {key_column} = $1 AND expires_at > $2 AND attempts < $3 \
             RETURNING code_hash, attempts"
        );
        let counted: Option<(String, i64)> = sqlx::query_as(&count)
            .bind(key)
            .bind(now)
            .bind(max)
            .fetch_optional(pool)
            .await?;
        let Some((stored_hash, attempts)) = counted else {
            return Ok(CodeCheck::NoCode);
        };
        if same_hash(&stored_hash, code_hash) {
            // The hash in the condition: if a new code replaced this one meanwhile, the old
            // code no longer works. One DELETE wins among concurrent right tries.
            let used = sqlx::query(&format!(
                "DELETE FROM {table} WHERE {key_column} = $1 AND code_hash = $2"
            ))
            .bind(key)
            .bind(&stored_hash)
            .execute(pool)
            .await?;
            return Ok(if used.rows_affected() == 1 {
                CodeCheck::Accepted
            } else {
                CodeCheck::NoCode
            });
        }
        if attempts >= max {
            // Dead: remove it now rather than keep a row no statement above will match.
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE {key_column} = $1 AND attempts >= $2"
            ))
            .bind(key)
            .bind(max)
            .execute(pool)
            .await?;
        }
        Ok(CodeCheck::Wrong {
            attempts_left: u32::try_from(max - attempts).unwrap_or(0),
        })
    }
}

/// Compares two hashes in time independent of where they differ (the stored one is a
/// secret: a timing difference would tell a guesser how much of it they got right).
fn same_hash(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::same_hash;

    #[test]
    fn hashes_compare_whole() {
        assert!(same_hash("abc123", "abc123"));
        assert!(!same_hash("abc123", "abc124"));
        assert!(!same_hash("abc123", "abc12"));
        assert!(!same_hash("", "a"));
    }
}
