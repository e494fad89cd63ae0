//! Replays (W6, V5): `GET /replays/{id}` (the replay page: "being prepared" with progress,
//! then the player, no reload: `web/js/replay.js` polls `GET /replays/{id}/status`),
//! `GET /replays/{id}/video` (the MP4, inline, with Range so phones seek),
//! `GET /recordings/{id}/download` (the same file as an attachment), and
//! `GET /s/{slug}/replay` (the session page's latest replay this visitor may watch, JSON).
//! Who may watch: [`super::access::may_watch`]; the anonymous are sent to sign in, a
//! registrants-only replay sends to its session's page (where one registers or gives one's ID).

use amphi_store::{Recording, RecordingState};
use askama::Template;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::access::{Refused, is_playable, may_watch, recording_at};
use crate::auth::MaybeLogin;
use crate::i18n::recording::RecordingStrings;
use crate::pages::{Ctx, Page, render, see_other};
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "replay.html")]
struct ReplayPage {
    page: Page,
    s: &'static RecordingStrings,
    id: String,
    state: &'static str,
    progress: u8,
    audio_only: bool,
}

/// A replay's state, as the replay page and the session page poll it.
#[derive(Debug, Serialize)]
pub struct ReplayStatus {
    pub id: String,
    pub title: String,
    pub state: &'static str,
    pub progress: u8,
    pub duration_ms: Option<i64>,
    pub audio_only: bool,
    /// Set once ready.
    pub video_url: Option<String>,
    pub page_url: String,
}

fn replay_status(r: &Recording) -> ReplayStatus {
    let id = r.id.as_str();
    ReplayStatus {
        id: id.to_owned(),
        title: r.title.clone(),
        state: r.state.as_str(),
        progress: r.progress,
        duration_ms: r.duration_ms,
        audio_only: r.options.audio_only,
        video_url: is_playable(r).then(|| format!("/replays/{id}/video")),
        page_url: format!("/replays/{id}"),
    }
}

/// The recording at `id` if this visitor may watch it; else the answer to give.
async fn watchable(
    state: &AppState,
    ctx_path: &str,
    id: &str,
    login: Option<&crate::auth::CurrentLogin>,
    headers: &HeaderMap,
) -> Result<Result<Recording, Response>, Error> {
    let recording = recording_at(state, id).await?;
    let user = login.map(|l| &l.user);
    match may_watch(state, user, headers, &recording).await? {
        Ok(()) => Ok(Ok(recording)),
        Err(Refused::SignIn) => Err(Error::SignInRequired {
            next: ctx_path.to_owned(),
        }),
        Err(Refused::Register(page)) => Ok(Err(see_other(&page))),
        Err(Refused::Forbidden) => Err(Error::Forbidden),
    }
}

/// `GET /replays/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let r = match watchable(&state, &ctx.path, &id, login.as_ref(), &ctx.headers).await? {
        Ok(r) => r,
        Err(redirect) => return Ok(redirect),
    };
    let s = RecordingStrings::of(ctx.lang);
    let page = Page::new(&ctx, &r.title, login.as_ref());
    render(
        StatusCode::OK,
        &ReplayPage {
            page,
            s,
            id: r.id.as_str().to_owned(),
            state: r.state.as_str(),
            progress: r.progress,
            audio_only: r.options.audio_only,
        },
    )
}

/// `GET /replays/{id}/status`: JSON, never cached. A visitor who may not watch gets 403 (the
/// anonymous 401): a script cannot follow a sign-in redirect.
pub async fn status(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let recording = recording_at(&state, &id).await?;
    let user = login.as_ref().map(|l| &l.user);
    match may_watch(&state, user, &ctx.headers, &recording).await? {
        Ok(()) => Ok(no_store(Json(replay_status(&recording)))),
        Err(Refused::SignIn) => Ok(StatusCode::UNAUTHORIZED.into_response()),
        Err(_) => Err(Error::Forbidden),
    }
}

/// `GET /s/{slug}/replay`: `{replay: ReplayStatus | null}`, the session's newest recording
/// this visitor may watch (the session page shows it once the live has ended).
pub async fn session_replay(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let session = crate::session_admin::session_at(&state.store, &slug).await?;
    let user = login.as_ref().map(|l| &l.user);
    if !crate::session_admin::may_view(&state.store, &session, user).await? {
        return Err(Error::NotFound);
    }
    let mut found = None;
    for r in state.store.session_recordings(&session.id).await? {
        if r.state != RecordingState::Failed
            && may_watch(&state, user, &ctx.headers, &r).await?.is_ok()
        {
            found = Some(replay_status(&r));
            break;
        }
    }
    #[derive(Serialize)]
    struct Answer {
        replay: Option<ReplayStatus>,
    }
    Ok(no_store(Json(Answer { replay: found })))
}

/// `GET /replays/{id}/video`: `replay.mp4`, inline, with Range.
pub async fn video(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, Error> {
    let inline = |_: &Recording| HeaderValue::from_static("inline");
    serve_watchable(&state, &ctx, login.as_ref(), &id, request, inline).await
}

/// `GET /recordings/{id}/download`: the replay as an attachment named after its title.
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, Error> {
    let named = |r: &Recording| attachment(&r.title);
    serve_watchable(&state, &ctx, login.as_ref(), &id, request, named).await
}

/// The replay file of `id` if this visitor may watch it, with its `Content-Disposition`.
async fn serve_watchable(
    state: &AppState,
    ctx: &Ctx,
    login: Option<&crate::auth::CurrentLogin>,
    id: &str,
    request: Request,
    disposition: impl FnOnce(&Recording) -> HeaderValue,
) -> Result<Response, Error> {
    match watchable(state, &ctx.path, id, login, &ctx.headers).await? {
        Ok(r) => serve(state, &r, request, disposition(&r)).await,
        Err(redirect) => Ok(redirect),
    }
}

/// `attachment; filename="<ascii title>.mp4"; filename*=UTF-8''<title>.mp4` (RFC 6266).
pub fn attachment(title: &str) -> HeaderValue {
    let ascii: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " -_.()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ascii = ascii.trim();
    let ascii = if ascii.is_empty() { "replay" } else { ascii };
    let mut encoded = String::new();
    for b in title.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let value = format!("attachment; filename=\"{ascii}.mp4\"; filename*=UTF-8''{encoded}.mp4");
    // Only printable ASCII went in: always a valid header value.
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// The replay file of `r` (404 unless ready), with Range, as the library and the API send it.
pub async fn serve(
    state: &AppState,
    r: &Recording,
    request: Request,
    disposition: HeaderValue,
) -> Result<Response, Error> {
    if !is_playable(r) {
        return Err(Error::NotFound);
    }
    let path = state.recordings.replay_path(&r.id);
    let response = match ServeFile::new(&path).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    if response.status() == StatusCode::NOT_FOUND {
        return Err(Error::NotFound);
    }
    let mut response = response;
    let headers = response.headers_mut();
    // Who may watch can change (visibility): browsers keep it, for this user only, briefly.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    Ok(response)
}

fn no_store(body: impl IntoResponse) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn attachment_names_are_safe() {
        let v = attachment("Été \"x\"/y");
        let v = v.to_str().expect("ascii");
        assert!(
            v.starts_with("attachment; filename=\"_t_ _x__y.mp4\""),
            "{v}"
        );
        assert!(
            v.contains("filename*=UTF-8''%C3%89t%C3%A9%20%22x%22%2Fy.mp4"),
            "{v}"
        );
    }
}
