//! Passwords: argon2id PHC strings, hashed and verified off the async threads (argon2 is
//! deliberately slow).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::Error;

/// Hashes a password with argon2id (the crate's default parameters: 19 MiB, 2 passes).
pub async fn hash(password: &str) -> Result<String, Error> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| Error::Internal(format!("password hashing task: {e}")))?
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
    tokio::task::spawn_blocking(move || {
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
}
