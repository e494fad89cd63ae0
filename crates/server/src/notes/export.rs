//! The notes' download (C5): `GET /r/{slug}/notes.md|.txt` and `/s/{slug}/notes.md|.txt`, for
//! those who may manage the notes (a room's owner, managers, moderators; a session's
//! moderators), signed in. Everyone in a meeting can also save the notes from the panel,
//! which writes its own converged copy (web/js/notes.js).

use amphi_proto::Role;
use amphi_room::{Action, may};
use amphi_store::CollabPlace;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::auth::login::MaybeLogin;
use crate::signaling::Place;
use crate::{AppState, Error};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/r/{slug}/notes.md", get(room_md))
        .route("/r/{slug}/notes.txt", get(room_txt))
        .route("/s/{slug}/notes.md", get(session_md))
        .route("/s/{slug}/notes.txt", get(session_txt))
}

/// The place at a URL, its store owner and the signed-in person's role there: [`Error::NotFound`]
/// for an unknown slug, [`Error::SignInRequired`] without a login, [`Error::Forbidden`] unless
/// the role may do `action`. Used by the notes and polls exports.
pub async fn organiser(
    state: &AppState,
    place: Place,
    login: MaybeLogin,
    action: Action,
    next: String,
) -> Result<(Place, CollabPlace, String), Error> {
    let Some(current) = login.0 else {
        return Err(Error::SignInRequired { next });
    };
    let (owner, role, name): (CollabPlace, Role, String) = match &place {
        Place::Room(slug) => {
            let room = state
                .store
                .room_by_slug(slug)
                .await?
                .ok_or(Error::NotFound)?;
            let role = crate::room_admin::role_of(&state.store, &room, &current.user.id).await?;
            (CollabPlace::Room(room.id.clone()), role, room.slug)
        }
        Place::Session(slug) => {
            let session = state
                .store
                .session_by_slug(slug)
                .await?
                .ok_or(Error::NotFound)?;
            let role =
                crate::session_admin::role_of(&state.store, &session, Some(&current.user)).await?;
            (CollabPlace::Session(session.id.clone()), role, session.slug)
        }
    };
    if !may(role, action) {
        return Err(Error::Forbidden);
    }
    Ok((place, owner, name))
}

async fn room_md(state: State<AppState>, slug: Path<String>, login: MaybeLogin) -> Response {
    export(state, Place::Room(slug.0), login, Format::Markdown).await
}
async fn room_txt(state: State<AppState>, slug: Path<String>, login: MaybeLogin) -> Response {
    export(state, Place::Room(slug.0), login, Format::Text).await
}
async fn session_md(state: State<AppState>, slug: Path<String>, login: MaybeLogin) -> Response {
    export(state, Place::Session(slug.0), login, Format::Markdown).await
}
async fn session_txt(state: State<AppState>, slug: Path<String>, login: MaybeLogin) -> Response {
    export(state, Place::Session(slug.0), login, Format::Text).await
}

#[derive(Clone, Copy)]
enum Format {
    Markdown,
    Text,
}

async fn export(
    State(state): State<AppState>,
    place: Place,
    login: MaybeLogin,
    format: Format,
) -> Response {
    let ext = match format {
        Format::Markdown => "md",
        Format::Text => "txt",
    };
    let next = match &place {
        Place::Room(slug) => format!("/r/{slug}/notes.{ext}"),
        Place::Session(slug) => format!("/s/{slug}/notes.{ext}"),
    };
    let (place, _, name) = match organiser(&state, place, login, Action::ManageNotes, next).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let text = match state.rooms.notes().text(&place).await {
        Ok(text) => text,
        Err(super::NotesError::Gone) => return Error::NotFound.into_response(),
        Err(e) => return Error::Internal(e.message()).into_response(),
    };
    let mime = match format {
        Format::Markdown => "text/markdown; charset=utf-8",
        Format::Text => "text/plain; charset=utf-8",
    };
    // The slug is [a-z0-9-] (slug.rs), safe inside a quoted file name.
    let disposition = format!("attachment; filename=\"notes-{name}.{ext}\"");
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
