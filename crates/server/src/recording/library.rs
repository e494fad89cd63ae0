//! Back office → Recordings (V8): `GET /recordings` lists the recordings of the rooms and
//! sessions the user runs (administrators: all) with duration, size, date, state and progress;
//! `GET /recordings/status` is the same list as JSON, which the page polls so progress moves
//! without a reload. Rename, visibility and delete (with a confirmation page) are forms; the
//! share link is copied by `backoffice.js`'s copy buttons.

use std::collections::HashMap;

use amphi_room::{Action, may};
use amphi_store::{Recording, RecordingState, RoomId, SessionId, StaffRole, Visibility};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};

use super::access::{may_manage, recording_at};
use super::pages::{self as view, Place};
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::recording::RecordingStrings;
use crate::pages::{Ctx, Page, render, see_other};
use crate::{AppState, Error};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// One line of the library.
pub struct Line {
    pub id: String,
    pub title: String,
    pub place: String,
    pub date: String,
    pub duration: String,
    pub size: String,
    pub state: &'static str,
    pub state_label: String,
    pub progress: u8,
    pub visibility: &'static str,
    pub ready: bool,
    pub recording: bool,
    pub share_url: String,
}

#[derive(Template)]
#[template(path = "recordings.html")]
struct LibraryPage {
    page: Page,
    s: &'static RecordingStrings,
    lines: Vec<Line>,
    /// Where an upload may go: (`room:<slug>` or `session:<slug>`, label).
    places: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "recordings_rename.html")]
struct RenamePage {
    page: Page,
    s: &'static RecordingStrings,
    id: String,
    title: String,
}

#[derive(Template)]
#[template(path = "recordings_delete.html")]
struct DeletePage {
    page: Page,
    s: &'static RecordingStrings,
    id: String,
    title: String,
}

/// The recordings `login` manages, newest first, with where each was made.
pub async fn managed(
    state: &AppState,
    login: &CurrentLogin,
) -> Result<Vec<(Recording, Place)>, Error> {
    managed_by(state, &login.user).await
}

/// The recordings `user` manages (the library's and the API's list), newest first.
pub async fn managed_by(
    state: &AppState,
    user: &amphi_store::User,
) -> Result<Vec<(Recording, Place)>, Error> {
    let store = &state.store;
    let mut found: Vec<Recording> = Vec::new();
    if user.is_admin {
        for s in [
            RecordingState::Recording,
            RecordingState::Processing,
            RecordingState::Ready,
            RecordingState::Failed,
        ] {
            found.extend(store.recordings_in_state(s).await?);
        }
    } else {
        for visible in store.rooms_visible_to(&user.id).await? {
            let role = crate::room_admin::role_of(store, &visible.room, &user.id).await?;
            if may(role, Action::Record) {
                found.extend(store.room_recordings(&visible.room.id).await?);
            }
        }
        for (session, role) in store.sessions_staffed_by(&user.email).await? {
            if role == StaffRole::Moderator {
                found.extend(store.session_recordings(&session.id).await?);
            }
        }
    }
    found.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(a.id.cmp(&b.id)));
    found.dedup_by(|a, b| a.id == b.id);
    let mut rooms: HashMap<RoomId, String> = HashMap::new();
    let mut sessions: HashMap<SessionId, String> = HashMap::new();
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        let place = match &r.session_id {
            Some(id) => {
                if !sessions.contains_key(id) {
                    let title = store.session_by_id(id).await?.map(|s| s.title);
                    sessions.insert(id.clone(), title.unwrap_or_default());
                }
                Place::Session(sessions.get(id).cloned().unwrap_or_default())
            }
            None => {
                if !rooms.contains_key(&r.room_id) {
                    let name = store.room_by_id(&r.room_id).await?.map(|r| r.name);
                    rooms.insert(r.room_id.clone(), name.unwrap_or_default());
                }
                Place::Room(rooms.get(&r.room_id).cloned().unwrap_or_default())
            }
        };
        out.push((r, place));
    }
    Ok(out)
}

fn line(s: &RecordingStrings, base: &str, r: &Recording, place: &Place) -> Line {
    Line {
        id: r.id.as_str().to_owned(),
        title: r.title.clone(),
        place: place.label(s),
        date: view::date(r.started_at),
        duration: r.duration_ms.map(view::duration).unwrap_or_default(),
        size: r.bytes.map(view::size).unwrap_or_default(),
        state: r.state.as_str(),
        state_label: view::state_label(s, r),
        progress: r.progress,
        visibility: r.visibility.as_str(),
        ready: r.state == RecordingState::Ready,
        recording: r.state == RecordingState::Recording,
        share_url: format!("{base}/replays/{}", r.id.as_str()),
    }
}

/// `GET /recordings`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let notice = q.text(RecordingStrings::of(ctx.lang));
    library_page(&state, &ctx, &login, StatusCode::OK, notice, Vec::new()).await
}

async fn library_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<String>,
) -> Result<Response, Error> {
    let s = RecordingStrings::of(ctx.lang);
    let base = state.base_url(&ctx.headers);
    let lines = managed(state, login)
        .await?
        .iter()
        .map(|(r, place)| line(s, &base, r, place))
        .collect();
    let places = super::upload::places(state, login, s).await?;
    let mut page = Page::new(ctx, s.library_title, Some(login))
        .current("recordings")
        .notice(notice);
    page.errors = errors;
    render(
        status,
        &LibraryPage {
            page,
            s,
            lines,
            places,
        },
    )
}

/// One recording's state for the library's polling.
#[derive(Serialize)]
pub struct StatusLine {
    id: String,
    state: &'static str,
    state_label: String,
    progress: u8,
    duration: String,
    size: String,
}

/// `GET /recordings/status`: the library's lines' states, as JSON.
pub async fn status(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
) -> Result<Response, Error> {
    let s = RecordingStrings::of(ctx.lang);
    let lines: Vec<StatusLine> = managed(&state, &login)
        .await?
        .iter()
        .map(|(r, _)| StatusLine {
            id: r.id.as_str().to_owned(),
            state: r.state.as_str(),
            state_label: view::state_label(s, r),
            progress: r.progress,
            duration: r.duration_ms.map(view::duration).unwrap_or_default(),
            size: r.bytes.map(view::size).unwrap_or_default(),
        })
        .collect();
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(lines),
    )
        .into_response())
}

/// The `?notice=` after a library action: known keys only.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

impl NoticeQuery {
    fn text(&self, s: &'static RecordingStrings) -> Option<&'static str> {
        Some(match self.notice.as_str() {
            "renamed" => s.notice_renamed,
            "deleted" => s.notice_deleted,
            "visibility" => s.notice_visibility,
            _ => return None,
        })
    }
}

/// The recording at `id` if `login` manages it: 404 if there is none, 403 if not theirs.
async fn managed_one(state: &AppState, login: &CurrentLogin, id: &str) -> Result<Recording, Error> {
    let recording = recording_at(state, id).await?;
    if !may_manage(state, &login.user, &recording).await? {
        return Err(Error::Forbidden);
    }
    Ok(recording)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TitleForm {
    title: String,
    csrf: String,
}

/// `GET /recordings/{id}/rename`.
pub async fn rename_form(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let r = managed_one(&state, &login, &id).await?;
    rename_page(
        &ctx,
        &login,
        StatusCode::OK,
        r.id.as_str(),
        r.title,
        Vec::new(),
    )
}

fn rename_page(
    ctx: &Ctx,
    login: &CurrentLogin,
    status: StatusCode,
    id: &str,
    title: String,
    errors: Vec<String>,
) -> Result<Response, Error> {
    let s = RecordingStrings::of(ctx.lang);
    let mut page = Page::new(ctx, s.rename_title, Some(login)).current("recordings");
    page.errors = errors;
    let id = id.to_owned();
    render(status, &RenamePage { page, s, id, title })
}

/// `POST /recordings/{id}/rename`.
pub async fn rename(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(id): Path<String>,
    Form(form): Form<TitleForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let r = managed_one(&state, &login, &id).await?;
    let s = RecordingStrings::of(ctx.lang);
    let title = form.title.trim();
    let error = if title.is_empty() {
        Some(s.err_title_empty)
    } else if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        Some(s.err_title_long)
    } else {
        None
    };
    if let Some(error) = error {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        let (id, title) = (r.id.as_str(), form.title.clone());
        return rename_page(&ctx, &login, status, id, title, vec![error.to_owned()]);
    }
    state.store.rename_recording(&r.id, title).await?;
    Ok(see_other("/recordings?notice=renamed"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VisibilityForm {
    visibility: String,
    csrf: String,
}

/// `POST /recordings/{id}/visibility`.
pub async fn set_visibility(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(id): Path<String>,
    Form(form): Form<VisibilityForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let r = managed_one(&state, &login, &id).await?;
    let Some(visibility) = Visibility::parse(&form.visibility) else {
        let error = RecordingStrings::of(ctx.lang).err_visibility.to_owned();
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return library_page(&state, &ctx, &login, status, None, vec![error]).await;
    };
    state
        .store
        .set_recording_visibility(&r.id, visibility)
        .await?;
    Ok(see_other("/recordings?notice=visibility"))
}

/// `GET /recordings/{id}/delete`: the confirmation.
pub async fn delete_form(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let r = managed_one(&state, &login, &id).await?;
    let s = RecordingStrings::of(ctx.lang);
    let page = Page::new(&ctx, s.delete_title, Some(&login)).current("recordings");
    render(
        StatusCode::OK,
        &DeletePage {
            page,
            s,
            id: r.id.as_str().to_owned(),
            title: r.title,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /recordings/{id}/delete`: a running recording is stopped first; then the row (its
/// jobs cascade) and the files.
pub async fn delete(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let r = managed_one(&state, &login, &id).await?;
    super::pages::delete_recording(&state, &r).await?;
    Ok(see_other("/recordings?notice=deleted"))
}
