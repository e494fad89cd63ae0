//! Server-rendered pages (askama templates in `crates/server/templates/`). User text is
//! always escaped by askama: never mark it `|safe`.

pub mod account;
pub mod admin;
pub mod admin_outbox;
pub mod admin_webhooks;
pub mod api_tokens;
pub mod errors;
pub mod invite_quota;
pub mod programme;
pub mod programme_form;
pub mod programme_public;
pub mod programme_staff;
pub mod programme_time;
pub mod room;
pub mod room_invite;
pub mod room_settings;
pub mod room_share;
pub mod rooms;
pub mod session;
pub mod session_signin;
pub mod setup;
pub mod signin;
pub mod signin_code;

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::CurrentLogin;
use crate::auth::login::set_cookie;
use crate::i18n::{LANG_COOKIE, Lang, Strings};
use crate::{AppState, Error};

/// What every request to a page knows before its handler runs: its language and path.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// Path and query, for the language switch to come back here.
    pub path: String,
    pub headers: HeaderMap,
    /// The client's address: see [`client_ip`].
    pub ip: Option<IpAddr>,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Ctx::new(&parts.headers, &parts.uri, &parts.extensions))
    }
}

impl Ctx {
    /// The context of a request, for middleware (handlers use the extractor).
    pub fn of<B>(request: &axum::http::Request<B>) -> Ctx {
        Ctx::new(request.headers(), request.uri(), request.extensions())
    }

    fn new(headers: &HeaderMap, uri: &Uri, extensions: &Extensions) -> Ctx {
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ctx {
            lang: Lang::from_headers(headers),
            path: uri
                .path_and_query()
                .map_or("/".to_owned(), |p| p.as_str().to_owned()),
            ip: client_ip(peer, headers),
            headers: headers.clone(),
        }
    }

    pub fn t(&self) -> &'static Strings {
        self.lang.strings()
    }
}

/// The client's address. The socket peer, except when the peer is a reverse proxy on this
/// machine (a loopback address): then the address that proxy appended to `X-Forwarded-For`
/// (the last one; earlier ones come from the client and prove nothing). Without this, every
/// visitor behind a local nginx would share one address, and one guesser's failures would
/// lock everybody out of signing in.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    let peer = peer?;
    if !peer.is_loopback() {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .and_then(|a| a.trim().parse::<IpAddr>().ok());
    Some(forwarded.unwrap_or(peer))
}

/// The signed-in user as the navigation shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub label: String,
    pub is_admin: bool,
}

/// The part of every page the layout (`base.html`) needs.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: &'static str,
    pub t: &'static Strings,
    pub title: String,
    pub switch_code: &'static str,
    pub switch_name: &'static str,
    /// `/lang/<code>?next=<this page>`.
    pub switch_href: String,
    pub user: Option<NavUser>,
    pub csrf: String,
    /// Which navigation entry is this page ("rooms", "users", "password" or "").
    pub current: &'static str,
    pub notice: Option<&'static str>,
    pub errors: Vec<String>,
    /// The navigation's "Programme" entry, in the page's language (i18n/programme.rs).
    pub nav_programme: &'static str,
    /// The navigation's "API tokens" entry, in the page's language (i18n/api_tokens.rs).
    pub nav_tokens: &'static str,
    /// The navigation's "Recordings" entry (i18n/recording.rs).
    pub nav_recordings: &'static str,
    /// The administrators' "Landing page domains" entry (i18n/registration.rs).
    pub nav_landing_domains: &'static str,
}

impl Page {
    pub fn new(ctx: &Ctx, title: &str, login: Option<&CurrentLogin>) -> Page {
        let other = ctx.lang.other();
        Page {
            lang: ctx.lang.code(),
            t: ctx.t(),
            title: title.to_owned(),
            switch_code: other.code(),
            switch_name: other.native_name(),
            switch_href: format!("/lang/{}?next={}", other.code(), encode_query(&ctx.path)),
            user: login.map(|l| NavUser {
                label: if l.user.display_name.is_empty() {
                    l.user.email.clone()
                } else {
                    l.user.display_name.clone()
                },
                is_admin: l.user.is_admin,
            }),
            csrf: login.map(|l| l.csrf().to_owned()).unwrap_or_default(),
            current: "",
            notice: None,
            errors: Vec::new(),
            nav_programme: crate::i18n::programme::ProgrammeStrings::of(ctx.lang).nav,
            nav_tokens: crate::i18n::api_tokens::TokenStrings::of(ctx.lang).title,
            nav_recordings: crate::i18n::recording::RecordingStrings::of(ctx.lang).nav,
            nav_landing_domains: crate::i18n::registration::RegStrings::of(ctx.lang).domains_title,
        }
    }

    pub fn current(mut self, current: &'static str) -> Page {
        self.current = current;
        self
    }

    pub fn notice(mut self, notice: Option<&'static str>) -> Page {
        self.notice = notice;
        self
    }
}

/// Renders a template as an HTML response that no cache keeps (pages are per user).
pub fn render(status: StatusCode, template: &impl Template) -> Result<Response, Error> {
    let html = template.render()?;
    Ok((
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response())
}

/// `303 See Other` to a local path: the answer to every successful form.
pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// `next` if it is a path on this site, else `fallback` (no open redirects).
pub fn safe_next<'a>(next: &'a str, fallback: &'a str) -> &'a str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok { next } else { fallback }
}

/// Percent-encodes text for a URL query value.
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `?notice=` of a page after a redirect: only known keys, never text from the URL.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    pub notice: String,
}

impl NoticeQuery {
    pub fn text(&self, t: &'static Strings) -> Option<&'static str> {
        Some(match self.notice.as_str() {
            "signed_out" => t.signed_out,
            "admin_created" => t.admin_created,
            "password_changed" => t.password_changed,
            "room_created" => t.room_created,
            "room_renamed" => t.room_renamed,
            "room_deleted" => t.room_deleted,
            "user_created" => t.user_created,
            "user_disabled" => t.user_disabled,
            "user_enabled" => t.user_enabled,
            _ => return None,
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `GET /lang/{code}?next=...`: remembers the language in a cookie and goes back.
pub async fn switch_language(
    state: axum::extract::State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
) -> Response {
    let next = safe_next(&q.next, "/");
    let mut response = see_other(next);
    if let Some(lang) = Lang::parse(&code) {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(
                LANG_COOKIE,
                lang.code(),
                Some(Duration::from_secs(365 * 24 * 3600)),
                state.is_https(&headers),
            ),
        );
    }
    response
}

/// `GET /`: the back office's home is the room list.
pub async fn home() -> Response {
    see_other("/rooms")
}

/// Adds a `Set-Cookie` to a response.
pub fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next("/rooms?x=1", "/"), "/rooms?x=1");
        assert_eq!(safe_next("//evil.example", "/"), "/");
        assert_eq!(safe_next("/\\evil.example", "/"), "/");
        assert_eq!(safe_next("https://evil.example", "/"), "/");
        assert_eq!(safe_next("", "/rooms"), "/rooms");
    }

    #[test]
    fn client_address_behind_a_local_proxy() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("10.0.0.9, 203.0.113.5"),
        );
        let local: IpAddr = "127.0.0.1".parse().expect("valid");
        let remote: IpAddr = "198.51.100.1".parse().expect("valid");
        let forwarded: IpAddr = "203.0.113.5".parse().expect("valid");
        assert_eq!(client_ip(Some(local), &h), Some(forwarded));
        assert_eq!(
            client_ip(Some(remote), &h),
            Some(remote),
            "only a local proxy is trusted"
        );
        assert_eq!(client_ip(Some(local), &HeaderMap::new()), Some(local));
        assert_eq!(client_ip(None, &h), None);
    }

    #[test]
    fn query_encoding() {
        assert_eq!(
            encode_query("/rooms?notice=a b&c"),
            "/rooms%3Fnotice%3Da%20b%26c"
        );
    }
}
