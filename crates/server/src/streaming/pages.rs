//! The stream settings (S1) of a room (owner and managers: `Action::ManageRoom`) or of a
//! session (its organisers and administrators), and the states the room list polls.
//!
//! - `GET|POST /rooms/{slug}/stream`, `POST /rooms/{slug}/stream/remove`
//! - `GET|POST /programme/sessions/{slug}/stream`, `POST .../stream/remove`
//! - `GET /rooms/streams.json`: the stream state of each room the user sees that streams.
//!
//! The key is shown masked (its last 4 characters) and never echoed, not even when the form
//! is refused; an empty key field keeps the stored key.

use amphi_proto::StreamInfo;
use amphi_room::Action;
use amphi_store::{StreamKey, StreamTarget};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};

use super::target::{TargetProblem, check_key, check_url};
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::stream::StreamStrings;
use crate::pages::{Ctx, Page, render, see_other};
use crate::signaling::Place;
use crate::{AppState, Error};

pub fn routes() -> Router<AppState> {
    let mut router = Router::new().route("/rooms/streams.json", get(states));
    for (base, kind) in [
        ("/rooms/{slug}/stream", Kind::Room),
        ("/programme/sessions/{slug}/stream", Kind::Session),
    ] {
        router = router
            .route(
                base,
                get(move |s, c, l, p, q| show_of(kind, s, c, l, p, q))
                    .post(move |s, c, l, p, f| save_of(kind, s, c, l, p, f)),
            )
            .route(
                &format!("{base}/remove"),
                post(move |s, l, p, f| remove_of(kind, s, l, p, f)),
            );
    }
    router
}

/// What streams, once the user's right to manage it is checked.
struct Owner {
    target: StreamTarget,
    place: Place,
    /// The room's or session's name, for the title.
    name: String,
    /// This page's path, and where "Back" goes.
    path: String,
    back: String,
}

async fn room_owner(state: &AppState, slug: &str, login: &CurrentLogin) -> Result<Owner, Error> {
    let (room, _) =
        crate::room_admin::room_for(&state.store, slug, &login.user.id, Action::ManageRoom).await?;
    Ok(Owner {
        target: StreamTarget::Room(room.id.clone()),
        place: Place::Room(room.slug.clone()),
        name: room.name,
        path: format!("/rooms/{}/stream", room.slug),
        back: format!("/rooms/{}/settings", room.slug),
    })
}

async fn session_owner(state: &AppState, slug: &str, login: &CurrentLogin) -> Result<Owner, Error> {
    let session = crate::session_admin::session_at(&state.store, slug).await?;
    if !crate::session_admin::may_manage(&state.store, &session, &login.user).await? {
        return Err(Error::Forbidden);
    }
    Ok(Owner {
        target: StreamTarget::Session(session.id.clone()),
        place: Place::Session(session.slug.clone()),
        name: session.title,
        path: format!("/programme/sessions/{}/stream", session.slug),
        back: format!("/programme/sessions/{}/edit", session.slug),
    })
}

#[derive(Template)]
#[template(path = "stream_settings.html")]
struct SettingsPage {
    page: Page,
    s: &'static StreamStrings,
    path: String,
    back: String,
    url_value: String,
    url_invalid: bool,
    key_invalid: bool,
    /// The stored key, masked; `None`: nothing stored.
    key_masked: Option<String>,
    /// The state word and class, when the room or live runs.
    state_word: Option<&'static str>,
    state_class: &'static str,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    rtmp_url: String,
    stream_key: String,
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

fn problem_text(s: &StreamStrings, problem: TargetProblem) -> &'static str {
    match problem {
        TargetProblem::UrlEmpty => s.err_url_empty,
        TargetProblem::UrlScheme => s.err_url_scheme,
        TargetProblem::UrlMalformed => s.err_url_malformed,
        TargetProblem::KeyEmpty => s.err_key_empty,
        TargetProblem::KeyMalformed => s.err_key_malformed,
    }
}

#[allow(clippy::too_many_arguments)] // one page, its parts
async fn page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    owner: &Owner,
    status: StatusCode,
    url_value: Option<String>,
    errors: Vec<String>,
    (url_invalid, key_invalid): (bool, bool),
    notice: Option<&'static str>,
) -> Result<Response, Error> {
    let s = StreamStrings::of(ctx.lang);
    let stored = state.store.stream_settings(&owner.target).await?;
    let mut page = Page::new(ctx, &format!("{} — {}", s.title, owner.name), Some(login))
        .current("rooms")
        .notice(notice);
    page.errors = errors;
    let live = state.rooms.streams().state(&owner.place);
    render(
        status,
        &SettingsPage {
            page,
            s,
            path: owner.path.clone(),
            back: owner.back.clone(),
            url_value: url_value
                .or_else(|| stored.as_ref().map(|st| st.rtmp_url.clone()))
                .unwrap_or_default(),
            url_invalid,
            key_invalid,
            key_masked: stored.as_ref().map(|st| st.key.masked()),
            state_word: live.as_ref().map(|i| s.state(i.state)),
            state_class: live.as_ref().map_or("", |i| state_class(i)),
        },
    )
}

fn state_class(info: &StreamInfo) -> &'static str {
    use amphi_proto::StreamState::*;
    match info.state {
        Starting | Retrying => "stream-pending",
        Live => "stream-live",
        Stopped => "stream-stopped",
        Failed => "stream-failed",
    }
}

async fn show(
    state: AppState,
    ctx: Ctx,
    login: CurrentLogin,
    owner: Owner,
    query: NoticeQuery,
) -> Result<Response, Error> {
    let s = StreamStrings::of(ctx.lang);
    let notice = match query.notice.as_str() {
        "saved" => Some(s.saved),
        "removed" => Some(s.removed),
        _ => None,
    };
    page(
        &state,
        &ctx,
        &login,
        &owner,
        StatusCode::OK,
        None,
        Vec::new(),
        (false, false),
        notice,
    )
    .await
}

/// Every field is checked before anything is written; the typed key is never sent back.
async fn save(
    state: AppState,
    ctx: Ctx,
    login: CurrentLogin,
    owner: Owner,
    form: SettingsForm,
) -> Result<Response, Error> {
    let s = StreamStrings::of(ctx.lang);
    let stored = state.store.stream_settings(&owner.target).await?;
    let url = check_url(&form.rtmp_url);
    // An empty key keeps the stored one.
    let key = match (form.stream_key.trim().is_empty(), &stored) {
        (true, Some(stored)) => Ok(stored.key.expose().to_owned()),
        _ => check_key(&form.stream_key),
    };
    let (url, key) = match (url, key) {
        (Ok(url), Ok(key)) => (url, key),
        (url, key) => {
            let errors = [url.as_ref().err(), key.as_ref().err()]
                .into_iter()
                .flatten()
                .map(|p| problem_text(s, *p).to_owned())
                .collect();
            let typed: String = form.rtmp_url.trim().chars().take(500).collect();
            return page(
                &state,
                &ctx,
                &login,
                &owner,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(typed),
                errors,
                (url.is_err(), key.is_err()),
                None,
            )
            .await;
        }
    };
    state
        .store
        .set_stream_settings(&owner.target, &url, &StreamKey::new(key))
        .await?;
    state.rooms.streams().settings_changed(&owner.place);
    tracing::info!(place = ?owner.place, "stream settings saved");
    Ok(see_other(&format!("{}?notice=saved", owner.path)))
}

async fn remove(state: AppState, owner: Owner) -> Result<Response, Error> {
    state.store.delete_stream_settings(&owner.target).await?;
    state.rooms.streams().settings_changed(&owner.place);
    tracing::info!(place = ?owner.place, "stream settings removed");
    Ok(see_other(&format!("{}?notice=removed", owner.path)))
}

/// Whose settings a path names.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Room,
    Session,
}

async fn owner(
    state: &AppState,
    kind: Kind,
    slug: &str,
    login: &CurrentLogin,
) -> Result<Owner, Error> {
    match kind {
        Kind::Room => room_owner(state, slug, login).await,
        Kind::Session => session_owner(state, slug, login).await,
    }
}

/// `GET .../stream`.
async fn show_of(
    kind: Kind,
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let owner = owner(&state, kind, &slug, &login).await?;
    show(state, ctx, login, owner, query).await
}

/// `POST .../stream`.
async fn save_of(
    kind: Kind,
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let owner = owner(&state, kind, &slug, &login).await?;
    save(state, ctx, login, owner, form).await
}

/// `POST .../stream/remove`.
async fn remove_of(
    kind: Kind,
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let owner = owner(&state, kind, &slug, &login).await?;
    remove(state, owner).await
}

/// One room's stream in `/rooms/streams.json`.
#[derive(Debug, Serialize)]
struct RoomStream {
    slug: String,
    /// starting, live, stopped, failed or retrying.
    state: amphi_proto::StreamState,
    /// The state in the user's language, with its label ("Stream: live").
    label: String,
}

#[derive(Debug, Serialize)]
struct RoomStreams {
    rooms: Vec<RoomStream>,
}

/// `GET /rooms/streams.json`: each room the user sees that streams, with its state (a room
/// that is not running is `stopped`). The room list polls it to update its badges.
async fn states(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
) -> Result<Response, Error> {
    let s = StreamStrings::of(ctx.lang);
    let mut rooms = Vec::new();
    for visible in state.store.rooms_visible_to(&login.user.id).await? {
        let room = visible.room;
        let target = StreamTarget::Room(room.id.clone());
        if state.store.stream_settings(&target).await?.is_none() {
            continue;
        }
        let info = state
            .rooms
            .streams()
            .state(&Place::Room(room.slug.clone()))
            .unwrap_or_else(StreamInfo::stopped);
        rooms.push(RoomStream {
            label: format!("{} {}", s.state_label, s.state(info.state)),
            slug: room.slug,
            state: info.state,
        });
    }
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(RoomStreams { rooms }),
    )
        .into_response())
}
