//! Sharing a room (R7, C10): the owner and managers (`Action::ManageRoom`, "re-share") give
//! existing users the manager or moderator access, change it, or take it back. Refused (with a
//! message, nothing stored): an unknown e-mail, one's own, the owner's, a disabled account's.

use amphi_room::Action;
use amphi_store::{Room, ShareRole, UserId};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::rooms::room_url;
use super::signin::CsrfForm;
use super::{Ctx, NoticeQuery, Page, encode_query, render, see_other};
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::Strings;
use crate::room_admin::room_for;
use crate::{AppState, Error};

/// One share as the page lists it.
pub struct ShareRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub is_manager: bool,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "room_share.html")]
struct SharePage {
    page: Page,
    slug: String,
    url: String,
    room_name: String,
    owner_email: String,
    owner_name: String,
    shares: Vec<ShareRow>,
    email_value: String,
    role_value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShareForm {
    email: String,
    role: String,
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    role: String,
    csrf: String,
}

/// This page's notices after its redirects; only known keys.
fn notice(key: &str, t: &'static Strings) -> Option<&'static str> {
    Some(match key {
        "share_added" => t.share_added,
        "share_changed" => t.share_changed,
        "share_removed" => t.share_removed,
        _ => return None,
    })
}

fn back_to(room: &Room, notice: &str) -> Response {
    see_other(&format!(
        "/rooms/{}/share?notice={notice}",
        encode_query(&room.slug)
    ))
}

#[allow(clippy::too_many_arguments)] // one page, its parts
async fn share_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    room: &Room,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<String>,
    (email_value, role_value): (&str, &str),
) -> Result<Response, Error> {
    let owner = state.store.user_by_id(&room.owner_id).await?;
    let shares = state
        .store
        .room_shares(&room.id)
        .await?
        .into_iter()
        .map(|s| ShareRow {
            is_self: s.user.id == login.user.id,
            user_id: s.user.id.as_str().to_owned(),
            email: s.user.email,
            name: s.user.display_name,
            is_manager: s.role == ShareRole::Manager,
        })
        .collect();
    let mut page = Page::new(ctx, ctx.t().share_title, Some(login))
        .current("rooms")
        .notice(notice);
    page.errors = errors;
    render(
        status,
        &SharePage {
            page,
            slug: room.slug.clone(),
            url: room_url(state, ctx, &room.slug),
            room_name: room.name.clone(),
            owner_email: owner.as_ref().map(|u| u.email.clone()).unwrap_or_default(),
            owner_name: owner.map(|u| u.display_name).unwrap_or_default(),
            shares,
            email_value: email_value.to_owned(),
            role_value: role_value.to_owned(),
        },
    )
}

/// `GET /rooms/{slug}/share`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let (room, _) = room_for(&state.store, &slug, &login.user.id, Action::ManageRoom).await?;
    let notice = notice(&q.notice, ctx.t());
    share_page(
        &state,
        &ctx,
        &login,
        &room,
        StatusCode::OK,
        notice,
        Vec::new(),
        ("", "moderator"),
    )
    .await
}

/// Why a share by e-mail is refused.
enum Refusal {
    UnknownEmail,
    OwnEmail,
    Owner,
    Disabled,
    Role,
}

impl Refusal {
    fn message(&self, t: &'static Strings) -> &'static str {
        match self {
            Refusal::UnknownEmail => t.err_share_unknown,
            Refusal::OwnEmail => t.err_share_self,
            Refusal::Owner => t.err_share_owner,
            Refusal::Disabled => t.err_share_disabled,
            Refusal::Role => t.err_share_role,
        }
    }
}

/// `POST /rooms/{slug}/share`: shares with the user of that e-mail, or changes their access.
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<ShareForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let (room, _) = room_for(&state.store, &slug, &login.user.id, Action::ManageRoom).await?;
    let email = form.email.trim();
    let refusal = match ShareRole::parse(&form.role) {
        None => Err(Refusal::Role),
        Some(role) => match state.store.user_by_email(email).await? {
            _ if email.is_empty() => Err(Refusal::UnknownEmail),
            None => Err(Refusal::UnknownEmail),
            Some(user) if user.id == login.user.id => Err(Refusal::OwnEmail),
            Some(user) if user.id == room.owner_id => Err(Refusal::Owner),
            Some(user) if user.disabled => Err(Refusal::Disabled),
            Some(user) => Ok((user, role)),
        },
    };
    let (user, role) = match refusal {
        Ok(found) => found,
        Err(refusal) => {
            // Echo what was typed (bounded), escaped by the template.
            let echo: String = email.chars().take(254).collect();
            let role = if form.role == "manager" {
                "manager"
            } else {
                "moderator"
            };
            return share_page(
                &state,
                &ctx,
                &login,
                &room,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                vec![refusal.message(ctx.t()).to_owned()],
                (&echo, role),
            )
            .await;
        }
    };
    let existed = state.store.share_role(&room.id, &user.id).await?.is_some();
    state.store.share_room(&room.id, &user.id, role).await?;
    tracing::info!(room = %room.id, user = %user.id, role = role.as_str(), "room shared");
    Ok(back_to(
        &room,
        if existed {
            "share_changed"
        } else {
            "share_added"
        },
    ))
}

/// `POST /rooms/{slug}/share/{user_id}`: changes an existing share's access.
pub async fn change(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path((slug, user_id)): Path<(String, String)>,
    Form(form): Form<RoleForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let (room, _) = room_for(&state.store, &slug, &login.user.id, Action::ManageRoom).await?;
    let user_id = UserId::new(user_id);
    let role = ShareRole::parse(&form.role).ok_or(Error::NotFound)?;
    // Only an existing share changes here (one conditional UPDATE): a share removed meanwhile
    // stays removed.
    match state.store.set_share_role(&room.id, &user_id, role).await {
        Ok(()) => {}
        Err(amphi_store::StoreError::NotFound) => return Err(Error::NotFound),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(room = %room.id, user = %user_id, role = role.as_str(), "room share changed");
    Ok(back_to(&room, "share_changed"))
}

/// `POST /rooms/{slug}/share/{user_id}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path((slug, user_id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let (room, _) = room_for(&state.store, &slug, &login.user.id, Action::ManageRoom).await?;
    let user_id = UserId::new(user_id);
    match state.store.unshare_room(&room.id, &user_id).await {
        Ok(()) => {}
        Err(amphi_store::StoreError::NotFound) => return Err(Error::NotFound),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(room = %room.id, user = %user_id, "room share removed");
    // A manager who removed their own access can no longer see this page.
    if user_id == login.user.id {
        return Ok(see_other("/rooms"));
    }
    Ok(back_to(&room, "share_removed"))
}
