//! Turning registration off (G7): `GET {base}/registration/disable` warns how many
//! registrations will be deleted; `POST` deletes them and the form, so that turning it on
//! again starts from the standard form.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::organiser::Organiser;
use crate::auth::csrf;
use crate::i18n::registration::RegStrings;
use crate::pages::{Ctx, Page, render, see_other};
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "registration_disable.html")]
struct DisablePage {
    page: Page,
    s: &'static RegStrings,
    base: String,
    warning: String,
    confirm: String,
}

/// `GET {base}/registration/disable`: the warning, with the count.
pub async fn confirm_form(
    State(state): State<AppState>,
    ctx: Ctx,
    org: Organiser,
) -> Result<Response, Error> {
    let s = RegStrings::of(ctx.lang);
    let count = state
        .store
        .registrations(&org.scope.target(), None)
        .await?
        .len()
        .to_string();
    let page = Page::new(&ctx, s.disable_title, Some(&org.login)).current(org.scope.nav());
    render(
        StatusCode::OK,
        &DisablePage {
            page,
            s,
            base: org.scope.admin_base(),
            warning: s.disable_warning.replace("{count}", &count),
            confirm: s.disable_confirm_count.replace("{count}", &count),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    csrf: String,
}

/// `POST {base}/registration/disable`: deletes the registrations and the form.
pub async fn disable(
    State(state): State<AppState>,
    org: Organiser,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, Error> {
    csrf::check(org.login.csrf(), &form.csrf)?;
    let target = org.scope.target();
    let deleted = state.store.disable_registration(&target).await?;
    tracing::info!(target = ?target, deleted, "registration turned off, registrations deleted");
    Ok(see_other(&format!(
        "{}/registration?notice=disabled",
        org.scope.admin_base()
    )))
}
