//! A poll's results as a CSV download: `GET /r/{slug}/polls/{id}/results.csv` and
//! `/s/{slug}/polls/{id}/results.csv`, for those who run polls there (signed in).

use amphi_room::Action;
use amphi_store::PollId;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::auth::login::MaybeLogin;
use crate::notes::export::organiser;
use crate::signaling::Place;
use crate::{AppState, Error};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/r/{slug}/polls/{id}/results.csv", get(room_csv))
        .route("/s/{slug}/polls/{id}/results.csv", get(session_csv))
}

async fn room_csv(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    login: MaybeLogin,
) -> Response {
    let next = format!("/r/{slug}/polls/{id}/results.csv");
    export(&state, Place::Room(slug), id, login, next)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn session_csv(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    login: MaybeLogin,
) -> Response {
    let next = format!("/s/{slug}/polls/{id}/results.csv");
    export(&state, Place::Session(slug), id, login, next)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn export(
    state: &AppState,
    place: Place,
    id: String,
    login: MaybeLogin,
    next: String,
) -> Result<Response, Error> {
    let (_, owner, _) = organiser(state, place, login, Action::RunPolls, next).await?;
    let id = PollId::new(id);
    let poll = match state.store.poll(&id).await? {
        Some(poll) if poll.place == owner => poll,
        _ => return Err(Error::NotFound),
    };
    let (counts, _) = state.store.poll_counts(&id, poll.options.len()).await?;
    let ballots = state.store.poll_ballots(&id).await?;
    let body = super::csv::results(&poll, &counts, &ballots);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    // The id is 32 hex digits once found in the store: safe in the file name.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"poll-{id}.csv\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
