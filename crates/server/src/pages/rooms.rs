//! "My rooms": create, list, rename and delete the rooms one owns.

use amphi_store::Room;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::signin::CsrfForm;
use super::{Ctx, NoticeQuery, Page, render, see_other};
use crate::auth::{CurrentLogin, csrf};
use crate::room_admin::create_room;
use crate::validate;
use crate::{AppState, Error};

/// A room as the list shows it.
pub struct RoomRow {
    pub name: String,
    pub slug: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "rooms.html")]
struct RoomsPage {
    page: Page,
    rooms: Vec<RoomRow>,
    name_value: String,
}

#[derive(Template)]
#[template(path = "room_rename.html")]
struct RenamePage {
    page: Page,
    slug: String,
    url: String,
    name_value: String,
}

#[derive(Template)]
#[template(path = "room_delete.html")]
struct DeletePage {
    page: Page,
    slug: String,
    url: String,
    name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NameForm {
    name: String,
    csrf: String,
}

fn room_url(state: &AppState, ctx: &Ctx, slug: &str) -> String {
    format!("{}/r/{slug}", state.base_url(&ctx.headers))
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<String>,
    name_value: &str,
) -> Result<Response, Error> {
    let rooms = state
        .store
        .rooms_owned_by(&login.user.id)
        .await?
        .into_iter()
        .map(|r| RoomRow {
            url: room_url(state, ctx, &r.slug),
            name: r.name,
            slug: r.slug,
        })
        .collect();
    let mut page = Page::new(ctx, ctx.t().rooms_title, Some(login))
        .current("rooms")
        .notice(notice);
    page.errors = errors;
    render(
        status,
        &RoomsPage {
            page,
            rooms,
            name_value: name_value.to_owned(),
        },
    )
}

/// `GET /rooms`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let notice = q.text(ctx.t());
    list_page(&state, &ctx, &login, StatusCode::OK, notice, Vec::new(), "").await
}

/// `POST /rooms`.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Form(form): Form<NameForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let name = match validate::room_name(&form.name) {
        Ok(name) => name,
        Err(invalid) => {
            let errors = vec![invalid.message(ctx.t()).to_owned()];
            let echo = validate::room_name_echo(&form.name);
            return list_page(
                &state,
                &ctx,
                &login,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                errors,
                &echo,
            )
            .await;
        }
    };
    let room = create_room(&state.store, &name, &login.user.id).await?;
    tracing::info!(room = %room.id, slug = %room.slug, "room created");
    Ok(see_other("/rooms?notice=room_created"))
}

/// The room at `slug` if `login` owns it: 404 if there is none, 403 if it is someone else's.
async fn owned_room(state: &AppState, login: &CurrentLogin, slug: &str) -> Result<Room, Error> {
    let room = state
        .store
        .room_by_slug(slug)
        .await?
        .ok_or(Error::NotFound)?;
    if room.owner_id != login.user.id {
        return Err(Error::Forbidden);
    }
    Ok(room)
}

fn rename_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    room: &Room,
    status: StatusCode,
    name_value: &str,
    errors: Vec<String>,
) -> Result<Response, Error> {
    let mut page = Page::new(ctx, ctx.t().rename_title, Some(login)).current("rooms");
    page.errors = errors;
    render(
        status,
        &RenamePage {
            page,
            slug: room.slug.clone(),
            url: room_url(state, ctx, &room.slug),
            name_value: name_value.to_owned(),
        },
    )
}

/// `GET /rooms/{slug}/rename`.
pub async fn rename_form(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let room = owned_room(&state, &login, &slug).await?;
    rename_page(
        &state,
        &ctx,
        &login,
        &room,
        StatusCode::OK,
        &room.name,
        Vec::new(),
    )
}

/// `POST /rooms/{slug}/rename`: the name changes, the slug (the URL) does not.
pub async fn rename(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<NameForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let room = owned_room(&state, &login, &slug).await?;
    match validate::room_name(&form.name) {
        Ok(name) => {
            state.store.rename_room(&room.id, &name).await?;
            tracing::info!(room = %room.id, "room renamed");
            Ok(see_other("/rooms?notice=room_renamed"))
        }
        Err(invalid) => {
            let echo = validate::room_name_echo(&form.name);
            rename_page(
                &state,
                &ctx,
                &login,
                &room,
                StatusCode::UNPROCESSABLE_ENTITY,
                &echo,
                vec![invalid.message(ctx.t()).to_owned()],
            )
        }
    }
}

/// `GET /rooms/{slug}/delete`: the confirmation page.
pub async fn delete_form(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let room = owned_room(&state, &login, &slug).await?;
    let page = Page::new(&ctx, ctx.t().delete_title, Some(&login)).current("rooms");
    render(
        StatusCode::OK,
        &DeletePage {
            page,
            slug: room.slug.clone(),
            url: room_url(&state, &ctx, &room.slug),
            name: room.name,
        },
    )
}

/// `POST /rooms/{slug}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let room = owned_room(&state, &login, &slug).await?;
    state.store.delete_room(&room.id).await?;
    tracing::info!(room = %room.id, slug = %room.slug, "room deleted");
    Ok(see_other("/rooms?notice=room_deleted"))
}
