//! `/api/v1/users`: accounts, for administrators only (any other token's user gets 403, as
//! the back office's `/admin/users`). List, create, get, disable and enable. Disabling ends the
//! user's logins and makes their API tokens fail at once (the store checks on every request).

use amphi_store::{NewUser, StoreError, User, UserId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Reader, Writer};
use super::error::{ApiError, BadBody, Conflict, Forbidden, Invalid, NotFound, Unauthorized};
use super::json::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::password;
use crate::validate;

/// A user account as the API shows it (never its password).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5", "email": "olivia@example.org",
    "display_name": "Olivia", "is_admin": false, "disabled": false, "created_at": 1_763_700_000_000_i64}))]
pub struct ApiUser {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub disabled: bool,
    /// Unix milliseconds.
    pub created_at: i64,
}

impl From<User> for ApiUser {
    fn from(u: User) -> Self {
        ApiUser {
            id: u.id.to_string(),
            email: u.email,
            display_name: u.display_name,
            is_admin: u.is_admin,
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<ApiUser>,
}

/// A new account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"email": "olivia@example.org", "display_name": "Olivia", "password": "correct horse battery", "is_admin": false}))]
pub struct NewUserBody {
    /// Unique, in any case.
    #[schema(max_length = 254)]
    pub email: String,
    /// Up to 100 characters; may be empty.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    /// 10 to 1000 characters; absent: the user signs in by e-mailed code only.
    #[serde(default)]
    #[schema(min_length = 10, max_length = 1000)]
    pub password: Option<String>,
    /// Default `false`.
    #[serde(default)]
    pub is_admin: Option<bool>,
}

/// List every user, oldest first (administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserList), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
pub async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
) -> Result<Json<UserList>, ApiError> {
    caller.require_admin()?;
    let users = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(ApiUser::from)
        .collect();
    Ok(Json(UserList { users }))
}

/// Create a user (administrators). A taken e-mail is 409.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = NewUserBody,
    responses((status = 201, body = ApiUser), (status = 400, response = BadBody), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 409, response = Conflict), (status = 413, response = BadBody),
        (status = 415, response = BadBody), (status = 422, response = Invalid)))]
pub async fn create(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<ApiUser>), ApiError> {
    caller.require_admin()?;
    let email =
        validate::email(&body.email).map_err(|i| ApiError::invalid("email", i.english()))?;
    let raw_name = body.display_name.as_deref().unwrap_or("");
    // The document says at most 100 characters: before trimming, as a client counts them.
    if raw_name.chars().count() > validate::ROOM_NAME_MAX {
        return Err(ApiError::invalid(
            "display_name",
            validate::Invalid::DisplayName.english(),
        ));
    }
    let display_name = validate::display_name(raw_name)
        .map_err(|i| ApiError::invalid("display_name", i.english()))?;
    let password_hash = match &body.password {
        Some(p) => {
            let p = validate::new_password(p)
                .map_err(|i| ApiError::invalid("password", i.english()))?;
            Some(password::hash(p).await.map_err(ApiError::from)?)
        }
        None => None,
    };
    let created = state
        .store
        .create_user(NewUser {
            email,
            display_name,
            password_hash,
            is_admin: body.is_admin.unwrap_or(false),
        })
        .await;
    match created {
        Ok(user) => {
            tracing::info!(user = %user.id, by = %caller.user.id, token = %caller.token.id, "user created through the API");
            Ok((StatusCode::CREATED, Json(user.into())))
        }
        Err(StoreError::Conflict) => Err(ApiError::conflict("A user with this e-mail exists.")),
        Err(e) => Err(e.into()),
    }
}

/// One user (administrators).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, body = ApiUser), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
pub async fn get(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApiUser>, ApiError> {
    caller.require_admin()?;
    let user = state
        .store
        .user_by_id(&UserId::new(id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(user.into()))
}

async fn set_disabled(
    state: &AppState,
    caller: &super::auth::Caller,
    id: String,
    disabled: bool,
) -> Result<Json<ApiUser>, ApiError> {
    caller.require_admin()?;
    let id = UserId::new(id);
    if id == caller.user.id {
        // As in the back office: an administrator cannot lock themselves out.
        return Err(ApiError::conflict(
            "The token's own user cannot be disabled or enabled through it.",
        ));
    }
    // Disabling also deletes the user's logins (in the store): signed out at once.
    state.store.set_user_disabled(&id, disabled).await?;
    tracing::info!(user = %id, by = %caller.user.id, disabled, "user status changed through the API");
    let user = state
        .store
        .user_by_id(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(user.into()))
}

/// Disable a user (administrators): their logins end and their API tokens stop working.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, body = ApiUser), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
pub async fn disable(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApiUser>, ApiError> {
    set_disabled(&state, &caller, id, true).await
}

/// Enable a disabled user again (administrators).
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, body = ApiUser), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
pub async fn enable(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApiUser>, ApiError> {
    set_disabled(&state, &caller, id, false).await
}

/// This resource's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, disable, enable))]
struct Doc;

pub fn doc() -> utoipa::openapi::OpenApi {
    <Doc as utoipa::OpenApi>::openapi()
}

/// This resource's routes (paths as in [`Doc`]; a test checks they agree).
pub fn routes(r: super::Routes) -> super::Routes {
    r.get("/api/v1/users", list)
        .post("/api/v1/users", create)
        .get("/api/v1/users/{id}", get)
        .post("/api/v1/users/{id}/disable", disable)
        .post("/api/v1/users/{id}/enable", enable)
}
