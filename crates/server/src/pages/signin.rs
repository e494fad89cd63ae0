//! Signing in and out.

use std::time::Instant;

use amphi_store::User;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::{Ctx, NoticeQuery, Page, encode_query, render, safe_next, see_other, with_cookie};
use crate::auth::login::{LOGIN_COOKIE, create_login, set_cookie};
use crate::auth::throttle::Key;
use crate::auth::{CurrentLogin, MaybeLogin, csrf, password};
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    page: Page,
    form_csrf: String,
    next: String,
    email: String,
    /// `/signin/code?next=...`: sign-in by code keeps where the visitor was going.
    code_href: String,
    /// Sign-in by code is offered only with a mail server (`pages/signin_code.rs`).
    offer_code: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    next: String,
    #[serde(flatten)]
    notice: NoticeQuery,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    email: String,
    password: String,
    csrf: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `GET /signin`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Query(q): Query<SignInQuery>,
) -> Result<Response, Error> {
    if login.is_some() {
        return Ok(see_other(safe_next(&q.next, "/rooms")));
    }
    let mut notice = q.notice.text(ctx.t());
    if notice.is_none() && state.store.count_users().await? == 0 {
        notice = Some(ctx.t().no_users_yet);
    }
    page(&state, &ctx, StatusCode::OK, &q.next, "", notice, None)
}

fn page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    next: &str,
    email: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, Error> {
    let (form_csrf, cookie) = csrf::pre_login_token(state, &ctx.headers);
    let mut page = Page::new(ctx, ctx.t().sign_in_title, None).notice(notice);
    page.errors.extend(error);
    let body = SignInPage {
        page,
        form_csrf,
        next: safe_next(next, "").to_owned(),
        email: email.to_owned(),
        code_href: code_href(next),
        offer_code: state.mailer.uses_smtp(),
    };
    Ok(with_cookie(render(status, &body)?, cookie))
}

/// The link to sign-in by code, carrying `next` when it is a local path.
pub fn code_href(next: &str) -> String {
    match safe_next(next, "") {
        "" => "/signin/code".to_owned(),
        next => format!("/signin/code?next={}", encode_query(next)),
    }
}

/// `POST /signin`.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SignInForm>,
) -> Result<Response, Error> {
    csrf::check_pre_login(&ctx.headers, &form.csrf)?;
    let t = ctx.t();
    let email = form.email.trim().to_lowercase();
    let mut keys = vec![Key::Email(email.clone())];
    if let Some(ip) = ctx.ip {
        keys.push(Key::Ip(ip));
    }
    // Counted before the password is checked, so concurrent guesses cannot pass the lockout.
    let attempt = match state.throttle.attempt(&keys, Instant::now()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            state.server_metrics.sign_in_failures.inc();
            return throttled(&state, &ctx, &form, wait.as_secs_f64().ceil() as u64);
        }
    };
    let user = state.store.user_by_email(&email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = password::verify(stored, &form.password).await;
    let user = user.filter(|u| password_ok && !u.disabled);
    let Some(user) = user else {
        state.server_metrics.sign_in_failures.inc();
        if let Some(lockout) = attempt.lockout {
            tracing::warn!(email = %email, ip = ?ctx.ip, secs = lockout.as_secs(), "sign-in locked out");
        }
        return page(
            &state,
            &ctx,
            StatusCode::UNAUTHORIZED,
            &form.next,
            &form.email,
            None,
            Some(t.wrong_credentials.to_owned()),
        );
    };
    state.throttle.succeeded(attempt);
    complete_sign_in(&state, &ctx, &user, &form.next, "password").await
}

/// Signs `user` in (their identity proven by `method`: "password" or "code"): a new Login,
/// its cookie (`HttpOnly; SameSite=Lax`, `Secure` over https), and a redirect to `next` if it
/// is a path of this site, else to the room list. The one way every sign-in ends.
pub async fn complete_sign_in(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    next: &str,
    method: &'static str,
) -> Result<Response, Error> {
    state.server_metrics.sign_ins.inc();
    let cookie = create_login(state, &user.id, &ctx.headers).await?;
    tracing::info!(user = %user.id, method, "signed in");
    Ok(with_cookie(
        see_other(safe_next(next, "/rooms")),
        Some(cookie),
    ))
}

fn throttled(
    state: &AppState,
    ctx: &Ctx,
    form: &SignInForm,
    wait_secs: u64,
) -> Result<Response, Error> {
    let mut response = page(
        state,
        ctx,
        StatusCode::TOO_MANY_REQUESTS,
        &form.next,
        &form.email,
        None,
        Some(ctx.t().throttled(wait_secs)),
    )?;
    if let Ok(v) = HeaderValue::from_str(&wait_secs.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(response)
}

/// `POST /signout`.
pub async fn sign_out(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    state.store.delete_login(&login.login.token_hash).await?;
    let clear = set_cookie(LOGIN_COOKIE, "", None, state.is_https(&ctx.headers));
    Ok(with_cookie(
        see_other("/signin?notice=signed_out"),
        Some(clear),
    ))
}
