//! Sign-in by code for session staff who have no account yet (W2). A speaker or moderator is
//! named by e-mail; if no account has that address, asking for a code at `/signin/code` still
//! mails one (only to an address some session names), kept by address in the store
//! (`staff_signin_codes`). The first right code creates the account (no password, display
//! name from the address) and signs in. `signin_code.rs` calls these two functions where an
//! address has no account; everything else (throttling, the same answer whatever the
//! address, no code without a mail server) stays as it is there.

use std::net::IpAddr;

use amphi_store::{CodeCheck, NewUser, StoreError, User, now_ms};
use sha2::{Digest, Sha256};

use crate::i18n::Strings;
use crate::mail::signin_code::{MAX_ATTEMPTS, code_mail, new_code};
use crate::{AppState, Error};

/// What the store keeps: SHA-256 of the address and the code (bound to the address, and in
/// a domain of its own so it never equals an account's code hash).
pub fn hash_staff_code(email: &str, code: &str) -> String {
    hex::encode(Sha256::digest(
        format!("amphi-staff-signin-code\n{email}\n{code}").as_bytes(),
    ))
}

/// A display name from an address: its local part, separators as spaces, each word
/// capitalised ("ann.lee@example.org" → "Ann Lee"); at most 100 characters.
pub fn name_from_address(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    let words: Vec<String> = local
        .split(['.', '_', '-', '+'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect();
    let name = words.join(" ");
    let name = if name.is_empty() {
        local.to_owned()
    } else {
        name
    };
    name.chars().filter(|c| !c.is_control()).take(100).collect()
}

/// For an address without an account (already validated and lowercased): if a session names
/// it, stores a new code and mails it in the page's language (`t`). Runs in the background,
/// like `signin_code::issue_code`, so the answer does not tell whether the address is staff.
pub async fn issue_staff_code(
    state: AppState,
    t: &'static Strings,
    email: String,
    ip: Option<IpAddr>,
) {
    match state.store.is_staff_email(&email).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "staff look-up failed: no sign-in code");
            return;
        }
    }
    let code = new_code();
    let now = now_ms();
    let lifetime_secs = state.config.mail.signin_code_lifetime_secs;
    let lifetime_ms = i64::try_from(lifetime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let stored = state
        .store
        .put_staff_signin_code(
            &email,
            &hash_staff_code(&email, &code),
            now,
            now.saturating_add(lifetime_ms),
        )
        .await;
    if let Err(e) = stored {
        tracing::warn!(error = %e, "staff sign-in code not stored, so not mailed");
        return;
    }
    let mail = code_mail(t, &email, &code, lifetime_secs.div_ceil(60), ip);
    if state.mailer.send(&mail).await.is_ok() {
        tracing::info!(ip = ?ip, "sign-in code mailed to a staff address without account");
    }
}

/// Tries `code` (normalised) for an address without an account. The right one creates the
/// account and returns it; anything else is `None` (the caller answers "wrong code").
pub async fn verify_staff_code(
    state: &AppState,
    email: &str,
    code: &str,
) -> Result<Option<User>, Error> {
    let check = state
        .store
        .use_staff_signin_code(email, &hash_staff_code(email, code), now_ms(), MAX_ATTEMPTS)
        .await?;
    if check != CodeCheck::Accepted {
        return Ok(None);
    }
    let created = state
        .store
        .create_user(NewUser {
            email: email.to_owned(),
            display_name: name_from_address(email),
            password_hash: None,
            is_admin: false,
        })
        .await;
    let user = match created {
        Ok(user) => {
            tracing::info!(user = %user.id, "account created by a staff member's first sign-in");
            user
        }
        // Created meanwhile (an administrator, a second tab): that account, if enabled.
        Err(StoreError::Conflict) => match state.store.user_by_email(email).await? {
            Some(user) if !user.disabled => user,
            _ => return Ok(None),
        },
        Err(e) => return Err(e.into()),
    };
    Ok(Some(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_addresses() {
        assert_eq!(name_from_address("ann.lee@example.org"), "Ann Lee");
        assert_eq!(
            name_from_address("sam_o-neil+x@example.org"),
            "Sam O Neil X"
        );
        assert_eq!(name_from_address("élodie@example.fr"), "Élodie");
        assert_eq!(name_from_address("...@example.org"), "...");
    }

    #[test]
    fn staff_code_hashes_bind_the_address() {
        assert_eq!(
            hash_staff_code("a@x.org", "123456"),
            hash_staff_code("a@x.org", "123456")
        );
        assert_ne!(
            hash_staff_code("a@x.org", "123456"),
            hash_staff_code("b@x.org", "123456")
        );
        assert_ne!(
            hash_staff_code("a@x.org", "123456"),
            hash_staff_code("a@x.org", "123457")
        );
    }
}
