//! The first-run page: a one-time link, printed at start-up while no user exists, creates
//! the first administrator.

use amphi_store::{NewUser, StoreError, now_ms};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{Ctx, Page, render, see_other, with_cookie};
use crate::auth::token::hash_token;
use crate::auth::{csrf, password};
use crate::validate;
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    page: Page,
    form_csrf: String,
    token: String,
    email: String,
    display_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    email: String,
    display_name: String,
    password: String,
    confirm: String,
    csrf: String,
}

/// Tokens are base64url; anything else cannot be one (and is not echoed into the page).
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn valid(state: &AppState, token: &str) -> Result<bool, Error> {
    Ok(well_formed(token)
        && state
            .store
            .setup_token_valid(&hash_token(token), now_ms())
            .await?)
}

/// `GET /setup/{token}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    if !valid(&state, &token).await? {
        return Err(Error::SetupLinkInvalid);
    }
    page(
        &state,
        &ctx,
        StatusCode::OK,
        &token,
        &SetupForm::default(),
        Vec::new(),
    )
}

fn page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    token: &str,
    form: &SetupForm,
    errors: Vec<String>,
) -> Result<Response, Error> {
    let (form_csrf, cookie) = csrf::pre_login_token(state, &ctx.headers);
    let mut page = Page::new(ctx, ctx.t().setup_title, None);
    page.errors = errors;
    let body = SetupPage {
        page,
        form_csrf,
        token: token.to_owned(),
        email: form.email.clone(),
        display_name: form.display_name.clone(),
    };
    Ok(with_cookie(render(status, &body)?, cookie))
}

/// `POST /setup/{token}`.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> Result<Response, Error> {
    csrf::check_pre_login(&ctx.headers, &form.csrf)?;
    if !valid(&state, &token).await? {
        return Err(Error::SetupLinkInvalid);
    }
    let t = ctx.t();
    let email = validate::email(&form.email);
    let display_name = validate::display_name(&form.display_name);
    let new_password = validate::new_password_confirmed(&form.password, &form.confirm);
    let (email, display_name, new_password) =
        match validate::all_three(t, email, display_name, new_password) {
            Ok(fields) => fields,
            Err(errors) => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return page(&state, &ctx, status, &token, &form, errors);
            }
        };
    let password_hash = password::hash(new_password).await?;
    let created = state
        .store
        .complete_setup(
            &hash_token(&token),
            now_ms(),
            NewUser {
                email,
                display_name,
                password_hash: Some(password_hash),
                is_admin: true,
            },
        )
        .await;
    match created {
        Ok(Some(user)) => {
            tracing::info!(user = %user.id, "first administrator created");
            Ok(see_other("/signin?notice=admin_created"))
        }
        Ok(None) => Err(Error::SetupLinkInvalid),
        Err(StoreError::Conflict) => page(
            &state,
            &ctx,
            StatusCode::CONFLICT,
            &token,
            &form,
            vec![t.err_email_taken.to_owned()],
        ),
        Err(e) => Err(e.into()),
    }
}
