//! The signed-in user's own account: changing the password.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{Ctx, NoticeQuery, Page, render, see_other};
use crate::auth::{CurrentLogin, csrf, password};
use crate::validate;
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    page: Page,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    password: String,
    confirm: String,
    csrf: String,
}

fn page(
    ctx: &Ctx,
    login: &CurrentLogin,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<String>,
) -> Result<Response, Error> {
    let mut page = Page::new(ctx, ctx.t().password_title, Some(login))
        .current("password")
        .notice(notice);
    page.errors = errors;
    render(status, &PasswordPage { page })
}

/// `GET /account/password`.
pub async fn show(
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    page(&ctx, &login, StatusCode::OK, q.text(ctx.t()), Vec::new())
}

/// `POST /account/password`: on success every other login of the user ends (in the same
/// transaction as the change); this browser stays signed in.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Form(form): Form<PasswordForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let t = ctx.t();
    if !password::verify(login.user.password_hash.clone(), &form.current).await {
        return page(
            &ctx,
            &login,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            vec![t.current_password_wrong.to_owned()],
        );
    }
    let new_password = match validate::new_password_confirmed(&form.password, &form.confirm) {
        Ok(p) => p,
        Err(invalid) => {
            return page(
                &ctx,
                &login,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                vec![invalid.message(t).to_owned()],
            );
        }
    };
    let hash = password::hash(new_password).await?;
    let ended = state
        .store
        .change_password(&login.user.id, &hash, &login.login.token_hash)
        .await?;
    tracing::info!(user = %login.user.id, other_logins_ended = ended, "password changed");
    Ok(see_other("/account/password?notice=password_changed"))
}
