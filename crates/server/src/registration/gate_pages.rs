//! The gate's pages (G3): the e-mail + registration ID form a session or room page shows in
//! place of itself when the visitor must register (`session_page`, `room_page`), its POST
//! (`/s/{slug}/registration/check`, `/r/{slug}/registration/check`; wrong IDs are throttled per
//! e-mail and per address, like sign-in), and the personal link (`/s/{slug}/join/{token}`,
//! `/r/{slug}/join/{token}`), which sets the cookie and goes to the page.

use std::time::Instant;

use amphi_proto::Role;
use amphi_store::{Room, Session};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::gate::{may_join_room, may_join_session, remember};
use super::mail::normalise_code;
use super::venue::Venue;
use crate::auth::csrf::{check_pre_login, pre_login_token};
use crate::auth::throttle::Key;
use crate::auth::{CurrentLogin, MaybeLogin};
use crate::i18n::registration::RegStrings;
use crate::pages::{Ctx, Page, render, see_other, with_cookie};
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "registration_gate.html")]
struct GatePage {
    page: Page,
    s: &'static RegStrings,
    action: String,
    register_href: String,
    csrf: String,
    email: String,
    email_error: Option<String>,
    code_error: Option<String>,
}

/// What the gate page says besides its form.
#[derive(Debug, Default)]
struct Refusal {
    email: String,
    email_error: Option<String>,
    code_error: Option<String>,
    general: Option<String>,
}

fn gate_page(
    state: &AppState,
    ctx: &Ctx,
    venue: &Venue,
    login: Option<&CurrentLogin>,
    status: StatusCode,
    refusal: Refusal,
) -> Result<Response, Error> {
    let s = RegStrings::of(ctx.lang);
    let (csrf, cookie) = pre_login_token(state, &ctx.headers);
    let mut page = Page::new(ctx, &format!("{}: {}", s.gate_title, venue.title()), login);
    page.errors = refusal.general.into_iter().collect();
    let response = render(
        status,
        &GatePage {
            page,
            s,
            action: format!("{}/registration/check", venue.path()),
            register_href: format!("{}/register", venue.path()),
            csrf,
            email: refusal.email,
            email_error: refusal.email_error,
            code_error: refusal.code_error,
        },
    )?;
    Ok(with_cookie(response, cookie))
}

/// For `GET /s/{slug}`: `None` lets the page show; else the gate page in its place.
pub async fn session_page(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    role: Role,
    login: Option<&CurrentLogin>,
) -> Result<Option<Response>, Error> {
    if may_join_session(state, session, role, &ctx.headers)
        .await?
        .lets_in()
    {
        return Ok(None);
    }
    let user = login.map(|l| &l.user);
    let venue = Venue::session(state, &session.slug, user).await?;
    let page = gate_page(
        state,
        ctx,
        &venue,
        login,
        StatusCode::OK,
        Refusal::default(),
    )?;
    Ok(Some(page))
}

/// For `GET /r/{slug}`: `None` lets the page show; else the gate page in its place.
pub async fn room_page(
    state: &AppState,
    ctx: &Ctx,
    room: &Room,
    login: Option<&CurrentLogin>,
) -> Result<Option<Response>, Error> {
    let role = match login {
        Some(l) => crate::room_admin::role_of(&state.store, room, &l.user.id).await?,
        None => Role::Participant,
    };
    if may_join_room(state, room, role, &ctx.headers)
        .await?
        .lets_in()
    {
        return Ok(None);
    }
    let venue = Venue::room(state, &room.slug).await?;
    let page = gate_page(
        state,
        ctx,
        &venue,
        login,
        StatusCode::OK,
        Refusal::default(),
    )?;
    Ok(Some(page))
}

/// `GET /s/{slug}/join/{token}`.
pub async fn join_session(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, Error> {
    let venue = Venue::session(&state, &slug, login.as_ref().map(|l| &l.user)).await?;
    join(&state, &ctx, &venue, login.as_ref(), &token).await
}

/// `GET /r/{slug}/join/{token}`.
pub async fn join_room(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, Error> {
    let venue = Venue::room(&state, &slug).await?;
    join(&state, &ctx, &venue, login.as_ref(), &token).await
}

async fn join(
    state: &AppState,
    ctx: &Ctx,
    venue: &Venue,
    login: Option<&CurrentLogin>,
    token: &str,
) -> Result<Response, Error> {
    match venue.registrant_by_token(state, token).await? {
        Some(r) => {
            tracing::info!(registration = %r.id, "personal link followed");
            let cookie = remember(state, &ctx.headers, &r.join_token);
            Ok(with_cookie(see_other(venue.path()), Some(cookie)))
        }
        None => {
            let s = RegStrings::of(ctx.lang);
            let refusal = Refusal {
                general: Some(s.link_invalid.to_owned()),
                ..Refusal::default()
            };
            gate_page(state, ctx, venue, login, StatusCode::NOT_FOUND, refusal)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckForm {
    email: String,
    code: String,
    csrf: String,
}

/// `POST /s/{slug}/registration/check`.
pub async fn check_session(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(slug): Path<String>,
    Form(form): Form<CheckForm>,
) -> Result<Response, Error> {
    check_pre_login(&ctx.headers, &form.csrf)?;
    let venue = Venue::session(&state, &slug, login.as_ref().map(|l| &l.user)).await?;
    check(&state, &ctx, &venue, login.as_ref(), &form).await
}

/// `POST /r/{slug}/registration/check`.
pub async fn check_room(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(slug): Path<String>,
    Form(form): Form<CheckForm>,
) -> Result<Response, Error> {
    check_pre_login(&ctx.headers, &form.csrf)?;
    let venue = Venue::room(&state, &slug).await?;
    check(&state, &ctx, &venue, login.as_ref(), &form).await
}

/// The e-mail + ID: throttled like a password (a failure counts before the look-up, a success
/// takes it back), then the cookie and the page, or the form again naming the field.
async fn check(
    state: &AppState,
    ctx: &Ctx,
    venue: &Venue,
    login: Option<&CurrentLogin>,
    form: &CheckForm,
) -> Result<Response, Error> {
    let s = RegStrings::of(ctx.lang);
    let typed_email: String = form.email.trim().chars().take(254).collect();
    let refuse = |status, refusal: Refusal| gate_page(state, ctx, venue, login, status, refusal);
    let Some(email) = crate::mail::valid_address(&typed_email) else {
        let refusal = Refusal {
            email_error: Some(s.err_bad_email.replace("{label}", s.email)),
            email: typed_email,
            ..Refusal::default()
        };
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, refusal);
    };
    let code = normalise_code(&form.code);
    let mut keys = vec![Key::Email(format!("registration:{email}"))];
    keys.extend(ctx.ip.map(Key::Ip));
    let attempt = match state.registration_gate.attempt(&keys, Instant::now()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::info!(ip = ?ctx.ip, "registration ID tries throttled");
            let secs = wait.as_secs_f64().ceil().max(1.0).to_string();
            let refusal = Refusal {
                general: Some(s.gate_throttled.replace("{secs}", &secs)),
                email: email.clone(),
                ..Refusal::default()
            };
            let mut page = refuse(StatusCode::TOO_MANY_REQUESTS, refusal)?;
            if let Ok(v) = axum::http::HeaderValue::from_str(&secs) {
                page.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            return Ok(page);
        }
    };
    let found = if code.is_empty() {
        None
    } else {
        venue.registrant_by_code(state, &email, &code).await?
    };
    match found {
        Some(r) => {
            state.registration_gate.succeeded(attempt);
            tracing::info!(registration = %r.id, "registrant entered with e-mail and ID");
            let cookie = remember(state, &ctx.headers, &r.join_token);
            Ok(with_cookie(see_other(venue.path()), Some(cookie)))
        }
        None => {
            drop(attempt);
            tracing::info!(ip = ?ctx.ip, "wrong registration ID");
            let refusal = Refusal {
                code_error: Some(s.gate_wrong.to_owned()),
                email,
                ..Refusal::default()
            };
            refuse(StatusCode::UNPROCESSABLE_ENTITY, refusal)
        }
    }
}
