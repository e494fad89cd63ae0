//! A room's settings (owner and managers: `Action::ManageRoom`): its name, the waiting room
//! (R4) and its participant cap. The store is written first; a change of the waiting room then
//! reaches the live room at once (`state.rooms.set_waiting_room`; switching it off admits
//! everyone knocking).

use amphi_room::Action;
use amphi_store::Room;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::rooms::room_url;
use super::{Ctx, Page, render, see_other};
use crate::auth::{CurrentLogin, csrf};
use crate::room_admin::room_for;
use crate::validate;
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "room_settings.html")]
struct SettingsPage {
    page: Page,
    slug: String,
    url: String,
    name_value: String,
    name_invalid: bool,
    waiting_room: bool,
    cap_value: String,
    cap_invalid: bool,
    cap_max: u32,
    cap_hint: String,
    /// The link to the room's stream settings (streaming/pages.rs).
    stream_link: &'static str,
    /// The link to the room's registration settings (registration/settings.rs).
    registration_link: &'static str,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    name: String,
    /// A checkbox: present ("on") when ticked.
    waiting_room: Option<String>,
    max_participants: String,
    csrf: String,
}

/// The values a form shows (the stored ones, or what was typed).
struct Values {
    name: String,
    waiting_room: bool,
    cap: String,
}

/// A cap typed in the form: empty is the server's default (`None`); else 1..=`max`, where
/// `max` is the server's configured default (a room may be smaller, not bigger, than the
/// operator sized the server for).
fn parse_cap(input: &str, max: u32) -> Result<Option<u32>, ()> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    match input.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        _ => Err(()),
    }
}

#[allow(clippy::too_many_arguments)] // one page, its parts
fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    login: &CurrentLogin,
    room: &Room,
    status: StatusCode,
    values: Values,
    errors: Vec<String>,
    (name_invalid, cap_invalid): (bool, bool),
) -> Result<Response, Error> {
    let t = ctx.t();
    let cap_max = state.config.rooms.max_participants;
    let mut page = Page::new(ctx, t.settings_title, Some(login)).current("rooms");
    page.errors = errors;
    render(
        status,
        &SettingsPage {
            page,
            slug: room.slug.clone(),
            url: room_url(state, ctx, &room.slug),
            name_value: values.name,
            name_invalid,
            waiting_room: values.waiting_room,
            cap_value: values.cap,
            cap_invalid,
            cap_max,
            cap_hint: t.cap_hint.replace("{max}", &cap_max.to_string()),
            stream_link: crate::i18n::stream::StreamStrings::of(ctx.lang).link,
            registration_link: crate::i18n::registration::RegStrings::of(ctx.lang).settings_title,
        },
    )
}

/// `GET /rooms/{slug}/settings`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
) -> Result<Response, Error> {
    let (room, _) = room_for(&state.store, &slug, &login.user.id, Action::ManageRoom).await?;
    let values = Values {
        name: room.name.clone(),
        waiting_room: room.waiting_room,
        cap: room
            .max_participants
            .map(|n| n.to_string())
            .unwrap_or_default(),
    };
    settings_page(
        &state,
        &ctx,
        &login,
        &room,
        StatusCode::OK,
        values,
        Vec::new(),
        (false, false),
    )
}

/// `POST /rooms/{slug}/settings`: every field is checked before anything is written.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
    Path(slug): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, Error> {
    csrf::check(login.csrf(), &form.csrf)?;
    let (room, _) = room_for(&state.store, &slug, &login.user.id, Action::ManageRoom).await?;
    let t = ctx.t();
    let cap_max = state.config.rooms.max_participants;
    let waiting_room = form.waiting_room.is_some();
    let name = validate::room_name(&form.name);
    let cap = parse_cap(&form.max_participants, cap_max);
    let (name, cap) = match (name, cap) {
        (Ok(name), Ok(cap)) => (name, cap),
        (name, cap) => {
            let mut errors = Vec::new();
            if let Err(invalid) = &name {
                errors.push(invalid.message(t).to_owned());
            }
            if cap.is_err() {
                errors.push(t.err_cap.replace("{max}", &cap_max.to_string()));
            }
            let values = Values {
                name: validate::room_name_echo(&form.name),
                waiting_room,
                cap: form.max_participants.chars().take(20).collect(),
            };
            return settings_page(
                &state,
                &ctx,
                &login,
                &room,
                StatusCode::UNPROCESSABLE_ENTITY,
                values,
                errors,
                (name.is_err(), cap.is_err()),
            );
        }
    };
    // One statement: a failure stores nothing of the form.
    state
        .store
        .update_room_settings(&room.id, &name, cap, waiting_room)
        .await?;
    if waiting_room != room.waiting_room {
        state.rooms.set_waiting_room(&room.slug, waiting_room).await;
    }
    tracing::info!(room = %room.id, "room settings saved");
    Ok(see_other("/rooms?notice=settings_saved"))
}

#[cfg(test)]
mod tests {
    use super::parse_cap;

    #[test]
    fn caps() {
        assert_eq!(parse_cap("", 50), Ok(None));
        assert_eq!(parse_cap("  ", 50), Ok(None));
        assert_eq!(parse_cap(" 12 ", 50), Ok(Some(12)));
        assert_eq!(parse_cap("50", 50), Ok(Some(50)));
        assert_eq!(parse_cap("1", 50), Ok(Some(1)));
        for bad in ["0", "51", "-3", "1.5", "ten", "99999999999999999999"] {
            assert_eq!(parse_cap(bad, 50), Err(()), "{bad}");
        }
    }
}
