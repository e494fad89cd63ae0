//! Registration for people (issue 6, G1–G8): a session, a room or a series may require it.
//!
//! - Organisers (`settings`, `editor`, `disable`, `registrants`, `series`): the rules (auto
//!   approval, cap, landing URL), the custom fields editor, turning it off after a warning
//!   that says how many registrations go, the registrant list (filters, accept/reject one or
//!   many, each change mailed), the CSV export (`csv`), series sharing one form. The same
//!   handlers serve `/programme/sessions/{slug}/…`, `/rooms/{slug}/…` and
//!   `/programme/series/{id}/…` (`organiser::Organiser` reads the scope from the path).
//! - Administrators (`domains`): the landing-page domain allow-list (`landing`).
//! - The public (`public`, `form`, `mail`): `/s/{slug}/register`, `/r/{slug}/register`.
//! - The gate (`gate`, `gate_pages`): who may join; the `amphi_reg` cookie; the personal link
//!   and the e-mail + registration ID form (throttled). `session.rs`/`room.rs` pages and the
//!   signaling upgrades ask `gate` before letting an attendee or participant in.
//!
//! The store does the data (`amphi_store::{RegistrationSettings, Registration, Series, …}`);
//! this module parses input into its types, renders pages and mails, and guards access.

pub mod csv;
pub mod decide;
mod disable;
mod domains;
pub mod editor;
pub mod form;
pub mod gate;
pub mod gate_pages;
pub mod landing;
pub mod mail;
mod organiser;
pub mod place;
mod public;
mod registrants;
pub mod scope;
mod series;
mod settings;
pub mod venue;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// Every registration route (merged into the back office's router, under its Origin check and
/// form size limit).
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    // The organiser's pages, at each place registration hangs from.
    for base in [
        "/programme/sessions/{slug}",
        "/rooms/{slug}",
        "/programme/series/{id}",
    ] {
        router = router
            .route(
                &format!("{base}/registration"),
                get(settings::show).post(settings::save),
            )
            .route(
                &format!("{base}/registration/disable"),
                get(disable::confirm_form).post(disable::disable),
            )
            .route(
                &format!("{base}/registrants"),
                get(registrants::list).post(registrants::change),
            )
            .route(&format!("{base}/registrants.csv"), get(registrants::csv));
    }
    router
        .route(
            "/programme/sessions/{slug}/registration/series",
            post(settings::set_series),
        )
        .route("/programme/series", get(series::list).post(series::create))
        .route(
            "/admin/landing-domains",
            get(domains::show).post(domains::save),
        )
        // The public pages and the gate.
        .route(
            "/s/{slug}/register",
            get(public::session_form).post(public::session_submit),
        )
        .route(
            "/r/{slug}/register",
            get(public::room_form).post(public::room_submit),
        )
        .route("/s/{slug}/join/{token}", get(gate_pages::join_session))
        .route("/r/{slug}/join/{token}", get(gate_pages::join_room))
        .route(
            "/s/{slug}/registration/check",
            post(gate_pages::check_session),
        )
        .route("/r/{slug}/registration/check", post(gate_pages::check_room))
}
