//! `/api/v1/sessions/{slug}/staff`: the speakers and moderators named on a session the token's
//! user may manage (see `sessions.rs` for who that is). Naming someone, or changing their role,
//! sends the back office's invitation mail (`staff_invite.rs`); a published session keeps at
//! least one moderator (the store's `StoreError::NoModerator`).

use amphi_store::{SessionStaff, StaffRole, StoreError};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Reader, Writer};
use super::error::{ApiError, BadBody, Conflict, Forbidden, Invalid, NotFound, Unauthorized};
use super::json::{ApiJson, ApiPath};
use super::sessions::{NO_MODERATOR, managed};
use crate::AppState;
use crate::mail::{Delivery, parse_addresses};
use crate::staff_invite::{Inviter, send_staff_invitations};

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiStaffRole {
    Speaker,
    Moderator,
}

impl From<ApiStaffRole> for StaffRole {
    fn from(r: ApiStaffRole) -> Self {
        match r {
            ApiStaffRole::Speaker => StaffRole::Speaker,
            ApiStaffRole::Moderator => StaffRole::Moderator,
        }
    }
}

impl From<StaffRole> for ApiStaffRole {
    fn from(r: StaffRole) -> Self {
        match r {
            StaffRole::Speaker => ApiStaffRole::Speaker,
            StaffRole::Moderator => ApiStaffRole::Moderator,
        }
    }
}

/// A speaker or moderator named on a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"email": "olivia@example.org", "role": "moderator", "added_at": 1_763_700_000_000_i64}))]
pub struct ApiStaff {
    /// Lowercase.
    pub email: String,
    pub role: ApiStaffRole,
    /// Unix milliseconds.
    pub added_at: i64,
}

impl From<SessionStaff> for ApiStaff {
    fn from(m: SessionStaff) -> Self {
        ApiStaff {
            email: m.email,
            role: m.role.into(),
            added_at: m.added_at,
        }
    }
}

/// A session's staff.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffList {
    pub staff: Vec<ApiStaff>,
}

/// The role to give.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"role": "moderator"}))]
pub struct StaffBody {
    pub role: ApiStaffRole,
}

/// What became of the invitation mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationOutcome {
    /// Accepted by the SMTP server.
    Sent,
    /// The server sends no mail: kept in the outbox for an administrator.
    Outbox,
    /// Sending failed (the role is given all the same; the server's log says why).
    Failed,
    /// Nothing changed (same person, same role): no mail.
    NotSent,
}

/// A staff member named, and their invitation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffNamed {
    pub member: ApiStaff,
    pub invitation: InvitationOutcome,
}

/// The session's speakers and moderators.
#[utoipa::path(get, path = "/api/v1/sessions/{slug}/staff", tag = "sessions", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug")),
    responses((status = 200, body = StaffList), (status = 401, response = Unauthorized), (status = 404, response = NotFound)))]
pub async fn staff(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<StaffList>, ApiError> {
    let session = managed(&state, &caller, &slug).await?;
    let staff = state
        .store
        .session_staff(&session.id)
        .await?
        .into_iter()
        .map(ApiStaff::from)
        .collect();
    Ok(Json(StaffList { staff }))
}

/// The address in the path, checked as the back office checks typed ones.
fn staff_email(input: &str) -> Result<String, ApiError> {
    match parse_addresses(input) {
        Ok(list) if list.len() == 1 => Ok(list.into_iter().next().unwrap_or_default()),
        _ => Err(ApiError::invalid(
            "email",
            "This is not one valid e-mail address.",
        )),
    }
}

/// Name someone speaker or moderator (or change their role). A person newly named, or given
/// another role, gets the back office's invitation mail (in English).
#[utoipa::path(put, path = "/api/v1/sessions/{slug}/staff/{email}", tag = "sessions", security(("bearer" = [])),
    request_body = StaffBody,
    params(("slug" = String, Path, description = "The session's slug"),
        ("email" = String, Path, description = "The person's e-mail address")),
    responses((status = 200, body = StaffNamed), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict),
        (status = 413, response = BadBody), (status = 415, response = BadBody), (status = 422, response = Invalid)))]
pub async fn put_staff(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiPath((slug, email)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<StaffBody>,
) -> Result<Json<StaffNamed>, ApiError> {
    let session = managed(&state, &caller, &slug).await?;
    let email = staff_email(&email)?;
    let role: StaffRole = body.role.into();
    let before = state.store.staff_role(&session.id, &email).await?;
    match state.store.set_staff(&session.id, &email, role).await {
        Ok(()) => {}
        // Demoting the last moderator of a published session.
        Err(StoreError::NoModerator) => return Err(ApiError::conflict(NO_MODERATOR)),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(session = %session.id, role = role.as_str(), token = %caller.token.id, "staff named through the API");
    let invitation = if before == Some(role) {
        InvitationOutcome::NotSent
    } else {
        let (name, base_url) = (caller.actor_name(), state.base_url(&headers));
        let inviter = Inviter {
            name: &name,
            base_url: &base_url,
            strings: &crate::i18n::programme::EN,
        };
        let sent = send_staff_invitations(
            &state,
            &session,
            std::slice::from_ref(&email),
            role,
            &inviter,
        )
        .await;
        match sent.into_iter().next() {
            Some(Ok(Delivery::Sent)) => InvitationOutcome::Sent,
            Some(Ok(Delivery::Outbox)) => InvitationOutcome::Outbox,
            Some(Err(e)) => {
                tracing::warn!(session = %session.id, error = %e, "a staff invitation failed");
                InvitationOutcome::Failed
            }
            None => InvitationOutcome::NotSent,
        }
    };
    let member = state
        .store
        .session_staff(&session.id)
        .await?
        .into_iter()
        .find(|m| m.email == email)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(StaffNamed {
        member: member.into(),
        invitation,
    }))
}

/// Remove someone from the staff. The last moderator of a published session stays (409).
#[utoipa::path(delete, path = "/api/v1/sessions/{slug}/staff/{email}", tag = "sessions", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The session's slug"),
        ("email" = String, Path, description = "The person's e-mail address")),
    responses((status = 204, description = "Removed"), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
pub async fn delete_staff(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath((slug, email)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let session = managed(&state, &caller, &slug).await?;
    let email = email.trim().to_lowercase();
    if state.store.staff_role(&session.id, &email).await?.is_none() {
        return Err(ApiError::not_found());
    }
    match state.store.remove_staff(&session.id, &email).await {
        Ok(()) => {}
        Err(StoreError::NoModerator) => return Err(ApiError::conflict(NO_MODERATOR)),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(session = %session.id, token = %caller.token.id, "staff member removed through the API");
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(staff, put_staff, delete_staff))]
struct Doc;

pub fn doc() -> utoipa::openapi::OpenApi {
    <Doc as utoipa::OpenApi>::openapi()
}

/// This resource's routes (paths as in [`Doc`]; a test checks they agree).
pub fn routes(r: super::Routes) -> super::Routes {
    r.get("/api/v1/sessions/{slug}/staff", staff)
        .put("/api/v1/sessions/{slug}/staff/{email}", put_staff)
        .delete("/api/v1/sessions/{slug}/staff/{email}", delete_staff)
}
