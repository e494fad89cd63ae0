//! Cross-site request forgery defences, two layers:
//! 1. Every POST carries a token in a hidden form field `csrf`: a signed-in browser's is its
//!    login's token (kept in the database); before sign-in (sign-in and setup forms) it is a
//!    random value also kept in the `amphi_pre` cookie (double submit).
//! 2. [`origin_check`], a middleware: an unsafe request whose `Origin` (or, lacking it,
//!    `Referer`) names another site is refused before any handler runs.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::login::set_cookie;
use super::token::{constant_time_eq, new_token};
use crate::i18n::cookie;
use crate::{AppState, Error};

pub const PRE_LOGIN_COOKIE: &str = "amphi_pre";
const PRE_LOGIN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Checks a form's token against the expected one.
pub fn check(expected: &str, given: &str) -> Result<(), Error> {
    if given.is_empty() {
        return Err(Error::Csrf("missing token"));
    }
    if expected.is_empty() || !constant_time_eq(expected, given) {
        return Err(Error::Csrf("wrong token"));
    }
    Ok(())
}

/// The token for an anonymous form: the browser's `amphi_pre` cookie, or a new one with the
/// `Set-Cookie` to send.
pub fn pre_login_token(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, PRE_LOGIN_COOKIE).filter(|t| t.len() == 43) {
        Some(token) => (token, None),
        None => {
            let token = new_token();
            let set = set_cookie(
                PRE_LOGIN_COOKIE,
                &token,
                Some(PRE_LOGIN_LIFETIME),
                state.is_https(headers),
            );
            (token, Some(set))
        }
    }
}

/// Checks an anonymous form's token against the `amphi_pre` cookie.
pub fn check_pre_login(headers: &HeaderMap, given: &str) -> Result<(), Error> {
    let expected = cookie(headers, PRE_LOGIN_COOKIE).unwrap_or_default();
    check(&expected, given)
}

/// Whether the request's `Origin` (or `Referer`) is this server. A request carrying neither
/// (a non-browser client) passes: the form token still protects it. Exposed for the
/// WebSocket upgrade, which browsers do not protect with the same-origin policy.
pub fn origin_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else {
        return true;
    };
    let Some(origin) = origin_of(source) else {
        return false; // "null" (sandboxed frames, privacy redirects) or garbage
    };
    if let Some(public) = state.config.http.public_url.as_deref().and_then(origin_of)
        && public.eq_ignore_ascii_case(&origin)
    {
        return true;
    }
    // Same host as the request (either scheme: a TLS proxy may not say X-Forwarded-Proto).
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// Middleware: refuses unsafe methods from another origin.
pub async fn origin_check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !origin_allowed(&state, request.headers()) {
        return Error::Csrf("cross-origin request").into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080/rooms?x=1").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("ftp://x"), None);
    }

    #[test]
    fn tokens() {
        assert!(check("abc", "abc").is_ok());
        assert!(matches!(
            check("abc", ""),
            Err(Error::Csrf("missing token"))
        ));
        assert!(matches!(
            check("abc", "abd"),
            Err(Error::Csrf("wrong token"))
        ));
        assert!(check("", "").is_err());
    }
}
