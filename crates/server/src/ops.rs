//! Operations endpoints: `/healthz` and `/metrics`.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

/// How long the database may take to answer before the server is called unhealthy.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// `GET /healthz`: 200 `ok` when the database answers, else 503 with the reason.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let reason = match tokio::time::timeout(HEALTH_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => return (StatusCode::OK, plain(), "ok\n").into_response(),
        Ok(Err(e)) => format!("database unavailable: {e}"),
        Err(_) => format!("database did not answer within {HEALTH_TIMEOUT:?}"),
    };
    tracing::warn!(%reason, "health check failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        plain(),
        format!("{reason}\n"),
    )
        .into_response()
}

fn plain() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
    ]
}

/// The `/metrics` route alone: merged into the application, or served on `[metrics] listen`.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// `GET /metrics`: the Prometheus text format. Counts of users, rooms, open rooms, pending
/// webhook deliveries, recordings in progress and recording jobs are read from the database
/// at scrape time (right across restarts and processes); a database failure leaves the last
/// known values. Active streams are this server's own.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.server_metrics;
    let store = &state.store;
    let counts = [
        ("users", &m.users, store.count_users().await),
        ("rooms", &m.rooms, store.count_rooms().await),
        ("open rooms", &m.rooms_open, store.count_open_rooms().await),
        (
            "pending webhook deliveries",
            &m.webhook_pending,
            store.count_pending_webhook_deliveries().await,
        ),
    ];
    let recording = amphi_store::RecordingState::Recording;
    let media = [
        (
            "recordings in progress",
            &m.recordings_active,
            store.recordings_in_state(recording).await.map(|v| v.len()),
        ),
        (
            "recording jobs",
            &m.recording_jobs_queued,
            store.unfinished_recording_jobs().await.map(|v| v.len()),
        ),
    ];
    m.streams_active
        .set(i64::try_from(state.rooms.streams().active_count()).unwrap_or(i64::MAX));
    let media = media.map(|(what, gauge, count)| (what, gauge, count.map(|n| n as u64)));
    for (what, gauge, count) in counts.into_iter().chain(media) {
        match count {
            Ok(n) => gauge.set(i64::try_from(n).unwrap_or(i64::MAX)),
            Err(e) => tracing::warn!(error = %e, "metrics: counting {what} failed"),
        }
    }
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        state.metrics.render(),
    )
        .into_response()
}
