//! `/api/v1/rooms`: the rooms the token's user owns or has a share of. The same permissions as
//! the back office: the user's role on the room (`room_admin::role_of`: owner, manager,
//! moderator) asked of the one permissions table (`amphi_room::may`). A room the user has no
//! access to is 404 (it is not theirs to know about); a visible room whose action their role
//! lacks is 403.

use amphi_proto::Role;
use amphi_room::{Action, may};
use amphi_store::{Room, RoomAccess, ShareRole};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Caller, Reader, Writer};
use super::error::{ApiError, BadBody, Forbidden, Invalid, NotFound, Unauthorized};
use super::json::{ApiJson, ApiPath, nullable};
use crate::AppState;
use crate::room_admin::{create_room, role_of};
use crate::validate;

/// The user's access to a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoomRole {
    Owner,
    Manager,
    Moderator,
}

/// A room as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"slug": "weekly-sync", "name": "Weekly sync", "url": "https://meet.example.org/r/weekly-sync",
    "is_open": false, "waiting_room": true, "max_participants": 20, "role": "owner", "created_at": 1_763_700_000_000_i64}))]
pub struct ApiRoom {
    /// The room's permanent identifier in URLs (`/r/{slug}`); it never changes.
    pub slug: String,
    pub name: String,
    /// The link participants open.
    pub url: String,
    pub is_open: bool,
    /// Arrivals knock and wait to be let in.
    pub waiting_room: bool,
    /// The participant cap; `null`: the server's default.
    pub max_participants: Option<u32>,
    /// The token's user's access to this room.
    pub role: RoomRole,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// A list of rooms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomList {
    pub rooms: Vec<ApiRoom>,
}

/// A new room: closed, as every new room.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Weekly sync", "waiting_room": true, "max_participants": 20}))]
pub struct NewRoomBody {
    /// 1 to 100 characters, no control characters (trimmed).
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Default `false`.
    #[serde(default)]
    pub waiting_room: Option<bool>,
    /// 1 up to the server's `[rooms] max_participants`; absent or `null`: the server's default.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub max_participants: Option<u32>,
}

/// Changes to a room: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({"waiting_room": false, "max_participants": null}))]
pub struct RoomUpdate {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default)]
    pub waiting_room: Option<bool>,
    /// 1 up to the server's `[rooms] max_participants`; `null` restores the server's default.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub max_participants: Option<Option<u32>>,
}

/// Who is in a room right now.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"active": true, "connected": 3, "reconnecting": 0, "publications": 5}))]
pub struct LiveSnapshot {
    /// Whether the room has a running meeting (someone in, waiting, or just left).
    pub active: bool,
    /// Participants connected now.
    pub connected: u64,
    /// Participants whose connection dropped and who may come back.
    pub reconnecting: u64,
    /// Tracks being sent (cameras, microphones, screens).
    pub publications: u64,
}

fn room_role(role: Role) -> Option<RoomRole> {
    match role {
        Role::Owner => Some(RoomRole::Owner),
        Role::Manager => Some(RoomRole::Manager),
        Role::Moderator => Some(RoomRole::Moderator),
        _ => None,
    }
}

fn api_room(state: &AppState, headers: &HeaderMap, room: Room, role: RoomRole) -> ApiRoom {
    ApiRoom {
        url: format!("{}/r/{}", state.base_url(headers), room.slug),
        slug: room.slug,
        name: room.name,
        is_open: room.is_open,
        waiting_room: room.waiting_room,
        max_participants: room.max_participants,
        role,
        created_at: room.created_at,
    }
}

/// The room at `slug` if the caller may see it (404 otherwise) and, with `action`, may do it
/// (403 otherwise).
async fn visible_room(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    action: Option<Action>,
) -> Result<(Room, RoomRole), ApiError> {
    let room = state
        .store
        .room_by_slug(slug)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let role = role_of(&state.store, &room, &caller.user.id).await?;
    let Some(visible) = room_role(role) else {
        return Err(ApiError::not_found());
    };
    if let Some(action) = action
        && !may(role, action)
    {
        return Err(ApiError::forbidden(
            "The token's user's access to this room does not allow this.",
        ));
    }
    Ok((room, visible))
}

/// A cap from a request: 1..=the server's configured maximum.
fn cap(state: &AppState, value: Option<u32>) -> Result<Option<u32>, ApiError> {
    let max = state.config.rooms.max_participants;
    match value {
        Some(n) if !(1..=max).contains(&n) => Err(ApiError::invalid(
            "max_participants",
            format!("The participant cap must be between 1 and {max}."),
        )),
        other => Ok(other),
    }
}

fn name(input: &str) -> Result<String, ApiError> {
    // The document says at most 100 characters: before trimming, as a client counts them.
    if input.chars().count() > validate::ROOM_NAME_MAX {
        return Err(ApiError::invalid(
            "name",
            validate::Invalid::RoomNameTooLong.english(),
        ));
    }
    validate::room_name(input).map_err(|i| ApiError::invalid("name", i.english()))
}

async fn reread(state: &AppState, room: &Room) -> Result<Room, ApiError> {
    state
        .store
        .room_by_id(&room.id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// List the rooms the token's user owns or has a share of.
#[utoipa::path(get, path = "/api/v1/rooms", tag = "rooms", security(("bearer" = [])),
    responses((status = 200, body = RoomList), (status = 401, response = Unauthorized)))]
pub async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    headers: HeaderMap,
) -> Result<Json<RoomList>, ApiError> {
    let rooms = state
        .store
        .rooms_visible_to(&caller.user.id)
        .await?
        .into_iter()
        .map(|v| {
            let role = match v.access {
                RoomAccess::Owner => RoomRole::Owner,
                RoomAccess::Shared(ShareRole::Manager) => RoomRole::Manager,
                RoomAccess::Shared(ShareRole::Moderator) => RoomRole::Moderator,
            };
            api_room(&state, &headers, v.room, role)
        })
        .collect();
    Ok(Json(RoomList { rooms }))
}

/// Create a room owned by the token's user. It starts closed.
#[utoipa::path(post, path = "/api/v1/rooms", tag = "rooms", security(("bearer" = [])), request_body = NewRoomBody,
    responses((status = 201, body = ApiRoom), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 413, response = BadBody), (status = 415, response = BadBody),
        (status = 422, response = Invalid)))]
pub async fn create(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewRoomBody>,
) -> Result<(StatusCode, Json<ApiRoom>), ApiError> {
    let name = name(&body.name)?;
    let cap = cap(&state, body.max_participants)?;
    let waiting_room = body.waiting_room.unwrap_or(false);
    let mut room = create_room(&state.store, &name, &caller.user.id).await?;
    if cap.is_some() || waiting_room {
        state
            .store
            .update_room_settings(&room.id, &room.name, cap, waiting_room)
            .await?;
        room = reread(&state, &room).await?;
    }
    tracing::info!(room = %room.id, slug = %room.slug, token = %caller.token.id, "room created through the API");
    Ok((
        StatusCode::CREATED,
        Json(api_room(&state, &headers, room, RoomRole::Owner)),
    ))
}

/// One room.
#[utoipa::path(get, path = "/api/v1/rooms/{slug}", tag = "rooms", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The room's slug")),
    responses((status = 200, body = ApiRoom), (status = 401, response = Unauthorized), (status = 404, response = NotFound)))]
pub async fn get(
    State(state): State<AppState>,
    Reader(caller): Reader,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ApiRoom>, ApiError> {
    let (room, role) = visible_room(&state, &caller, &slug, None).await?;
    Ok(Json(api_room(&state, &headers, room, role)))
}

/// Change a room's name, waiting room or participant cap (owner and managers).
#[utoipa::path(patch, path = "/api/v1/rooms/{slug}", tag = "rooms", security(("bearer" = [])), request_body = RoomUpdate,
    params(("slug" = String, Path, description = "The room's slug")),
    responses((status = 200, body = ApiRoom), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 413, response = BadBody),
        (status = 415, response = BadBody), (status = 422, response = Invalid)))]
pub async fn update(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<RoomUpdate>,
) -> Result<Json<ApiRoom>, ApiError> {
    let (room, role) = visible_room(&state, &caller, &slug, Some(Action::ManageRoom)).await?;
    let new_name = match &body.name {
        Some(input) => name(input)?,
        None => room.name.clone(),
    };
    let new_cap = match body.max_participants {
        Some(value) => cap(&state, value)?,
        None => room.max_participants,
    };
    let waiting_room = body.waiting_room.unwrap_or(room.waiting_room);
    // One statement: all of it or nothing.
    state
        .store
        .update_room_settings(&room.id, &new_name, new_cap, waiting_room)
        .await?;
    if waiting_room != room.waiting_room {
        state.rooms.set_waiting_room(&room.slug, waiting_room).await;
    }
    tracing::info!(room = %room.id, token = %caller.token.id, "room settings changed through the API");
    let room = reread(&state, &room).await?;
    Ok(Json(api_room(&state, &headers, room, role)))
}

/// Delete a room (its owner): a meeting in it ends.
#[utoipa::path(delete, path = "/api/v1/rooms/{slug}", tag = "rooms", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The room's slug")),
    responses((status = 204, description = "Deleted"), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
pub async fn delete(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(slug): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let (room, _) = visible_room(&state, &caller, &slug, Some(Action::DeleteRoom)).await?;
    // Its sessions first, then the row, then the live room (as the back office does).
    crate::room_admin::delete_room(&state, &room).await?;
    tracing::info!(room = %room.id, token = %caller.token.id, "room deleted through the API");
    Ok(StatusCode::NO_CONTENT)
}

async fn set_open(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    slug: &str,
    open: bool,
) -> Result<Json<ApiRoom>, ApiError> {
    let (room, role) = visible_room(state, caller, slug, Some(Action::OpenClose)).await?;
    // The back office's one path: the store, then the live room (waiting people get in, or
    // the meeting ends naming who closed it), then the webhook.
    crate::room_admin::set_open(state, &room, open, Some(caller.actor_name())).await?;
    tracing::info!(room = %room.id, open, token = %caller.token.id, "room opened or closed through the API");
    let room = reread(state, &room).await?;
    Ok(Json(api_room(state, headers, room, role)))
}

/// Open a room: people waiting at its door get in.
#[utoipa::path(post, path = "/api/v1/rooms/{slug}/open", tag = "rooms", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The room's slug")),
    responses((status = 200, body = ApiRoom), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
pub async fn open(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ApiRoom>, ApiError> {
    set_open(&state, &caller, &headers, &slug, true).await
}

/// Close a room: its meeting ends.
#[utoipa::path(post, path = "/api/v1/rooms/{slug}/close", tag = "rooms", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The room's slug")),
    responses((status = 200, body = ApiRoom), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
pub async fn close(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ApiRoom>, ApiError> {
    set_open(&state, &caller, &headers, &slug, false).await
}

/// Who is in the room right now (counts).
#[utoipa::path(get, path = "/api/v1/rooms/{slug}/live", tag = "rooms", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The room's slug")),
    responses((status = 200, body = LiveSnapshot), (status = 401, response = Unauthorized), (status = 404, response = NotFound)))]
pub async fn live(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<LiveSnapshot>, ApiError> {
    let (room, _) = visible_room(&state, &caller, &slug, None).await?;
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    Ok(Json(match state.rooms.snapshot(&room.slug).await {
        Some(s) => LiveSnapshot {
            active: true,
            connected: count(s.connected),
            reconnecting: count(s.reconnecting),
            publications: count(s.publications),
        },
        None => LiveSnapshot {
            active: false,
            connected: 0,
            reconnecting: 0,
            publications: 0,
        },
    }))
}

/// This resource's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, update, delete, open, close, live))]
struct Doc;

pub fn doc() -> utoipa::openapi::OpenApi {
    <Doc as utoipa::OpenApi>::openapi()
}

/// This resource's routes (paths as in [`Doc`]; a test checks they agree).
pub fn routes(r: super::Routes) -> super::Routes {
    r.get("/api/v1/rooms", list)
        .post("/api/v1/rooms", create)
        .get("/api/v1/rooms/{slug}", get)
        .patch("/api/v1/rooms/{slug}", update)
        .delete("/api/v1/rooms/{slug}", delete)
        .post("/api/v1/rooms/{slug}/open", open)
        .post("/api/v1/rooms/{slug}/close", close)
        .get("/api/v1/rooms/{slug}/live", live)
}
