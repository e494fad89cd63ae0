//! Serving content: `GET /s/{slug}/content/{id}` (an image or a video) and
//! `GET /s/{slug}/content/{id}/page/{n}` (a PDF page as PNG, 1-based), to whoever may view
//! the session. Byte ranges (a video seeks with them), `Last-Modified` and conditional
//! requests come from tower-http's `ServeFile`; the Content-Type follows from the stored
//! file's extension, which we chose from the file's first bytes.

use std::path::PathBuf;

use amphi_store::{Content, ContentId, ContentKind, ContentStatus};
use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::{access, content_dir, plausible_id};
use crate::auth::MaybeLogin;
use crate::{AppState, Error};

/// A content item never changes once ready (a new upload is a new id), but who may see it
/// can: browsers keep it an hour, for this user only.
const CACHE_CONTROL: &str = "private, max-age=3600";

/// `GET /s/{slug}/content/{id}`.
pub async fn original(
    State(state): State<AppState>,
    UrlPath((slug, id)): UrlPath<(String, String)>,
    MaybeLogin(login): MaybeLogin,
    request: Request,
) -> Result<Response, Error> {
    let content = viewable(&state, &slug, &id, login).await?;
    let dir = content_dir(&state.config, &content.id);
    let path = match content.kind {
        ContentKind::Video => dir.join("original.mp4"),
        ContentKind::Image => {
            let png = dir.join("original.png");
            if tokio::fs::try_exists(&png).await.unwrap_or(false) {
                png
            } else {
                dir.join("original.jpg")
            }
        }
        // A PDF is shown by its pages; its original stays on the server.
        ContentKind::Pdf => return Err(Error::NotFound),
    };
    serve(path, request).await
}

/// `GET /s/{slug}/content/{id}/page/{n}`.
pub async fn page(
    State(state): State<AppState>,
    UrlPath((slug, id, n)): UrlPath<(String, String, String)>,
    MaybeLogin(login): MaybeLogin,
    request: Request,
) -> Result<Response, Error> {
    let content = viewable(&state, &slug, &id, login).await?;
    let n: i64 = n.parse().map_err(|_| Error::NotFound)?;
    if content.kind != ContentKind::Pdf || n < 1 || n > content.pages.unwrap_or(0) {
        return Err(Error::NotFound);
    }
    let path = content_dir(&state.config, &content.id).join(format!("page-{n}.png"));
    serve(path, request).await
}

/// The ready item `id` of the session at `slug`, if this visitor may view the session.
async fn viewable(
    state: &AppState,
    slug: &str,
    id: &str,
    login: Option<crate::auth::CurrentLogin>,
) -> Result<Content, Error> {
    let session = access::session(state, slug).await?;
    if !plausible_id(id) {
        return Err(Error::NotFound);
    }
    let user = login.map(|l| l.user);
    if !crate::session_admin::may_view(&state.store, &session, user.as_ref()).await? {
        return Err(Error::Forbidden);
    }
    match state.store.content_by_id(&ContentId::new(id)).await? {
        Some(c) if c.session_id == session.id && c.status == ContentStatus::Ready => Ok(c),
        _ => Err(Error::NotFound),
    }
}

async fn serve(path: PathBuf, request: Request) -> Result<Response, Error> {
    let response = match ServeFile::new(&path).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    if response.status() == StatusCode::NOT_FOUND {
        // Deleted between the lookup and now.
        return Err(Error::NotFound);
    }
    let mut response = response;
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok(response)
}
