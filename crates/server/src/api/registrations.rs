//! `/api/v1/sessions/{slug}/registrations` and `/api/v1/rooms/{slug}/registrations`: the
//! registrants of a session or a room (issue 6), listed, approved or rejected, exported as CSV.
//! The same rules and paths as the organiser's pages: the [`Scope`] is built by
//! `Scope::session` / `Scope::room` (who may organise it), decisions go through
//! [`decide`] (the same store change and the same mails), the export is
//! [`crate::registration::csv::export`] (cells a spreadsheet would run are neutralised).
//!
//! Who sees what, as the rest of the API: a session the token's user may not manage is 404
//! (as `/api/v1/sessions`); a room they have no access to is 404, a room they only moderate
//! is 403 (as `/api/v1/rooms`). The join token (the personal link's secret) is never shown.

use std::collections::BTreeMap;

use amphi_store::{Registration, RegistrationId, RegistrationStatus};
use axum::Json;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Caller, Reader, Writer};
use super::error::{ApiError, BadBody, Forbidden, Invalid, NotFound, Unauthorized};
use super::json::{ApiJson, ApiPath};
use crate::i18n::Lang;
use crate::registration::csv::{answer_text, download};
use crate::registration::decide::decide;
use crate::registration::scope::Scope;
use crate::{AppState, Error};

/// The most ids one decision takes (as the organiser's list).
pub const MAX_IDS: usize = 10_000;

/// The body limit of a decision: [`MAX_IDS`] ids of 32 hex digits, quoted, with some space.
const DECISION_BODY_LIMIT: usize = 512 * 1024;

/// Where a registration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiRegistrationStatus {
    /// Waits for the organiser.
    Pending,
    /// May join.
    Approved,
    Rejected,
    /// Withdrawn by the person.
    Cancelled,
}

const STATUSES: [(ApiRegistrationStatus, RegistrationStatus, &str); 4] = [
    (
        ApiRegistrationStatus::Pending,
        RegistrationStatus::Pending,
        "pending",
    ),
    (
        ApiRegistrationStatus::Approved,
        RegistrationStatus::Approved,
        "approved",
    ),
    (
        ApiRegistrationStatus::Rejected,
        RegistrationStatus::Rejected,
        "rejected",
    ),
    (
        ApiRegistrationStatus::Cancelled,
        RegistrationStatus::Cancelled,
        "cancelled",
    ),
];

fn api_status(status: RegistrationStatus) -> ApiRegistrationStatus {
    STATUSES
        .iter()
        .find(|(_, s, _)| *s == status)
        .map_or(ApiRegistrationStatus::Pending, |(a, _, _)| *a)
}

/// One registration as the API shows it (never its personal link).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0f8e3c0a9d2b4c5e8f7a6b5c4d3e2f1a", "name": "Zoé Martin",
    "email": "zoe@example.org", "status": "pending", "code": "7KQ2MXP9A",
    "registered_at": 1_763_700_000_000_i64, "answers": {"Organisation": "ACME"}}))]
pub struct ApiRegistration {
    pub id: String,
    pub name: String,
    /// Lowercase.
    pub email: String,
    pub status: ApiRegistrationStatus,
    /// The registration ID the person types at the door.
    pub code: String,
    /// Unix milliseconds.
    pub registered_at: i64,
    /// The answers to the form's current fields, by the field's label (answers to fields
    /// removed since are left out; a multiple choice is `a; b`, a ticked box `✓`).
    pub answers: BTreeMap<String, String>,
}

/// A list of registrations.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistrationList {
    pub registrations: Vec<ApiRegistration>,
}

/// The registrations to approve or reject.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"ids": ["0f8e3c0a9d2b4c5e8f7a6b5c4d3e2f1a"]}))]
pub struct DecisionBody {
    /// 1 to 10000 registration ids. Ids of other sessions or rooms, unknown ids and
    /// registrations already in the wanted status are left alone.
    #[schema(min_items = 1, max_items = 10000)]
    pub ids: Vec<String>,
}

/// `?status=`: only the registrations in this status. For the document only: the handler
/// reads the pairs as text ([`wanted`]).
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query; never built
pub struct StatusFilter {
    /// Default: every status.
    #[param(inline)]
    pub status: Option<ApiRegistrationStatus>,
}

/// The status filter of a query string; a value other than the four is a 422 naming it.
/// (The pairs are read as text, so a malformed query is never axum's own plain-text 400.)
fn wanted(query: &[(String, String)]) -> Result<Option<RegistrationStatus>, ApiError> {
    let values: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "status")
        .map(|(_, v)| v.as_str())
        .collect();
    let value = match values.as_slice() {
        [] => return Ok(None),
        [value] => *value,
        // Several: which one would be meant?
        _ => return Err(ApiError::invalid("status", "Give one status at most.")),
    };
    STATUSES
        .iter()
        .find(|(_, _, key)| *key == value)
        .map(|(_, s, _)| Some(*s))
        .ok_or_else(|| {
            ApiError::invalid(
                "status",
                "The status is one of pending, approved, rejected, cancelled.",
            )
        })
}

/// What a path names: a session or a room.
#[derive(Debug, Clone, Copy)]
enum Place {
    Session,
    Room,
}

/// The scope at `slug`, as the organiser's pages build it, with the API's 404/403.
async fn scope(
    state: &AppState,
    caller: &Caller,
    place: Place,
    slug: &str,
) -> Result<Scope, ApiError> {
    match place {
        Place::Session => match Scope::session(state, slug, &caller.user).await {
            // A session one may not manage is not theirs to know about (as /sessions).
            Err(Error::Forbidden) => Err(ApiError::not_found()),
            other => Ok(other?),
        },
        Place::Room => {
            let room = state
                .store
                .room_by_slug(slug)
                .await?
                .ok_or_else(ApiError::not_found)?;
            let role = crate::room_admin::role_of(&state.store, &room, &caller.user.id).await?;
            let visible = matches!(
                role,
                amphi_proto::Role::Owner
                    | amphi_proto::Role::Manager
                    | amphi_proto::Role::Moderator
            );
            if !visible {
                return Err(ApiError::not_found());
            }
            // Visible: `Scope::room` refuses (403) those whose role may not manage it.
            Ok(Scope::room(state, slug, &caller.user).await?)
        }
    }
}

async fn shown(
    state: &AppState,
    scope: &Scope,
    registrations: Vec<Registration>,
) -> Result<RegistrationList, ApiError> {
    let fields = state
        .store
        .registration_settings(&scope.target())
        .await?
        .map(|s| s.fields)
        .unwrap_or_default();
    let registrations = registrations
        .into_iter()
        .map(|r| ApiRegistration {
            answers: fields
                .iter()
                .filter_map(|f| {
                    let (_, a) = r.answers.iter().find(|(k, _)| *k == f.key)?;
                    Some((f.label.clone(), answer_text(a)))
                })
                .collect(),
            id: r.id.to_string(),
            status: api_status(r.status),
            registered_at: r.created_at,
            name: r.name,
            email: r.email,
            code: r.code,
        })
        .collect();
    Ok(RegistrationList { registrations })
}

async fn list(
    state: &AppState,
    caller: &Caller,
    place: Place,
    slug: &str,
    query: &[(String, String)],
) -> Result<Json<RegistrationList>, ApiError> {
    // Who may see it first: a place one may not see is 404 whatever the query.
    let scope = scope(state, caller, place, slug).await?;
    let status = wanted(query)?;
    // No registration settings: no registrations, an empty list.
    let found = state.store.registrations(&scope.target(), status).await?;
    Ok(Json(shown(state, &scope, found).await?))
}

async fn change(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    (place, slug): (Place, &str),
    body: DecisionBody,
    status: RegistrationStatus,
) -> Result<Json<RegistrationList>, ApiError> {
    let scope = scope(state, caller, place, slug).await?;
    if body.ids.is_empty() || body.ids.len() > MAX_IDS {
        return Err(ApiError::invalid(
            "ids",
            format!("Give 1 to {MAX_IDS} registration ids."),
        ));
    }
    // Only ids shaped as ours reach the store (no other could match; a NUL byte would
    // not even bind on PostgreSQL); each once.
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<RegistrationId> = body
        .ids
        .iter()
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .filter(|id| seen.insert(id.as_str()))
        .map(|id| RegistrationId::new(id.as_str()))
        .collect();
    let changed = decide(state, headers, &scope, &ids, status).await?;
    tracing::info!(changed = changed.len(), ?status, token = %caller.token.id, "registrations decided through the API");
    Ok(Json(shown(state, &scope, changed).await?))
}

async fn csv(
    state: &AppState,
    caller: &Caller,
    place: Place,
    slug: &str,
) -> Result<Response, ApiError> {
    let scope = scope(state, caller, place, slug).await?;
    // The back office's file, in English (an API has no page language).
    let target = scope.target();
    Ok(download(&state.store, &target, Lang::En, "registrations.csv").await?)
}

/// The registrations of a session (its own form's; a series' are listed on no session).
#[utoipa::path(get, path = "/api/v1/sessions/{slug}/registrations", tag = "registrations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug"), StatusFilter),
    responses((status = 200, body = RegistrationList), (status = 401, response = Unauthorized),
        (status = 404, response = NotFound), (status = 422, response = Invalid)))]
pub async fn session_list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(slug): ApiPath<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<RegistrationList>, ApiError> {
    list(&state, &caller, Place::Session, &slug, &query).await
}

/// The registrations of a room.
#[utoipa::path(get, path = "/api/v1/rooms/{slug}/registrations", tag = "registrations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The room's slug"), StatusFilter),
    responses((status = 200, body = RegistrationList), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 422, response = Invalid)))]
pub async fn room_list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(slug): ApiPath<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<RegistrationList>, ApiError> {
    list(&state, &caller, Place::Room, &slug, &query).await
}

/// Approve registrations of a session: each person whose status changed is mailed their
/// registration ID and personal link. Answers the registrations that changed.
#[utoipa::path(post, path = "/api/v1/sessions/{slug}/registrations/approve", tag = "registrations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug")), request_body = DecisionBody,
    responses((status = 200, body = RegistrationList), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 413, response = BadBody),
        (status = 415, response = BadBody), (status = 422, response = Invalid)))]
pub async fn session_approve(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<RegistrationList>, ApiError> {
    let at = (Place::Session, slug.as_str());
    change(
        &state,
        &caller,
        &headers,
        at,
        body,
        RegistrationStatus::Approved,
    )
    .await
}

/// Reject registrations of a session: each person whose status changed is mailed.
#[utoipa::path(post, path = "/api/v1/sessions/{slug}/registrations/reject", tag = "registrations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug")), request_body = DecisionBody,
    responses((status = 200, body = RegistrationList), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 413, response = BadBody),
        (status = 415, response = BadBody), (status = 422, response = Invalid)))]
pub async fn session_reject(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<RegistrationList>, ApiError> {
    let at = (Place::Session, slug.as_str());
    change(
        &state,
        &caller,
        &headers,
        at,
        body,
        RegistrationStatus::Rejected,
    )
    .await
}

/// Approve registrations of a room (owner and managers), mailing each person whose status
/// changed.
#[utoipa::path(post, path = "/api/v1/rooms/{slug}/registrations/approve", tag = "registrations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The room's slug")), request_body = DecisionBody,
    responses((status = 200, body = RegistrationList), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 413, response = BadBody),
        (status = 415, response = BadBody), (status = 422, response = Invalid)))]
pub async fn room_approve(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<RegistrationList>, ApiError> {
    let at = (Place::Room, slug.as_str());
    change(
        &state,
        &caller,
        &headers,
        at,
        body,
        RegistrationStatus::Approved,
    )
    .await
}

/// Reject registrations of a room (owner and managers), mailing each person whose status
/// changed.
#[utoipa::path(post, path = "/api/v1/rooms/{slug}/registrations/reject", tag = "registrations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The room's slug")), request_body = DecisionBody,
    responses((status = 200, body = RegistrationList), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 413, response = BadBody),
        (status = 415, response = BadBody), (status = 422, response = Invalid)))]
pub async fn room_reject(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<RegistrationList>, ApiError> {
    let at = (Place::Room, slug.as_str());
    change(
        &state,
        &caller,
        &headers,
        at,
        body,
        RegistrationStatus::Rejected,
    )
    .await
}

/// A session's registrations as CSV (the back office's export, in English; cells starting
/// with `=`, `+`, `-`, `@` are neutralised for spreadsheets).
#[utoipa::path(get, path = "/api/v1/sessions/{slug}/registrations.csv", tag = "registrations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug")),
    responses((status = 200, description = "The registrations, one per row, a column per form field",
        content_type = "text/csv", body = String),
        (status = 401, response = Unauthorized), (status = 404, response = NotFound)))]
pub async fn session_csv(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    csv(&state, &caller, Place::Session, &slug).await
}

/// A room's registrations as CSV (as the session's).
#[utoipa::path(get, path = "/api/v1/rooms/{slug}/registrations.csv", tag = "registrations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The room's slug")),
    responses((status = 200, description = "The registrations, one per row, a column per form field",
        content_type = "text/csv", body = String),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
pub async fn room_csv(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    csv(&state, &caller, Place::Room, &slug).await
}

/// This resource's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(session_list, session_approve, session_reject, session_csv,
        room_list, room_approve, room_reject, room_csv),
    tags((name = "registrations", description = "Registrants of the sessions the token's user manages and of the rooms they own or manage"))
)]
struct Doc;

pub fn doc() -> utoipa::openapi::OpenApi {
    <Doc as utoipa::OpenApi>::openapi()
}

/// A decision route: up to [`MAX_IDS`] ids need more than the API's usual body limit.
fn decision<H: axum::handler::Handler<T, AppState>, T: 'static>(
    h: H,
) -> routing::MethodRouter<AppState> {
    routing::post(h).layer(DefaultBodyLimit::max(DECISION_BODY_LIMIT))
}

/// This resource's routes (paths as in [`Doc`]; a test checks they agree).
pub fn routes(r: super::Routes) -> super::Routes {
    r.get("/api/v1/sessions/{slug}/registrations", session_list)
        .add(
            Method::POST,
            "/api/v1/sessions/{slug}/registrations/approve",
            decision(session_approve),
        )
        .add(
            Method::POST,
            "/api/v1/sessions/{slug}/registrations/reject",
            decision(session_reject),
        )
        .get("/api/v1/sessions/{slug}/registrations.csv", session_csv)
        .get("/api/v1/rooms/{slug}/registrations", room_list)
        .add(
            Method::POST,
            "/api/v1/rooms/{slug}/registrations/approve",
            decision(room_approve),
        )
        .add(
            Method::POST,
            "/api/v1/rooms/{slug}/registrations/reject",
            decision(room_reject),
        )
        .get("/api/v1/rooms/{slug}/registrations.csv", room_csv)
}
