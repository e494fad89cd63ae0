//! `GET /r/{slug}`: the page of a room, for everyone (the client builds the room in it).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{Ctx, render};
use crate::i18n::Strings;
use crate::slug::is_well_formed;
use crate::{AppState, Error};

/// `templates/room.html`: the shell of contract §2.
#[derive(Template)]
#[template(path = "room.html")]
struct RoomPage {
    lang: &'static str,
    t: &'static Strings,
    slug: String,
    name: String,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::auth::MaybeLogin(login): crate::auth::MaybeLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    if !is_well_formed(&slug) {
        return Err(Error::RoomNotFound);
    }
    let room = state
        .store
        .room_by_slug(&slug)
        .await?
        .ok_or(Error::RoomNotFound)?;
    // Registration (issue 6): without an approved one, the e-mail + registration ID form.
    let gate = crate::registration::gate_pages::room_page;
    if let Some(page) = gate(&state, &ctx, &room, login.as_ref()).await? {
        return Ok(page);
    }
    render(
        StatusCode::OK,
        &RoomPage {
            lang: ctx.lang.code(),
            t: ctx.t(),
            slug: room.slug,
            name: room.name,
        },
    )
}
