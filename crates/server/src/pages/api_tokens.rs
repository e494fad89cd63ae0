//! "API tokens" (`/account/tokens`, any signed-in user): create a token with a name and a
//! scope (read or write), shown once with a copy button; list one's tokens (name, scope,
//! created, last used); revoke one after a confirmation page. The store keeps only the
//! token's hash (`auth::token::hash_token`, as for logins). The REST API (`api/`) accepts the
//! token as `Authorization: Bearer`.

use amphi_store::{ApiScope, ApiToken, ApiTokenId, NewApiToken};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::admin_outbox::utc_minutes;
use super::signin::CsrfForm;
use super::{Ctx, Page, render, see_other};
use crate::auth::token::{hash_token, new_token};
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::api_tokens::TokenStrings;
use crate::{AppState, Error};

/// At most this many tokens per user: a list one can still read and audit.
pub const MAX_TOKENS_PER_USER: usize = 50;
const NAME_MAX: usize = 100;

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scope: &'static str,
    pub created: String,
    pub last_used: Option<String>,
}

#[derive(Template)]
#[template(path = "api_tokens.html")]
struct TokensPage {
    page: Page,
    s: &'static TokenStrings,
    tokens: Vec<TokenRow>,
    /// The secret of the token just created: shown this once.
    new_token: Option<String>,
    name_value: String,
    write_checked: bool,
    api_url: String,
}

#[derive(Template)]
#[template(path = "api_token_revoke.html")]
struct RevokePage {
    page: Page,
    s: &'static TokenStrings,
    id: String,
    name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    name: String,
    scope: String,
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokensQuery {
    notice: String,
}

fn scope_label(s: &TokenStrings, scope: ApiScope) -> &'static str {
    match scope {
        ApiScope::Read => s.scope_read,
        ApiScope::Write => s.scope_write,
    }
}

fn row(s: &TokenStrings, t: ApiToken) -> TokenRow {
    TokenRow {
        id: t.id.to_string(),
        name: t.name,
        scope: scope_label(s, t.scope),
        created: utc_minutes(t.created_at),
        last_used: t.last_used_at.map(utc_minutes),
    }
}

/// A token's name: trimmed, 1..=100 characters, no control characters.
fn token_name(s: &TokenStrings, input: &str) -> Result<String, &'static str> {
    let name = input.trim();
    if name.is_empty() {
        Err(s.err_name_empty)
    } else if name.chars().count() > NAME_MAX {
        Err(s.err_name_long)
    } else if name.chars().any(char::is_control) {
        Err(s.err_name_control)
    } else {
        Ok(name.to_owned())
    }
}

struct Shown {
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<String>,
    new_token: Option<String>,
    name_value: String,
    write_checked: bool,
}

async fn tokens_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    shown: Shown,
) -> Result<Response, Error> {
    let s = TokenStrings::of(ctx.lang);
    let tokens = state
        .store
        .api_tokens_of_user(&login.user.id)
        .await?
        .into_iter()
        .map(|t| row(s, t))
        .collect();
    let mut page = Page::new(ctx, s.title, Some(login))
        .current("tokens")
        .notice(shown.notice);
    page.errors = shown.errors;
    render(
        shown.status,
        &TokensPage {
            page,
            s,
            tokens,
            new_token: shown.new_token,
            name_value: shown.name_value,
            write_checked: shown.write_checked,
            api_url: format!(
                "{}{}",
                state.base_url(&ctx.headers),
                crate::api::openapi::PATH
            ),
        },
    )
}

/// `GET /account/tokens`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Query(q): Query<TokensQuery>,
) -> Result<Response, Error> {
    let s = TokenStrings::of(ctx.lang);
    let notice = (q.notice == "token_revoked").then_some(s.revoked);
    let shown = Shown {
        status: StatusCode::OK,
        notice,
        errors: Vec::new(),
        new_token: None,
        name_value: String::new(),
        write_checked: false,
    };
    tokens_page(&state, &ctx, &login, shown).await
}

/// `POST /account/tokens`: creates the token and shows its secret on this answer only (no
/// redirect: the secret must not land in a URL or the history).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Form(form): Form<TokenForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let s = TokenStrings::of(ctx.lang);
    let name = token_name(s, &form.name);
    let scope = ApiScope::parse(&form.scope).ok_or(s.err_scope);
    let existing = state.store.api_tokens_of_user(&login.user.id).await?.len();
    let too_many = (existing >= MAX_TOKENS_PER_USER).then_some(s.err_too_many);
    let (name, scope) = match (name, scope, too_many) {
        (Ok(name), Ok(scope), None) => (name, scope),
        (name, scope, too_many) => {
            let errors = [name.err(), scope.err(), too_many]
                .into_iter()
                .flatten()
                .map(str::to_owned)
                .collect();
            let shown = Shown {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                notice: None,
                errors,
                new_token: None,
                name_value: form.name.chars().take(NAME_MAX * 2).collect(),
                write_checked: form.scope == "write",
            };
            return tokens_page(&state, &ctx, &login, shown).await;
        }
    };
    let secret = new_token();
    let token = state
        .store
        .create_api_token(NewApiToken {
            user_id: login.user.id.clone(),
            name,
            scope,
            token_hash: hash_token(&secret),
        })
        .await?;
    tracing::info!(token = %token.id, user = %login.user.id, scope = scope.as_str(), "API token created");
    let shown = Shown {
        status: StatusCode::CREATED,
        notice: None,
        errors: Vec::new(),
        new_token: Some(secret),
        name_value: String::new(),
        write_checked: false,
    };
    tokens_page(&state, &ctx, &login, shown).await
}

/// One of the signed-in user's tokens, or 404 (another user's token is not theirs to see).
async fn own_token(state: &AppState, login: &CurrentLogin, id: &str) -> Result<ApiToken, Error> {
    state
        .store
        .api_tokens_of_user(&login.user.id)
        .await?
        .into_iter()
        .find(|t| t.id.as_str() == id)
        .ok_or(Error::NotFound)
}

/// `GET /account/tokens/{id}/revoke`: the confirmation page.
pub async fn revoke_form(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let token = own_token(&state, &login, &id).await?;
    let s = TokenStrings::of(ctx.lang);
    let page = Page::new(&ctx, s.revoke_title, Some(&login)).current("tokens");
    render(
        StatusCode::OK,
        &RevokePage {
            page,
            s,
            id: token.id.to_string(),
            name: token.name,
        },
    )
}

/// `POST /account/tokens/{id}/revoke`: the token is refused from the next request on.
pub async fn revoke(
    State(state): State<AppState>,
    login: CurrentLogin,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    state
        .store
        .revoke_api_token(&login.user.id, &ApiTokenId::new(id))
        .await?;
    tracing::info!(user = %login.user.id, "API token revoked");
    Ok(see_other("/account/tokens?notice=token_revoked"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::api_tokens::EN;

    #[test]
    fn names() {
        assert_eq!(token_name(&EN, "  LMS sync ").as_deref(), Ok("LMS sync"));
        assert_eq!(token_name(&EN, "   "), Err(EN.err_name_empty));
        assert_eq!(token_name(&EN, &"é".repeat(101)), Err(EN.err_name_long));
        assert_eq!(token_name(&EN, "a\u{7}b"), Err(EN.err_name_control));
    }
}
