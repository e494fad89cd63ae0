//! The HTTP application: every route, and the layers around them.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::auth::csrf::origin_check;
use crate::error::ErrorPage;
use crate::pages::{self, Ctx, account, admin, errors, room, rooms, setup, signin};
use crate::pages::{admin_outbox, signin_code};
use crate::pages::{room_invite, room_settings, room_share};
use crate::{AppState, Error, favicon, ops, static_files};

/// What pages may load: only this server's own files. Media elements also play the
/// camera, microphone and remote streams (`blob:`, `mediastream:`); images may be `data:`
/// (inline icons, the favicon). A video shared by link (C8) plays from its own server
/// (`media-src` http: https:; media cannot run script). `connect-src 'self'` covers the
/// signaling WebSocket (ws/wss of the same origin, in current browsers). No inline script or style anywhere, and no
/// framing (clickjacking).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; \
     media-src 'self' blob: mediastream: https: http:; connect-src 'self'; style-src 'self'; \
     script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// Back-office forms are small; uploads (later) set their own limit on their routes.
const FORM_BODY_LIMIT: usize = 64 * 1024;

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    let back_office = Router::new()
        .route("/", get(pages::home))
        .route("/signin", get(signin::show).post(signin::submit))
        .route(
            "/signin/code",
            get(signin_code::show).post(signin_code::request),
        )
        .route("/signin/code/verify", post(signin_code::verify))
        .route("/signout", post(signin::sign_out))
        .route("/setup/{token}", get(setup::show).post(setup::submit))
        .route(
            "/account/password",
            get(account::show).post(account::submit),
        )
        .route("/rooms", get(rooms::list).post(rooms::create))
        .route(
            "/rooms/{slug}/rename",
            get(rooms::rename_form).post(rooms::rename),
        )
        .route(
            "/rooms/{slug}/delete",
            get(rooms::delete_form).post(rooms::delete),
        )
        // Room access (issue 4): open/close, settings, sharing, invitations.
        .route("/rooms/{slug}/open", post(rooms::open))
        .route("/rooms/{slug}/close", post(rooms::close))
        .route(
            "/rooms/{slug}/settings",
            get(room_settings::show).post(room_settings::save),
        )
        .route(
            "/rooms/{slug}/share",
            get(room_share::show).post(room_share::add),
        )
        .route("/rooms/{slug}/share/{user_id}", post(room_share::change))
        .route(
            "/rooms/{slug}/share/{user_id}/remove",
            post(room_share::remove),
        )
        .route(
            "/rooms/{slug}/invite",
            get(room_invite::show)
                .post(room_invite::send)
                .layer(DefaultBodyLimit::max(room_invite::FORM_LIMIT)),
        )
        // REST API tokens (issue 10): any signed-in user's own.
        .route(
            "/account/tokens",
            get(pages::api_tokens::list).post(pages::api_tokens::create),
        )
        .route(
            "/account/tokens/{id}/revoke",
            get(pages::api_tokens::revoke_form).post(pages::api_tokens::revoke),
        )
        // The programme (issue 5): sessions, their staff, the public pages (pages/programme*.rs).
        .merge(programme_routes())
        .route("/admin/users", get(admin::list).post(admin::create))
        .route("/admin/users/{id}/disable", post(admin::disable))
        .route("/admin/users/{id}/enable", post(admin::enable))
        .route("/admin/outbox", get(admin_outbox::list))
        .merge(webhook_routes())
        // Registration (issue 6): organisers' pages, public form, gate (registration/mod.rs).
        .merge(crate::registration::routes())
        // Streaming out (issue 8): stream settings of rooms and sessions (streaming/pages.rs).
        .merge(crate::streaming::pages::routes())
        .route("/lang/{code}", get(pages::switch_language))
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT));

    let app = Router::new()
        .merge(back_office)
        .route("/r/{slug}", get(room::show))
        // Shared notes' and polls' downloads (issue 9): notes/export.rs, polls/export.rs.
        .merge(crate::notes::export::routes())
        .merge(crate::polls::export::routes())
        .route("/healthz", get(ops::healthz))
        .route("/static/{*path}", get(static_files::serve))
        .route("/favicon.ico", get(favicon::favicon))
        .fallback(|| async { Error::NotFound })
        .with_state(state.clone());

    // `/metrics` here unless `[metrics] listen` serves it on an address of its own (serve.rs).
    let app = if state.config.metrics.listen.is_none() {
        app.merge(ops::metrics_router(state.clone()))
    } else {
        app
    };

    // The signaling WebSocket (`GET /r/{slug}/ws`) and its room actors (signaling/mod.rs).
    let app = app.merge(crate::signaling::router(&state));
    // Session content: upload, list, delete, files (content/mod.rs).
    let app = app.merge(crate::content::router(&state));
    // The check page's connection test (`/net/ping`, `/net/download`, `/net/upload`).
    let app = app.merge(crate::nettest::router());
    // Recordings: library, replays, uploads, settings (recording/pages.rs).
    let app = app.merge(crate::recording::pages::routes(&state));

    app.layer(middleware::from_fn_with_state(state.clone(), origin_check))
        // The REST API (api/mod.rs): bearer tokens only, no cookie, so outside the Origin check.
        .merge(crate::api::router(state.clone()))
        .layer(middleware::from_fn(error_pages))
        .layer(middleware::from_fn_with_state(state, count_responses))
        // Headers every response gets unless its handler set its own.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(TraceLayer::new_for_http())
}

/// Back office → Programme, the public programme and the session pages (pages/programme*.rs,
/// pages/session.rs). `/s/{slug}/ws` and the content routes are the signaling's and content's.
fn programme_routes() -> Router<AppState> {
    use crate::pages::{programme, programme_form, programme_public, programme_staff, session};
    Router::new()
        .route("/programme", get(programme_public::show))
        .route("/programme/sessions", get(programme::list))
        .route(
            "/programme/sessions/new",
            get(programme_form::new_form).post(programme_form::create),
        )
        .route(
            "/programme/sessions/{slug}/edit",
            get(programme_form::edit_form).post(programme_form::edit),
        )
        .route(
            "/programme/sessions/{slug}/staff",
            get(programme_staff::show).post(programme_staff::add),
        )
        .route(
            "/programme/sessions/{slug}/staff/role",
            post(programme_staff::change),
        )
        .route(
            "/programme/sessions/{slug}/staff/remove",
            post(programme_staff::remove),
        )
        .route(
            "/programme/sessions/{slug}/delete",
            get(programme::delete_form).post(programme::delete),
        )
        .route("/s/{slug}", get(session::show))
        .route("/s/{slug}/backstage", get(session::backstage))
}

/// Back office → Webhooks (administrators only; pages/admin_webhooks.rs).
fn webhook_routes() -> Router<AppState> {
    use crate::pages::admin_webhooks as hooks;
    Router::new()
        .route("/admin/webhooks", get(hooks::list).post(hooks::create))
        .route("/admin/webhooks/{id}", get(hooks::show))
        .route("/admin/webhooks/{id}/enable", post(hooks::enable))
        .route("/admin/webhooks/{id}/disable", post(hooks::disable))
        .route("/admin/webhooks/{id}/test", post(hooks::test))
        .route("/admin/webhooks/{id}/delete", post(hooks::delete))
}

/// Replaces the plain body of an error response (tagged [`ErrorPage`] by
/// `Error::into_response`) with the friendly page in the request's language.
async fn error_pages(request: Request, next: Next) -> Response {
    let ctx = Ctx::of(&request);
    let response = next.run(request).await;
    let Some(kind) = response.extensions().get::<ErrorPage>().copied() else {
        return response;
    };
    let status = response.status();
    match errors::render_error(&ctx, kind, status) {
        Ok(mut page) => {
            // Keep what the handler said besides the body (e.g. Retry-After).
            for (name, value) in response.headers() {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    page.headers_mut().insert(name.clone(), value.clone());
                }
            }
            page
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering the error page failed");
            response
        }
    }
}

/// Counts every response by status class for `/metrics`.
async fn count_responses(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    state
        .server_metrics
        .count_response(response.status().as_u16());
    response.into_response()
}
