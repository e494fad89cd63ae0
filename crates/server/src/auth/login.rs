//! Logins: a random token in an `HttpOnly; SameSite=Lax` cookie, its hash in the database.
//! [`MaybeLogin`] and [`CurrentLogin`] are extractors that find the signed-in user.

use std::time::Duration;

use amphi_store::{Login, NewLogin, User, UserId, now_ms};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};

use super::token::{hash_token, new_token};
use crate::i18n::cookie;
use crate::{AppState, Error};

pub const LOGIN_COOKIE: &str = "amphi_login";
/// How long a login lasts without signing in again.
pub const LOGIN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// The signed-in user of a request, and their login (which carries the CSRF token).
#[derive(Debug, Clone)]
pub struct CurrentLogin {
    pub user: User,
    pub login: Login,
}

impl CurrentLogin {
    /// The token every form of this login must send back (hidden field `csrf`).
    pub fn csrf(&self) -> &str {
        &self.login.csrf_token
    }
}

/// The signed-in user, if any. Never rejects (a database failure does).
#[derive(Debug, Clone)]
pub struct MaybeLogin(pub Option<CurrentLogin>);

impl FromRequestParts<AppState> for MaybeLogin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        if let Some(found) = parts.extensions.get::<MaybeLogin>() {
            return Ok(found.clone());
        }
        let found = match cookie(&parts.headers, LOGIN_COOKIE) {
            Some(token) if !token.is_empty() => state
                .store
                .login_by_token_hash(&hash_token(&token), now_ms())
                .await?
                .map(|(login, user)| CurrentLogin { user, login }),
            _ => None,
        };
        let found = MaybeLogin(found);
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}

impl FromRequestParts<AppState> for CurrentLogin {
    type Rejection = Error;

    /// Anonymous requests are sent to the sign-in page, and back here afterwards (for a GET).
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        match MaybeLogin::from_request_parts(parts, state).await?.0 {
            Some(login) => Ok(login),
            None => {
                let next = if parts.method == Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map_or("/rooms".to_owned(), |p| p.as_str().to_owned())
                } else {
                    "/rooms".to_owned()
                };
                Err(Error::SignInRequired { next })
            }
        }
    }
}

/// Creates a login for `user_id`; returns the `Set-Cookie` value for the browser.
pub async fn create_login(
    state: &AppState,
    user_id: &UserId,
    headers: &HeaderMap,
) -> Result<HeaderValue, Error> {
    let token = new_token();
    let now = now_ms();
    let lifetime_ms = i64::try_from(LOGIN_LIFETIME.as_millis()).unwrap_or(i64::MAX);
    state
        .store
        .create_login(NewLogin {
            token_hash: hash_token(&token),
            user_id: user_id.clone(),
            csrf_token: new_token(),
            created_at: now,
            expires_at: now.saturating_add(lifetime_ms),
        })
        .await?;
    Ok(set_cookie(
        LOGIN_COOKIE,
        &token,
        Some(LOGIN_LIFETIME),
        state.is_https(headers),
    ))
}

/// A `Set-Cookie` value: `Path=/; HttpOnly; SameSite=Lax`, plus `Secure` over https.
/// `max_age: None` deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: Option<Duration>, secure: bool) -> HeaderValue {
    let age = max_age.map_or(0, |d| d.as_secs());
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; Max-Age={age}; HttpOnly; SameSite=Lax{secure}");
    // Names are ours and values are base64url or language codes: always valid header text.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
