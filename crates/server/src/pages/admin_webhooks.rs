//! `/admin/webhooks` (administrators only): register endpoints (URL, description, events; a
//! signing secret generated and shown once), enable/disable, delete, send a test event, and
//! each endpoint's delivery log, newest first, paged.

use amphi_store::{DeliveryStatus, NewWebhookEndpoint, WebhookEndpoint, now_ms};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::admin_outbox::utc_minutes;
use super::signin::CsrfForm;
use super::{Ctx, NoticeQuery, Page, render, see_other};
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::webhooks::{WebhookStrings, strings};
use crate::webhooks::url::{UrlProblem, endpoint_url};
use crate::webhooks::{EVENT_TYPES, sign};
use crate::{AppState, Error};

/// Deliveries per page of the log.
pub const PAGE_SIZE: u32 = 50;
/// The longest description accepted, in characters.
const MAX_DESCRIPTION: usize = 200;

pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: String,
    pub enabled: bool,
}

pub struct EventChoice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

pub struct DeliveryRow {
    pub id: String,
    pub event: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub http: String,
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt: String,
    pub delivered_at: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "admin_webhooks.html")]
struct ListPage {
    page: Page,
    w: &'static WebhookStrings,
    endpoints: Vec<EndpointRow>,
    choices: Vec<EventChoice>,
    url: String,
    description: String,
    /// The new endpoint's secret, right after it was created (shown once).
    new_secret: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_webhook.html")]
struct EndpointPage {
    page: Page,
    w: &'static WebhookStrings,
    endpoint: EndpointRow,
    deliveries: Vec<DeliveryRow>,
    page_number: u64,
    pages: u64,
}

fn require_admin(login: &CurrentLogin) -> Result<(), Error> {
    if login.user.is_admin {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Every action's post: an administrator's, with the login's CSRF token.
fn check_admin_post(login: &CurrentLogin, form: &CsrfForm) -> Result<(), Error> {
    require_admin(login)?;
    csrf::check(login.csrf(), &form.csrf)
}

fn row(w: &WebhookStrings, e: WebhookEndpoint) -> EndpointRow {
    EndpointRow {
        events: e
            .events
            .iter()
            .map(|t| w.event_name(t))
            .collect::<Vec<_>>()
            .join(", "),
        id: e.id,
        url: e.url,
        description: e.description,
        enabled: e.enabled,
    }
}

fn notice(w: &'static WebhookStrings, key: &str) -> Option<&'static str> {
    Some(match key {
        "enabled" => w.notice_enabled,
        "disabled" => w.notice_disabled,
        "test" => w.notice_test,
        "deleted" => w.notice_deleted,
        _ => return None,
    })
}

#[allow(clippy::too_many_arguments)]
async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    status: StatusCode,
    notice_text: Option<&'static str>,
    errors: Vec<String>,
    form: &NewEndpoint,
    new_secret: Option<String>,
) -> Result<Response, Error> {
    let w = strings(ctx.lang);
    let endpoints = state
        .store
        .webhook_endpoints()
        .await?
        .into_iter()
        .map(|e| row(w, e))
        .collect();
    let choices = EVENT_TYPES
        .iter()
        .map(|t| EventChoice {
            value: t,
            label: w.event_name(t),
            checked: form.events.iter().any(|e| e == t),
        })
        .collect();
    let mut page = Page::new(ctx, w.title, Some(login))
        .current("webhooks")
        .notice(notice_text);
    page.errors = errors;
    render(
        status,
        &ListPage {
            page,
            w,
            endpoints,
            choices,
            url: form.url.clone(),
            description: form.description.clone(),
            new_secret,
        },
    )
}

/// `GET /admin/webhooks`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    require_admin(&login)?;
    let text = notice(strings(ctx.lang), &q.notice);
    list_page(
        &state,
        &ctx,
        &login,
        StatusCode::OK,
        text,
        Vec::new(),
        &NewEndpoint::default(),
        None,
    )
    .await
}

/// The add form, read from its fields (events are repeated checkboxes).
#[derive(Debug, Default)]
pub struct NewEndpoint {
    url: String,
    description: String,
    events: Vec<String>,
    csrf: String,
}

impl NewEndpoint {
    fn from_pairs(pairs: Vec<(String, String)>) -> NewEndpoint {
        let mut form = NewEndpoint::default();
        for (key, value) in pairs {
            match key.as_str() {
                "url" => form.url = value,
                "description" => form.description = value,
                "csrf" => form.csrf = value,
                "event" => form.events.push(value),
                _ => {}
            }
        }
        form
    }
}

/// `POST /admin/webhooks`: validates, stores, and shows the secret once.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    require_admin(&login)?;
    let form = NewEndpoint::from_pairs(pairs);
    csrf::check(login.csrf(), &form.csrf)?;
    let w = strings(ctx.lang);
    let mut errors = Vec::new();
    let url = match endpoint_url(&form.url) {
        Ok(url) => Some(url),
        Err(problem) => {
            errors.push(
                match problem {
                    UrlProblem::Empty => w.err_url_empty,
                    UrlProblem::TooLong => w.err_url_long,
                    UrlProblem::NotHttp => w.err_url_http,
                    UrlProblem::Credentials => w.err_url_credentials,
                }
                .to_owned(),
            );
            None
        }
    };
    let description = form.description.trim().replace(['\r', '\n'], " ");
    if description.chars().count() > MAX_DESCRIPTION {
        errors.push(w.err_description_long.to_owned());
    }
    // Known types only, in the listed order, each once.
    let events: Vec<String> = EVENT_TYPES
        .iter()
        .filter(|t| form.events.iter().any(|e| e == *t))
        .map(|t| (*t).to_owned())
        .collect();
    if events.is_empty() {
        errors.push(w.err_no_event.to_owned());
    }
    let Some(url) = url.filter(|_| errors.is_empty()) else {
        return list_page(
            &state,
            &ctx,
            &login,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            errors,
            &form,
            None,
        )
        .await;
    };
    let secret = sign::new_secret();
    let endpoint = state
        .store
        .create_webhook_endpoint(NewWebhookEndpoint {
            url,
            description,
            events,
            secret: secret.clone(),
            created_at: now_ms(),
        })
        .await?;
    tracing::info!(endpoint = %endpoint.id, by = %login.user.id, "webhook endpoint added");
    list_page(
        &state,
        &ctx,
        &login,
        StatusCode::CREATED,
        None,
        Vec::new(),
        &NewEndpoint::default(),
        Some(secret),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    page: u64,
    notice: String,
}

/// `GET /admin/webhooks/{id}?page=N`: the endpoint and its delivery log (page 1 = newest).
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(id): Path<String>,
    Query(q): Query<LogQuery>,
) -> Result<Response, Error> {
    require_admin(&login)?;
    let w = strings(ctx.lang);
    let endpoint = state
        .store
        .webhook_endpoint(&id)
        .await?
        .ok_or(Error::NotFound)?;
    let total = state.store.count_webhook_deliveries_of(&id).await?;
    let pages = total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let page_number = q.page.clamp(1, pages);
    let deliveries = state
        .store
        .webhook_deliveries_of(
            &id,
            PAGE_SIZE,
            (page_number - 1).saturating_mul(u64::from(PAGE_SIZE)),
        )
        .await?
        .into_iter()
        .map(|d| {
            let (status, status_class) = match d.status {
                DeliveryStatus::Pending => (w.status_pending, "pending"),
                DeliveryStatus::Delivered => (w.status_delivered, "delivered"),
                DeliveryStatus::Failed => (w.status_failed, "failed"),
            };
            DeliveryRow {
                event: w.event_name(&d.event_type),
                status,
                status_class,
                http: d.last_status.map(|s| s.to_string()).unwrap_or_default(),
                attempts: d.attempts,
                last_error: d.last_error.unwrap_or_default(),
                next_attempt: match d.status {
                    DeliveryStatus::Pending => d.next_attempt_at.map(utc_seconds),
                    _ => None,
                }
                .unwrap_or_default(),
                delivered_at: d.delivered_at.map(utc_seconds).unwrap_or_default(),
                created: utc_seconds(d.created_at),
                id: d.id,
            }
        })
        .collect();
    let page = Page::new(&ctx, w.endpoint_title, Some(&login))
        .current("webhooks")
        .notice(notice(w, &q.notice));
    render(
        StatusCode::OK,
        &EndpointPage {
            page,
            w,
            endpoint: row(w, endpoint),
            deliveries,
            page_number,
            pages,
        },
    )
}

/// `YYYY-MM-DD HH:MM:SS` (UTC): the log needs seconds (retries in tests are seconds apart).
fn utc_seconds(ms: i64) -> String {
    format!(
        "{}:{:02}",
        utc_minutes(ms),
        ms.div_euclid(1000).rem_euclid(60)
    )
}

/// `POST /admin/webhooks/{id}/enable`.
pub async fn enable(
    state: State<AppState>,
    login: CurrentLogin,
    id: Path<String>,
    form: Form<CsrfForm>,
) -> Result<Response, Error> {
    set_enabled(state, login, id, form, true).await
}

/// `POST /admin/webhooks/{id}/disable`.
pub async fn disable(
    state: State<AppState>,
    login: CurrentLogin,
    id: Path<String>,
    form: Form<CsrfForm>,
) -> Result<Response, Error> {
    set_enabled(state, login, id, form, false).await
}

async fn set_enabled(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
    enabled: bool,
) -> Result<Response, Error> {
    check_admin_post(&login, &form)?;
    // An unknown id is the store's NotFound: a 404 page like any other.
    state
        .store
        .set_webhook_endpoint_enabled(&id, enabled)
        .await?;
    let key = if enabled { "enabled" } else { "disabled" };
    Ok(see_other(&format!("/admin/webhooks/{id}?notice={key}")))
}

/// `POST /admin/webhooks/{id}/test`: queues a `webhook.test` event for this endpoint.
pub async fn test(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    check_admin_post(&login, &form)?;
    if state.store.webhook_endpoint(&id).await?.is_none() {
        return Err(Error::NotFound);
    }
    state.webhooks.send_test(&id).await?;
    Ok(see_other(&format!("/admin/webhooks/{id}?notice=test")))
}

/// `POST /admin/webhooks/{id}/delete`: the endpoint and its log.
pub async fn delete(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    check_admin_post(&login, &form)?;
    state.store.delete_webhook_endpoint(&id).await?;
    tracing::info!(endpoint = %id, by = %login.user.id, "webhook endpoint deleted");
    Ok(see_other("/admin/webhooks?notice=deleted"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_shown() {
        assert_eq!(utc_seconds(1_795_000_000_000), "2026-11-18 11:06:40");
    }

    #[test]
    fn repeated_checkboxes_are_read() {
        let form = NewEndpoint::from_pairs(vec![
            ("url".into(), "https://x.example/".into()),
            ("event".into(), "room.opened".into()),
            ("event".into(), "live.ended".into()),
            ("csrf".into(), "t".into()),
        ]);
        assert_eq!(form.events, ["room.opened", "live.ended"]);
        assert_eq!(form.csrf, "t");
    }
}
