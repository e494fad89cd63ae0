//! The administrator's allow-list of landing-page domains (G5): `GET`/`POST
//! /admin/landing-domains`. Organisers may send registrants only to these domains (and their
//! subdomains) after registering; taking a domain off stops its redirects at once.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::landing::domains;
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::registration::RegStrings;
use crate::pages::{Ctx, Page, render, see_other};
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "registration_domains.html")]
struct DomainsPage {
    page: Page,
    s: &'static RegStrings,
    value: String,
    invalid: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DomainsQuery {
    notice: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DomainsForm {
    domains: String,
    csrf: String,
}

/// Administrators only: anyone else gets a 403.
fn admin(login: &CurrentLogin) -> Result<(), Error> {
    if login.user.is_admin {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

fn page(
    ctx: &Ctx,
    login: &CurrentLogin,
    value: String,
    errors: Vec<String>,
    notice: Option<&'static str>,
) -> Result<Response, Error> {
    let s = RegStrings::of(ctx.lang);
    let invalid = !errors.is_empty();
    let mut page = Page::new(ctx, s.domains_title, Some(login))
        .current("landing-domains")
        .notice(notice);
    page.errors = errors;
    let status = if invalid {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &DomainsPage {
            page,
            s,
            value,
            invalid,
        },
    )
}

/// `GET /admin/landing-domains`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<DomainsQuery>,
) -> Result<Response, Error> {
    admin(&login)?;
    let list = state.store.landing_domains().await?;
    let notice = (q.notice == "saved").then_some(RegStrings::of(ctx.lang).domains_saved);
    page(&ctx, &login, list.join("\n"), Vec::new(), notice)
}

/// `POST /admin/landing-domains`: the whole list at once; one bad entry stores nothing.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Form(form): Form<DomainsForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    admin(&login)?;
    match domains(&form.domains) {
        Ok(list) => {
            state.store.set_landing_domains(&list).await?;
            tracing::info!(domains = list.len(), "landing domains saved");
            Ok(see_other("/admin/landing-domains?notice=saved"))
        }
        Err(bad) => {
            let s = RegStrings::of(ctx.lang);
            let errors = vec![s.err_domains.replace("{list}", &bad.join(", "))];
            let value = form.domains.chars().take(10_000).collect();
            page(&ctx, &login, value, errors, None)
        }
    }
}
