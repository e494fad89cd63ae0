//! Where registration applies, and who may set it up: a session (its organisers: an
//! administrator or its room's owner or manager), a room (`Action::ManageRoom`: owner,
//! manager) or a series (its owner, or an administrator). The organiser's pages take a
//! [`Scope`] and do not care which.

use amphi_room::Action;
use amphi_store::{RegistrationTarget, Room, Series, SeriesId, Session, User};

use crate::session_admin::{may_manage, session_at};
use crate::{AppState, Error};

/// What an organiser sets registration up for.
#[derive(Debug, Clone)]
pub enum Scope {
    Session(Session),
    Room(Room),
    Series(Series),
}

impl Scope {
    pub fn target(&self) -> RegistrationTarget {
        match self {
            Scope::Session(s) => RegistrationTarget::Session(s.id.clone()),
            Scope::Room(r) => RegistrationTarget::Room(r.id.clone()),
            Scope::Series(s) => RegistrationTarget::Series(s.id.clone()),
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Scope::Session(s) => &s.title,
            Scope::Room(r) => &r.name,
            Scope::Series(s) => &s.title,
        }
    }

    /// The back-office path the registration pages hang from.
    pub fn admin_base(&self) -> String {
        match self {
            Scope::Session(s) => format!("/programme/sessions/{}", s.slug),
            Scope::Room(r) => format!("/rooms/{}", r.slug),
            Scope::Series(s) => format!("/programme/series/{}", s.id),
        }
    }

    /// The public page people register on (`None` for a series: they register on any of its
    /// sessions' pages).
    pub fn public_path(&self) -> Option<String> {
        match self {
            Scope::Session(s) => Some(format!("/s/{}/register", s.slug)),
            Scope::Room(r) => Some(format!("/r/{}/register", r.slug)),
            Scope::Series(_) => None,
        }
    }

    /// The navigation entry the pages belong to.
    pub fn nav(&self) -> &'static str {
        match self {
            Scope::Room(_) => "rooms",
            Scope::Session(_) | Scope::Series(_) => "programme",
        }
    }

    /// A session of `slug` that `user` organises; 404 if none, 403 if not theirs.
    pub async fn session(state: &AppState, slug: &str, user: &User) -> Result<Scope, Error> {
        let session = session_at(&state.store, slug).await?;
        if !may_manage(&state.store, &session, user).await? {
            return Err(Error::Forbidden);
        }
        Ok(Scope::Session(session))
    }

    /// A room of `slug` whose settings `user` may change.
    pub async fn room(state: &AppState, slug: &str, user: &User) -> Result<Scope, Error> {
        let (room, _) =
            crate::room_admin::room_for(&state.store, slug, &user.id, Action::ManageRoom).await?;
        Ok(Scope::Room(room))
    }

    /// A series `user` owns (or any, for an administrator).
    pub async fn series(state: &AppState, id: &str, user: &User) -> Result<Scope, Error> {
        let series = owned_series(state, id, user).await?;
        Ok(Scope::Series(series))
    }
}

/// The series `id` if `user` owns it or is an administrator; 404 if none, 403 otherwise.
pub async fn owned_series(state: &AppState, id: &str, user: &User) -> Result<Series, Error> {
    let well_formed = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(Error::NotFound);
    }
    let series = state
        .store
        .series(&SeriesId::new(id))
        .await?
        .ok_or(Error::NotFound)?;
    if series.owner_id != user.id && !user.is_admin {
        return Err(Error::Forbidden);
    }
    Ok(series)
}
