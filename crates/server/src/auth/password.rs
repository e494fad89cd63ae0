//! Passwords: argon2id PHC strings, hashed and verified off the async threads (argon2 is
//! deliberately slow).
//!
//! Each hash or verification takes 19 MiB and a core for a while. At most [`max_concurrent`]
//! run at once (the others wait their turn): without that bound, a burst of anonymous sign-in
//! attempts would start one per blocking thread (up to 512) and exhaust the memory.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use crate::Error;

/// How many argon2 computations may run at once: two per core keeps every core busy while
/// bounding memory to a few dozen MiB.
pub fn max_concurrent() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

/// The permits every hash and verification takes, shared by the whole process.
pub(crate) fn limiter() -> &'static Semaphore {
    static LIMITER: OnceLock<Semaphore> = OnceLock::new();
    LIMITER.get_or_init(|| Semaphore::new(max_concurrent()))
}

/// Runs `work` on the blocking pool once a permit is free; the permit is held until it ends.
async fn limited<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    let _permit = limiter()
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("password limiter: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("password task: {e}")))
}

/// Hashes a password with argon2id (the crate's default parameters: 19 MiB, 2 passes).
pub async fn hash(password: &str) -> Result<String, Error> {
    let password = password.to_owned();
    limited(move || hash_blocking(&password)).await?
}

pub fn hash_blocking(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Password(e.to_string()))
}

/// Whether `password` matches `stored`. With no stored hash (unknown user, or a user
/// without a password) a dummy hash is verified anyway, so the answer takes the same time
/// and does not reveal which e-mail addresses have accounts.
pub async fn verify(stored: Option<String>, password: &str) -> bool {
    let password = password.to_owned();
    limited(move || {
        let target = stored.as_deref().unwrap_or(dummy_hash());
        let ok = PasswordHash::new(target)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && stored.is_some()
    })
    .await
    .unwrap_or(false)
}

/// A valid argon2id hash of a random password, computed once.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = super::token::new_token();
        hash_blocking(&random).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("correct horse battery").await.expect("hashing works");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(Some(h.clone()), "correct horse battery").await);
        assert!(!verify(Some(h), "wrong horse battery").await);
        assert!(!verify(None, "anything at all").await);
        assert!(!verify(Some("not a hash".into()), "anything").await);
    }

    #[tokio::test]
    async fn verifications_wait_for_a_free_permit() {
        let h = hash("correct horse battery").await.expect("hashing works");
        let all = u32::try_from(max_concurrent()).expect("a small number");
        let held = limiter().acquire_many(all).await.expect("open semaphore");
        let waiting = tokio::spawn(verify(Some(h), "correct horse battery"));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "ran without a permit");
        drop(held);
        assert!(waiting.await.expect("task"), "runs once a permit is free");
    }
}
