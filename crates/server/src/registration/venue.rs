//! What people register for and join, seen from the public pages: a session (`/s/{slug}`,
//! registering into its series' form when it belongs to one) or a room (`/r/{slug}`).

use amphi_store::{
    LiveState, Registration, RegistrationStatus, RegistrationTarget, Room, Session, User,
};
use axum::http::HeaderMap;

use super::gate;
use super::place::Place;
use crate::session_admin::{may_view, session_at};
use crate::slug::is_well_formed;
use crate::{AppState, Error};

#[derive(Debug, Clone)]
pub enum Where {
    Session(Session),
    Room(Room),
}

/// A public page's session or room, its form's target, and what mails say about it.
#[derive(Debug, Clone)]
pub struct Venue {
    pub place_of: Where,
    pub target: RegistrationTarget,
    pub place: Place,
}

impl Venue {
    /// The session at `slug`, if `user` may see it (a draft is a 404 to the public).
    pub async fn session(
        state: &AppState,
        slug: &str,
        user: Option<&User>,
    ) -> Result<Venue, Error> {
        let session = session_at(&state.store, slug).await?;
        if !may_view(&state.store, &session, user).await? {
            return Err(Error::NotFound);
        }
        let target = state.store.session_registration_target(&session.id).await?;
        let mut place = Place::of_session(&session);
        if let RegistrationTarget::Series(id) = &target
            && let Some(series) = state.store.series(id).await?
        {
            place.title = series.title;
        }
        Ok(Venue {
            place_of: Where::Session(session),
            target,
            place,
        })
    }

    /// The room at `slug`.
    pub async fn room(state: &AppState, slug: &str) -> Result<Venue, Error> {
        if !is_well_formed(slug) {
            return Err(Error::RoomNotFound);
        }
        let room = state
            .store
            .room_by_slug(slug)
            .await?
            .ok_or(Error::RoomNotFound)?;
        Ok(Venue {
            target: RegistrationTarget::Room(room.id.clone()),
            place: Place::of_room(&room),
            place_of: Where::Room(room),
        })
    }

    /// `/s/{slug}` or `/r/{slug}`.
    pub fn path(&self) -> &str {
        &self.place.path
    }

    /// The page's heading: the session's title or the room's name.
    pub fn title(&self) -> &str {
        match &self.place_of {
            Where::Session(s) => &s.title,
            Where::Room(r) => &r.name,
        }
    }

    /// Whether people are meeting now: the session is live, the room is open.
    pub fn live(&self) -> bool {
        match &self.place_of {
            Where::Session(s) => s.live_state == LiveState::Live,
            Where::Room(r) => r.is_open,
        }
    }

    /// The approved registration of `email` with this registration ID that lets one in.
    pub async fn registrant_by_code(
        &self,
        state: &AppState,
        email: &str,
        code: &str,
    ) -> Result<Option<Registration>, Error> {
        Ok(match &self.place_of {
            Where::Session(s) => state.store.session_registrant(&s.id, email, code).await?,
            Where::Room(_) => state
                .store
                .registration_by_code(&self.target, email, code)
                .await?
                .filter(|r| r.status == RegistrationStatus::Approved),
        })
    }

    /// The approved registration of a personal link's token that lets one in here.
    pub async fn registrant_by_token(
        &self,
        state: &AppState,
        token: &str,
    ) -> Result<Option<Registration>, Error> {
        if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        Ok(match &self.place_of {
            Where::Session(s) => {
                state
                    .store
                    .session_registrant_by_token(&s.id, token)
                    .await?
            }
            Where::Room(_) => state
                .store
                .registration_by_token(token)
                .await?
                .filter(|r| r.target == self.target && r.status == RegistrationStatus::Approved),
        })
    }

    /// Whether this request already carries an approved registration for here.
    pub async fn carries_registrant(&self, state: &AppState, headers: &HeaderMap) -> bool {
        match &self.place_of {
            Where::Session(s) => gate::session_registrant(state, s, headers).await.is_some(),
            Where::Room(r) => gate::room_registrant(state, r, headers).await.is_some(),
        }
    }
}
