//! The extractor of the organiser's registration pages: the signed-in user and the [`Scope`]
//! the path names, checked. The same handlers serve the three places registration hangs
//! from, `/programme/sessions/{slug}/…`, `/rooms/{slug}/…` and `/programme/series/{id}/…`,
//! so the scope is read from the path itself.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::scope::Scope;
use crate::auth::CurrentLogin;
use crate::{AppState, Error};

/// The organiser and what they set registration up for.
pub struct Organiser {
    pub login: CurrentLogin,
    pub scope: Scope,
}

impl FromRequestParts<AppState> for Organiser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let login = CurrentLogin::from_request_parts(parts, state).await?;
        let path = parts.uri.path().to_owned();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let scope = match segments.as_slice() {
            ["programme", "sessions", slug, ..] => Scope::session(state, slug, &login.user).await?,
            ["programme", "series", id, ..] => Scope::series(state, id, &login.user).await?,
            ["rooms", slug, ..] => Scope::room(state, slug, &login.user).await?,
            _ => return Err(Error::NotFound),
        };
        Ok(Organiser { login, scope })
    }
}
