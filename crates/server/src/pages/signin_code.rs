//! Sign-in by code (R8), two forms on one page:
//! 1. `GET /signin/code`, `POST /signin/code`: the e-mail address. If an enabled account has
//!    it, a code is stored (hashed) and mailed in the page's language. The answer is the
//!    same whatever the address (no account enumeration), and it does the same work for
//!    both: one `user_by_email`, then the answer. Storing the code and sending the mail
//!    happen in the background, so a real account's answer does not wait for a database
//!    write (review S2).
//! 2. `POST /signin/code/verify`: the address (hidden) and the code. The right code signs in
//!    exactly as the password does ([`signin::complete_sign_in`]).
//!
//! Only with a mail server (`mailer.uses_smtp()`): without one, mail would go to the outbox,
//! where any administrator could read a code and sign in as anyone (review S3). Then the
//! sign-in page offers no code, and these pages say it needs the mail server; no code is
//! ever stored or kept.
//!
//! The mail carries no link (review M1): a link built from the request's `Host` would let
//! anyone make the organisation's server mail a phishing address along with a real code.
//!
//! Both forms are anonymous: their CSRF token is the `amphi_pre` cookie's (double submit).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use amphi_store::{CodeCheck, UserId, now_ms};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::signin::complete_sign_in;
use super::{Ctx, Page, render, safe_next, see_other, with_cookie};
use crate::auth::MaybeLogin;
use crate::auth::csrf;
use crate::auth::throttle::Key;
use crate::i18n::Strings;
use crate::mail::signin_code::{MAX_ATTEMPTS, code_mail, hash_code, new_code, normalize_code};
use crate::{AppState, Error, validate};

#[derive(Template)]
#[template(path = "signin_code.html")]
struct CodePage {
    page: Page,
    form_csrf: String,
    next: String,
    email: String,
    /// Second step: the code form (the address is a hidden field).
    enter_code: bool,
    /// The text above the form (with the minutes filled in).
    intro: String,
    /// `/signin?next=...`, back to the password form.
    password_href: String,
    /// No mail server: the page says so, and shows no form.
    unavailable: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeQuery {
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    email: String,
    csrf: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VerifyForm {
    email: String,
    code: String,
    csrf: String,
    next: String,
}

/// What to render: step, status, the typed address, and an error if any.
struct View<'a> {
    status: StatusCode,
    enter_code: bool,
    /// Sign-in by code needs a mail server (see the module doc).
    unavailable: bool,
    next: &'a str,
    email: &'a str,
    error: Option<String>,
    retry_after: Option<Duration>,
}

fn minutes(state: &AppState) -> u64 {
    state.config.mail.signin_code_lifetime_secs.div_ceil(60)
}

fn fill(text: &str, state: &AppState) -> String {
    text.replace("{minutes}", &minutes(state).to_string())
}

fn page(state: &AppState, ctx: &Ctx, view: View<'_>) -> Result<Response, Error> {
    let t = ctx.t();
    let (form_csrf, cookie) = csrf::pre_login_token(state, &ctx.headers);
    let mut page = Page::new(ctx, t.code_title, None);
    page.errors.extend(view.error);
    let next = safe_next(view.next, "").to_owned();
    let password_href = match next.as_str() {
        "" => "/signin".to_owned(),
        n => format!("/signin?next={}", super::encode_query(n)),
    };
    let body = CodePage {
        page,
        form_csrf,
        next,
        email: view.email.to_owned(),
        enter_code: view.enter_code,
        intro: fill(
            if view.unavailable {
                t.code_unavailable
            } else if view.enter_code {
                t.code_sent
            } else {
                t.code_intro
            },
            state,
        ),
        password_href,
        unavailable: view.unavailable,
    };
    let mut response = with_cookie(render(view.status, &body)?, cookie);
    if let Some(wait) = view.retry_after
        && let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(response)
}

fn throttled_view<'a>(
    ctx: &Ctx,
    enter_code: bool,
    next: &'a str,
    email: &'a str,
    wait: Duration,
) -> View<'a> {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    View {
        status: StatusCode::TOO_MANY_REQUESTS,
        enter_code,
        unavailable: false,
        next,
        email,
        error: Some(ctx.t().code_throttled.replace("{secs}", &secs.to_string())),
        retry_after: Some(Duration::from_secs(secs)),
    }
}

/// Without a mail server: the page that says sign-in by code needs one (503 to a form).
fn unavailable(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    next: &str,
) -> Result<Response, Error> {
    page(
        state,
        ctx,
        View {
            status,
            enter_code: false,
            unavailable: true,
            next,
            email: "",
            error: None,
            retry_after: None,
        },
    )
}

/// An address as typed, shortened for echoing back on the page (a form may hold 64 KiB).
fn echo(typed: &str) -> String {
    typed.chars().take(254).collect()
}

fn keys(email: &str, ctx: &Ctx) -> Vec<Key> {
    let mut keys = vec![Key::Email(email.to_owned())];
    if let Some(ip) = ctx.ip {
        keys.push(Key::Ip(ip));
    }
    keys
}

/// `GET /signin/code`: the address form.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Query(q): Query<CodeQuery>,
) -> Result<Response, Error> {
    if login.is_some() {
        return Ok(see_other(safe_next(&q.next, "/rooms")));
    }
    if !state.mailer.uses_smtp() {
        return unavailable(&state, &ctx, StatusCode::OK, &q.next);
    }
    page(
        &state,
        &ctx,
        View {
            status: StatusCode::OK,
            enter_code: false,
            unavailable: false,
            next: &q.next,
            email: "",
            error: None,
            retry_after: None,
        },
    )
}

/// `POST /signin/code`: issues and mails a code if the address has an enabled account;
/// answers the code form either way.
pub async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<RequestForm>,
) -> Result<Response, Error> {
    csrf::check_pre_login(&ctx.headers, &form.csrf)?;
    if !state.mailer.uses_smtp() {
        return unavailable(&state, &ctx, StatusCode::SERVICE_UNAVAILABLE, &form.next);
    }
    let t = ctx.t();
    let Ok(email) = validate::email(&form.email) else {
        return page(
            &state,
            &ctx,
            View {
                status: StatusCode::BAD_REQUEST,
                enter_code: false,
                unavailable: false,
                next: &form.next,
                email: &echo(&form.email),
                error: Some(t.err_email.to_owned()),
                retry_after: None,
            },
        );
    };
    if let Err(wait) = state
        .signin_codes
        .count_request(&keys(&email, &ctx), Instant::now())
    {
        tracing::warn!(ip = ?ctx.ip, "sign-in code requests throttled");
        return page(
            &state,
            &ctx,
            throttled_view(&ctx, false, &form.next, &email, wait),
        );
    }
    let user = state.store.user_by_email(&email).await?;
    match user {
        Some(user) if !user.disabled => {
            // In the background, the database write included: the answer must not take longer
            // (nor fail) for a real account. A failure is logged (the mailer also counts it);
            // the person asks again.
            tokio::spawn(issue_code(state.clone(), t, user.id, email.clone(), ctx.ip));
        }
        Some(_) => {}
        // Session staff named by address may have no account yet (W2): in the background
        // too, so the answer does not tell.
        None => {
            let issue =
                super::session_signin::issue_staff_code(state.clone(), t, email.clone(), ctx.ip);
            tokio::spawn(issue);
        }
    }
    page(
        &state,
        &ctx,
        View {
            status: StatusCode::OK,
            enter_code: true,
            unavailable: false,
            next: &form.next,
            email: &email,
            error: None,
            retry_after: None,
        },
    )
}

/// Stores a new code for the user and mails it to `email` in the page's language (`t`),
/// saying which client address asked.
async fn issue_code(
    state: AppState,
    t: &'static Strings,
    user_id: UserId,
    email: String,
    ip: Option<IpAddr>,
) {
    let code = new_code();
    let now = now_ms();
    let lifetime_ms = i64::try_from(
        state
            .config
            .mail
            .signin_code_lifetime_secs
            .saturating_mul(1000),
    )
    .unwrap_or(i64::MAX);
    let stored = state
        .store
        .put_signin_code(
            &user_id,
            &hash_code(&user_id, &code),
            now,
            now.saturating_add(lifetime_ms),
        )
        .await;
    if let Err(e) = stored {
        tracing::warn!(user = %user_id, error = %e, "sign-in code not stored, so not mailed");
        return;
    }
    let mail = code_mail(t, &email, &code, minutes(&state), ip);
    if state.mailer.send(&mail).await.is_ok() {
        tracing::info!(user = %user_id, ip = ?ip, "sign-in code mailed");
    }
}

/// `POST /signin/code/verify`: the right code signs in; anything else answers the same
/// refusal (wrong, expired, used, killed, unknown or disabled account).
pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<VerifyForm>,
) -> Result<Response, Error> {
    csrf::check_pre_login(&ctx.headers, &form.csrf)?;
    if !state.mailer.uses_smtp() {
        return unavailable(&state, &ctx, StatusCode::SERVICE_UNAVAILABLE, &form.next);
    }
    let email = validate::email(&form.email).unwrap_or_default();
    let attempt = match state
        .signin_codes
        .attempt(&keys(&email, &ctx), Instant::now())
    {
        Ok(attempt) => attempt,
        Err(wait) => {
            state.server_metrics.sign_in_failures.inc();
            return page(
                &state,
                &ctx,
                throttled_view(&ctx, true, &form.next, &email, wait),
            );
        }
    };
    let user = if email.is_empty() {
        None
    } else {
        state.store.user_by_email(&email).await?
    };
    // Session staff without an account yet (W2): the right code creates it.
    if user.is_none()
        && !email.is_empty()
        && let Some(code) = normalize_code(&form.code)
        && let Some(user) = super::session_signin::verify_staff_code(&state, &email, &code).await?
    {
        state.signin_codes.succeeded(attempt);
        return complete_sign_in(&state, &ctx, &user, &form.next, "code").await;
    }
    let check = match (
        user.as_ref().filter(|u| !u.disabled),
        normalize_code(&form.code),
    ) {
        (Some(user), Some(code)) => {
            state
                .store
                .use_signin_code(
                    &user.id,
                    &hash_code(&user.id, &code),
                    now_ms(),
                    MAX_ATTEMPTS,
                )
                .await?
        }
        _ => CodeCheck::NoCode,
    };
    match (check, user) {
        (CodeCheck::Accepted, Some(user)) => {
            state.signin_codes.succeeded(attempt);
            complete_sign_in(&state, &ctx, &user, &form.next, "code").await
        }
        _ => {
            state.server_metrics.sign_in_failures.inc();
            page(
                &state,
                &ctx,
                View {
                    status: StatusCode::UNAUTHORIZED,
                    enter_code: true,
                    unavailable: false,
                    next: &form.next,
                    email: &email,
                    error: Some(fill(ctx.t().code_wrong, &state)),
                    retry_after: None,
                },
            )
        }
    }
}
