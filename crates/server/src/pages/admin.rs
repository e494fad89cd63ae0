//! Administration of users (administrators only): list, add, disable and enable.

use amphi_store::{NewUser, StoreError, UserId};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::signin::CsrfForm;
use super::{Ctx, NoticeQuery, Page, render, see_other};
use crate::auth::{CurrentLogin, csrf, password};
use crate::validate;
use crate::{AppState, Error};

pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub disabled: bool,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    page: Page,
    users: Vec<UserRow>,
    email: String,
    display_name: String,
    is_admin: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    email: String,
    display_name: String,
    password: String,
    is_admin: String,
    csrf: String,
}

/// The signed-in administrator, or 403.
fn require_admin(login: &CurrentLogin) -> Result<(), Error> {
    if login.user.is_admin {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<String>,
    form: &NewUserForm,
) -> Result<Response, Error> {
    let users = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            is_self: u.id == login.user.id,
            id: u.id.to_string(),
            email: u.email,
            display_name: u.display_name,
            is_admin: u.is_admin,
            disabled: u.disabled,
        })
        .collect();
    let mut page = Page::new(ctx, ctx.t().users_title, Some(login))
        .current("users")
        .notice(notice);
    page.errors = errors;
    render(
        status,
        &UsersPage {
            page,
            users,
            email: form.email.clone(),
            display_name: form.display_name.clone(),
            is_admin: form.is_admin == "on",
        },
    )
}

/// `GET /admin/users`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    require_admin(&login)?;
    let notice = q.text(ctx.t());
    users_page(
        &state,
        &ctx,
        &login,
        StatusCode::OK,
        notice,
        Vec::new(),
        &NewUserForm::default(),
    )
    .await
}

/// `POST /admin/users`.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Form(form): Form<NewUserForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    require_admin(&login)?;
    let t = ctx.t();
    let email = validate::email(&form.email);
    let display_name = validate::display_name(&form.display_name);
    let new_password = validate::new_password(&form.password);
    let (email, display_name, new_password) =
        match validate::all_three(t, email, display_name, new_password) {
            Ok(fields) => fields,
            Err(errors) => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return users_page(&state, &ctx, &login, status, None, errors, &form).await;
            }
        };
    let password_hash = password::hash(new_password).await?;
    let created = state
        .store
        .create_user(NewUser {
            email,
            display_name,
            password_hash: Some(password_hash),
            is_admin: form.is_admin == "on",
        })
        .await;
    match created {
        Ok(user) => {
            tracing::info!(user = %user.id, by = %login.user.id, "user created");
            Ok(see_other("/admin/users?notice=user_created"))
        }
        Err(StoreError::Conflict) => {
            let errors = vec![t.err_email_taken.to_owned()];
            let status = StatusCode::CONFLICT;
            users_page(&state, &ctx, &login, status, None, errors, &form).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_disabled(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    id: String,
    csrf_given: &str,
    disabled: bool,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), csrf_given)?;
    require_admin(login)?;
    let id = UserId::new(id);
    if id == login.user.id {
        let errors = vec![ctx.t().cannot_disable_self.to_owned()];
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        let form = NewUserForm::default();
        return users_page(state, ctx, login, status, None, errors, &form).await;
    }
    // Disabling also deletes the user's logins (in the store): they are signed out at once.
    state.store.set_user_disabled(&id, disabled).await?;
    tracing::info!(user = %id, by = %login.user.id, disabled, "user status changed");
    let notice = if disabled {
        "user_disabled"
    } else {
        "user_enabled"
    };
    Ok(see_other(&format!("/admin/users?notice={notice}")))
}

/// `POST /admin/users/{id}/disable`.
pub async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    set_disabled(&state, &ctx, &login, id, &form.csrf, true).await
}

/// `POST /admin/users/{id}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    set_disabled(&state, &ctx, &login, id, &form.csrf, false).await
}
