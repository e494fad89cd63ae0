//! The API's refusals: one JSON shape, `{"error": {"code", "message", "field"?}}`, with the
//! status that says what the client can do. The back office's [`crate::Error`] (friendly HTML
//! pages) converts into it, so handlers can call the shared helpers (`room_admin`, the store)
//! with `?`. Server errors are logged with their detail; the client gets a generic message.

use amphi_store::StoreError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{ToResponse, ToSchema};

/// What went wrong, for programs: stable, snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 401: no bearer token, or an unknown or revoked one, or its user is disabled.
    Unauthorized,
    /// 403: a read token on a write endpoint, or the token's user may not do this.
    Forbidden,
    /// 404: no such thing, or the token's user may not see it.
    NotFound,
    /// 400: the body is not JSON.
    BadRequest,
    /// 422: a value was refused; `field` names it.
    Invalid,
    /// 409: the request conflicts with the current state (a taken e-mail, ...).
    Conflict,
    /// 405: the path exists, not with this method.
    MethodNotAllowed,
    /// 413: the body is larger than the API accepts.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 500: the server failed; the detail is in its log.
    Internal,
}

/// The inside of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// A sentence in English for the person reading the integration's logs.
    #[schema(example = "The name must not be empty.")]
    pub message: String,
    /// For `invalid`: the request field that was refused (a JSON path such as `name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "name")]
    pub field: Option<String>,
}

/// Every error response of the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"error": {"code": "invalid", "message": "The name must not be empty.", "field": "name"}}))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A refusal, ready to become a response.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    detail: ErrorDetail,
}

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: ErrorDetail {
                code,
                message: message.into(),
                field: None,
            },
        }
    }

    pub fn unauthorized(message: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: &str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "Not found, or not visible to this token.",
        )
    }

    /// 422 naming the refused field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            message,
        );
        e.detail.field = Some(field.into());
        e
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    pub fn conflict(message: &str) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "This path does not take this method.",
        )
    }

    pub fn payload_too_large() -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            "The body is too large.",
        )
    }

    pub fn unsupported_media_type() -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Send the body as application/json.",
        )
    }

    /// 500: `detail` goes to the log, not to the client.
    pub fn internal(detail: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "The server failed; its log says why.",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn detail(&self) -> &ErrorDetail {
        &self.detail
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> Self {
        use crate::Error as E;
        match e {
            E::NotFound | E::RoomNotFound | E::Store(StoreError::NotFound) => ApiError::not_found(),
            E::Forbidden => ApiError::forbidden("The token's user may not do this."),
            E::Store(StoreError::Conflict) => {
                ApiError::conflict("This conflicts with what is stored.")
            }
            other => ApiError::internal(&other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        crate::Error::Store(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if !self.status.is_server_error() {
            tracing::info!(status = self.status.as_u16(), message = %self.detail.message, "API request refused");
        }
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (self.status, Json(ErrorBody { error: self.detail })).into_response();
        if unauthorized {
            // RFC 6750: tell the client which scheme to use.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"amphi\""),
            );
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

// Reusable responses of the OpenAPI document: every error status, with an example each.

/// No bearer token, or an unknown or revoked one, or its user is disabled
/// (`WWW-Authenticate: Bearer`).
#[derive(ToResponse)]
#[response(
    example = json!({"error": {"code": "unauthorized", "message": "A valid bearer token is required."}}),
    headers(("www-authenticate" = String, description = "Bearer realm=\"amphi\""))
)]
pub struct Unauthorized(#[allow(dead_code)] ErrorBody);

/// A read token on a write endpoint, or the token's user may not do this.
#[derive(ToResponse)]
#[response(
    example = json!({"error": {"code": "forbidden", "message": "This token may only read."}})
)]
pub struct Forbidden(#[allow(dead_code)] ErrorBody);

/// No such thing, or the token's user may not see it.
#[derive(ToResponse)]
#[response(
    example = json!({"error": {"code": "not_found", "message": "Not found, or not visible to this token."}})
)]
pub struct NotFound(#[allow(dead_code)] ErrorBody);

/// A value was refused: `field` names it.
#[derive(ToResponse)]
#[response(
    example = json!({"error": {"code": "invalid", "message": "The name must not be empty.", "field": "name"}})
)]
pub struct Invalid(#[allow(dead_code)] ErrorBody);

/// The body is not JSON (or not `application/json`: 415), or too large (413).
#[derive(ToResponse)]
#[response(
    example = json!({"error": {"code": "bad_request", "message": "The body is not valid JSON: expected value at line 1 column 1"}})
)]
pub struct BadBody(#[allow(dead_code)] ErrorBody);

/// The request conflicts with what is stored.
#[derive(ToResponse)]
#[response(
    example = json!({"error": {"code": "conflict", "message": "A user with this e-mail exists."}})
)]
pub struct Conflict(#[allow(dead_code)] ErrorBody);
