//! Sign-in by code (R8): a random 6-digit code, mailed, valid a few minutes (10 by default),
//! used once, dead after [`MAX_ATTEMPTS`] wrong tries. The database keeps only a hash bound
//! to the user. The pages are in `pages/signin_code.rs`.
//!
//! Throttling (per e-mail address and per client address, with `auth::throttle`): asking
//! for codes counts every request (5 free per address, then waits that double: this also
//! keeps the server from mail-bombing someone); typing codes counts every wrong try as the
//! password form does (a right one is forgiven). Both are separate from the password
//! form's counts, so one cannot lock the other.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use amphi_store::UserId;
use rand::Rng as _;
use sha2::{Digest, Sha256};

use super::Mail;
use crate::auth::throttle::{Attempt, Key, Throttle};
use crate::i18n::Strings;

/// Wrong codes a code survives; the last one kills it.
pub const MAX_ATTEMPTS: u32 = 5;

/// The two counters of sign-in by code (in `AppState.signin_codes`).
#[derive(Debug, Default)]
pub struct SigninCodes {
    requests: Throttle,
    attempts: Throttle,
}

impl SigninCodes {
    pub fn new() -> SigninCodes {
        SigninCodes::default()
    }

    /// Counts a request for a code; `Err(wait)` while any key is locked out.
    pub fn count_request(&self, keys: &[Key], now: Instant) -> Result<(), Duration> {
        // Every request counts ("failure" in the throttle's words): none is taken back.
        self.requests.attempt(keys, now).map(drop)
    }

    /// Counts a try of a code, before it is checked; `Err(wait)` while locked out.
    pub fn attempt(&self, keys: &[Key], now: Instant) -> Result<Attempt, Duration> {
        self.attempts.attempt(keys, now)
    }

    /// The code was right: forgive the try.
    pub fn succeeded(&self, attempt: Attempt) {
        self.attempts.succeeded(attempt);
    }
}

/// A fresh code: 6 decimal digits from the thread's CSPRNG.
pub fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

/// What the database stores: SHA-256 of the user id and the code. Bound to the user, so one
/// user's code is wrong for any other. (A million codes are quick to try against a leaked
/// hash; the code's few minutes of life are its protection there.)
pub fn hash_code(user_id: &UserId, code: &str) -> String {
    hex::encode(Sha256::digest(
        format!("amphi-signin-code\n{user_id}\n{code}").as_bytes(),
    ))
}

/// The code as typed ("123 456", "123-456") to its 6 digits, or `None`.
pub fn normalize_code(input: &str) -> Option<String> {
    let digits: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The mail carrying a code, in the language of the page that asked for it: the code, for
/// which account and from which client address it was asked, how long it is valid, and to
/// ignore it if it was not you. No link (review M1): nothing in it comes from the request's
/// headers, so nobody can make it point to a page of theirs.
pub fn code_mail(t: &Strings, to: &str, code: &str, minutes: u64, ip: Option<IpAddr>) -> Mail {
    let ip = ip.map_or_else(|| t.code_mail_unknown_ip.to_owned(), |ip| ip.to_string());
    let fill = |s: &str| {
        s.replace("{code}", code)
            .replace("{minutes}", &minutes.to_string())
            .replace("{email}", to)
            .replace("{ip}", &ip)
    };
    Mail {
        to: vec![to.to_owned()],
        subject: fill(t.code_mail_subject),
        text: fill(t.code_mail_text),
        html: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..50).map(|_| new_code()).collect();
        assert!(codes.len() > 40, "random: {codes:?}");
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
    }

    #[test]
    fn hashes_bind_the_user() {
        let (a, b) = (UserId::new("a"), UserId::new("b"));
        assert_eq!(hash_code(&a, "123456"), hash_code(&a, "123456"));
        assert_ne!(hash_code(&a, "123456"), hash_code(&b, "123456"));
        assert_ne!(hash_code(&a, "123456"), hash_code(&a, "123457"));
    }

    #[test]
    fn typed_codes() {
        assert_eq!(normalize_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(normalize_code("123-456").as_deref(), Some("123456"));
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(normalize_code(bad), None, "{bad}");
        }
    }

    /// Review M1: the code, who asked, how long, and no link.
    #[test]
    fn the_mail_says_the_code_in_each_language() {
        let ip = Some(IpAddr::from([203, 0, 113, 7]));
        for t in [&crate::i18n::EN, &crate::i18n::FR] {
            let m = code_mail(t, "ann@example.org", "042917", 10, ip);
            assert!(m.text.contains("042917"), "{}", m.text);
            assert!(m.text.contains("10 minutes"), "{}", m.text);
            assert!(m.text.contains("ann@example.org") && m.text.contains("203.0.113.7"));
            assert!(
                !m.text.contains("http") && !m.text.contains("://"),
                "{}",
                m.text
            );
            assert!(!m.subject.contains('{') && !m.text.contains('{'));
            let m = code_mail(t, "ann@example.org", "042917", 10, None);
            assert!(m.text.contains(t.code_mail_unknown_ip), "{}", m.text);
        }
    }
}
