//! The OpenAPI 3.1 document of the API, generated from the code: each resource's `Doc`
//! (utoipa derives from the handlers' `#[utoipa::path]` and the types' `ToSchema`) merged into
//! [`ApiDoc`], which adds the bearer scheme, the error shapes and the reusable error
//! responses. Built once at start-up, with the server's own limits filled in (the participant
//! cap's maximum comes from the configuration), and served at [`PATH`] without a token.

use std::sync::Arc;

use axum::Extension;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::error::{
    BadBody, Conflict, ErrorBody, ErrorCode, ErrorDetail, Forbidden, Invalid, NotFound,
    Unauthorized,
};
use crate::Config;

/// Where the document is served.
pub const PATH: &str = "/api/v1/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Amphi REST API",
        version = "1",
        description = "Rooms, sessions, registrations, recordings and users of an Amphi server, for intranets, LMS and CRM.\n\n\
            Every request but this document's carries `Authorization: Bearer <token>`; tokens are \
            created at `/account/tokens` in the back office, with a scope: `read` (GET only) or \
            `write`. A token acts as its user: it sees and may do what that user may in the back \
            office. Errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`: 401 without a \
            valid token, 403 for a read token on a write endpoint or a missing permission, 404 \
            for what the user may not see, 422 naming the refused field, 409 for conflicts."
    ),
    paths(document),
    components(
        schemas(ErrorBody, ErrorDetail, ErrorCode),
        responses(Unauthorized, Forbidden, NotFound, Invalid, BadBody, Conflict)
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "rooms", description = "Rooms the token's user owns or has a share of"),
        (name = "sessions", description = "Programme sessions the token's user manages: their staff and their live"),
        (name = "users", description = "Accounts (administrators only)"),
        (name = "meta", description = "This document")
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` security scheme every operation names.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from the back office (`/account/tokens`).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The whole document, as the code declares it (before the configuration's limits).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for resource in super::RESOURCES {
        doc.merge((resource.doc)());
    }
    doc
}

/// The served document: built once, shared by every request.
#[derive(Clone)]
pub struct Document(Arc<String>);

impl Document {
    pub fn build(config: &Config) -> Document {
        Document(Arc::new(document_json(config).to_string()))
    }
}

/// The document as JSON with this server's limits: the participant cap's `maximum`.
pub fn document_json(config: &Config) -> serde_json::Value {
    // Serialising utoipa's own types cannot fail (plain maps and strings).
    let mut json = serde_json::to_value(openapi()).unwrap_or_default();
    let max = config.rooms.max_participants;
    for schema in ["NewRoomBody", "RoomUpdate"] {
        if let Some(cap) = json
            .pointer_mut(&format!(
                "/components/schemas/{schema}/properties/max_participants"
            ))
            .and_then(serde_json::Value::as_object_mut)
        {
            cap.insert("maximum".to_owned(), max.into());
        }
    }
    json
}

/// This document (OpenAPI 3.1). No token needed.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json",
        body = Object)))]
pub async fn document(Extension(doc): Extension<Document>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        doc.0.as_str().to_owned(),
    )
        .into_response()
}
