//! `GET /s/{slug}/content` (the list and the limits, for staff) and
//! `POST /s/{slug}/content/{id}/delete` (a moderator any item, a speaker their own).

use amphi_store::{ContentId, StoreError};
use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::access::{self, Reject};
use super::refusal::Refusal;
use super::{info, notify, plausible_id, remove_files};
use crate::auth::MaybeLogin;
use crate::pages::Ctx;
use crate::{AppState, Error};

/// `GET /s/{slug}/content`: `{contents: [ContentInfo], limits: {image_mb, pdf_mb, video_mb,
/// pdf_pages}}`; the panel shows the limits by the upload field and checks sizes before
/// sending.
pub async fn list(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
) -> Response {
    let answer = async {
        let staff = access::staff(&state, &slug, login, &ctx.headers, false).await?;
        let contents = state.store.session_contents(&staff.session.id).await?;
        let c = &state.config.content;
        Ok::<_, Reject>(json!({
            "contents": contents.iter().map(info).collect::<Vec<_>>(),
            "limits": {
                "image_mb": c.max_image_mb,
                "pdf_mb": c.max_pdf_mb,
                "video_mb": c.max_video_mb,
                "pdf_pages": c.max_pdf_pages,
            },
        }))
    };
    match answer.await {
        Ok(body) => no_store(Json(body).into_response()),
        Err(reject) => reject.response(ctx.lang),
    }
}

/// `POST /s/{slug}/content/{id}/delete` (header `x-csrf-token`): `{deleted: id}`.
pub async fn delete(
    State(state): State<AppState>,
    UrlPath((slug, id)): UrlPath<(String, String)>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let staff = access::staff(&state, &slug, login, &headers, true).await?;
        if !plausible_id(&id) {
            return Err(Reject::from(Error::NotFound));
        }
        let id = ContentId::new(id);
        let content = match state.store.content_by_id(&id).await? {
            Some(c) if c.session_id == staff.session.id => c,
            _ => return Err(Error::NotFound.into()),
        };
        if !staff.may_delete(&content.created_by) {
            return Err(Refusal::NotStaff.into());
        }
        match state.store.delete_content(&id).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        // A job still running on it sees the item gone and stops (jobs.rs).
        remove_files(&state.config, &id).await;
        tracing::info!(content = %id, session = %staff.session.slug, "content deleted");
        notify(&state, &staff.session.slug).await;
        Ok(json!({ "deleted": id.as_str() }))
    };
    match answer.await {
        Ok(body) => no_store(Json(body).into_response()),
        Err(reject) => reject.response(ctx.lang),
    }
}

/// Content answers are about one person's rights and change often: never cached.
pub(super) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
