//! `GET /programme`: the public programme, for everyone. Published sessions only: upcoming
//! first (the soonest first; a session that is live is there whatever its time), then past
//! ones (the latest first). Each with its title, its slot in its own zone with the zone's
//! name, and a "Live" badge while live.

use amphi_store::{LiveState, Session, now_ms};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::programme_time::slot_in_words;
use super::{Ctx, Page, render};
use crate::auth::MaybeLogin;
use crate::i18n::programme::ProgrammeStrings;
use crate::{AppState, Error};

pub struct PublicRow {
    pub slug: String,
    pub title: String,
    pub when: String,
    pub live: bool,
}

#[derive(Template)]
#[template(path = "programme.html")]
struct ProgrammePage {
    page: Page,
    s: &'static ProgrammeStrings,
    upcoming: Vec<PublicRow>,
    past: Vec<PublicRow>,
}

/// Whether a published session is over: its live ended, or (never live) its slot is past.
pub fn is_past(session: &Session, now: i64) -> bool {
    match session.live_state {
        LiveState::Live => false,
        LiveState::Ended => true,
        LiveState::NotStarted => session.ends_at <= now,
    }
}

/// `GET /programme`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
) -> Result<Response, Error> {
    let s = ProgrammeStrings::of(ctx.lang);
    let now = now_ms();
    // By start time from the store.
    let (past, upcoming): (Vec<Session>, Vec<Session>) = state
        .store
        .published_sessions()
        .await?
        .into_iter()
        .partition(|session| is_past(session, now));
    let row = |session: &Session| PublicRow {
        slug: session.slug.clone(),
        title: session.title.clone(),
        when: slot_in_words(s, session.starts_at, session.ends_at, &session.time_zone),
        live: session.live_state == LiveState::Live,
    };
    let page = Page::new(&ctx, s.public_title, login.as_ref()).current("programme_public");
    render(
        StatusCode::OK,
        &ProgrammePage {
            page,
            s,
            upcoming: upcoming.iter().map(row).collect(),
            past: past.iter().rev().map(row).collect(),
        },
    )
}
