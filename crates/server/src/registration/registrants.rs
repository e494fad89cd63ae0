//! The organiser's registrant list (G2, G8): `GET {base}/registrants?status=…` with status
//! filters; `POST {base}/registrants` accepts or rejects one (its row's button) or many (the
//! ticked boxes and a bulk button), each change mailed to the person; `GET
//! {base}/registrants.csv` exports them, spreadsheet-safe (`csv.rs`).

use amphi_store::{RegistrationId, RegistrationStatus};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::csv::answer_text;
use super::mail::grouped;
use super::organiser::Organiser;
use crate::auth::csrf;
use crate::i18n::registration::RegStrings;
use crate::pages::{Ctx, Page, render, see_other};
use crate::{AppState, Error};

pub struct Row {
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: &'static str,
    pub status_key: &'static str,
    pub code: String,
    pub registered: String,
    /// "Question: answer" for each answered field of the current form.
    pub answers: Vec<String>,
}

#[derive(Template)]
#[template(path = "registration_list.html")]
struct ListPage {
    page: Page,
    s: &'static RegStrings,
    base: String,
    filter: &'static str,
    filters: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    count_line: String,
    enabled: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    notice: String,
}

const STATUSES: [(RegistrationStatus, &str); 4] = [
    (RegistrationStatus::Pending, "pending"),
    (RegistrationStatus::Approved, "approved"),
    (RegistrationStatus::Rejected, "rejected"),
    (RegistrationStatus::Cancelled, "cancelled"),
];

fn parse_status(key: &str) -> Option<(RegistrationStatus, &'static str)> {
    STATUSES.iter().find(|(_, k)| *k == key).copied()
}

fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    org: &Organiser,
    filter: &str,
    notice: Option<&'static str>,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, Error> {
    let s = RegStrings::of(ctx.lang);
    let target = org.scope.target();
    let settings = state.store.registration_settings(&target).await?;
    let fields = settings
        .as_ref()
        .map(|st| st.fields.clone())
        .unwrap_or_default();
    let wanted = parse_status(filter);
    let registrations = state
        .store
        .registrations(&target, wanted.map(|(st, _)| st))
        .await?;
    let rows = registrations
        .iter()
        .map(|r| Row {
            id: r.id.to_string(),
            name: r.name.clone(),
            email: r.email.clone(),
            status: s.status(r.status),
            status_key: parse_key(r.status),
            code: grouped(&r.code),
            registered: when(r.created_at),
            answers: fields
                .iter()
                .filter_map(|f| {
                    let (_, a) = r.answers.iter().find(|(k, _)| *k == f.key)?;
                    let text = answer_text(a);
                    (!text.is_empty()).then(|| format!("{}: {text}", f.label))
                })
                .collect(),
        })
        .collect();
    let counted = state.store.count_registrations(&target).await?;
    let cap = settings
        .as_ref()
        .and_then(|st| st.cap)
        .map_or(s.no_cap.to_owned(), |c| c.to_string());
    let mut page = Page::new(
        ctx,
        &format!("{} {}", s.registrants_of, org.scope.title()),
        Some(&org.login),
    )
    .current(org.scope.nav())
    .notice(notice);
    page.errors = errors;
    let mut filters = vec![("all", s.filter_all)];
    filters.extend(STATUSES.iter().map(|(st, k)| (*k, s.status(*st))));
    render(
        status,
        &ListPage {
            page,
            s,
            base: org.scope.admin_base(),
            filter: wanted.map_or("all", |(_, k)| k),
            filters,
            rows,
            count_line: s
                .count_line
                .replace("{count}", &counted.to_string())
                .replace("{cap}", &cap),
            enabled: settings.is_some_and(|st| st.enabled),
        },
    )
}

fn parse_key(status: RegistrationStatus) -> &'static str {
    STATUSES
        .iter()
        .find(|(st, _)| *st == status)
        .map_or("pending", |(_, k)| k)
}

/// `GET {base}/registrants`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    org: Organiser,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    let notice = (q.notice == "changed").then_some(RegStrings::of(ctx.lang).changed_notice);
    list_page(
        &state,
        &ctx,
        &org,
        &q.status,
        notice,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST {base}/registrants`: `one=approve:<id>` (a row's button), or `action=approve|reject`
/// with the ticked `id`s.
pub async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    org: Organiser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    csrf::check(org.login.csrf(), get("csrf").unwrap_or(""))?;
    let filter = get("filter").unwrap_or("").to_owned();
    let (verb, ids): (&str, Vec<RegistrationId>) = match get("one").and_then(|v| v.split_once(':'))
    {
        Some((verb, id)) => (verb, vec![RegistrationId::new(id)]),
        None => (
            get("action").unwrap_or(""),
            pairs
                .iter()
                .filter(|(k, _)| k == "id")
                .map(|(_, v)| RegistrationId::new(v.as_str()))
                .collect(),
        ),
    };
    let status = match verb {
        "approve" => RegistrationStatus::Approved,
        "reject" => RegistrationStatus::Rejected,
        _ => return Err(Error::NotFound),
    };
    if ids.is_empty() || ids.len() > 10_000 {
        let s = RegStrings::of(ctx.lang);
        let errors = vec![s.nothing_selected.to_owned()];
        let code = StatusCode::UNPROCESSABLE_ENTITY;
        return list_page(&state, &ctx, &org, &filter, None, errors, code).await;
    }
    super::decide::decide(&state, &ctx.headers, &org.scope, &ids, status).await?;
    let filter = parse_status(&filter).map_or("all", |(_, k)| k);
    Ok(see_other(&format!(
        "{}/registrants?status={filter}&notice=changed",
        org.scope.admin_base()
    )))
}

/// `GET {base}/registrants.csv`: every registration, as a download.
pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    org: Organiser,
) -> Result<Response, Error> {
    let target = org.scope.target();
    Ok(super::csv::download(&state.store, &target, ctx.lang, "registrants.csv").await?)
}
