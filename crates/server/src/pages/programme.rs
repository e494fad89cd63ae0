//! Back office → Programme → Sessions (W1): the list of the sessions one organises (the
//! sessions held in rooms one owns or manages; administrators: all), with their status, live
//! state, room and time, and the sessions one is named on as speaker or moderator (with the
//! backstage link); deleting a session (with confirmation). Creating and editing are in
//! `programme_form.rs`, the staff in `programme_staff.rs`. Every action asks
//! `session_admin::may_manage`.

use amphi_store::{LiveState, Room, Session, SessionStatus, StaffRole};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::programme_time::slot_in_words;
use super::signin::CsrfForm;
use super::{Ctx, NoticeQuery, Page, render, see_other};
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::programme::ProgrammeStrings;
use crate::session_admin::{is_organiser, may_manage, session_at};
use crate::{AppState, Error};

/// A session as the back-office lists show it.
pub struct SessionRow {
    pub slug: String,
    pub title: String,
    pub when: String,
    pub room_name: String,
    pub published: bool,
    pub status: &'static str,
    /// `not_started` | `live` | `ended` (a CSS hook), and in words.
    pub live_key: &'static str,
    pub live: &'static str,
    /// For the "sessions you are named on" list.
    pub role: &'static str,
}

#[derive(Template)]
#[template(path = "programme_sessions.html")]
struct ListPage {
    page: Page,
    s: &'static ProgrammeStrings,
    managed: Vec<SessionRow>,
    staffed: Vec<SessionRow>,
    /// Whether the user has a room to hold a session in (else the page says how to get one).
    can_create: bool,
}

#[derive(Template)]
#[template(path = "programme_delete.html")]
struct DeletePage {
    page: Page,
    s: &'static ProgrammeStrings,
    slug: String,
    title: String,
    when: String,
}

pub fn live_key(state: LiveState) -> &'static str {
    state.as_str()
}

pub fn live_words(s: &ProgrammeStrings, state: LiveState) -> &'static str {
    match state {
        LiveState::NotStarted => s.live_not_started,
        LiveState::Live => s.live_live,
        LiveState::Ended => s.live_ended,
    }
}

/// The row of a session (`room_name` looked up by the caller).
pub fn row(s: &'static ProgrammeStrings, session: &Session, room_name: String) -> SessionRow {
    SessionRow {
        slug: session.slug.clone(),
        title: session.title.clone(),
        when: slot_in_words(s, session.starts_at, session.ends_at, &session.time_zone),
        room_name,
        published: session.status == SessionStatus::Published,
        status: match session.status {
            SessionStatus::Draft => s.status_draft,
            SessionStatus::Published => s.status_published,
        },
        live_key: live_key(session.live_state),
        live: live_words(s, session.live_state),
        role: "",
    }
}

/// The rooms `login` may hold sessions in: every room for an administrator, else the rooms
/// they own or manage (the organisers: `session_admin::organises`), oldest first.
pub async fn holdable_rooms(state: &AppState, login: &CurrentLogin) -> Result<Vec<Room>, Error> {
    if login.user.is_admin {
        return Ok(state.store.list_rooms().await?);
    }
    Ok(state
        .store
        .rooms_visible_to(&login.user.id)
        .await?
        .into_iter()
        .filter(|v| is_organiser(v.access))
        .map(|v| v.room)
        .collect())
}

/// The session at `slug` if `login` may manage it: 404 if there is none, 403 if not allowed.
pub async fn managed_session(
    state: &AppState,
    login: &CurrentLogin,
    slug: &str,
) -> Result<Session, Error> {
    let session = session_at(&state.store, slug).await?;
    if !may_manage(&state.store, &session, &login.user).await? {
        return Err(Error::Forbidden);
    }
    Ok(session)
}

/// This list's notices after the redirects of the programme's forms; only known keys.
fn notice(key: &str, s: &'static ProgrammeStrings) -> Option<&'static str> {
    Some(match key {
        "saved" => s.notice_saved,
        "deleted" => s.notice_deleted,
        _ => return None,
    })
}

/// `GET /programme/sessions`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let s = ProgrammeStrings::of(ctx.lang);
    let rooms = holdable_rooms(&state, &login).await?;
    let mut managed = Vec::new();
    if login.user.is_admin {
        let all_rooms = &rooms;
        for session in state.store.list_sessions().await? {
            let name = all_rooms
                .iter()
                .find(|r| r.id == session.room_id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            managed.push((session.starts_at, row(s, &session, name)));
        }
    } else {
        for room in &rooms {
            for session in state.store.sessions_of_room(&room.id).await? {
                managed.push((session.starts_at, row(s, &session, room.name.clone())));
            }
        }
    }
    managed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.slug.cmp(&b.1.slug)));
    let mut staffed = Vec::new();
    for (session, role) in state.store.sessions_staffed_by(&login.user.email).await? {
        let room_name = state
            .store
            .room_by_id(&session.room_id)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        let mut r = row(s, &session, room_name);
        r.role = s.role(role == StaffRole::Moderator);
        staffed.push(r);
    }
    let page = Page::new(&ctx, s.list_title, Some(&login))
        .current("programme")
        .notice(notice(&q.notice, s));
    render(
        StatusCode::OK,
        &ListPage {
            page,
            s,
            managed: managed.into_iter().map(|(_, r)| r).collect(),
            staffed,
            can_create: !rooms.is_empty(),
        },
    )
}

/// `GET /programme/sessions/{slug}/delete`: the confirmation page.
pub async fn delete_form(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let session = managed_session(&state, &login, &slug).await?;
    let s = ProgrammeStrings::of(ctx.lang);
    let page = Page::new(&ctx, s.delete_title, Some(&login)).current("programme");
    render(
        StatusCode::OK,
        &DeletePage {
            page,
            s,
            when: slot_in_words(s, session.starts_at, session.ends_at, &session.time_zone),
            slug: session.slug,
            title: session.title,
        },
    )
}

/// `POST /programme/sessions/{slug}/delete`: the store first, then the live (if it runs)
/// ends for everyone.
pub async fn delete(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let session = managed_session(&state, &login, &slug).await?;
    crate::session_admin::delete_session(&state, &session).await?;
    Ok(see_other("/programme/sessions?notice=deleted"))
}
