//! Series (G6): `GET /programme/series` lists the organiser's series and creates one (`POST`).
//! A series' registration form is set up at `/programme/series/{id}/registration` (the same
//! pages as a session's); sessions join a series from their own registration page.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::auth::{CurrentLogin, csrf};
use crate::i18n::registration::RegStrings;
use crate::pages::{Ctx, Page, render, see_other};
use crate::{AppState, Error};

/// The longest series title.
const TITLE_MAX: usize = 100;

pub struct SeriesRow {
    pub id: String,
    pub title: String,
    pub sessions: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "registration_series.html")]
struct SeriesPage {
    page: Page,
    s: &'static RegStrings,
    rows: Vec<SeriesRow>,
    title_value: String,
    title_invalid: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SeriesQuery {
    notice: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    title: String,
    csrf: String,
}

async fn series_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    typed: &str,
    invalid: bool,
    notice: Option<&'static str>,
) -> Result<Response, Error> {
    let s = RegStrings::of(ctx.lang);
    let mut rows = Vec::new();
    for series in state.store.series_of_owner(&login.user.id).await? {
        let mut sessions = Vec::new();
        for id in state.store.series_sessions(&series.id).await? {
            if let Some(session) = state.store.session_by_id(&id).await? {
                sessions.push((session.slug, session.title));
            }
        }
        rows.push(SeriesRow {
            id: series.id.to_string(),
            title: series.title,
            sessions,
        });
    }
    let mut page = Page::new(ctx, s.series_title, Some(login))
        .current("programme")
        .notice(notice);
    if invalid {
        page.errors = vec![s.err_series_name.to_owned()];
    }
    let status = if invalid {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &SeriesPage {
            page,
            s,
            rows,
            title_value: typed.chars().take(TITLE_MAX + 20).collect(),
            title_invalid: invalid,
        },
    )
}

/// `GET /programme/series`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<SeriesQuery>,
) -> Result<Response, Error> {
    let notice = (q.notice == "created").then_some(RegStrings::of(ctx.lang).series_created);
    series_page(&state, &ctx, &login, "", false, notice).await
}

/// `POST /programme/series`: a new series owned by the signed-in user.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Form(form): Form<CreateForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let title = form.title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX || title.chars().any(char::is_control)
    {
        return series_page(&state, &ctx, &login, &form.title, true, None).await;
    }
    let series = state.store.create_series(&login.user.id, title).await?;
    tracing::info!(series = %series.id, "series created");
    Ok(see_other("/programme/series?notice=created"))
}
