//! The gate (G3): a session or room that requires registration lets attendees in only with
//! an approved registration. The browser proves it with the `amphi_reg` cookie (HttpOnly,
//! SameSite=Lax, Path=/), which holds the join tokens of its approved registrations (a few,
//! newest first, so one browser may hold several sessions'). The personal link sets it, and
//! so does the e-mail + registration ID form (`gate_pages.rs`); registering with automatic
//! approval sets it at once.
//!
//! Staff and organisers never need to register: for a session, its moderators and speakers
//! (organisers are moderators there, `session_admin::role_of`); for a room, its owner,
//! managers and moderators (every role but `Participant`).

use std::time::Duration;

use amphi_proto::Role;
use amphi_store::{
    Registration, RegistrationId, RegistrationStatus, RegistrationTarget, Room, Session, StoreError,
};
use axum::http::{HeaderMap, HeaderValue};

use crate::AppState;
use crate::auth::login::set_cookie;
use crate::i18n::cookie;
use crate::session_admin::is_staff;

/// The cookie of the browser's join tokens, joined by `.`.
pub const REG_COOKIE: &str = "amphi_reg";
/// How many registrations one browser remembers.
const MAX_TOKENS: usize = 8;
const COOKIE_LIFETIME: Duration = Duration::from_secs(180 * 24 * 3600);

/// The well-formed join tokens of the request's cookie.
fn tokens(headers: &HeaderMap) -> Vec<String> {
    cookie(headers, REG_COOKIE)
        .unwrap_or_default()
        .split('.')
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .take(MAX_TOKENS)
        .map(str::to_owned)
        .collect()
}

/// The `Set-Cookie` that adds `token` to the browser's (first, the oldest dropped past
/// [`MAX_TOKENS`]).
pub fn remember(state: &AppState, headers: &HeaderMap, token: &str) -> HeaderValue {
    let mut all = vec![token.to_owned()];
    all.extend(tokens(headers).into_iter().filter(|t| t != token));
    all.truncate(MAX_TOKENS);
    set_cookie(
        REG_COOKIE,
        &all.join("."),
        Some(COOKIE_LIFETIME),
        state.is_https(headers),
    )
}

async fn enabled(state: &AppState, target: &RegistrationTarget) -> Result<bool, StoreError> {
    Ok(state
        .store
        .registration_settings(target)
        .await?
        .is_some_and(|s| s.enabled))
}

/// Whether the session requires registration: its own form or its series' is on.
pub async fn session_requires(state: &AppState, session: &Session) -> Result<bool, StoreError> {
    if enabled(state, &RegistrationTarget::Session(session.id.clone())).await? {
        return Ok(true);
    }
    match state.store.session_series(&session.id).await? {
        Some(series) => enabled(state, &RegistrationTarget::Series(series)).await,
        None => Ok(false),
    }
}

/// Whether the room requires registration.
pub async fn room_requires(state: &AppState, room: &Room) -> Result<bool, StoreError> {
    enabled(state, &RegistrationTarget::Room(room.id.clone())).await
}

/// The approved registrant this request carries (cookie `amphi_reg` = join token, set by the
/// personal link or by the e-mail + ID form), for this session (its own form or its series').
pub async fn session_registrant(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
) -> Option<Registration> {
    for token in tokens(headers) {
        match state
            .store
            .session_registrant_by_token(&session.id, &token)
            .await
        {
            Ok(Some(r)) => return Some(r),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "registrant look-up failed");
                return None;
            }
        }
    }
    None
}

/// The approved registrant this request carries for this room.
pub async fn room_registrant(
    state: &AppState,
    room: &Room,
    headers: &HeaderMap,
) -> Option<Registration> {
    let target = RegistrationTarget::Room(room.id.clone());
    for token in tokens(headers) {
        match state.store.registration_by_token(&token).await {
            Ok(Some(r)) if r.target == target && r.status == RegistrationStatus::Approved => {
                return Some(r);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "registrant look-up failed");
                return None;
            }
        }
    }
    None
}

/// What the gate says to someone about to join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// No registration needed: staff, or registration is off.
    Free,
    /// In with this approved registration (rejecting or cancelling it ends their socket).
    Registered(RegistrationId),
    /// Registration is required and the request carries no approved one.
    Closed,
}

impl Gate {
    pub fn lets_in(&self) -> bool {
        !matches!(self, Gate::Closed)
    }

    /// The registration a socket let in holds.
    pub fn registration(self) -> Option<RegistrationId> {
        match self {
            Gate::Registered(id) => Some(id),
            Gate::Free | Gate::Closed => None,
        }
    }

    fn of(registrant: Option<Registration>) -> Gate {
        registrant.map_or(Gate::Closed, |r| Gate::Registered(r.id))
    }
}

/// Whether someone of `role` with these headers may join the session's live.
pub async fn may_join_session(
    state: &AppState,
    session: &Session,
    role: Role,
    headers: &HeaderMap,
) -> Result<Gate, StoreError> {
    if is_staff(role) || !session_requires(state, session).await? {
        return Ok(Gate::Free);
    }
    Ok(Gate::of(session_registrant(state, session, headers).await))
}

/// Whether someone of `role` with these headers may join the room.
pub async fn may_join_room(
    state: &AppState,
    room: &Room,
    role: Role,
    headers: &HeaderMap,
) -> Result<Gate, StoreError> {
    if role != Role::Participant || !room_requires(state, room).await? {
        return Ok(Gate::Free);
    }
    Ok(Gate::of(room_registrant(state, room, headers).await))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_from_the_cookie() {
        let a = "0123456789abcdef0123456789abcdef";
        let b = "fedcba9876543210fedcba9876543210";
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_str(&format!("lang=fr; amphi_reg={a}.nope.{b}.{a}x"))
                .expect("header"),
        );
        assert_eq!(tokens(&h), [a, b]);
        assert!(tokens(&HeaderMap::new()).is_empty());
    }
}
