//! The friendly error pages, in the request's language (see `error.rs` and `app.rs`).

use askama::Template;
use axum::response::Response;

use super::{Ctx, Page, render};
use crate::Error;
use crate::error::ErrorPage;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    page: Page,
    text: &'static str,
    link_href: &'static str,
    link_text: &'static str,
}

/// Renders `kind` with `status`. The page has no signed-in navigation: it must render even
/// when the error came from the database.
pub fn render_error(
    ctx: &Ctx,
    kind: ErrorPage,
    status: axum::http::StatusCode,
) -> Result<Response, Error> {
    let t = ctx.t();
    let (title, text) = match kind {
        ErrorPage::NotFound => (t.not_found_title, t.not_found_text),
        ErrorPage::RoomNotFound => (t.room_not_found_title, t.room_not_found_text),
        ErrorPage::Forbidden => (t.forbidden_title, t.forbidden_text),
        ErrorPage::Csrf => (t.csrf_title, t.csrf_text),
        ErrorPage::SetupLinkInvalid => (t.setup_invalid_title, t.setup_invalid_text),
        ErrorPage::Internal => (t.internal_title, t.internal_text),
    };
    let (link_href, link_text) = match kind {
        ErrorPage::SetupLinkInvalid => ("/signin", t.go_sign_in),
        _ => ("/", t.go_home),
    };
    render(
        status,
        &ErrorTemplate {
            page: Page::new(ctx, title, None),
            text,
            link_href,
            link_text,
        },
    )
}
