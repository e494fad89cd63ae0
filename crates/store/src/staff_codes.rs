//! Sign-in codes for session staff without an account (W2): a speaker or moderator is named by
//! e-mail, maybe before they have an account. Such an address may ask for a code like any
//! user; the code is kept here, keyed by the (lowercase) address, and the server creates the
//! account on the first right code. Same rules as [`Store::use_signin_code`]: hashed by the
//! caller, one live code per address, used once, before it expires, dead after
//! `max_attempts` wrong tries (counted before checking).

use crate::signin_codes::same_hash;
use crate::{CodeCheck, Store, StoreError};

fn normalise(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    /// Whether some session names `email` (any case) as staff.
    pub async fn is_staff_email(&self, email: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session_staff WHERE email = $1")
            .bind(normalise(email))
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Stores a new code for `email`, replacing any it had; expired codes of any address go
    /// at the same time (the table cleans itself up).
    pub async fn put_staff_signin_code(
        &self,
        email: &str,
        code_hash: &str,
        created_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM staff_signin_codes WHERE expires_at <= $1")
            .bind(created_at)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO staff_signin_codes (email, code_hash, attempts, created_at, expires_at) \
             VALUES ($1, $2, 0, $3, $4) \
             ON CONFLICT (email) DO UPDATE SET code_hash = excluded.code_hash, \
             attempts = 0, created_at = excluded.created_at, expires_at = excluded.expires_at",
        )
        .bind(normalise(email))
        .bind(code_hash)
        .bind(created_at)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Tries a code for `email` at `now`: as [`Store::use_signin_code`] (one counting UPDATE,
    /// constant-time comparison, one DELETE wins among right tries).
    pub async fn use_staff_signin_code(
        &self,
        email: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> Result<CodeCheck, StoreError> {
        let email = normalise(email);
        let max = i64::from(max_attempts);
        let counted: Option<(String, i64)> = sqlx::query_as(
            "UPDATE staff_signin_codes SET attempts = attempts + 1 \
             WHERE email = $1 AND expires_at > $2 AND attempts < $3 \
             RETURNING code_hash, attempts",
        )
        .bind(&email)
        .bind(now)
        .bind(max)
        .fetch_optional(&self.pool)
        .await?;
        let Some((stored_hash, attempts)) = counted else {
            return Ok(CodeCheck::NoCode);
        };
        if same_hash(&stored_hash, code_hash) {
            let used =
                sqlx::query("DELETE FROM staff_signin_codes WHERE email = $1 AND code_hash = $2")
                    .bind(&email)
                    .bind(&stored_hash)
                    .execute(&self.pool)
                    .await?;
            return Ok(if used.rows_affected() == 1 {
                CodeCheck::Accepted
            } else {
                CodeCheck::NoCode
            });
        }
        if attempts >= max {
            sqlx::query("DELETE FROM staff_signin_codes WHERE email = $1 AND attempts >= $2")
                .bind(&email)
                .bind(max)
                .execute(&self.pool)
                .await?;
        }
        Ok(CodeCheck::Wrong {
            attempts_left: u32::try_from(max - attempts).unwrap_or(0),
        })
    }
}
