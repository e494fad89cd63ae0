//! `/api/v1/sessions`: the programme's sessions the token's user may manage
//! (`session_admin::may_manage`: the owner and managers of the session's room, and
//! administrators), their staff, and their live. The same rules as the back office: a session
//! the user may not manage is 404; a new session is held in a room the user may manage
//! (`room_admin` role, `ManageRoom`; administrators: any room); a published session keeps at
//! least one moderator (the store's [`StoreError::NoModerator`], checked in the same
//! transaction as the write); the live goes `not_started → live → ended` once, through
//! `Rooms::start_live`/`stop_live` (the store, then everyone in the live sees `live_updated`).
//!
//! Times are RFC 3339 with an offset (`2026-11-21T14:30:00+01:00`), answered in UTC (`Z`);
//! the zone (IANA) is the one the programme shows them in.

use amphi_room::{Action, may};
use amphi_store::{
    LiveState, LiveTransition, NewSession, Room, Session, SessionStatus, SessionUpdate, StoreError,
};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Caller, Reader, Writer};
use super::error::{ApiError, BadBody, Conflict, Forbidden, Invalid, NotFound, Unauthorized};
use super::json::{ApiJson, ApiPath};
use crate::pages::programme_form::{DESCRIPTION_MAX, TITLE_MAX};
use crate::pages::programme_time::zone;
use crate::session_admin::{delete_session, may_manage};
use crate::{AppState, room_admin, slug};

/// How many slug suffixes to try before giving up (as the back office).
const MAX_SLUG_TRIES: usize = 1000;

/// What the store's moderator rule says, for the client.
pub(super) const NO_MODERATOR: &str = "A published session needs at least one moderator on its staff: \
     name one (PUT /api/v1/sessions/{slug}/staff/{email} with role moderator) before publishing, \
     and keep one while it is published.";

/// Whether the public sees a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiSessionStatus {
    Draft,
    Published,
}

impl From<ApiSessionStatus> for SessionStatus {
    fn from(s: ApiSessionStatus) -> Self {
        match s {
            ApiSessionStatus::Draft => SessionStatus::Draft,
            ApiSessionStatus::Published => SessionStatus::Published,
        }
    }
}

/// Where a session's live is; it only moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiLiveState {
    NotStarted,
    Live,
    Ended,
}

/// A session's live.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiLive {
    pub state: ApiLiveState,
    /// Unix milliseconds, once started.
    pub started_at: Option<i64>,
    /// Unix milliseconds, once ended.
    pub ended_at: Option<i64>,
}

/// A session as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"slug": "keynote", "title": "Keynote", "description": "",
    "room": "main-hall", "url": "https://meet.example.org/s/keynote",
    "starts_at": "2026-11-21T13:30:00Z", "ends_at": "2026-11-21T14:30:00Z",
    "time_zone": "Europe/Paris", "status": "draft",
    "live": {"state": "not_started", "started_at": null, "ended_at": null},
    "created_at": 1_763_700_000_000_i64, "updated_at": 1_763_700_000_000_i64}))]
pub struct ApiSession {
    /// The session's permanent identifier in URLs (`/s/{slug}`).
    pub slug: String,
    pub title: String,
    pub description: String,
    /// The slug of the room it is held in.
    pub room: String,
    /// The session's page for attendees.
    pub url: String,
    /// RFC 3339, UTC.
    pub starts_at: String,
    /// RFC 3339, UTC.
    pub ends_at: String,
    /// IANA zone the programme shows the times in.
    pub time_zone: String,
    pub status: ApiSessionStatus,
    pub live: ApiLive,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
}

/// A list of sessions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<ApiSession>,
}

/// A new session. Its live starts `not_started`; it cannot be created `published` (it has
/// no moderator yet): name one on its staff, then publish it with PATCH.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"title": "Keynote", "room": "main-hall",
    "starts_at": "2026-11-21T14:30:00+01:00", "ends_at": "2026-11-21T15:30:00+01:00",
    "time_zone": "Europe/Paris"}))]
pub struct NewSessionBody {
    /// 1 to 200 characters on one line (trimmed).
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Up to 5000 characters; default empty.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// The slug of a room the token's user owns or manages (administrators: any room).
    pub room: String,
    /// RFC 3339 with an offset.
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// RFC 3339 with an offset; after `starts_at`.
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// An IANA zone name, e.g. `Europe/Paris`.
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: String,
    /// Default `draft`.
    #[serde(default)]
    pub status: Option<ApiSessionStatus>,
}

/// Changes to a session: only the fields present change; all are checked together and
/// saved at once (or nothing is).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({"status": "published"}))]
pub struct SessionPatch {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[serde(default)]
    pub room: Option<String>,
    #[serde(default)]
    #[schema(format = DateTime)]
    pub starts_at: Option<String>,
    #[serde(default)]
    #[schema(format = DateTime)]
    pub ends_at: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub status: Option<ApiSessionStatus>,
}

fn iso(ms: i64) -> String {
    Timestamp::from_millisecond(ms).map_or_else(|_| String::new(), |t| t.to_string())
}

fn api_session(state: &AppState, headers: &HeaderMap, session: Session, room: &str) -> ApiSession {
    ApiSession {
        url: format!("{}/s/{}", state.base_url(headers), session.slug),
        starts_at: iso(session.starts_at),
        ends_at: iso(session.ends_at),
        status: match session.status {
            SessionStatus::Draft => ApiSessionStatus::Draft,
            SessionStatus::Published => ApiSessionStatus::Published,
        },
        live: ApiLive {
            state: match session.live_state {
                LiveState::NotStarted => ApiLiveState::NotStarted,
                LiveState::Live => ApiLiveState::Live,
                LiveState::Ended => ApiLiveState::Ended,
            },
            started_at: session.live_started_at,
            ended_at: session.live_ended_at,
        },
        slug: session.slug,
        title: session.title,
        description: session.description,
        room: room.to_owned(),
        time_zone: session.time_zone,
        created_at: session.created_at,
        updated_at: session.updated_at,
    }
}

/// The session with its room's slug, as the API shows it.
async fn shown(
    state: &AppState,
    headers: &HeaderMap,
    session: Session,
) -> Result<ApiSession, ApiError> {
    let room = state
        .store
        .room_by_id(&session.room_id)
        .await?
        .map(|r| r.slug)
        .unwrap_or_default();
    Ok(api_session(state, headers, session, &room))
}

/// The session at `slug` if the caller may manage it; 404 otherwise (not theirs to know).
pub(super) async fn managed(
    state: &AppState,
    caller: &Caller,
    slug: &str,
) -> Result<Session, ApiError> {
    let session = state
        .store
        .session_by_slug(slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !may_manage(&state.store, &session, &caller.user).await? {
        return Err(ApiError::not_found());
    }
    Ok(session)
}

/// The room at `slug` if the caller may hold sessions in it (an administrator, or the
/// room's role allows `ManageRoom`); a 422 naming `room` otherwise, as the back office's
/// form refuses a room that is not in its list.
async fn holdable_room(state: &AppState, caller: &Caller, slug: &str) -> Result<Room, ApiError> {
    let refused = || {
        ApiError::invalid(
            "room",
            "No room with this slug that the token's user owns or manages.",
        )
    };
    let Some(room) = state.store.room_by_slug(slug.trim()).await? else {
        return Err(refused());
    };
    if caller.user.is_admin {
        return Ok(room);
    }
    let role = room_admin::role_of(&state.store, &room, &caller.user.id).await?;
    if may(role, Action::ManageRoom) {
        Ok(room)
    } else {
        Err(refused())
    }
}

fn title(input: &str) -> Result<String, ApiError> {
    let title = input.trim();
    if title.is_empty() {
        return Err(ApiError::invalid("title", "The title must not be empty."));
    }
    // Counted before trimming, as a client counts against the document's maxLength.
    if input.chars().count() > TITLE_MAX {
        return Err(ApiError::invalid(
            "title",
            format!("The title is at most {TITLE_MAX} characters."),
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "title",
            "The title is one line without control characters.",
        ));
    }
    Ok(title.to_owned())
}

fn description(input: &str) -> Result<String, ApiError> {
    if input.chars().count() > DESCRIPTION_MAX {
        return Err(ApiError::invalid(
            "description",
            format!("The description is at most {DESCRIPTION_MAX} characters."),
        ));
    }
    // As the back office: line breaks normalised, tabs kept, other control characters refused.
    let text = input.replace("\r\n", "\n").trim().to_owned();
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ApiError::invalid(
            "description",
            "The description must not contain control characters other than line breaks and tabs.",
        ));
    }
    Ok(text)
}

/// RFC 3339 with an offset → UTC milliseconds (years 1970 to 9999, as the back office).
fn instant(field: &'static str, input: &str) -> Result<i64, ApiError> {
    let refused = || {
        ApiError::invalid(
            field,
            format!(
                "The {} must be an RFC 3339 date and time with an offset, e.g. 2026-11-21T14:30:00+01:00.",
                field.replace('_', " ")
            ),
        )
    };
    // jiff's `Timestamp` parser requires the offset (`Z` or `±hh:mm`): a civil time alone is
    // ambiguous and refused.
    let ts: Timestamp = input.trim().parse().map_err(|_| refused())?;
    let ms = ts.as_millisecond();
    let max = Timestamp::from_second(253_402_300_799).map_or(i64::MAX, |t| t.as_millisecond());
    if !(0..=max).contains(&ms) {
        return Err(refused());
    }
    Ok(ms)
}

/// The zone's canonical IANA name (the back office's check: `programme_time::zone`).
fn time_zone(input: &str) -> Result<String, ApiError> {
    zone(input).map(|(_, name)| name).ok_or_else(|| {
        ApiError::invalid(
            "time_zone",
            "Unknown time zone: give an IANA name such as Europe/Paris.",
        )
    })
}

fn check_order(starts_at: i64, ends_at: i64) -> Result<(), ApiError> {
    if ends_at <= starts_at {
        return Err(ApiError::invalid(
            "ends_at",
            "The session must end after it starts.",
        ));
    }
    Ok(())
}

/// The store's refusals of a session write, for the client.
fn write_refused(e: StoreError) -> ApiError {
    match e {
        StoreError::NoModerator => ApiError::invalid("status", NO_MODERATOR),
        other => other.into(),
    }
}

/// List the sessions the token's user may manage (administrators: all).
#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", security(("bearer" = [])),
    responses((status = 200, body = SessionList), (status = 401, response = Unauthorized)))]
pub async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    headers: HeaderMap,
) -> Result<Json<SessionList>, ApiError> {
    let mut sessions = Vec::new();
    for session in state.store.list_sessions().await? {
        if may_manage(&state.store, &session, &caller.user).await? {
            sessions.push(shown(&state, &headers, session).await?);
        }
    }
    Ok(Json(SessionList { sessions }))
}

/// Create a session in a room the token's user owns or manages. Its slug comes from its
/// title. It cannot be published before it has a moderator.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", security(("bearer" = [])),
    request_body = NewSessionBody,
    responses((status = 201, body = ApiSession), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 413, response = BadBody), (status = 415, response = BadBody),
        (status = 422, response = Invalid)))]
pub async fn create(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewSessionBody>,
) -> Result<(StatusCode, Json<ApiSession>), ApiError> {
    // Every field checked before anything is stored, in the document's order.
    let title = title(&body.title)?;
    let description = description(body.description.as_deref().unwrap_or(""))?;
    let room = holdable_room(&state, &caller, &body.room).await?;
    let starts_at = instant("starts_at", &body.starts_at)?;
    let ends_at = instant("ends_at", &body.ends_at)?;
    check_order(starts_at, ends_at)?;
    let time_zone = time_zone(&body.time_zone)?;
    let status: SessionStatus = body.status.unwrap_or(ApiSessionStatus::Draft).into();
    if status == SessionStatus::Published {
        // A new session has no staff, so no moderator: the rule refuses it before the store.
        return Err(ApiError::invalid("status", NO_MODERATOR));
    }
    let base = slug::slugify(&title);
    for candidate in slug::candidates(&base).take(MAX_SLUG_TRIES) {
        if state.store.session_slug_exists(&candidate).await? {
            continue;
        }
        let created = state
            .store
            .create_session(NewSession {
                slug: candidate,
                room_id: room.id.clone(),
                title: title.clone(),
                description: description.clone(),
                starts_at,
                ends_at,
                time_zone: time_zone.clone(),
                status,
                created_by: caller.user.id.clone(),
            })
            .await;
        match created {
            Ok(session) => {
                tracing::info!(session = %session.id, slug = %session.slug, token = %caller.token.id, "session created through the API");
                let shown = api_session(&state, &headers, session, &room.slug);
                return Ok((StatusCode::CREATED, Json(shown)));
            }
            // Taken meanwhile: the next candidate.
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(write_refused(e)),
        }
    }
    Err(ApiError::internal(&format!(
        "no free session slug for {base:?}"
    )))
}

/// One session.
#[utoipa::path(get, path = "/api/v1/sessions/{slug}", tag = "sessions", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug")),
    responses((status = 200, body = ApiSession), (status = 401, response = Unauthorized), (status = 404, response = NotFound)))]
pub async fn get(
    State(state): State<AppState>,
    Reader(caller): Reader,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ApiSession>, ApiError> {
    let session = managed(&state, &caller, &slug).await?;
    Ok(Json(shown(&state, &headers, session).await?))
}

/// Change a session: title, description, room, times, zone, status. Its slug stays.
/// Publishing needs a moderator on its staff (422 on `status` otherwise).
#[utoipa::path(patch, path = "/api/v1/sessions/{slug}", tag = "sessions", security(("bearer" = [])),
    request_body = SessionPatch, params(("slug" = String, Path, description = "The session's slug")),
    responses((status = 200, body = ApiSession), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 413, response = BadBody),
        (status = 415, response = BadBody), (status = 422, response = Invalid)))]
pub async fn update(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<SessionPatch>,
) -> Result<Json<ApiSession>, ApiError> {
    let session = managed(&state, &caller, &slug).await?;
    let title = match &body.title {
        Some(input) => title(input)?,
        None => session.title.clone(),
    };
    let description = match &body.description {
        Some(input) => description(input)?,
        None => session.description.clone(),
    };
    let room_id = match &body.room {
        Some(room) => holdable_room(&state, &caller, room).await?.id,
        None => session.room_id.clone(),
    };
    let starts_at = match &body.starts_at {
        Some(input) => instant("starts_at", input)?,
        None => session.starts_at,
    };
    let ends_at = match &body.ends_at {
        Some(input) => instant("ends_at", input)?,
        None => session.ends_at,
    };
    check_order(starts_at, ends_at)?;
    let time_zone = match &body.time_zone {
        Some(input) => time_zone(input)?,
        None => session.time_zone.clone(),
    };
    let status = body.status.map_or(session.status, Into::into);
    let update = SessionUpdate {
        title,
        description,
        room_id,
        starts_at,
        ends_at,
        time_zone,
        status,
    };
    state
        .store
        .update_session(&session.id, update)
        .await
        .map_err(write_refused)?;
    tracing::info!(session = %session.id, token = %caller.token.id, "session changed through the API");
    let session = managed(&state, &caller, &session.slug).await?;
    Ok(Json(shown(&state, &headers, session).await?))
}

/// Delete a session: its content, its staff; its live ends for everyone in it.
#[utoipa::path(delete, path = "/api/v1/sessions/{slug}", tag = "sessions", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug")),
    responses((status = 204, description = "Deleted"), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
pub async fn delete(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(slug): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let session = managed(&state, &caller, &slug).await?;
    delete_session(&state, &session).await?;
    tracing::info!(session = %session.id, token = %caller.token.id, "session deleted through the API");
    Ok(StatusCode::NO_CONTENT)
}

/// Starts or stops the live as a moderator in it would: the store, then everyone in the
/// live (`live_updated`, naming the token's user).
async fn live(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    slug: &str,
    start: bool,
) -> Result<Json<ApiSession>, ApiError> {
    let session = managed(state, caller, slug).await?;
    let by = Some(caller.actor_name());
    let transition = if start {
        state.rooms.start_live(&session, by).await?
    } else {
        state.rooms.stop_live(&session, by).await?
    };
    let session = match transition {
        LiveTransition::Changed(now) => now,
        LiveTransition::AlreadyLive => {
            return Err(ApiError::conflict("The live is already on."));
        }
        LiveTransition::NotLive => {
            return Err(ApiError::conflict(
                "The live has not started: there is nothing to stop.",
            ));
        }
        LiveTransition::AlreadyEnded => {
            return Err(ApiError::conflict(
                "The live has ended: an ended live never restarts.",
            ));
        }
    };
    tracing::info!(session = %session.id, start, token = %caller.token.id, "live started or stopped through the API");
    Ok(Json(shown(state, headers, session).await?))
}

/// Start the session's live (once: an ended live never restarts).
#[utoipa::path(post, path = "/api/v1/sessions/{slug}/live/start", tag = "sessions", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug")),
    responses((status = 200, body = ApiSession), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
pub async fn live_start(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ApiSession>, ApiError> {
    live(&state, &caller, &headers, &slug, true).await
}

/// End the session's live.
#[utoipa::path(post, path = "/api/v1/sessions/{slug}/live/stop", tag = "sessions", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug")),
    responses((status = 200, body = ApiSession), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
pub async fn live_stop(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ApiSession>, ApiError> {
    live(&state, &caller, &headers, &slug, false).await
}

/// This resource's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, update, delete, live_start, live_stop))]
struct Doc;

pub fn doc() -> utoipa::openapi::OpenApi {
    <Doc as utoipa::OpenApi>::openapi()
}

/// This resource's routes (paths as in [`Doc`]; a test checks they agree).
pub fn routes(r: super::Routes) -> super::Routes {
    r.get("/api/v1/sessions", list)
        .post("/api/v1/sessions", create)
        .get("/api/v1/sessions/{slug}", get)
        .patch("/api/v1/sessions/{slug}", update)
        .delete("/api/v1/sessions/{slug}", delete)
        .post("/api/v1/sessions/{slug}/live/start", live_start)
        .post("/api/v1/sessions/{slug}/live/stop", live_stop)
}
