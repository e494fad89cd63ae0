//! The REST API v1 (issue 10, O5): JSON under `/api/v1`, `Authorization: Bearer <token>`.
//!
//! - `auth`: the token of a request ([`auth::Reader`] / [`auth::Writer`]: the scope is in
//!   the handler's signature); `error`: every refusal in one JSON shape; `json`: bodies and
//!   path parameters refused in that shape (422 names the field).
//! - One file per resource (`rooms`, `sessions`, `users`): its handlers, each with a `#[utoipa::path]`,
//!   its types (`ToSchema`), a `Doc` (`#[derive(OpenApi)]` listing its handlers) and
//!   `routes(Routes) -> Routes`. Adding a resource (registrations, recordings) is one file
//!   plus one line in [`RESOURCES`].
//! - `openapi`: the document at `/api/v1/openapi.json`, merged from the resources' `Doc`s.
//!   [`route_table`] lists what the router registers, so a test checks the two agree.
//!
//! No cookie is read here, so no CSRF check and no `Origin` check applies (`app.rs` merges
//! this router outside that layer). Bodies are at most [`BODY_LIMIT`].

pub mod auth;
pub mod error;
pub mod json;
pub mod openapi;
pub mod recordings;
pub mod registrations;
pub mod rooms;
pub mod session_staff;
pub mod sessions;
pub mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};

use crate::AppState;
use error::ApiError;

/// Where the API lives.
pub const PREFIX: &str = "/api/v1";

/// The largest request body the API reads; API bodies are a few fields.
pub const BODY_LIMIT: usize = 64 * 1024;

/// One resource of the API: its routes and its part of the OpenAPI document.
pub struct Resource {
    pub routes: fn(Routes) -> Routes,
    pub doc: fn() -> utoipa::openapi::OpenApi,
}

/// Every resource, in the order the document lists them.
pub const RESOURCES: &[Resource] = &[
    Resource {
        routes: rooms::routes,
        doc: rooms::doc,
    },
    Resource {
        routes: sessions::routes,
        doc: sessions::doc,
    },
    Resource {
        routes: session_staff::routes,
        doc: session_staff::doc,
    },
    Resource {
        routes: users::routes,
        doc: users::doc,
    },
    Resource {
        routes: registrations::routes,
        doc: registrations::doc,
    },
    Resource {
        routes: recordings::routes,
        doc: recordings::doc,
    },
];

/// The router being built, and the table of what it registers (method, full path), which the
/// route test compares with the OpenAPI document.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<(Method, &'static str)>,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    fn add(mut self, method: Method, path: &'static str, route: MethodRouter<AppState>) -> Routes {
        debug_assert!(path.starts_with(PREFIX), "API routes live under {PREFIX}");
        self.table.push((method, path));
        // axum merges method routers registered on the same path.
        self.router = self.router.route(path, route);
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::GET, path, routing::get(h))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::POST, path, routing::post(h))
    }

    pub fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::PATCH, path, routing::patch(h))
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::PUT, path, routing::put(h))
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::DELETE, path, routing::delete(h))
    }
}

fn all_routes() -> Routes {
    let routes = Routes::new().get(openapi::PATH, openapi::document);
    RESOURCES.iter().fold(routes, |r, res| (res.routes)(r))
}

/// Every (method, path) the API registers, paths as in the OpenAPI document.
pub fn route_table() -> Vec<(Method, &'static str)> {
    all_routes().table
}

/// The API's routes, ready to merge into the application (outside the CSRF layer).
pub fn router(state: AppState) -> Router {
    let document = openapi::Document::build(&state.config);
    let api = all_routes()
        .router
        // JSON answers for what matches no handler under the prefix.
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .route(PREFIX, routing::any(|| async { ApiError::not_found() }))
        .route(
            &format!("{PREFIX}/{{*rest}}"),
            routing::any(|| async { ApiError::not_found() }),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::Extension(document));
    api.with_state(state)
}
