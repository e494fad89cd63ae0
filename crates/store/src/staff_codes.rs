//! Sign-in codes for session staff without an account (W2): a speaker or moderator is named by
//! e-mail, maybe before they have an account. Such an address may ask for a code like any
//! user; the code is kept here, keyed by the (lowercase) address, and the server creates the
//! account on the first right code. Same rules as [`Store::use_signin_code`]: hashed by the
//! caller, one live code per address, used once, before it expires, dead after
//! `max_attempts` wrong tries (counted before checking).

use crate::sessions::normalise_email;
use crate::signin_codes::CodeTable;
use crate::{CodeCheck, Store, StoreError};

/// Keyed by the (lowercase) address, where `signin_codes` is keyed by user.
const STAFF_CODES: CodeTable = CodeTable {
    table: "staff_signin_codes",
    key: "email",
};

impl Store {
    /// Whether some session names `email` (any case) as staff.
    pub async fn is_staff_email(&self, email: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session_staff WHERE email = $1")
            .bind(normalise_email(email))
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
        STAFF_CODES.delete_expired(&self.pool, created_at).await?;
        STAFF_CODES
            .put(
                &self.pool,
                &normalise_email(email),
                code_hash,
                created_at,
                expires_at,
            )
            .await
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
        STAFF_CODES
            .try_code(
                &self.pool,
                &normalise_email(email),
                code_hash,
                now,
                max_attempts,
            )
            .await
    }
}
