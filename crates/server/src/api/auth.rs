//! Who calls the API: `Authorization: Bearer <token>`, nothing else (cookies are ignored, so
//! there is nothing for a cross-site request to ride on and no CSRF token to check). The token
//! is looked up by its hash on every request (no cache: a revoked token or a disabled user is
//! refused by the very next request). A token acts as its user, limited by its scope.
//!
//! Handlers take [`Reader`] (any valid token) or [`Writer`] (a write token; a read token is
//! 403): the scope is in the handler's signature, so no handler can forget it.

use amphi_store::{ApiScope, ApiToken, LAST_USED_PRECISION_MS, User, now_ms};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::error::ApiError;
use crate::AppState;
use crate::auth::token::hash_token;

/// The token of a request and the user it acts as.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub token: ApiToken,
}

impl Caller {
    /// How people in a room see who did something through the API: the user's name, as
    /// for the back office.
    pub fn actor_name(&self) -> String {
        if self.user.display_name.is_empty() {
            self.user.email.clone()
        } else {
            self.user.display_name.clone()
        }
    }

    /// 403 unless the token's user is an administrator.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.user.is_admin {
            Ok(())
        } else {
            Err(ApiError::forbidden("Only administrators may do this."))
        }
    }
}

/// Any valid token: for endpoints that only read.
#[derive(Debug, Clone)]
pub struct Reader(pub Caller);

/// A write token: for endpoints that change something.
#[derive(Debug, Clone)]
pub struct Writer(pub Caller);

/// The token in `Authorization: Bearer <token>` (scheme in any case), if well formed.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 200)
        .then_some(token)
}

async fn caller(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    let Some(token) = bearer(parts) else {
        return Err(ApiError::unauthorized("A bearer token is required."));
    };
    let Some((token, user)) = state.store.api_token_by_hash(&hash_token(token)).await? else {
        return Err(ApiError::unauthorized(
            "This token is unknown, revoked, or its user is disabled.",
        ));
    };
    let now = now_ms();
    let stale = token
        .last_used_at
        .is_none_or(|t| now.saturating_sub(t) >= LAST_USED_PRECISION_MS);
    if stale {
        // One conditional UPDATE: concurrent requests write at most once a minute. A failed
        // write only loses the "last used" hint; the request goes on.
        if let Err(e) = state.store.touch_api_token(&token.id, now).await {
            tracing::warn!(error = %e, token = %token.id, "recording an API token's use failed");
        }
    }
    Ok(Caller { user, token })
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        caller(parts, state).await.map(Reader)
    }
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = caller(parts, state).await?;
        if caller.token.scope != ApiScope::Write {
            return Err(ApiError::forbidden(
                "This token may only read: create a write token for this.",
            ));
        }
        Ok(Writer(caller))
    }
}
