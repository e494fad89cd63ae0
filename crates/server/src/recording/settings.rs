//! "Record automatically when the live starts" (V2): an account's default with its options
//! (`GET|POST /account/recording`) and a session's override (`GET|POST
//! /programme/sessions/{slug}/recording`, for whoever manages the session). The live's start
//! asks [`auto_record`] which options to record with, if any.

use amphi_store::{RecordingDefaults, RecordingOptions, Session, Store};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::auth::{CurrentLogin, csrf};
use crate::i18n::recording::RecordingStrings;
use crate::pages::{Ctx, Page, render, see_other};
use crate::session_admin;
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "recordings_settings.html")]
struct SettingsPage {
    page: Page,
    s: &'static RecordingStrings,
    defaults: RecordingDefaults,
}

#[derive(Template)]
#[template(path = "recordings_session.html")]
struct SessionPage {
    page: Page,
    s: &'static RecordingStrings,
    slug: String,
    title: String,
    /// "default", "on" or "off".
    choice: &'static str,
}

/// Whether the session's live records itself when it starts, and with what: the session's
/// override, else its room owner's default.
pub async fn auto_record(
    store: &Store,
    session: &Session,
) -> Result<Option<RecordingOptions>, Error> {
    let owner = store
        .room_by_id(&session.room_id)
        .await?
        .map(|room| room.owner_id);
    let defaults = match &owner {
        Some(owner) => store.recording_defaults(owner).await?,
        None => RecordingDefaults::default(),
    };
    let on = store
        .session_auto_record(&session.id)
        .await?
        .unwrap_or(defaults.auto_record);
    Ok(on.then_some(defaults.options))
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: bool,
}

/// `GET /account/recording`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<SavedQuery>,
) -> Result<Response, Error> {
    let s = RecordingStrings::of(ctx.lang);
    let defaults = state.store.recording_defaults(&login.user.id).await?;
    let notice = q.saved.then_some(s.settings_saved);
    let page = Page::new(&ctx, s.settings_title, Some(&login))
        .current("recordings")
        .notice(notice);
    render(StatusCode::OK, &SettingsPage { page, s, defaults })
}

/// Checkboxes: present when ticked.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    auto_record: Option<String>,
    webcams: Option<String>,
    audio_only: Option<String>,
    csrf: String,
}

/// `POST /account/recording`.
pub async fn save(
    State(state): State<AppState>,
    login: CurrentLogin,
    Form(form): Form<SettingsForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let defaults = RecordingDefaults {
        auto_record: form.auto_record.is_some(),
        options: RecordingOptions {
            webcams: form.webcams.is_some(),
            audio_only: form.audio_only.is_some(),
        },
    };
    state
        .store
        .set_recording_defaults(&login.user.id, defaults)
        .await?;
    Ok(see_other("/account/recording?saved=true"))
}

/// The session at `slug` if `login` manages it.
async fn managed_session(
    state: &AppState,
    login: &CurrentLogin,
    slug: &str,
) -> Result<Session, Error> {
    let session = session_admin::session_at(&state.store, slug).await?;
    if !session_admin::may_manage(&state.store, &session, &login.user).await? {
        return Err(Error::Forbidden);
    }
    Ok(session)
}

/// `GET /programme/sessions/{slug}/recording`.
pub async fn show_session(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, Error> {
    let session = managed_session(&state, &login, &slug).await?;
    let s = RecordingStrings::of(ctx.lang);
    let choice = match state.store.session_auto_record(&session.id).await? {
        None => "default",
        Some(true) => "on",
        Some(false) => "off",
    };
    let page = Page::new(&ctx, s.settings_title, Some(&login))
        .current("programme")
        .notice(q.saved.then_some(s.settings_saved));
    render(
        StatusCode::OK,
        &SessionPage {
            page,
            s,
            slug: session.slug,
            title: session.title,
            choice,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SessionForm {
    auto_record: String,
    csrf: String,
}

/// `POST /programme/sessions/{slug}/recording`.
pub async fn save_session(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<SessionForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let session = managed_session(&state, &login, &slug).await?;
    let choice = match form.auto_record.as_str() {
        "default" => None,
        "on" => Some(true),
        "off" => Some(false),
        // Only the three radio values exist; anything else changes nothing.
        _ => return Ok(see_other(&format!("/programme/sessions/{slug}/recording"))),
    };
    state
        .store
        .set_session_auto_record(&session.id, choice)
        .await?;
    Ok(see_other(&format!(
        "/programme/sessions/{}/recording?saved=true",
        session.slug
    )))
}
