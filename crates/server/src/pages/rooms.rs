//! "My rooms": create rooms; list the rooms one owns or that are shared with one, with their
//! state and the actions one's access allows (open/close, join, copy the link, settings,
//! sharing, invitations, delete). Every action asks `room_admin::room_for`, which checks the one
//! permissions table (`amphi_room::may`).

use amphi_proto::Role;
use amphi_room::{Action, may};
use amphi_store::{Room, RoomAccess, ShareRole};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::signin::CsrfForm;
use super::{Ctx, NoticeQuery, Page, render, see_other};
use crate::auth::{CurrentLogin, csrf};
use crate::room_admin::{create_room, room_for, share_to_role};
use crate::validate;
use crate::{AppState, Error};

/// A room as the list shows it.
pub struct RoomRow {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub is_open: bool,
    pub waiting_room: bool,
    /// Shared with at least one user (the list shows the sharing icon).
    pub shared: bool,
    /// For a room shared with this user: their access, as a sentence; `None` for their own.
    pub access: Option<&'static str>,
    pub can_open_close: bool,
    pub can_manage: bool,
    pub can_invite: bool,
    pub can_delete: bool,
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

pub(crate) fn room_url(state: &AppState, ctx: &Ctx, slug: &str) -> String {
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
    let t = ctx.t();
    let rooms = state
        .store
        .rooms_visible_to(&login.user.id)
        .await?
        .into_iter()
        .map(|v| {
            let (role, access) = match v.access {
                RoomAccess::Owner => (Role::Owner, None),
                RoomAccess::Shared(share) => (
                    share_to_role(share),
                    Some(match share {
                        ShareRole::Manager => t.access_manager,
                        ShareRole::Moderator => t.access_moderator,
                    }),
                ),
            };
            RoomRow {
                url: room_url(state, ctx, &v.room.slug),
                is_open: v.room.is_open,
                waiting_room: v.room.waiting_room,
                shared: v.share_count > 0,
                access,
                can_open_close: may(role, Action::OpenClose),
                can_manage: may(role, Action::ManageRoom),
                can_invite: may(role, Action::Invite),
                can_delete: may(role, Action::DeleteRoom),
                name: v.room.name,
                slug: v.room.slug,
            }
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
    let notice = q.text(ctx.t()).or_else(|| list_notice(&q.notice, ctx.t()));
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

/// The notices of this list's own actions (after their redirect); only known keys.
fn list_notice(key: &str, t: &'static crate::i18n::Strings) -> Option<&'static str> {
    Some(match key {
        "room_opened" => t.room_opened,
        "room_closed" => t.room_closed,
        "settings_saved" => t.settings_saved,
        _ => return None,
    })
}

/// The room at `slug` if `login` may `action` it: 404 if there is none, 403 if not allowed.
async fn allowed_room(
    state: &AppState,
    login: &CurrentLogin,
    slug: &str,
    action: Action,
) -> Result<Room, Error> {
    Ok(room_for(&state.store, slug, &login.user.id, action)
        .await?
        .0)
}

/// How people in the room see who did something from the back office.
pub fn actor_name(login: &CurrentLogin) -> String {
    if login.user.display_name.is_empty() {
        login.user.email.clone()
    } else {
        login.user.display_name.clone()
    }
}

/// `POST /rooms/{slug}/open`: the store first, then the live room (people waiting get in).
pub async fn open(
    state: State<AppState>,
    login: CurrentLogin,
    slug: Path<String>,
    form: Form<CsrfForm>,
) -> Result<Response, Error> {
    set_open(state, login, slug, form, true).await
}

/// `POST /rooms/{slug}/close`: the store first, then the live room (its meeting ends).
pub async fn close(
    state: State<AppState>,
    login: CurrentLogin,
    slug: Path<String>,
    form: Form<CsrfForm>,
) -> Result<Response, Error> {
    set_open(state, login, slug, form, false).await
}

async fn set_open(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<CsrfForm>,
    open: bool,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let room = allowed_room(&state, &login, &slug, Action::OpenClose).await?;
    crate::room_admin::set_open(&state, &room, open, Some(actor_name(&login))).await?;
    tracing::info!(room = %room.id, open, "room opened or closed from the back office");
    Ok(see_other(if open {
        "/rooms?notice=room_opened"
    } else {
        "/rooms?notice=room_closed"
    }))
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
    let room = allowed_room(&state, &login, &slug, Action::ManageRoom).await?;
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
    let room = allowed_room(&state, &login, &slug, Action::ManageRoom).await?;
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
    let room = allowed_room(&state, &login, &slug, Action::DeleteRoom).await?;
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
    let room = allowed_room(&state, &login, &slug, Action::DeleteRoom).await?;
    crate::room_admin::delete_room(&state, &room).await?;
    Ok(see_other("/rooms?notice=room_deleted"))
}
