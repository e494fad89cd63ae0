//! `/api/v1/recordings`: the recordings the token's user manages (issue 7), as the back
//! office's library lists them ([`library::managed_by`]: an administrator all; a room's owner,
//! managers and moderators its recordings; a session's moderators the session's), their
//! metadata, their file, their deletion. One that does not exist, or that the user may not
//! manage ([`access::may_manage`]), is 404; an id not shaped as ours is 404 without a lookup.
//! The file is the back office's ([`replay::serve`]: Range, `Content-Disposition`); the
//! deletion too ([`crate::recording::pages::delete_recording`]: a running recording is
//! stopped, then the row and its folder go).

use std::collections::HashMap;

use amphi_store::{Recording, RecordingState, RoomId, SessionId, Visibility};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::{Caller, Reader, Writer};
use super::error::{ApiError, Forbidden, NotFound, Unauthorized};
use super::json::ApiPath;
use crate::AppState;
use crate::recording::{access, library, replay};

/// Where a recording is, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiRecordingState {
    /// The server is recording it now.
    Recording,
    /// Being turned into the MP4.
    Processing,
    /// The MP4 can be downloaded.
    Ready,
    Failed,
}

/// Who may watch the replay page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiVisibility {
    /// The room's and session's staff only.
    Private,
    /// Also the approved registrants.
    Registrants,
    /// Anyone with the link.
    Public,
}

/// A recording as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "5d1c0e7f2a9b4c3d8e6f7a0b1c2d3e4f", "title": "Keynote",
    "state": "ready", "progress": 100, "room": "main-hall", "session": "keynote",
    "started_at": 1_763_700_000_000_i64, "duration_ms": 3_600_000, "bytes": 123_456_789,
    "visibility": "private",
    "download_url": "https://meet.example.org/api/v1/recordings/5d1c0e7f2a9b4c3d8e6f7a0b1c2d3e4f/download"}))]
pub struct ApiRecording {
    /// 32 hex digits.
    pub id: String,
    pub title: String,
    pub state: ApiRecordingState,
    /// 0 to 100 while processing; 100 once ready.
    pub progress: u8,
    /// The slug of the room it was made in.
    pub room: String,
    /// The slug of the session whose live it is; `null` for a room's meeting.
    pub session: Option<String>,
    /// Unix milliseconds.
    pub started_at: i64,
    /// Once ready.
    pub duration_ms: Option<i64>,
    /// The MP4's size in bytes, once ready.
    pub bytes: Option<i64>,
    pub visibility: ApiVisibility,
    /// Once ready: the MP4 for this token (`GET`, with `Authorization`, Range supported).
    pub download_url: Option<String>,
}

/// A list of recordings, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordingList {
    pub recordings: Vec<ApiRecording>,
}

/// Slugs already looked up, for a list.
#[derive(Default)]
struct Slugs {
    rooms: HashMap<RoomId, String>,
    sessions: HashMap<SessionId, Option<String>>,
}

impl Slugs {
    async fn room(&mut self, state: &AppState, id: &RoomId) -> Result<String, ApiError> {
        if let Some(slug) = self.rooms.get(id) {
            return Ok(slug.clone());
        }
        let slug = state
            .store
            .room_by_id(id)
            .await?
            .map(|r| r.slug)
            .unwrap_or_default();
        self.rooms.insert(id.clone(), slug.clone());
        Ok(slug)
    }

    async fn session(
        &mut self,
        state: &AppState,
        id: &SessionId,
    ) -> Result<Option<String>, ApiError> {
        if let Some(slug) = self.sessions.get(id) {
            return Ok(slug.clone());
        }
        let slug = state.store.session_by_id(id).await?.map(|s| s.slug);
        self.sessions.insert(id.clone(), slug.clone());
        Ok(slug)
    }
}

async fn shown(
    state: &AppState,
    base: &str,
    slugs: &mut Slugs,
    r: Recording,
) -> Result<ApiRecording, ApiError> {
    let room = slugs.room(state, &r.room_id).await?;
    let session = match &r.session_id {
        Some(id) => slugs.session(state, id).await?,
        None => None,
    };
    let ready = r.state == RecordingState::Ready;
    let id = r.id.as_str().to_owned();
    Ok(ApiRecording {
        download_url: ready.then(|| format!("{base}/api/v1/recordings/{id}/download")),
        id,
        title: r.title,
        state: match r.state {
            RecordingState::Recording => ApiRecordingState::Recording,
            RecordingState::Processing => ApiRecordingState::Processing,
            RecordingState::Ready => ApiRecordingState::Ready,
            RecordingState::Failed => ApiRecordingState::Failed,
        },
        progress: r.progress,
        room,
        session,
        started_at: r.started_at,
        duration_ms: r.duration_ms,
        bytes: if ready { r.bytes } else { None },
        visibility: match r.visibility {
            Visibility::Private => ApiVisibility::Private,
            Visibility::Registrants => ApiVisibility::Registrants,
            Visibility::Public => ApiVisibility::Public,
        },
    })
}

/// The recording at `id` if the caller manages it; 404 otherwise (an implausible id is not
/// looked up).
async fn managed(state: &AppState, caller: &Caller, id: &str) -> Result<Recording, ApiError> {
    if !access::plausible_id(id) {
        return Err(ApiError::not_found());
    }
    let recording = access::recording_at(state, id).await?;
    if !access::may_manage(state, &caller.user, &recording).await? {
        return Err(ApiError::not_found());
    }
    Ok(recording)
}

/// List the recordings the token's user manages, newest first.
#[utoipa::path(get, path = "/api/v1/recordings", tag = "recordings", security(("bearer" = [])),
    responses((status = 200, body = RecordingList), (status = 401, response = Unauthorized)))]
pub async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    headers: HeaderMap,
) -> Result<Json<RecordingList>, ApiError> {
    let base = state.base_url(&headers);
    let mut slugs = Slugs::default();
    let mut recordings = Vec::new();
    for (r, _) in library::managed_by(&state, &caller.user).await? {
        recordings.push(shown(&state, &base, &mut slugs, r).await?);
    }
    Ok(Json(RecordingList { recordings }))
}

/// One recording's metadata.
#[utoipa::path(get, path = "/api/v1/recordings/{id}", tag = "recordings", security(("bearer" = [])),
    params(("id" = String, Path, description = "The recording's id (32 hex digits)")),
    responses((status = 200, body = ApiRecording), (status = 401, response = Unauthorized), (status = 404, response = NotFound)))]
pub async fn get(
    State(state): State<AppState>,
    Reader(caller): Reader,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApiRecording>, ApiError> {
    let r = managed(&state, &caller, &id).await?;
    let base = state.base_url(&headers);
    Ok(Json(shown(&state, &base, &mut Slugs::default(), r).await?))
}

/// The recording's MP4 (ready recordings only), as an attachment named after its title.
/// `Range` is honoured (206).
#[utoipa::path(get, path = "/api/v1/recordings/{id}/download", tag = "recordings", security(("bearer" = [])),
    params(("id" = String, Path, description = "The recording's id (32 hex digits)")),
    responses((status = 200, description = "The MP4", content_type = "video/mp4", body = Vec<u8>),
        (status = 206, description = "With `Range: bytes=…`: that part of the MP4 (a range outside the file is 416)",
            content_type = "video/mp4", body = Vec<u8>),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound)))]
pub async fn download(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(id): ApiPath<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let r = managed(&state, &caller, &id).await?;
    let disposition = replay::attachment(&r.title);
    Ok(replay::serve(&state, &r, request, disposition).await?)
}

/// Delete a recording for good: a running one is stopped; the row and the files go.
#[utoipa::path(delete, path = "/api/v1/recordings/{id}", tag = "recordings", security(("bearer" = [])),
    params(("id" = String, Path, description = "The recording's id (32 hex digits)")),
    responses((status = 204, description = "Deleted"), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
pub async fn delete(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let r = managed(&state, &caller, &id).await?;
    crate::recording::pages::delete_recording(&state, &r).await?;
    tracing::info!(recording = %r.id, token = %caller.token.id, "recording deleted through the API");
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, get, download, delete),
    tags((name = "recordings", description = "Recordings of the rooms and sessions the token's user runs"))
)]
struct Doc;

pub fn doc() -> utoipa::openapi::OpenApi {
    <Doc as utoipa::OpenApi>::openapi()
}

/// This resource's routes (paths as in [`Doc`]; a test checks they agree).
pub fn routes(r: super::Routes) -> super::Routes {
    r.get("/api/v1/recordings", list)
        .get("/api/v1/recordings/{id}", get)
        .delete("/api/v1/recordings/{id}", delete)
        .get("/api/v1/recordings/{id}/download", download)
}
