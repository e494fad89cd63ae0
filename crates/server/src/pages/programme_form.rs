//! Creating and editing a session (W1): title, description, the room it is held in (among
//! the rooms one owns or manages; administrators: any), start and end as a date and a time
//! in a chosen IANA zone (stored as UTC ms), and the status (draft or published). Every field
//! is checked before anything is stored; each refusal names its field. Publishing without a
//! moderator is the store's refusal (`StoreError::NoModerator`, checked in the same
//! transaction as the write), shown as a message on the form.

use amphi_store::{NewSession, Room, Session, SessionStatus, SessionUpdate, StoreError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::programme::{holdable_rooms, managed_session};
use super::programme_time::{DEFAULT_ZONE, form_values, to_ms, zone, zone_names};
use super::{Ctx, Page, encode_query, render, see_other};
use crate::auth::{CurrentLogin, csrf};
use crate::i18n::programme::ProgrammeStrings;
use crate::session_admin::create_session;
use crate::{AppState, Error};

/// Longest title (characters), on one line.
pub const TITLE_MAX: usize = 200;
/// Longest description (characters).
pub const DESCRIPTION_MAX: usize = 5000;

/// The form as posted (and as shown again).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SessionForm {
    pub title: String,
    pub description: String,
    /// The room's slug.
    pub room: String,
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub time_zone: String,
    pub status: String,
    pub csrf: String,
}

pub struct RoomChoice {
    pub slug: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "programme_session_form.html")]
struct FormPage {
    page: Page,
    s: &'static ProgrammeStrings,
    /// `/programme/sessions/new` or `/programme/sessions/{slug}/edit`.
    action: String,
    creating: bool,
    form: SessionForm,
    rooms: Vec<RoomChoice>,
    zones: Vec<String>,
    /// Names of the fields refused (for `aria-invalid`).
    invalid: Vec<&'static str>,
    /// The link to the session's stream settings (streaming/pages.rs).
    stream_link: &'static str,
    /// The link to the session's registration settings (registration/settings.rs).
    registration_link: &'static str,
}

impl FormPage {
    fn bad(&self, field: &str) -> bool {
        self.invalid.contains(&field)
    }
}

/// The form, checked.
#[derive(Debug)]
struct Checked {
    title: String,
    description: String,
    room: Room,
    starts_at: i64,
    ends_at: i64,
    time_zone: String,
    status: SessionStatus,
}

/// Checks every field; on refusal, every problem as (field, message), in the form's order.
fn check(
    form: &SessionForm,
    rooms: &[Room],
    s: &'static ProgrammeStrings,
) -> Result<Checked, Vec<(&'static str, &'static str)>> {
    let mut errors = Vec::new();
    let title = form.title.trim();
    if title.is_empty() {
        errors.push(("title", s.err_title_empty));
    } else if title.chars().count() > TITLE_MAX {
        errors.push(("title", s.err_title_long));
    } else if title.chars().any(char::is_control) {
        errors.push(("title", s.err_title_control));
    }
    // Line breaks normalised; other control characters (but tabs) refused with the length.
    let description = form.description.replace("\r\n", "\n").trim().to_owned();
    if description.chars().count() > DESCRIPTION_MAX
        || description
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.push(("description", s.err_description_long));
    }
    let room = rooms.iter().find(|r| r.slug == form.room);
    if room.is_none() {
        errors.push(("room", s.err_room));
    }
    let tz = zone(&form.time_zone);
    if tz.is_none() {
        errors.push(("time_zone", s.err_zone));
    }
    let status = SessionStatus::parse(&form.status);
    if status.is_none() {
        errors.push(("status", s.err_status));
    }
    let (mut starts_at, mut ends_at) = (None, None);
    if let Some((tz, _)) = &tz {
        starts_at = to_ms(&form.start_date, &form.start_time, tz);
        if starts_at.is_none() {
            errors.push(("start", s.err_start));
        }
        let same_day = form.end_date.trim().is_empty();
        let end_date = if same_day {
            &form.start_date
        } else {
            &form.end_date
        };
        ends_at = to_ms(end_date, &form.end_time, tz);
        // Without its own date, the end borrows the start's: a bad start date is the start's
        // refusal only.
        if ends_at.is_none() && (!same_day || starts_at.is_some()) {
            errors.push(("end", s.err_end));
        }
        if let (Some(a), Some(b)) = (starts_at, ends_at)
            && b <= a
        {
            errors.push(("end", s.err_end_before));
        }
    }
    match (room, tz, status, starts_at, ends_at) {
        (Some(room), Some((_, time_zone)), Some(status), Some(starts_at), Some(ends_at))
            if errors.is_empty() =>
        {
            Ok(Checked {
                title: title.to_owned(),
                description,
                room: room.clone(),
                starts_at,
                ends_at,
                time_zone,
                status,
            })
        }
        _ => Err(errors),
    }
}

/// The form filled from a stored session.
fn form_of(session: &Session, room_slug: &str) -> SessionForm {
    let tz = zone(&session.time_zone).map_or(jiff::tz::TimeZone::UTC, |(tz, _)| tz);
    let (start_date, start_time) = form_values(session.starts_at, &tz);
    let (end_date, end_time) = form_values(session.ends_at, &tz);
    SessionForm {
        title: session.title.clone(),
        description: session.description.clone(),
        room: room_slug.to_owned(),
        end_date: if end_date == start_date {
            String::new()
        } else {
            end_date
        },
        start_date,
        start_time,
        end_time,
        time_zone: session.time_zone.clone(),
        status: session.status.as_str().to_owned(),
        csrf: String::new(),
    }
}

#[allow(clippy::too_many_arguments)] // one page, its parts
fn form_page(
    ctx: &Ctx,
    login: &CurrentLogin,
    status: StatusCode,
    editing: Option<&str>,
    mut form: SessionForm,
    rooms: &[Room],
    errors: Vec<(&'static str, &'static str)>,
) -> Result<Response, Error> {
    let s = ProgrammeStrings::of(ctx.lang);
    let title = if editing.is_some() {
        s.edit_title
    } else {
        s.new_title
    };
    let mut page = Page::new(ctx, title, Some(login)).current("programme");
    page.errors = errors.iter().map(|(_, m)| (*m).to_owned()).collect();
    // Echo bounded text (a form may hold 64 KiB); the template escapes it.
    form.title = form.title.chars().take(TITLE_MAX + 50).collect();
    form.description = form
        .description
        .chars()
        .take(DESCRIPTION_MAX + 50)
        .collect();
    form.csrf = String::new();
    render(
        status,
        &FormPage {
            page,
            s,
            action: match editing {
                Some(slug) => format!("/programme/sessions/{}/edit", encode_query(slug)),
                None => "/programme/sessions/new".to_owned(),
            },
            creating: editing.is_none(),
            form,
            rooms: rooms
                .iter()
                .map(|r| RoomChoice {
                    slug: r.slug.clone(),
                    name: r.name.clone(),
                })
                .collect(),
            zones: zone_names(),
            invalid: errors.iter().map(|(f, _)| *f).collect(),
            stream_link: crate::i18n::stream::StreamStrings::of(ctx.lang).link,
            registration_link: crate::i18n::registration::RegStrings::of(ctx.lang).settings_title,
        },
    )
}

/// `GET /programme/sessions/new`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
) -> Result<Response, Error> {
    let rooms = holdable_rooms(&state, &login).await?;
    if rooms.is_empty() {
        return Err(Error::Forbidden);
    }
    let form = SessionForm {
        room: rooms.first().map(|r| r.slug.clone()).unwrap_or_default(),
        start_time: "10:00".to_owned(),
        end_time: "11:00".to_owned(),
        time_zone: DEFAULT_ZONE.to_owned(),
        status: "draft".to_owned(),
        ..SessionForm::default()
    };
    form_page(&ctx, &login, StatusCode::OK, None, form, &rooms, Vec::new())
}

/// `POST /programme/sessions/new`: creates the session, then goes to its staff page (a
/// moderator is needed before publishing).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Form(form): Form<SessionForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let rooms = holdable_rooms(&state, &login).await?;
    if rooms.is_empty() {
        return Err(Error::Forbidden);
    }
    let s = ProgrammeStrings::of(ctx.lang);
    let checked = match check(&form, &rooms, s) {
        Ok(checked) => checked,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(&ctx, &login, status, None, form, &rooms, errors);
        }
    };
    let created = create_session(
        &state.store,
        NewSession {
            slug: String::new(),
            room_id: checked.room.id,
            title: checked.title,
            description: checked.description,
            starts_at: checked.starts_at,
            ends_at: checked.ends_at,
            time_zone: checked.time_zone,
            status: checked.status,
            created_by: login.user.id.clone(),
        },
    )
    .await;
    match created {
        Ok(session) => {
            tracing::info!(session = %session.id, slug = %session.slug, "session created");
            Ok(see_other(&format!(
                "/programme/sessions/{}/staff?notice=created",
                encode_query(&session.slug)
            )))
        }
        Err(Error::Store(StoreError::NoModerator)) => {
            let errors = vec![("status", s.err_no_moderator)];
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            form_page(&ctx, &login, status, None, form, &rooms, errors)
        }
        Err(e) => Err(e),
    }
}

/// `GET /programme/sessions/{slug}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let session = managed_session(&state, &login, &slug).await?;
    let rooms = holdable_rooms(&state, &login).await?;
    let room_slug = state
        .store
        .room_by_id(&session.room_id)
        .await?
        .map(|r| r.slug)
        .unwrap_or_default();
    let form = form_of(&session, &room_slug);
    form_page(
        &ctx,
        &login,
        StatusCode::OK,
        Some(&session.slug),
        form,
        &rooms,
        Vec::new(),
    )
}

/// `POST /programme/sessions/{slug}/edit`: saves every field at once; its slug (its URL)
/// stays.
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<SessionForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let session = managed_session(&state, &login, &slug).await?;
    let rooms = holdable_rooms(&state, &login).await?;
    let s = ProgrammeStrings::of(ctx.lang);
    let editing = Some(session.slug.as_str());
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let checked = match check(&form, &rooms, s) {
        Ok(checked) => checked,
        Err(errors) => {
            return form_page(&ctx, &login, unprocessable, editing, form, &rooms, errors);
        }
    };
    let update = SessionUpdate {
        title: checked.title,
        description: checked.description,
        room_id: checked.room.id,
        starts_at: checked.starts_at,
        ends_at: checked.ends_at,
        time_zone: checked.time_zone,
        status: checked.status,
    };
    match state.store.update_session(&session.id, update).await {
        Ok(()) => {}
        Err(StoreError::NoModerator) => {
            let errors = vec![("status", s.err_no_moderator)];
            return form_page(&ctx, &login, unprocessable, editing, form, &rooms, errors);
        }
        Err(StoreError::NotFound) => return Err(Error::NotFound),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(session = %session.id, "session saved");
    Ok(see_other("/programme/sessions?notice=saved"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::programme::EN;
    use amphi_store::{RoomId, UserId};

    fn room(slug: &str) -> Room {
        Room {
            id: RoomId::new(format!("id-{slug}")),
            slug: slug.to_owned(),
            name: format!("Room {slug}"),
            owner_id: UserId::new("owner"),
            is_open: false,
            max_participants: None,
            waiting_room: false,
            created_at: 0,
        }
    }

    fn good() -> SessionForm {
        SessionForm {
            title: "  Keynote ".to_owned(),
            description: "Line one\r\nLine two".to_owned(),
            room: "hall".to_owned(),
            start_date: "2026-11-21".to_owned(),
            start_time: "14:30".to_owned(),
            end_date: String::new(),
            end_time: "15:30".to_owned(),
            time_zone: "europe/paris".to_owned(),
            status: "draft".to_owned(),
            csrf: String::new(),
        }
    }

    fn fields(form: &SessionForm) -> Vec<&'static str> {
        match check(form, &[room("hall")], &EN) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|(f, _)| f).collect(),
        }
    }

    #[test]
    fn a_good_form_is_checked_into_utc_times() {
        let c = check(&good(), &[room("hall")], &EN).expect("valid");
        assert_eq!(c.title, "Keynote");
        assert_eq!(c.description, "Line one\nLine two");
        assert_eq!(c.room.slug, "hall");
        assert_eq!(c.time_zone, "Europe/Paris", "canonical name");
        assert_eq!(c.starts_at, 1_795_267_800_000);
        assert_eq!(c.ends_at, 1_795_267_800_000 + 3_600_000);
        assert_eq!(c.status, SessionStatus::Draft);
    }

    #[test]
    fn each_refusal_names_its_field() {
        type Change = fn(&mut SessionForm);
        let cases: Vec<(Change, Vec<&str>)> = vec![
            (|f| f.title = " ".into(), vec!["title"]),
            (|f| f.title = "x".repeat(201), vec!["title"]),
            (|f| f.title = "a\nb".into(), vec!["title"]),
            (|f| f.description = "d".repeat(5001), vec!["description"]),
            (|f| f.room = "elsewhere".into(), vec!["room"]),
            (|f| f.time_zone = "Mars/Base".into(), vec!["time_zone"]),
            (|f| f.status = "live".into(), vec!["status"]),
            (|f| f.start_date = "2026-13-01".into(), vec!["start"]),
            (|f| f.end_time = "25:00".into(), vec!["end"]),
            (|f| f.end_time = "14:30".into(), vec!["end"]),
            (|f| f.end_time = "13:00".into(), vec!["end"]),
            (
                |f| {
                    f.title = String::new();
                    f.room = String::new();
                },
                vec!["title", "room"],
            ),
        ];
        for (change, expected) in cases {
            let mut form = good();
            change(&mut form);
            assert_eq!(fields(&form), expected, "{form:?}");
        }
        // An end date makes a session over midnight possible.
        let mut form = good();
        form.end_date = "2026-11-22".into();
        form.end_time = "01:00".into();
        assert_eq!(fields(&form), Vec::<&str>::new());
    }
}
