//! The public registration page (G1–G5): `GET`/`POST /s/{slug}/register` and
//! `/r/{slug}/register`, in the visitor's language. A refusal names each field and stores
//! nothing; past the cap the page says the session is full and the person gets a mail saying
//! so. Registered: a mail (received, or confirmed with the ID and link); approved at once, the
//! browser gets the cookie, and if the live is on, goes straight in; else to the organiser's
//! landing page if its domain is still allowed; else a page saying what happens next.

use amphi_store::{FieldKind, NewRegistration, RegisterOutcome, RegistrationStatus, StoreError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{FieldError, Problem, parse};
use super::gate::remember;
use super::landing::may_redirect;
use super::mail::MailKind;
use super::place::Person;
use super::venue::{Venue, Where};
use crate::auth::MaybeLogin;
use crate::auth::csrf::{check_pre_login, pre_login_token};
use crate::i18n::registration::RegStrings;
use crate::pages::{Ctx, Page, render, see_other, with_cookie};
use crate::{AppState, Error};

/// One choice of a choice field.
pub struct ChoiceView {
    pub id: String,
    pub value: String,
    pub checked: bool,
}

/// One input of the form as the template shows it.
pub struct FieldView {
    /// The input's id and name (`name`, `email`, `f_<key>`).
    pub id: String,
    pub label: String,
    /// `short_text`, `long_text`, `single_choice`, `multiple_choice`, `checkbox`, `email`.
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub checked: bool,
    pub choices: Vec<ChoiceView>,
    pub error: Option<String>,
    pub hint: Option<&'static str>,
    /// The ids of its hint and error, for `aria-describedby`.
    pub described: String,
}

#[derive(Template)]
#[template(path = "registration_form.html")]
struct FormPage {
    page: Page,
    s: &'static RegStrings,
    action: String,
    csrf: String,
    /// `None`: the form; else why there is none (closed, full).
    blocked: Option<String>,
    fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "registration_done.html")]
struct DonePage {
    page: Page,
    s: &'static RegStrings,
    message: String,
    /// Approved: the way in.
    join_href: Option<String>,
}

/// `GET /s/{slug}/register`.
pub async fn session_form(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let venue = Venue::session(&state, &slug, login.as_ref().map(|l| &l.user)).await?;
    show(&state, &ctx, &venue, &[], &[]).await
}

/// `GET /r/{slug}/register`.
pub async fn room_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let venue = Venue::room(&state, &slug).await?;
    show(&state, &ctx, &venue, &[], &[]).await
}

/// `POST /s/{slug}/register`.
pub async fn session_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let venue = Venue::session(&state, &slug, login.as_ref().map(|l| &l.user)).await?;
    submit(&state, &ctx, &venue, &pairs).await
}

/// `POST /r/{slug}/register`.
pub async fn room_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let venue = Venue::room(&state, &slug).await?;
    submit(&state, &ctx, &venue, &pairs).await
}

/// The form (with what was typed and the errors), or why there is none.
async fn show(
    state: &AppState,
    ctx: &Ctx,
    venue: &Venue,
    typed: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, Error> {
    let s = RegStrings::of(ctx.lang);
    let settings = state
        .store
        .registration_settings(&venue.target)
        .await?
        .filter(|st| st.enabled);
    let blocked = match &settings {
        None => Some(s.closed.to_owned()),
        Some(st) => match st.cap {
            Some(cap)
                if state.store.count_registrations(&venue.target).await? >= u64::from(cap) =>
            {
                Some(s.full.to_owned())
            }
            _ => None,
        },
    };
    let fields = settings
        .map(|st| views(s, &st.fields, typed, errors))
        .unwrap_or_default();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut page = Page::new(ctx, &format!("{} {}", s.register_for, venue.title()), None);
    page.errors = errors.iter().map(|e| message(s, &fields, e)).collect();
    let (csrf, cookie) = pre_login_token(state, &ctx.headers);
    let response = render(
        status,
        &FormPage {
            page,
            s,
            action: format!("{}/register", venue.path()),
            csrf,
            blocked,
            fields,
        },
    )?;
    Ok(with_cookie(response, cookie))
}

async fn submit(
    state: &AppState,
    ctx: &Ctx,
    venue: &Venue,
    pairs: &[(String, String)],
) -> Result<Response, Error> {
    let given = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    check_pre_login(&ctx.headers, given)?;
    let s = RegStrings::of(ctx.lang);
    let Some(settings) = state
        .store
        .registration_settings(&venue.target)
        .await?
        .filter(|st| st.enabled)
    else {
        return show(state, ctx, venue, &[], &[]).await;
    };
    let submission = match parse(&settings.fields, pairs) {
        Ok(submission) => submission,
        Err(errors) => return show(state, ctx, venue, pairs, &errors).await,
    };
    let new = NewRegistration {
        name: submission.name.clone(),
        email: submission.email.clone(),
        answers: submission.answers,
        language: ctx.lang.code().to_owned(),
    };
    let outcome = match state.store.register(&venue.target, new).await {
        Ok(outcome) => outcome,
        // Turned off between the page and the post.
        Err(StoreError::NotFound) => return show(state, ctx, venue, &[], &[]).await,
        Err(e) => return Err(e.into()),
    };
    let done = |message: String, join_href: Option<String>| {
        let page = Page::new(ctx, s.done_title, None);
        render(
            StatusCode::OK,
            &DonePage {
                page,
                s,
                message,
                join_href,
            },
        )
    };
    match outcome {
        RegisterOutcome::Registered(r) => {
            let approved = r.status == RegistrationStatus::Approved;
            tracing::info!(registration = %r.id, approved, "registered");
            emit_registered(state, venue, &r, approved);
            let kind = if approved {
                MailKind::Confirmed
            } else {
                MailKind::Pending
            };
            venue.place.send(state, &ctx.headers, kind, &r).await;
            let domains = state.store.landing_domains().await?;
            let landing = settings
                .landing_url
                .as_deref()
                .filter(|url| may_redirect(url, &domains));
            if !approved {
                return match landing {
                    Some(url) => Ok(Redirect::to(url).into_response()),
                    None => done(s.done_pending.replace("{email}", &r.email), None),
                };
            }
            let cookie = Some(remember(state, &ctx.headers, &r.join_token));
            let response = match landing {
                _ if venue.live() => see_other(venue.path()),
                Some(url) => Redirect::to(url).into_response(),
                None => done(
                    s.done_approved.replace("{email}", &r.email),
                    Some(venue.path().to_owned()),
                )?,
            };
            Ok(with_cookie(response, cookie))
        }
        // Nothing changes, nothing is sent: the address's owner has the mail of the time
        // (resending on demand would let anyone flood an inbox).
        RegisterOutcome::AlreadyRegistered(r) => {
            let message = match r.status {
                RegistrationStatus::Rejected | RegistrationStatus::Cancelled => s.done_rejected,
                RegistrationStatus::Pending | RegistrationStatus::Approved => s.done_already,
            };
            done(message.to_owned(), None)
        }
        RegisterOutcome::Full => {
            tracing::info!(target = ?venue.target, "registration refused: full");
            let to = Person {
                email: &submission.email,
                name: &submission.name,
            };
            venue
                .place
                .send_full(state, &ctx.headers, ctx.lang, &to)
                .await;
            done(format!("{} {}", s.full, s.full_mailed), None)
        }
    }
}

/// `registration.created`, and `registration.approved` too when the form approves at once.
fn emit_registered(state: &AppState, venue: &Venue, r: &amphi_store::Registration, approved: bool) {
    use crate::webhooks::{RegistrationData, WebhookEvent};
    let data = match &venue.place_of {
        Where::Session(s) => RegistrationData::of(r, None, Some(&s.slug)),
        Where::Room(room) => RegistrationData::of(r, Some(&room.slug), None),
    };
    if approved {
        state
            .webhooks
            .emit(WebhookEvent::RegistrationCreated(data.clone()));
        state
            .webhooks
            .emit(WebhookEvent::RegistrationApproved(data));
    } else {
        state.webhooks.emit(WebhookEvent::RegistrationCreated(data));
    }
}

/// The inputs of the form: name, e-mail, then the custom fields, with what was typed.
fn views(
    s: &'static RegStrings,
    fields: &[amphi_store::FormField],
    typed: &[(String, String)],
    errors: &[FieldError],
) -> Vec<FieldView> {
    let values = |id: &str| -> Vec<&str> {
        typed
            .iter()
            .filter(|(k, _)| k == id)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let error_of = |id: &str| errors.iter().find(|e| e.field == id);
    let mut out = Vec::new();
    for (id, label, kind, hint) in [
        ("name", s.name, "short_text", None),
        ("email", s.email, "email", Some(s.email_hint)),
    ] {
        out.push(FieldView {
            id: id.to_owned(),
            label: label.to_owned(),
            kind,
            required: true,
            value: values(id)
                .first()
                .map(|v| (*v).to_owned())
                .unwrap_or_default(),
            checked: false,
            choices: Vec::new(),
            error: error_of(id).map(|e| problem(s, label, e.problem)),
            hint,
            described: String::new(),
        });
    }
    for f in fields {
        let id = format!("{}{}", super::form::FIELD_PREFIX, f.key);
        let given = values(&id);
        let (kind, choices): (&'static str, &[String]) = match &f.kind {
            FieldKind::ShortText => ("short_text", &[]),
            FieldKind::LongText => ("long_text", &[]),
            FieldKind::SingleChoice(c) => ("single_choice", c),
            FieldKind::MultipleChoice(c) => ("multiple_choice", c),
            FieldKind::Checkbox => ("checkbox", &[]),
        };
        out.push(FieldView {
            choices: choices
                .iter()
                .enumerate()
                .map(|(i, c)| ChoiceView {
                    id: format!("{id}-{i}"),
                    value: c.clone(),
                    checked: given.contains(&c.as_str()),
                })
                .collect(),
            value: given.first().map(|v| (*v).to_owned()).unwrap_or_default(),
            checked: given.contains(&"on"),
            error: error_of(&id).map(|e| problem(s, &f.label, e.problem)),
            label: f.label.clone(),
            required: f.required,
            kind,
            hint: None,
            described: String::new(),
            id,
        });
    }
    for f in &mut out {
        let mut ids = Vec::new();
        if f.hint.is_some() {
            ids.push(format!("{}-hint", f.id));
        }
        if f.error.is_some() {
            ids.push(format!("{}-error", f.id));
        }
        f.described = ids.join(" ");
    }
    out
}

/// A field's problem in words.
fn problem(s: &RegStrings, label: &str, p: Problem) -> String {
    let text = match p {
        Problem::Missing => s.err_missing,
        Problem::TooLong => s.err_too_long,
        Problem::BadCharacters => s.err_bad_characters,
        Problem::BadEmail => s.err_bad_email,
        Problem::UnknownChoice => s.err_unknown_choice,
        Problem::Repeated => s.err_repeated,
        Problem::Unknown => s.err_unknown,
    };
    text.replace("{label}", label)
}

/// The summary line of an error: the field's own message, or an unknown field's.
fn message(s: &RegStrings, fields: &[FieldView], e: &FieldError) -> String {
    match fields.iter().find(|f| f.id == e.field) {
        Some(FieldView {
            error: Some(text), ..
        }) => text.clone(),
        _ => problem(s, &e.field, e.problem),
    }
}
