//! A session's speakers and moderators (W2), for those who manage it: add people by e-mail
//! (several at once; each gets an invitation mail in the inviter's language), change a
//! role, remove someone. People are named by address, with or without an account: whoever
//! signs in with that address gets the role (by code if the server sends mail, even without
//! an account: `session_signin.rs`). A published session keeps at least one moderator: the
//! store refuses the change that would remove (or demote) the last one, and the page says so.

use amphi_store::{Session, StaffRole, StoreError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::programme::managed_session;
use super::programme_time::slot_in_words;
use super::rooms::actor_name;
use super::{Ctx, NoticeQuery, Page, encode_query, render, see_other};
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::programme::ProgrammeStrings;
use crate::mail::parse_addresses;
use crate::staff_invite::{Inviter, send_staff_invitations};
use crate::{AppState, Error};

/// At most this many addresses per addition: a session's staff, not a mailing list.
pub const MAX_AT_ONCE: usize = 50;

pub struct StaffRow {
    pub email: String,
    pub moderator: bool,
    pub has_account: bool,
}

#[derive(Template)]
#[template(path = "programme_staff.html")]
struct StaffPage {
    page: Page,
    s: &'static ProgrammeStrings,
    slug: String,
    title: String,
    when: String,
    published: bool,
    staff: Vec<StaffRow>,
    emails_value: String,
    role_value: String,
    emails_invalid: bool,
    /// The server sends no mail: say that invitations wait in the outbox and passwords are
    /// needed.
    no_smtp: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddForm {
    emails: String,
    role: String,
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    email: String,
    role: String,
    csrf: String,
}

fn notice(key: &str, s: &'static ProgrammeStrings) -> Option<&'static str> {
    Some(match key {
        "created" => s.notice_created,
        "added" => s.notice_staff_added,
        "changed" => s.notice_staff_changed,
        "removed" => s.notice_staff_removed,
        _ => return None,
    })
}

fn back_to(session: &Session, notice: &str) -> Response {
    see_other(&format!(
        "/programme/sessions/{}/staff?notice={notice}",
        encode_query(&session.slug)
    ))
}

/// What the page shows besides the stored staff.
struct View<'a> {
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<String>,
    emails: &'a str,
    role: &'a str,
    emails_invalid: bool,
}

async fn staff_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    session: &Session,
    view: View<'_>,
) -> Result<Response, Error> {
    let s = ProgrammeStrings::of(ctx.lang);
    let mut staff = Vec::new();
    for member in state.store.session_staff(&session.id).await? {
        let has_account = state.store.user_by_email(&member.email).await?.is_some();
        staff.push(StaffRow {
            moderator: member.role == StaffRole::Moderator,
            email: member.email,
            has_account,
        });
    }
    let mut page = Page::new(ctx, s.staff_title, Some(login))
        .current("programme")
        .notice(view.notice);
    page.errors = view.errors;
    render(
        view.status,
        &StaffPage {
            page,
            s,
            slug: session.slug.clone(),
            title: session.title.clone(),
            when: slot_in_words(s, session.starts_at, session.ends_at, &session.time_zone),
            published: session.status == amphi_store::SessionStatus::Published,
            staff,
            // Bounded echo (a form may hold 64 KiB); the template escapes it.
            emails_value: view.emails.chars().take(4000).collect(),
            role_value: if view.role == "moderator" {
                "moderator"
            } else {
                "speaker"
            }
            .to_owned(),
            emails_invalid: view.emails_invalid,
            no_smtp: !state.mailer.uses_smtp(),
        },
    )
}

/// The page again with one refusal, nothing changed.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    session: &Session,
    status: StatusCode,
    error: String,
    (emails, role, emails_invalid): (&str, &str, bool),
) -> Result<Response, Error> {
    let view = View {
        status,
        notice: None,
        errors: vec![error],
        emails,
        role,
        emails_invalid,
    };
    staff_page(state, ctx, login, session, view).await
}

/// What a write to the staff leads to: back to the page with `notice`; the page again with
/// the last-moderator refusal (409, `typed` echoed); a session deleted meanwhile is 404.
async fn after_write(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    session: &Session,
    written: Result<(), StoreError>,
    (notice, typed): (&str, (&str, &str, bool)),
) -> Result<Response, Error> {
    match written {
        Ok(()) => Ok(back_to(session, notice)),
        Err(StoreError::NoModerator) => {
            let error = ProgrammeStrings::of(ctx.lang).err_last_moderator.to_owned();
            let conflict = StatusCode::CONFLICT;
            refused(state, ctx, login, session, conflict, error, typed).await
        }
        Err(StoreError::NotFound) => Err(Error::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `GET /programme/sessions/{slug}/staff`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let session = managed_session(&state, &login, &slug).await?;
    let s = ProgrammeStrings::of(ctx.lang);
    let view = View {
        status: StatusCode::OK,
        notice: notice(&q.notice, s),
        errors: Vec::new(),
        emails: "",
        role: "moderator",
        emails_invalid: false,
    };
    staff_page(&state, &ctx, &login, &session, view).await
}

/// `POST /programme/sessions/{slug}/staff`: names every address (all checked first: one bad
/// address and nobody is added) and mails each an invitation.
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<AddForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let session = managed_session(&state, &login, &slug).await?;
    let s = ProgrammeStrings::of(ctx.lang);
    let typed = (form.emails.as_str(), form.role.as_str(), true);
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let addresses = match parse_addresses(&form.emails) {
        Ok(list) if list.is_empty() => {
            let error = s.err_emails_empty.to_owned();
            return refused(&state, &ctx, &login, &session, unprocessable, error, typed).await;
        }
        Ok(list) if list.len() > MAX_AT_ONCE => {
            let error = s.err_emails_too_many.to_owned();
            return refused(&state, &ctx, &login, &session, unprocessable, error, typed).await;
        }
        Ok(list) => list,
        Err(bad) => {
            let shown: Vec<String> = bad
                .iter()
                .take(10)
                .map(|b| b.chars().take(254).collect())
                .collect();
            let error = format!("{} {}", s.err_emails_bad, shown.join(", "));
            return refused(&state, &ctx, &login, &session, unprocessable, error, typed).await;
        }
    };
    let Some(role) = StaffRole::parse(&form.role) else {
        let error = s.err_role.to_owned();
        let typed = (typed.0, typed.1, false);
        return refused(&state, &ctx, &login, &session, unprocessable, error, typed).await;
    };
    for address in &addresses {
        // Refused: re-adding the last moderator of a published session as a speaker.
        let written = state.store.set_staff(&session.id, address, role).await;
        if written.is_err() {
            return after_write(&state, &ctx, &login, &session, written, ("", typed)).await;
        }
    }
    tracing::info!(session = %session.id, count = addresses.len(), role = role.as_str(), "staff named");
    let (name, base_url) = (actor_name(&login), state.base_url(&ctx.headers));
    let inviter = Inviter {
        name: &name,
        base_url: &base_url,
        strings: s,
    };
    let failures: Vec<String> =
        send_staff_invitations(&state, &session, &addresses, role, &inviter)
            .await
            .into_iter()
            .filter_map(Result::err)
            .collect();
    if !failures.is_empty() {
        // The staff is named (the store is the truth); the page says which mails failed.
        let error = format!("{} {}", s.err_mail_failed, failures.join("; "));
        let bad_gateway = StatusCode::BAD_GATEWAY;
        return refused(
            &state,
            &ctx,
            &login,
            &session,
            bad_gateway,
            error,
            ("", "moderator", false),
        )
        .await;
    }
    Ok(back_to(&session, "added"))
}

/// `POST /programme/sessions/{slug}/staff/role`: changes the role of someone already named.
pub async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let session = managed_session(&state, &login, &slug).await?;
    let role = StaffRole::parse(&form.role).ok_or(Error::NotFound)?;
    // Only someone already named: a removal meanwhile stays a removal.
    if state
        .store
        .staff_role(&session.id, &form.email)
        .await?
        .is_none()
    {
        return Err(Error::NotFound);
    }
    let written = state.store.set_staff(&session.id, &form.email, role).await;
    let next = ("changed", ("", "moderator", false));
    after_write(&state, &ctx, &login, &session, written, next).await
}

/// `POST /programme/sessions/{slug}/staff/remove`.
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let session = managed_session(&state, &login, &slug).await?;
    let written = state.store.remove_staff(&session.id, &form.email).await;
    if written.is_ok() {
        tracing::info!(session = %session.id, "staff member removed");
    }
    let next = ("removed", ("", "moderator", false));
    after_write(&state, &ctx, &login, &session, written, next).await
}
