//! What the registrant's mails and pages say about where they registered: a session (its
//! title, its time, `/s/{slug}`), a room (`/r/{slug}`), or a series (its title, and its first
//! session's page and time: any session's page lets a registrant of the series in).

use amphi_store::{Registration, RegistrationStatus, Room, Session};
use axum::http::HeaderMap;

use super::mail::{Letter, MailKind, grouped, registration_mail};
use super::scope::Scope;
use crate::i18n::Lang;
use crate::i18n::programme::ProgrammeStrings;
use crate::pages::programme_time::slot_in_words;
use crate::{AppState, Error};

/// Where a registration leads.
#[derive(Debug, Clone)]
pub struct Place {
    pub title: String,
    /// The session whose time the mails give (none for a room).
    pub session: Option<Session>,
    /// `/s/{slug}` or `/r/{slug}` (a series without sessions yet: `/programme`).
    pub path: String,
}

impl Place {
    pub fn of_session(session: &Session) -> Place {
        Place {
            title: session.title.clone(),
            path: format!("/s/{}", session.slug),
            session: Some(session.clone()),
        }
    }

    pub fn of_room(room: &Room) -> Place {
        Place {
            title: room.name.clone(),
            path: format!("/r/{}", room.slug),
            session: None,
        }
    }

    /// For a series: its title, and its first session.
    pub async fn of_scope(state: &AppState, scope: &Scope) -> Result<Place, Error> {
        Ok(match scope {
            Scope::Session(s) => Place::of_session(s),
            Scope::Room(r) => Place::of_room(r),
            Scope::Series(series) => {
                let first = match state.store.series_sessions(&series.id).await?.first() {
                    Some(id) => state.store.session_by_id(id).await?,
                    None => None,
                };
                Place {
                    title: series.title.clone(),
                    path: first
                        .as_ref()
                        .map_or("/programme".to_owned(), |s| format!("/s/{}", s.slug)),
                    session: first,
                }
            }
        })
    }

    /// Mails `kind` to the registrant, in their language. A failure is logged (the admin's
    /// outbox or the SMTP server's log tells more), never shown to the person who caused it.
    pub async fn send(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        kind: MailKind,
        registration: &Registration,
    ) {
        let lang = Lang::parse(&registration.language).unwrap_or(Lang::En);
        let to = Person {
            email: &registration.email,
            name: &registration.name,
        };
        let secret = Some((registration.code.as_str(), registration.join_token.as_str()));
        self.deliver(state, headers, kind, lang, &to, secret).await;
    }

    /// The "full" mail (G4): nothing was stored, so no code and no link.
    pub async fn send_full(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        lang: Lang,
        to: &Person<'_>,
    ) {
        self.deliver(state, headers, MailKind::Full, lang, to, None)
            .await;
    }

    async fn deliver(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        kind: MailKind,
        lang: Lang,
        to: &Person<'_>,
        secret: Option<(&str, &str)>,
    ) {
        let base = state.base_url(headers);
        let when = self.session.as_ref().map(|s| {
            slot_in_words(
                ProgrammeStrings::of(lang),
                s.starts_at,
                s.ends_at,
                &s.time_zone,
            )
        });
        let page = format!("{base}{}", self.path);
        let (code, link) = match secret {
            Some((code, token)) => (grouped(code), format!("{page}/join/{token}")),
            None => (String::new(), String::new()),
        };
        let letter = Letter {
            lang,
            to: to.email,
            name: to.name,
            title: &self.title,
            when: when.as_deref(),
            page: &page,
            code: &code,
            link: &link,
        };
        let mail = registration_mail(kind, &letter);
        if let Err(e) = state.mailer.send(&mail).await {
            tracing::warn!(error = %e, ?kind, "registration mail not sent");
        }
    }
}

/// Whom a mail goes to.
pub struct Person<'a> {
    pub email: &'a str,
    pub name: &'a str,
}

/// The mail a status change sends, if any (cancelled and pending say nothing).
pub fn mail_for_status(status: RegistrationStatus) -> Option<MailKind> {
    match status {
        RegistrationStatus::Approved => Some(MailKind::Approved),
        RegistrationStatus::Rejected => Some(MailKind::Rejected),
        RegistrationStatus::Pending | RegistrationStatus::Cancelled => None,
    }
}
