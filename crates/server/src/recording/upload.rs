//! Uploading a recording (V6): a file recorded in the browser (MediaRecorder, WebM) or any
//! MP4/WebM, sent in chunks so that a cut connection resumes where the server stopped.
//!
//! - `GET /recordings/uploads`: `{csrf, places: [{place, label}]}`: where this user may upload
//!   (`room:<slug>` for rooms they run, `session:<slug>` for sessions they are staff of).
//! - `POST /recordings/uploads` (JSON `{place, title, size}`, header `x-csrf-token`):
//!   `201 {id, offset: 0, chunk_bytes}`.
//! - `GET /recordings/uploads/{id}`: `{offset, total}`: where to resume.
//! - `PUT /recordings/uploads/{id}?offset=N` (the bytes, at most `chunk_bytes`): `{offset}`;
//!   `409 {error, offset}` when `N` is not the server's offset. The first chunk must start
//!   like an MP4 (`ftyp`) or a WebM (EBML); the last hands the file to
//!   `Recordings::import_upload` (a durable job converts it) and answers
//!   `{offset, recording: {id, page_url}}`.
//! - `DELETE /recordings/uploads/{id}`: abandons it.
//!
//! A refused upload (wrong type, too large, import refused) keeps nothing: row and file go.
//! Only the uploader may continue an upload. Errors are `{error, code}` in the person's language.

use std::collections::HashSet;
use std::io::SeekFrom;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use amphi_room::{Action, may};
use amphi_store::{NewRecordingUpload, RecordingUpload, RoomId, SessionId};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use super::library::MAX_TITLE_CHARS;
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::recording::RecordingStrings;
use crate::pages::Ctx;
use crate::session_admin;
use crate::{AppState, Error};

/// The largest chunk a PUT may carry.
pub const MAX_CHUNK_BYTES: usize = 8 * 1024 * 1024;
/// The largest file.
pub const MAX_UPLOAD_BYTES: i64 = 8 * 1024 * 1024 * 1024;
const CSRF_HEADER: &str = "x-csrf-token";

/// Uploads with a chunk being written now: a second chunk for the same upload waits its turn
/// (it is refused with the offset, and the client resumes).
static BUSY: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

/// A refusal: the status, a stable code, and the message in the person's language.
struct Refusal(StatusCode, &'static str, &'static str);

impl Refusal {
    fn into_response_with(self, extra: Option<i64>) -> Response {
        let Refusal(status, code, message) = self;
        let body = match extra {
            Some(offset) => json!({"error": message, "code": code, "offset": offset}),
            None => json!({"error": message, "code": code}),
        };
        (status, Json(body)).into_response()
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        self.into_response_with(None)
    }
}

/// `<data dir>/recording-uploads/<upload id>.part` (apart from the recordings' folders, which
/// the recordings service sweeps at start-up).
fn part_path(state: &AppState, id: &str) -> PathBuf {
    state
        .config
        .data
        .dir
        .join("recording-uploads")
        .join(format!("{id}.part"))
}

/// Where `login` may upload: their rooms (Record) and sessions (staff), labelled.
pub async fn places(
    state: &AppState,
    login: &CurrentLogin,
    s: &RecordingStrings,
) -> Result<Vec<(String, String)>, Error> {
    let store = &state.store;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen = HashSet::new();
    for visible in store.rooms_visible_to(&login.user.id).await? {
        let role = crate::room_admin::role_of(store, &visible.room, &login.user.id).await?;
        if !may(role, Action::Record) {
            continue;
        }
        let key = format!("room:{}", visible.room.slug);
        if seen.insert(key.clone()) {
            out.push((key, format!("{} · {}", s.room_prefix, visible.room.name)));
        }
        for session in store.sessions_of_room(&visible.room.id).await? {
            let key = format!("session:{}", session.slug);
            if seen.insert(key.clone()) {
                out.push((key, format!("{} · {}", s.session_prefix, session.title)));
            }
        }
    }
    for (session, _) in store.sessions_staffed_by(&login.user.email).await? {
        let key = format!("session:{}", session.slug);
        if seen.insert(key.clone()) {
            out.push((key, format!("{} · {}", s.session_prefix, session.title)));
        }
    }
    Ok(out)
}

/// The room and session of `place` if `login` may upload there.
async fn place_of(
    state: &AppState,
    login: &CurrentLogin,
    place: &str,
) -> Result<Option<(RoomId, Option<SessionId>)>, Error> {
    let store = &state.store;
    if let Some(slug) = place.strip_prefix("room:") {
        let Some(room) = store.room_by_slug(slug).await? else {
            return Ok(None);
        };
        let role = crate::room_admin::role_of(store, &room, &login.user.id).await?;
        return Ok(may(role, Action::Record).then_some((room.id, None)));
    }
    if let Some(slug) = place.strip_prefix("session:") {
        let Ok(session) = session_admin::session_at(store, slug).await else {
            return Ok(None);
        };
        let role = session_admin::role_of(store, &session, Some(&login.user)).await?;
        return Ok(session_admin::is_staff(role).then_some((session.room_id, Some(session.id))));
    }
    Ok(None)
}

fn check_csrf(login: &CurrentLogin, headers: &HeaderMap) -> Result<(), Error> {
    let given = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    csrf::check(login.csrf(), given)
}

/// `GET /recordings/uploads`.
pub async fn start_info(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
) -> Result<Response, Error> {
    let s = RecordingStrings::of(ctx.lang);
    let places: Vec<_> = places(&state, &login, s)
        .await?
        .into_iter()
        .map(|(place, label)| json!({"place": place, "label": label}))
        .collect();
    Ok(
        Json(json!({"csrf": login.csrf(), "places": places, "chunk_bytes": MAX_CHUNK_BYTES}))
            .into_response(),
    )
}

#[derive(Debug, Deserialize)]
pub struct BeginBody {
    place: String,
    #[serde(default)]
    title: String,
    size: i64,
}

/// `POST /recordings/uploads`.
pub async fn begin(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    check_csrf(&login, &headers)?;
    let s = RecordingStrings::of(ctx.lang);
    let Ok(body) = serde_json::from_slice::<BeginBody>(&body) else {
        return Ok(Refusal(StatusCode::BAD_REQUEST, "invalid", s.err_upload_place).into_response());
    };
    let Some((room_id, session_id)) = place_of(&state, &login, &body.place).await? else {
        return Ok(
            Refusal(StatusCode::FORBIDDEN, "forbidden", s.err_upload_forbidden).into_response(),
        );
    };
    if body.size < 1 || body.size > MAX_UPLOAD_BYTES {
        return Ok(Refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            s.err_upload_size,
        )
        .into_response());
    }
    let title = body.title.trim();
    if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Ok(
            Refusal(StatusCode::UNPROCESSABLE_ENTITY, "title", s.err_title_long).into_response(),
        );
    }
    let title = if title.is_empty() {
        format!(
            "{} {}",
            s.upload_title,
            super::pages::date(amphi_store::now_ms())
        )
    } else {
        title.to_owned()
    };
    let upload = state
        .store
        .create_recording_upload(NewRecordingUpload {
            room_id,
            session_id,
            user_id: login.user.id.clone(),
            title,
            total_bytes: body.size,
        })
        .await?;
    let path = part_path(&state, &upload.id);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    tokio::fs::File::create(&path)
        .await
        .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    let answer = json!({"id": upload.id, "offset": 0, "chunk_bytes": MAX_CHUNK_BYTES});
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// The upload at `id` if it is `login`'s.
async fn own_upload(
    state: &AppState,
    login: &CurrentLogin,
    id: &str,
) -> Result<Option<RecordingUpload>, Error> {
    if !super::access::plausible_id(id) {
        return Ok(None);
    }
    Ok(state
        .store
        .recording_upload(id)
        .await?
        .filter(|u| u.user_id == login.user.id))
}

/// `GET /recordings/uploads/{id}`.
pub async fn offset(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let s = RecordingStrings::of(ctx.lang);
    match own_upload(&state, &login, &id).await? {
        Some(u) => {
            Ok(Json(json!({"offset": u.received_bytes, "total": u.total_bytes})).into_response())
        }
        None => Ok(Refusal(StatusCode::NOT_FOUND, "unknown", s.err_upload_unknown).into_response()),
    }
}

#[derive(Debug, Deserialize)]
pub struct OffsetQuery {
    offset: i64,
}

/// Whether a file starts like an MP4 (`ftyp` box first) or a WebM/Matroska (EBML magic).
pub fn looks_like_video(head: &[u8]) -> bool {
    let mp4 = head.len() >= 8 && &head[4..8] == b"ftyp";
    let webm = head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]);
    mp4 || webm
}

/// `PUT /recordings/uploads/{id}?offset=N`.
pub async fn chunk(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<OffsetQuery>,
    body: Bytes,
) -> Result<Response, Error> {
    check_csrf(&login, &headers)?;
    let s = RecordingStrings::of(ctx.lang);
    let Some(upload) = own_upload(&state, &login, &id).await? else {
        return Ok(Refusal(StatusCode::NOT_FOUND, "unknown", s.err_upload_unknown).into_response());
    };
    if !BUSY
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id.clone())
    {
        let refusal = Refusal(StatusCode::CONFLICT, "offset", s.err_upload_offset);
        return Ok(refusal.into_response_with(Some(upload.received_bytes)));
    }
    let result = write_chunk(&state, s, &login, &upload, q.offset, &body).await;
    BUSY.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    result
}

async fn write_chunk(
    state: &AppState,
    s: &'static RecordingStrings,
    login: &CurrentLogin,
    upload: &RecordingUpload,
    at: i64,
    body: &[u8],
) -> Result<Response, Error> {
    if at != upload.received_bytes {
        let refusal = Refusal(StatusCode::CONFLICT, "offset", s.err_upload_offset);
        return Ok(refusal.into_response_with(Some(upload.received_bytes)));
    }
    let end = at + body.len() as i64;
    if at == 0 && !looks_like_video(body) {
        discard(state, &upload.id).await;
        return Ok(Refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "type",
            s.err_upload_type,
        )
        .into_response());
    }
    if end > upload.total_bytes {
        discard(state, &upload.id).await;
        return Ok(Refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            s.err_upload_size,
        )
        .into_response());
    }
    let path = part_path(state, &upload.id);
    write_at(&path, at, body)
        .await
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    if !state
        .store
        .advance_recording_upload(&upload.id, at, end)
        .await?
    {
        let now = state.store.recording_upload(&upload.id).await?;
        let offset = now.map_or(0, |u| u.received_bytes);
        let refusal = Refusal(StatusCode::CONFLICT, "offset", s.err_upload_offset);
        return Ok(refusal.into_response_with(Some(offset)));
    }
    if end < upload.total_bytes {
        return Ok(Json(json!({"offset": end})).into_response());
    }
    // Complete: the recordings service takes the file over (a durable import job).
    let imported = state
        .recordings
        .import_upload(
            &upload.room_id,
            upload.session_id.as_ref(),
            Some(&login.user.id),
            &upload.title,
            path.clone(),
        )
        .await;
    let _ = state.store.delete_recording_upload(&upload.id).await;
    match imported {
        Ok(recording) => {
            let id = recording.id.as_str();
            let answer = json!({
                "offset": end,
                "recording": {"id": id, "state": recording.state.as_str(), "page_url": format!("/replays/{id}")},
            });
            Ok(Json(answer).into_response())
        }
        Err(e) => {
            tracing::warn!(upload = %upload.id, error = %e, "an uploaded recording was refused");
            let _ = tokio::fs::remove_file(&path).await;
            let message = match e {
                super::RecordingError::Unsupported(_) => s.err_upload_type,
                _ => s.err_upload_failed,
            };
            Ok(Refusal(StatusCode::UNPROCESSABLE_ENTITY, "import", message).into_response())
        }
    }
}

/// Writes `body` at `at`, dropping anything past `at` first (a chunk cut halfway by the
/// network never counted), and makes it durable before the offset moves.
async fn write_at(path: &std::path::Path, at: i64, body: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new().write(true).open(path).await?;
    let at = u64::try_from(at).unwrap_or(0);
    file.set_len(at).await?;
    file.seek(SeekFrom::Start(at)).await?;
    file.write_all(body).await?;
    file.sync_data().await
}

/// Forgets an upload: its row and its file.
async fn discard(state: &AppState, id: &str) {
    let _ = state.store.delete_recording_upload(id).await;
    let _ = tokio::fs::remove_file(part_path(state, id)).await;
}

/// `DELETE /recordings/uploads/{id}`.
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_csrf(&login, &headers)?;
    let s = RecordingStrings::of(ctx.lang);
    if own_upload(&state, &login, &id).await?.is_none() {
        return Ok(Refusal(StatusCode::NOT_FOUND, "unknown", s.err_upload_unknown).into_response());
    }
    discard(&state, &id).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::looks_like_video;

    #[test]
    fn only_mp4_and_webm_heads_pass() {
        assert!(looks_like_video(b"\0\0\0\x20ftypisom"));
        assert!(looks_like_video(&[0x1A, 0x45, 0xDF, 0xA3, 1, 2]));
        assert!(!looks_like_video(b"%PDF-1.7"));
        assert!(!looks_like_video(b""));
    }
}
