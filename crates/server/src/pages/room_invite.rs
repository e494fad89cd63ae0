//! Invitations (R6): the owner and managers (`Action::Invite`) send a mail about a room to
//! chosen users of this server and/or any addresses. Subject and text come pre-filled in the
//! chosen language (French or English; the page's by default) with the room's name, its link
//! and who invites, and both are editable. Everything is checked before anything is sent: one
//! malformed address, and nothing goes. Each recipient gets their own copy (the mailer sends
//! one per address), so nobody sees the others' addresses. At most 200 recipients per
//! invitation, and `invite_quota::RECIPIENTS_PER_HOUR` per user (429 beyond): the form must
//! not make the organisation's mail server a relay.
//!
//! The link in the pre-filled text is `state.base_url`: `[http] public_url` when set, else the
//! inviter's own request's host. Only the inviter's request chooses it, and the inviter may
//! write any text anyway; operators set `public_url` so links never depend on a request.

use std::time::Instant;

use amphi_room::Action;
use amphi_store::{Room, UserId};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::rooms::{actor_name, room_url};
use super::{Ctx, Page, encode_query, render, see_other};
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::Lang;
use crate::mail::{Delivery, MAX_ADDRESSES, Mail, MailError, parse_addresses};
use crate::room_admin::room_for;
use crate::{AppState, Error};

/// Longest subject accepted (characters), on one line.
pub const SUBJECT_MAX: usize = 200;
/// Longest text accepted (characters).
pub const BODY_MAX: usize = 10_000;
/// The invitation form's body limit (the back office's 64 KiB is too small: 10,000 characters
/// of a non-Latin script, percent-encoded, take up to 120 KB, plus 200 addresses).
pub const FORM_LIMIT: usize = 256 * 1024;

/// A user offered as a recipient.
pub struct UserChoice {
    pub id: String,
    pub name: String,
    pub email: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "room_invite.html")]
struct InvitePage {
    page: Page,
    slug: String,
    url: String,
    room_name: String,
    mail_lang: &'static str,
    users: Vec<UserChoice>,
    addresses_value: String,
    addresses_invalid: bool,
    subject_value: String,
    subject_invalid: bool,
    body_value: String,
    body_invalid: bool,
    result: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteQuery {
    mail_lang: String,
    /// After a successful send (Post/Redirect/Get): how many got it, how many were kept.
    sent: Option<u32>,
    outbox: Option<u32>,
}

/// What the form holds (as typed, for showing it again).
#[derive(Debug, Default)]
struct Typed {
    users: Vec<String>,
    addresses: String,
    subject: String,
    body: String,
    mail_lang: String,
    csrf: String,
}

impl Typed {
    /// From the urlencoded pairs: `user` repeats, one per ticked box.
    fn from_pairs(pairs: Vec<(String, String)>) -> Typed {
        let mut typed = Typed::default();
        for (key, value) in pairs {
            match key.as_str() {
                "user" => typed.users.push(value),
                "addresses" => typed.addresses = value,
                "subject" => typed.subject = value,
                "body" => typed.body = value,
                "mail_lang" => typed.mail_lang = value,
                "csrf" => typed.csrf = value,
                _ => {}
            }
        }
        typed
    }
}

/// The pre-filled subject and text in `lang`.
fn default_mail(lang: Lang, room: &Room, inviter: &str, link: &str) -> (String, String) {
    let t = lang.strings();
    let fill = |s: &str| {
        s.replace("{room}", &room.name)
            .replace("{inviter}", inviter)
            .replace("{link}", link)
    };
    (fill(t.invite_mail_subject), fill(t.invite_mail_text))
}

/// "Sent to N" / "kept in the outbox for N", in the page's language.
pub fn result_text(lang: Lang, delivered: u32, kept: u32) -> String {
    let mut parts = Vec::new();
    let plural = |n: u32, one: &str, many: &str| if n > 1 { many } else { one }.to_owned();
    match lang {
        Lang::En => {
            if delivered > 0 {
                parts.push(format!(
                    "The invitation is sent to {delivered} {}.",
                    plural(delivered, "recipient", "recipients")
                ));
            }
            if kept > 0 {
                parts.push(format!(
                    "No mail server is configured: the invitation for {kept} {} is kept in the \
                     outbox, where an administrator can read it.",
                    plural(kept, "recipient", "recipients")
                ));
            }
        }
        Lang::Fr => {
            if delivered > 0 {
                parts.push(format!(
                    "L’invitation est envoyée à {delivered} {}.",
                    plural(delivered, "destinataire", "destinataires")
                ));
            }
            if kept > 0 {
                parts.push(format!(
                    "Aucun serveur de messagerie n’est configuré : l’invitation pour {kept} {} \
                     est gardée dans la boîte d’envoi, où un administrateur peut la lire.",
                    plural(kept, "destinataire", "destinataires")
                ));
            }
        }
    }
    parts.join(" ")
}

/// A subject: trimmed, 1..=200 characters, no control characters (it is one header line).
fn subject(input: &str) -> Option<String> {
    let s = input.trim();
    let ok = !s.is_empty() && s.chars().count() <= SUBJECT_MAX && !s.chars().any(char::is_control);
    ok.then(|| s.to_owned())
}

/// A text: line breaks normalised to `\n`, trailing space trimmed, 1..=10,000 characters, no
/// control characters but line breaks and tabs.
fn body(input: &str) -> Option<String> {
    let s = input.replace("\r\n", "\n").replace('\r', "\n");
    let s = s.trim_end();
    let ok = !s.trim().is_empty()
        && s.chars().count() <= BODY_MAX
        && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    ok.then(|| s.to_owned())
}

/// Active users other than the one inviting, ticked if `checked` names them.
async fn user_choices(
    state: &AppState,
    login: &CurrentLogin,
    checked: &[String],
) -> Result<Vec<UserChoice>, Error> {
    Ok(state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.id != login.user.id)
        .map(|u| UserChoice {
            checked: checked.iter().any(|c| c == u.id.as_str()),
            id: u.id.as_str().to_owned(),
            name: u.display_name,
            email: u.email,
        })
        .collect())
}

/// The form's state for [`invite_page`].
struct Shown {
    mail_lang: Lang,
    checked: Vec<String>,
    addresses: String,
    subject: String,
    body: String,
    /// Which fields are wrong: addresses, subject, body.
    invalid: (bool, bool, bool),
    result: Option<String>,
}

async fn invite_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    room: &Room,
    status: StatusCode,
    shown: Shown,
    errors: Vec<String>,
) -> Result<Response, Error> {
    let users = user_choices(state, login, &shown.checked).await?;
    let mut page = Page::new(ctx, ctx.t().invite_title, Some(login)).current("rooms");
    page.errors = errors;
    render(
        status,
        &InvitePage {
            page,
            slug: room.slug.clone(),
            url: room_url(state, ctx, &room.slug),
            room_name: room.name.clone(),
            mail_lang: shown.mail_lang.code(),
            users,
            addresses_value: shown.addresses,
            addresses_invalid: shown.invalid.0,
            subject_value: shown.subject,
            subject_invalid: shown.invalid.1,
            body_value: shown.body,
            body_invalid: shown.invalid.2,
            result: shown.result,
        },
    )
}

/// `GET /rooms/{slug}/invite[?mail_lang=fr|en]`: the form, pre-filled in that language.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Query(q): Query<InviteQuery>,
) -> Result<Response, Error> {
    let (room, _) = room_for(&state.store, &slug, &login.user.id, Action::Invite).await?;
    let mail_lang = Lang::parse(&q.mail_lang).unwrap_or(ctx.lang);
    let link = room_url(&state, &ctx, &room.slug);
    let (subject, body) = default_mail(mail_lang, &room, &actor_name(&login), &link);
    let result = match (q.sent.unwrap_or(0), q.outbox.unwrap_or(0)) {
        (0, 0) => None,
        (sent, kept) => Some(result_text(ctx.lang, sent, kept)),
    };
    let shown = Shown {
        mail_lang,
        checked: Vec::new(),
        addresses: String::new(),
        subject,
        body,
        invalid: (false, false, false),
        result,
    };
    invite_page(
        &state,
        &ctx,
        &login,
        &room,
        StatusCode::OK,
        shown,
        Vec::new(),
    )
    .await
}

/// `POST /rooms/{slug}/invite`: checks every recipient and both texts, then sends once to
/// all (each their own copy), and comes back to the form with the outcome.
pub async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let mut typed = Typed::from_pairs(pairs);
    csrf::check(login.csrf(), &typed.csrf)?;
    let (room, _) = room_for(&state.store, &slug, &login.user.id, Action::Invite).await?;
    let t = ctx.t();
    let mail_lang = Lang::parse(&typed.mail_lang).unwrap_or(ctx.lang);
    let mut errors = Vec::new();
    typed.users.sort();
    typed.users.dedup();

    // Chosen users: each must still exist and be active. Too many is refused before any
    // lookup (a forged form could list thousands).
    let mut to: Vec<String> = Vec::new();
    let mut unknown_user = false;
    let too_many_users = typed.users.len() > MAX_ADDRESSES;
    let chosen: &[String] = if too_many_users { &[] } else { &typed.users };
    for id in chosen {
        match state.store.user_by_id(&UserId::new(id.clone())).await? {
            Some(user) if !user.disabled => {
                if !to.contains(&user.email) {
                    to.push(user.email);
                }
            }
            _ => unknown_user = true,
        }
    }
    if unknown_user {
        errors.push(t.err_invite_unknown_user.to_owned());
    }
    let mut addresses_invalid = false;
    match parse_addresses(&typed.addresses) {
        Ok(addresses) => {
            for address in addresses {
                if !to.contains(&address) {
                    to.push(address);
                }
            }
        }
        Err(bad) => {
            addresses_invalid = true;
            let listed: Vec<String> = bad
                .iter()
                .take(20)
                .map(|b| b.chars().take(100).collect())
                .collect();
            errors.push(format!(
                "{} {}",
                t.err_invite_bad_addresses,
                listed.join(", ")
            ));
        }
    }
    if to.is_empty() && errors.is_empty() && !too_many_users {
        addresses_invalid = true;
        errors.push(t.err_invite_no_recipient.to_owned());
    }
    if too_many_users || to.len() > MAX_ADDRESSES {
        errors.push(t.err_invite_too_many.to_owned());
    }
    let subject = subject(&typed.subject);
    if subject.is_none() {
        errors.push(t.err_invite_subject.to_owned());
    }
    let body = body(&typed.body);
    if body.is_none() {
        errors.push(t.err_invite_body.to_owned());
    }
    let (Some(subject), Some(body), true) = (subject.clone(), body.clone(), errors.is_empty())
    else {
        let shown = Shown {
            mail_lang,
            checked: typed.users,
            addresses: typed.addresses.chars().take(20_000).collect(),
            subject: typed.subject.chars().take(SUBJECT_MAX * 2).collect(),
            body: typed.body.chars().take(BODY_MAX * 2).collect(),
            invalid: (addresses_invalid, subject.is_none(), body.is_none()),
            result: None,
        };
        return invite_page(
            &state,
            &ctx,
            &login,
            &room,
            StatusCode::UNPROCESSABLE_ENTITY,
            shown,
            errors,
        )
        .await;
    };

    let count = u32::try_from(to.len()).unwrap_or(u32::MAX);
    if let Err(wait) = state
        .invite_quota
        .take(&login.user.id, count, Instant::now())
    {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let shown = Shown {
            mail_lang,
            checked: typed.users,
            addresses: typed.addresses,
            subject,
            body,
            invalid: (false, false, false),
            result: None,
        };
        return invite_page(
            &state,
            &ctx,
            &login,
            &room,
            StatusCode::TOO_MANY_REQUESTS,
            shown,
            vec![
                t.err_invite_quota
                    .replace("{minutes}", &minutes.to_string()),
            ],
        )
        .await;
    }
    let mail = Mail {
        to,
        subject,
        text: body,
        html: None,
    };
    let outcome = state.mailer.send(&mail).await;
    let (sent, kept) = match &outcome {
        Ok(Delivery::Sent) => (count, 0),
        Ok(Delivery::Outbox) => (0, count),
        Err(_) => (0, 0),
    };
    tracing::info!(room = %room.id, recipients = count, ?outcome, "invitation");
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/rooms/{}/invite?mail_lang={}&sent={sent}&outbox={kept}",
            encode_query(&room.slug),
            mail_lang.code()
        ))),
        Err(e) => {
            // Some may have got it (SMTP failures name only the failed recipients).
            let delivered = match &e {
                MailError::Smtp { failed, .. } => {
                    count.saturating_sub(u32::try_from(failed.len()).unwrap_or(u32::MAX))
                }
                _ => 0,
            };
            let shown = Shown {
                mail_lang,
                checked: typed.users,
                addresses: typed.addresses,
                subject: mail.subject,
                body: mail.text,
                invalid: (false, false, false),
                result: (delivered > 0).then(|| result_text(ctx.lang, delivered, 0)),
            };
            invite_page(
                &state,
                &ctx,
                &login,
                &room,
                StatusCode::BAD_GATEWAY,
                shown,
                vec![format!("{} {e}", t.err_invite_failed)],
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        assert_eq!(subject("  Hello  ").as_deref(), Some("Hello"));
        assert_eq!(subject(""), None);
        assert_eq!(subject("a\nBcc: x@example.org"), None, "one header line");
        assert_eq!(
            subject(&"x".repeat(SUBJECT_MAX)).map(|s| s.len()),
            Some(200)
        );
        assert_eq!(subject(&"x".repeat(SUBJECT_MAX + 1)), None);
    }

    #[test]
    fn bodies() {
        assert_eq!(body("a\r\nb\rc\n\n  ").as_deref(), Some("a\nb\nc"));
        assert_eq!(body("\tindented").as_deref(), Some("\tindented"));
        assert_eq!(body(" \n "), None);
        assert_eq!(body("bell\u{7}"), None);
        assert_eq!(
            body(&"é".repeat(BODY_MAX)).map(|s| s.chars().count()),
            Some(BODY_MAX)
        );
        assert_eq!(body(&"é".repeat(BODY_MAX + 1)), None);
    }

    #[test]
    fn results() {
        assert_eq!(
            result_text(Lang::En, 1, 0),
            "The invitation is sent to 1 recipient."
        );
        assert_eq!(
            result_text(Lang::Fr, 3, 0),
            "L’invitation est envoyée à 3 destinataires."
        );
        assert!(result_text(Lang::En, 0, 2).contains("kept in the outbox"));
        assert!(result_text(Lang::Fr, 0, 1).contains("1 destinataire est"));
    }
}
