//! The people's side of recordings (issue 7): the routes of the library, the replay page and
//! files, the upload and the settings, and what their pages share (how a recording's date,
//! duration, size and state read).
//!
//! - `GET /recordings` (+ `/recordings/status` JSON), rename, visibility, delete: [`super::library`].
//! - `GET /replays/{id}` (+ `/status` JSON, `/video` with Range), `GET /recordings/{id}/download`,
//!   `GET /s/{slug}/replay` (the session page's replay, JSON): [`super::replay`].
//! - `POST /recordings/uploads`, `GET|PUT|DELETE /recordings/uploads/{id}`: [`super::upload`].
//! - `GET|POST /account/recording`, `GET|POST /programme/sessions/{slug}/recording`: [`super::settings`].

use amphi_store::{Recording, RecordingState};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::{RecordingError, library, replay, settings, upload};
use crate::i18n::recording::RecordingStrings;
use crate::{AppState, Error};

/// Every route of the people's side of recordings (merged by `app.rs`).
pub fn routes(state: &AppState) -> Router {
    Router::new()
        .route("/recordings", get(library::list))
        .route("/recordings/status", get(library::status))
        .route(
            "/recordings/{id}/rename",
            get(library::rename_form).post(library::rename),
        )
        .route("/recordings/{id}/visibility", post(library::set_visibility))
        .route(
            "/recordings/{id}/delete",
            get(library::delete_form).post(library::delete),
        )
        .route("/recordings/{id}/download", get(replay::download))
        .route("/replays/{id}", get(replay::show))
        .route("/replays/{id}/status", get(replay::status))
        .route("/replays/{id}/video", get(replay::video))
        .route("/s/{slug}/replay", get(replay::session_replay))
        .route(
            "/recordings/uploads",
            get(upload::start_info).post(upload::begin),
        )
        .route(
            "/recordings/uploads/{id}",
            get(upload::offset)
                .put(upload::chunk)
                .delete(upload::cancel)
                // Each chunk is capped by the handler (`upload::MAX_CHUNK_BYTES`).
                .layer(DefaultBodyLimit::max(upload::MAX_CHUNK_BYTES)),
        )
        .route(
            "/account/recording",
            get(settings::show).post(settings::save),
        )
        .route(
            "/programme/sessions/{slug}/recording",
            get(settings::show_session).post(settings::save_session),
        )
        .with_state(state.clone())
}

/// Where a recording was made.
pub enum Place {
    Room(String),
    Session(String),
}

impl Place {
    pub fn label(&self, s: &RecordingStrings) -> String {
        match self {
            Place::Room(name) => format!("{} · {name}", s.room_prefix),
            Place::Session(title) => format!("{} · {title}", s.session_prefix),
        }
    }
}

/// A Unix-ms time as `2026-11-21 17:30 UTC`.
pub fn date(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// A duration as `m:ss` or `h:mm:ss`.
pub fn duration(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A size in bytes as `12.3 MB` (powers of 1000, as file managers show them).
pub fn size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} kB", (b / 1e3).ceil())
    }
}

/// The state in words, with the progress while processing.
pub fn state_label(s: &RecordingStrings, r: &Recording) -> String {
    match r.state {
        RecordingState::Recording => s.state_recording.to_owned(),
        RecordingState::Processing => format!("{} ({} %)", s.state_processing, r.progress),
        RecordingState::Ready => s.state_ready.to_owned(),
        RecordingState::Failed => s.state_failed.to_owned(),
    }
}

/// Deletes a recording for good (the service stops it first if it runs, then removes its row,
/// jobs included, and its folder); one already gone is not an error.
pub async fn delete_recording(state: &AppState, r: &Recording) -> Result<(), Error> {
    match state.recordings.delete(&r.id).await {
        Ok(()) | Err(RecordingError::Store(amphi_store::StoreError::NotFound)) => Ok(()),
        Err(e) => Err(Error::Internal(format!("deleting recording {}: {e}", r.id))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_well() {
        assert_eq!(duration(0), "0:00");
        assert_eq!(duration(61_999), "1:01");
        assert_eq!(duration(3_600_000 + 65_000), "1:01:05");
        assert_eq!(size(999), "1 kB");
        assert_eq!(size(12_345_678), "12.3 MB");
        assert_eq!(size(2_500_000_000), "2.5 GB");
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(date(0), "1970-01-01 00:00 UTC");
    }
}
