//! A session's own pages: `GET /s/{slug}` (the attendees' page, for everyone once published;
//! a draft is a 404 to all but its staff and organisers) and `GET /s/{slug}/backstage` (its
//! staff only: not signed in → the sign-in page, back here afterwards; signed in but not
//! staff → a 403 page naming the address one is signed in with). Both are shells the web
//! client (`web/js/webinar/attendee.js`, `backstage.js`) builds in; without JavaScript they
//! already say the title, description, scheduled time (in the session's zone, with its name)
//! and the live state in words.

use amphi_proto::Role;
use amphi_store::{LiveState, Session};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::programme_time::slot_in_words;
use super::rooms::actor_name;
use super::{Ctx, Page, encode_query, render};
use crate::auth::{CurrentLogin, MaybeLogin};
use crate::i18n::programme::ProgrammeStrings;
use crate::session_admin::{is_staff, may_view, role_of, session_at};
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "session.html")]
struct SessionPage {
    lang: &'static str,
    s: &'static ProgrammeStrings,
    /// `/lang/<other>?next=<this page>`, and the other language's code and name.
    switch_href: String,
    switch_code: &'static str,
    switch_name: &'static str,
    backstage: bool,
    slug: String,
    title: String,
    /// Paragraphs of the description.
    description: Vec<String>,
    when: String,
    starts_at: i64,
    /// The start as RFC 3339 UTC, for `<time datetime>`.
    starts_iso: String,
    ends_at: i64,
    time_zone: String,
    live_state: &'static str,
    live_sentence: &'static str,
    role: &'static str,
    user_name: String,
    csrf: String,
    /// The attendees' page shows staff the way to the backstage.
    staff: bool,
}

#[derive(Template)]
#[template(path = "session_forbidden.html")]
struct ForbiddenPage {
    page: Page,
    s: &'static ProgrammeStrings,
    text: String,
    slug: String,
    title: String,
}

/// The role as the client and the protocol name it.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Manager => "manager",
        Role::Moderator => "moderator",
        Role::Participant => "participant",
        Role::Speaker => "speaker",
        Role::Attendee => "attendee",
    }
}

fn live_sentence(s: &ProgrammeStrings, state: LiveState) -> &'static str {
    match state {
        LiveState::NotStarted => s.sentence_not_started,
        LiveState::Live => s.sentence_live,
        LiveState::Ended => s.sentence_ended,
    }
}

/// The session at `slug` if the visitor may see it; a 404 otherwise (a draft does not exist
/// for the public).
async fn visible_session(
    state: &AppState,
    slug: &str,
    user: Option<&amphi_store::User>,
) -> Result<Session, Error> {
    let session = session_at(&state.store, slug).await?;
    if !may_view(&state.store, &session, user).await? {
        return Err(Error::NotFound);
    }
    Ok(session)
}

fn shell(
    ctx: &Ctx,
    session: Session,
    role: Role,
    login: Option<&CurrentLogin>,
    backstage: bool,
) -> Result<Response, Error> {
    let s = ProgrammeStrings::of(ctx.lang);
    let other = ctx.lang.other();
    let description = session
        .description
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    render(
        StatusCode::OK,
        &SessionPage {
            lang: ctx.lang.code(),
            s,
            switch_href: format!("/lang/{}?next={}", other.code(), encode_query(&ctx.path)),
            switch_code: other.code(),
            switch_name: other.native_name(),
            backstage,
            when: slot_in_words(s, session.starts_at, session.ends_at, &session.time_zone),
            starts_at: session.starts_at,
            starts_iso: jiff::Timestamp::from_millisecond(session.starts_at)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            ends_at: session.ends_at,
            live_state: session.live_state.as_str(),
            live_sentence: live_sentence(s, session.live_state),
            role: role_name(role),
            user_name: login.map(actor_name).unwrap_or_default(),
            csrf: if backstage {
                login.map(|l| l.csrf().to_owned()).unwrap_or_default()
            } else {
                String::new()
            },
            staff: is_staff(role),
            slug: session.slug,
            title: session.title,
            description,
            time_zone: session.time_zone,
        },
    )
}

/// `GET /s/{slug}`: the attendees' page.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let user = login.as_ref().map(|l| &l.user);
    let session = visible_session(&state, &slug, user).await?;
    let role = role_of(&state.store, &session, user).await?;
    // Registration (issue 6): without an approved one, the e-mail + registration ID form.
    let gate = crate::registration::gate_pages::session_page;
    if let Some(page) = gate(&state, &ctx, &session, role, login.as_ref()).await? {
        return Ok(page);
    }
    shell(&ctx, session, role, login.as_ref(), false)
}

/// `GET /s/{slug}/backstage`: staff only (the `CurrentLogin` extractor sends the anonymous
/// to the sign-in page with this URL as `next`).
pub async fn backstage(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let session = visible_session(&state, &slug, Some(&login.user)).await?;
    let role = role_of(&state.store, &session, Some(&login.user)).await?;
    if !is_staff(role) {
        let s = ProgrammeStrings::of(ctx.lang);
        let page = Page::new(&ctx, s.forbidden_title, Some(&login));
        return render(
            StatusCode::FORBIDDEN,
            &ForbiddenPage {
                page,
                s,
                text: s.forbidden_text.replace("{email}", &login.user.email),
                slug: session.slug,
                title: session.title,
            },
        );
    }
    shell(&ctx, session, role, Some(&login), true)
}
