//! Shared by the registration suites (backends_registrations*.rs): an organiser with a room
//! and a session, forms, and registrations.
#![allow(dead_code)] // each suite uses a part

use amphi_store::{
    Answer, FieldKind, FormField, NewRegistration, NewSession, RegisterOutcome, Registration,
    RegistrationSettings, RegistrationTarget, Room, Session, SessionStatus, Store, User,
};

use crate::store_common::{HOUR_MS, new_room, user};

pub const T0: i64 = 1_800_000_000_000;

/// An organiser, their room `hall`, and a draft session `slug` in it.
pub async fn organiser_room_session(db: &Store) -> (User, Room, Session) {
    let owner = user(db, "owner@example.org").await;
    let room = db
        .create_room(new_room("hall", &owner.id))
        .await
        .expect("room");
    let session = session_in(db, &room, &owner, "s1").await;
    (owner, room, session)
}

/// [`organiser_room_session`] with a form on the session, and its target.
pub async fn open_session(
    db: &Store,
    form: RegistrationSettings,
) -> (User, Room, Session, RegistrationTarget) {
    let (owner, room, session) = organiser_room_session(db).await;
    let target = RegistrationTarget::Session(session.id.clone());
    db.set_registration_settings(&target, &form)
        .await
        .expect("form");
    (owner, room, session, target)
}

pub async fn session_in(db: &Store, room: &Room, by: &User, slug: &str) -> Session {
    db.create_session(NewSession {
        slug: slug.to_owned(),
        room_id: room.id.clone(),
        title: format!("Session {slug}"),
        description: String::new(),
        starts_at: T0,
        ends_at: T0 + HOUR_MS,
        time_zone: "Europe/Paris".to_owned(),
        status: SessionStatus::Draft,
        created_by: by.id.clone(),
    })
    .await
    .expect("session")
}

/// A form with one field of each kind.
pub fn full_form(auto_approve: bool, cap: Option<u32>) -> RegistrationSettings {
    let field = |key: &str, kind: FieldKind, required: bool| FormField {
        key: key.to_owned(),
        label: format!("Question {key}"),
        kind,
        required,
    };
    RegistrationSettings {
        enabled: true,
        auto_approve,
        cap,
        landing_url: Some("https://example.org/thanks".to_owned()),
        fields: vec![
            field("company", FieldKind::ShortText, true),
            field("why", FieldKind::LongText, false),
            field(
                "track",
                FieldKind::SingleChoice(vec!["dev".to_owned(), "ops".to_owned()]),
                true,
            ),
            field(
                "topics",
                FieldKind::MultipleChoice(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]),
                false,
            ),
            field("consent", FieldKind::Checkbox, true),
        ],
    }
}

/// The standard form: name and e-mail only.
pub fn standard_form(auto_approve: bool, cap: Option<u32>) -> RegistrationSettings {
    RegistrationSettings {
        enabled: true,
        auto_approve,
        cap,
        landing_url: None,
        fields: Vec::new(),
    }
}

pub fn answers() -> Vec<(String, Answer)> {
    vec![
        ("company".to_owned(), Answer::Text("Acme".to_owned())),
        ("track".to_owned(), Answer::Choice("ops".to_owned())),
        (
            "topics".to_owned(),
            Answer::Choices(vec!["a".to_owned(), "c".to_owned()]),
        ),
        ("consent".to_owned(), Answer::Checked(true)),
    ]
}

pub fn person(email: &str) -> NewRegistration {
    NewRegistration {
        name: format!("  Person {email} "),
        email: email.to_owned(),
        answers: Vec::new(),
        language: "fr".to_owned(),
    }
}

/// Registers `email` and expects a new registration.
pub async fn registered(db: &Store, target: &RegistrationTarget, email: &str) -> Registration {
    match db.register(target, person(email)).await.expect("register") {
        RegisterOutcome::Registered(r) => r,
        other => panic!("{email}: expected Registered, got {other:?}"),
    }
}
