//! Who is asking: the session at a slug, and whether the signed-in user is its staff.

use amphi_proto::Role;
use amphi_room::{Action, may};
use amphi_store::{Session, User};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::refusal::Refusal;
use crate::auth::CurrentLogin;
use crate::auth::csrf;
use crate::i18n::Lang;
use crate::{AppState, Error};

/// The header carrying the Login's CSRF token on the content endpoints (XHR, not forms).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Why a content request gets no for an answer: a refusal (JSON for the page's script) or a
/// failure (the usual error page).
#[derive(Debug)]
pub enum Reject {
    Refused(Refusal),
    Failed(Error),
}

impl From<Refusal> for Reject {
    fn from(r: Refusal) -> Reject {
        Reject::Refused(r)
    }
}

impl From<Error> for Reject {
    fn from(e: Error) -> Reject {
        Reject::Failed(e)
    }
}

impl From<amphi_store::StoreError> for Reject {
    fn from(e: amphi_store::StoreError) -> Reject {
        Reject::Failed(e.into())
    }
}

impl Reject {
    pub fn response(self, lang: Lang) -> Response {
        match self {
            Reject::Refused(r) => r.response(lang),
            Reject::Failed(e) => e.into_response(),
        }
    }
}

/// A staff member of a session, making a request.
#[derive(Debug)]
pub struct Staff {
    pub session: Session,
    pub user: User,
    pub role: Role,
}

impl Staff {
    /// Moderators (the room's organisers and admins included) arrange the stage and may
    /// delete any item; speakers only their own.
    pub fn may_delete(&self, created_by: &amphi_store::UserId) -> bool {
        may(self.role, Action::ArrangeStage) || &self.user.id == created_by
    }
}

/// The session at `slug` ([`Error::NotFound`] if none).
pub async fn session(state: &AppState, slug: &str) -> Result<Session, Error> {
    state
        .store
        .session_by_slug(slug)
        .await?
        .ok_or(Error::NotFound)
}

/// The session's staff member behind this request: signed in, with the Login's CSRF token in
/// the [`CSRF_HEADER`] when `with_csrf` (every POST), and a role that may present content.
pub async fn staff(
    state: &AppState,
    slug: &str,
    login: Option<CurrentLogin>,
    headers: &HeaderMap,
    with_csrf: bool,
) -> Result<Staff, Reject> {
    let session = session(state, slug).await?;
    let login = login.ok_or(Refusal::SignIn)?;
    if with_csrf {
        let given = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        csrf::check(login.csrf(), given).map_err(|_| Refusal::Csrf)?;
    }
    let role = crate::session_admin::role_of(&state.store, &session, Some(&login.user)).await?;
    if !may(role, Action::PresentContent) {
        return Err(Refusal::NotStaff.into());
    }
    Ok(Staff {
        session,
        user: login.user,
        role,
    })
}
