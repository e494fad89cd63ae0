//! Who may do what with a recording: the one place the library, the replay page, the files and
//! the upload ask.
//!
//! - *Manage* (rename, visibility, delete, see it in the library): an administrator, the
//!   room's owner, managers and moderators, or a session's moderators (named staff or
//!   organisers: `session_admin::role_of`).
//! - *Staff* (watch whatever the visibility): those, plus a session's speakers.
//! - *Watch*: staff always; then by visibility: `private` nobody else, `registrants` the
//!   session's (or room's) approved registrants (REGWEB's gate cookie), `public` anyone.

use amphi_proto::Role;
use amphi_room::{Action, may};
use amphi_store::{Recording, RecordingState, Session, User, Visibility};
use axum::http::HeaderMap;

use crate::session_admin;
use crate::{AppState, Error};

/// How someone relates to a recording's room or session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// May rename, change visibility, delete.
    Manager,
    /// May watch whatever the visibility (a session's speaker).
    Staff,
    /// Neither: the visibility decides.
    Outsider,
}

/// The answer for a visitor who may not watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not signed in: the sign-in page, back here afterwards.
    SignIn,
    /// A registrants-only replay: register (or give one's ID) on this page first.
    Register(String),
    /// Signed in, not allowed: 403 (the replay's existence is not hidden from them: they
    /// have its link).
    Forbidden,
}

/// `user`'s standing on the recording's room and session.
pub async fn standing(
    state: &AppState,
    user: &User,
    recording: &Recording,
) -> Result<Standing, Error> {
    if user.is_admin {
        return Ok(Standing::Manager);
    }
    if let Some(room) = state.store.room_by_id(&recording.room_id).await? {
        let role = crate::room_admin::role_of(&state.store, &room, &user.id).await?;
        if may(role, Action::Record) {
            return Ok(Standing::Manager);
        }
    }
    if let Some(session) = session_of(state, recording).await? {
        match session_admin::role_of(&state.store, &session, Some(user)).await? {
            Role::Moderator => return Ok(Standing::Manager),
            Role::Speaker => return Ok(Standing::Staff),
            _ => {}
        }
    }
    Ok(Standing::Outsider)
}

/// Whether `user` manages the recording (the library's actions).
pub async fn may_manage(
    state: &AppState,
    user: &User,
    recording: &Recording,
) -> Result<bool, Error> {
    Ok(standing(state, user, recording).await? == Standing::Manager)
}

/// Whether this visitor may watch (and download) the recording; `Err(Refused)` says what to
/// answer otherwise. A recording not ready yet is watched the same way (its page says it is
/// being prepared).
pub async fn may_watch(
    state: &AppState,
    user: Option<&User>,
    headers: &HeaderMap,
    recording: &Recording,
) -> Result<Result<(), Refused>, Error> {
    if let Some(user) = user
        && standing(state, user, recording).await? != Standing::Outsider
    {
        return Ok(Ok(()));
    }
    match recording.visibility {
        Visibility::Public => return Ok(Ok(())),
        Visibility::Registrants => {
            if is_registrant(state, headers, recording).await? {
                return Ok(Ok(()));
            }
            if let Some(place) = registration_page(state, recording).await? {
                return Ok(Err(Refused::Register(place)));
            }
        }
        Visibility::Private => {}
    }
    Ok(Err(if user.is_some() {
        Refused::Forbidden
    } else {
        Refused::SignIn
    }))
}

/// Whether the request carries an approved registration of the recording's session (or, for
/// a room's recording, of its room).
async fn is_registrant(
    state: &AppState,
    headers: &HeaderMap,
    recording: &Recording,
) -> Result<bool, Error> {
    if let Some(session) = session_of(state, recording).await? {
        return Ok(
            crate::registration::gate::session_registrant(state, &session, headers)
                .await
                .is_some(),
        );
    }
    Ok(match state.store.room_by_id(&recording.room_id).await? {
        Some(room) => crate::registration::gate::room_registrant(state, &room, headers)
            .await
            .is_some(),
        None => false,
    })
}

/// The page where one registers or gives one's registration ID: the session's or the room's.
async fn registration_page(
    state: &AppState,
    recording: &Recording,
) -> Result<Option<String>, Error> {
    if let Some(session) = session_of(state, recording).await? {
        return Ok(Some(format!("/s/{}", session.slug)));
    }
    Ok(state
        .store
        .room_by_id(&recording.room_id)
        .await?
        .map(|room| format!("/r/{}", room.slug)))
}

/// The session a recording belongs to, if any (and still there).
pub async fn session_of(state: &AppState, recording: &Recording) -> Result<Option<Session>, Error> {
    match &recording.session_id {
        Some(id) => Ok(state.store.session_by_id(id).await?),
        None => Ok(None),
    }
}

/// Whether the replay file can be served.
pub fn is_playable(recording: &Recording) -> bool {
    recording.state == RecordingState::Ready
}

/// A recording id from a URL is used as a path component only if it looks like one of ours.
pub fn plausible_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The recording at `id` (a malformed id is not looked up): [`Error::NotFound`] if none.
pub async fn recording_at(state: &AppState, id: &str) -> Result<Recording, Error> {
    if !plausible_id(id) {
        return Err(Error::NotFound);
    }
    state
        .store
        .recording(&amphi_store::RecordingId::new(id))
        .await?
        .ok_or(Error::NotFound)
}
