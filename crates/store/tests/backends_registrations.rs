//! Registrations on each backend (issue 6, G1–G4, G7): forms, registering, already registered
//! (any case), listing and filters, status changes, codes and tokens, the cap, turning
//! registration off, and cascades from sessions and rooms.

#[macro_use]
mod store_common;
mod registrations_common;

use amphi_store::{
    CODE_ALPHABET, CODE_LENGTH, RegisterOutcome, Registration, RegistrationId, RegistrationStatus,
    RegistrationTarget,
};
use registrations_common::*;
use store_common::*;

fn ids(list: &[Registration]) -> Vec<RegistrationId> {
    list.iter().map(|r| r.id.clone()).collect()
}

fn emails(list: &[Registration]) -> Vec<&str> {
    list.iter().map(|r| r.email.as_str()).collect()
}

/// The e-mails of the target's registrations with this status.
async fn with_status(
    db: &Store,
    target: &RegistrationTarget,
    status: RegistrationStatus,
) -> Vec<String> {
    let list = db
        .registrations(target, Some(status))
        .await
        .expect("filter");
    list.into_iter().map(|r| r.email).collect()
}

async fn by_code(
    db: &Store,
    target: &RegistrationTarget,
    email: String,
    code: String,
) -> Option<Registration> {
    db.registration_by_code(target, &email, &code)
        .await
        .expect("by code")
}

#[tokio::test]
async fn settings_round_trip_and_are_replaced_whole() {
    on_each_backend!(|db, backend| {
        let (_owner, room, session) = organiser_room_session(&db).await;
        let target = RegistrationTarget::Session(session.id.clone());
        assert_eq!(db.registration_settings(&target).await.expect("read"), None);

        let form = full_form(false, Some(10));
        db.set_registration_settings(&target, &form)
            .await
            .expect("set");
        assert_eq!(
            db.registration_settings(&target).await.expect("read"),
            Some(form),
            "{backend:?}"
        );
        let standard = standard_form(true, None);
        db.set_registration_settings(&target, &standard)
            .await
            .expect("replace");
        assert_eq!(
            db.registration_settings(&target).await.expect("read"),
            Some(standard.clone())
        );
        // Another target has its own form.
        let room_target = RegistrationTarget::Room(room.id.clone());
        assert_eq!(
            db.registration_settings(&room_target).await.expect("read"),
            None
        );

        // Impossible settings are refused and change nothing.
        for bad in [standard_form(true, Some(0)), {
            let mut f = full_form(true, None);
            f.fields[1].key = "company".to_owned();
            f
        }] {
            assert!(
                matches!(
                    db.set_registration_settings(&target, &bad).await,
                    Err(StoreError::Invalid(_))
                ),
                "{backend:?}: {bad:?}"
            );
        }
        assert_eq!(
            db.registration_settings(&target).await.expect("read"),
            Some(standard)
        );
    });
}

#[tokio::test]
async fn register_with_manual_and_automatic_approval() {
    on_each_backend!(|db, backend| {
        let (_owner, room, session) = organiser_room_session(&db).await;
        let manual = RegistrationTarget::Session(session.id.clone());
        let auto = RegistrationTarget::Room(room.id.clone());
        db.set_registration_settings(&manual, &full_form(false, None))
            .await
            .expect("form");
        db.set_registration_settings(&auto, &standard_form(true, None))
            .await
            .expect("form");

        let mut new = person("Ada@Example.ORG");
        new.answers = answers();
        let RegisterOutcome::Registered(ada) = db.register(&manual, new).await.expect("register")
        else {
            panic!("{backend:?}: expected Registered");
        };
        assert_eq!(ada.status, RegistrationStatus::Pending);
        assert_eq!(ada.email, "ada@example.org");
        assert_eq!(ada.name, "Person Ada@Example.ORG");
        assert_eq!(ada.answers, answers());
        assert_eq!(ada.target, manual);
        assert_eq!(ada.language, "fr");
        assert_eq!(ada.id.as_str().len(), 32);
        assert_eq!(ada.code.len(), CODE_LENGTH);
        assert!(ada.code.bytes().all(|c| CODE_ALPHABET.contains(&c)));
        assert_eq!(ada.join_token.len(), 32);
        assert!(ada.join_token.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(ada.created_at, ada.updated_at);
        assert_eq!(
            db.registration_by_id(&ada.id).await.expect("by id"),
            Some(ada.clone())
        );

        let bob = registered(&db, &auto, "bob@example.org").await;
        assert_eq!(bob.status, RegistrationStatus::Approved, "{backend:?}");
        assert_eq!(bob.target, auto);
        assert!(bob.answers.is_empty());

        // The same e-mail in another case is the same person: the first registration, as is.
        match db
            .register(&manual, person(" ADA@example.org "))
            .await
            .expect("again")
        {
            RegisterOutcome::AlreadyRegistered(first) => assert_eq!(first, ada),
            other => panic!("{backend:?}: expected AlreadyRegistered, got {other:?}"),
        }
        // ...but a registration for one target says nothing of another.
        let ada_in_room = registered(&db, &auto, "ada@example.org").await;
        assert_ne!(ada_in_room.id, ada.id);
        assert_eq!(
            db.registrations(&manual, None).await.expect("list").len(),
            1
        );

        // No form, or a form not enabled: nobody registers.
        let other = session_in(&db, &room, &_owner, "s2").await;
        let none = RegistrationTarget::Session(other.id.clone());
        assert!(matches!(
            db.register(&none, person("c@example.org")).await,
            Err(StoreError::NotFound)
        ));
        let mut closed = standard_form(true, None);
        closed.enabled = false;
        db.set_registration_settings(&none, &closed)
            .await
            .expect("form");
        assert!(matches!(
            db.register(&none, person("c@example.org")).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.register(&auto, person("  ")).await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(db.registrations(&none, None).await.expect("list"), vec![]);
    });
}

#[tokio::test]
async fn list_filter_and_change_statuses() {
    on_each_backend!(|db, backend| {
        let (_owner, room, _session, target) = open_session(&db, standard_form(false, None)).await;
        let mut people = Vec::new();
        for email in ["a@x.org", "b@x.org", "c@x.org", "d@x.org"] {
            people.push(registered(&db, &target, email).await);
        }
        let all = db.registrations(&target, None).await.expect("all");
        assert_eq!(emails(&all), ["a@x.org", "b@x.org", "c@x.org", "d@x.org"]);
        let pending = Some(RegistrationStatus::Pending);
        assert_eq!(db.registrations(&target, pending).await.expect("p"), all);

        // Approve two at once, reject one: only the changed ones come back.
        let changed = db
            .set_registration_status(&target, &ids(&people[..2]), RegistrationStatus::Approved)
            .await
            .expect("approve");
        assert_eq!(emails(&changed), ["a@x.org", "b@x.org"], "{backend:?}");
        assert!(
            changed
                .iter()
                .all(|r| r.status == RegistrationStatus::Approved && r.updated_at >= r.created_at)
        );
        let again = db
            .set_registration_status(&target, &ids(&people[..3]), RegistrationStatus::Approved)
            .await
            .expect("approve again");
        assert_eq!(
            emails(&again),
            ["c@x.org"],
            "already approved ones are left out"
        );
        let rejected = db
            .set_registration_status(&target, &ids(&people[2..3]), RegistrationStatus::Rejected)
            .await
            .expect("reject");
        assert_eq!(emails(&rejected), ["c@x.org"]);
        db.set_registration_status(&target, &ids(&people[3..]), RegistrationStatus::Cancelled)
            .await
            .expect("cancel");

        let by = |s| with_status(&db, &target, s);
        assert_eq!(
            by(RegistrationStatus::Approved).await,
            ["a@x.org", "b@x.org"]
        );
        assert_eq!(by(RegistrationStatus::Rejected).await, ["c@x.org"]);
        assert_eq!(by(RegistrationStatus::Cancelled).await, ["d@x.org"]);
        assert!(by(RegistrationStatus::Pending).await.is_empty());
        assert_eq!(db.count_registrations(&target).await.expect("count"), 2);

        // Ids of another target, or unknown, change nothing.
        let room_target = RegistrationTarget::Room(room.id.clone());
        let unknown = RegistrationId::new("0".repeat(32));
        let none = db
            .set_registration_status(
                &room_target,
                &[people[0].id.clone(), unknown.clone()],
                RegistrationStatus::Rejected,
            )
            .await
            .expect("other target");
        assert!(none.is_empty(), "{backend:?}");
        assert_eq!(
            db.registration_by_id(&people[0].id)
                .await
                .expect("read")
                .map(|r| r.status),
            Some(RegistrationStatus::Approved)
        );
    });
}

#[tokio::test]
async fn codes_and_tokens_find_their_registration() {
    on_each_backend!(|db, backend| {
        let (_owner, _room, _session, target) = open_session(&db, standard_form(true, None)).await;
        let mut all = Vec::new();
        for i in 0..40 {
            all.push(registered(&db, &target, &format!("p{i}@example.org")).await);
        }
        let mut codes: Vec<&str> = all.iter().map(|r| r.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(
            codes.len(),
            all.len(),
            "{backend:?}: codes are unique per target"
        );
        let mut tokens: Vec<&str> = all.iter().map(|r| r.join_token.as_str()).collect();
        tokens.sort_unstable();
        tokens.dedup();
        assert_eq!(tokens.len(), all.len());

        let p = &all[7];
        let found = |email: String, code: String| by_code(&db, &target, email, code);
        assert_eq!(
            found(p.email.clone(), p.code.clone()).await,
            Some(p.clone())
        );
        // As people type it: any case, grouped with spaces or dashes, e-mail in any case.
        let typed = format!(
            "{}-{} {}",
            &p.code[..3].to_lowercase(),
            &p.code[3..6],
            &p.code[6..]
        );
        assert_eq!(
            found(p.email.to_uppercase(), typed).await,
            Some(p.clone()),
            "{backend:?}"
        );
        // Someone else's code, a wrong code, an unknown e-mail: nothing.
        assert_eq!(found(p.email.clone(), all[8].code.clone()).await, None);
        assert_eq!(found(p.email.clone(), "ABCDEFGHJ".to_owned()).await, None);
        assert_eq!(
            found("nobody@example.org".into(), p.code.clone()).await,
            None
        );
        // A code is only good for its own target.
        let room_target = RegistrationTarget::Room(_room.id.clone());
        assert_eq!(
            db.registration_by_code(&room_target, &p.email, &p.code)
                .await
                .expect("other target"),
            None
        );

        assert_eq!(
            db.registration_by_token(&p.join_token)
                .await
                .expect("token"),
            Some(p.clone())
        );
        assert_eq!(
            db.registration_by_token(&"0".repeat(32))
                .await
                .expect("token"),
            None
        );
        assert_eq!(db.registration_by_token("").await.expect("token"), None);
    });
}

#[tokio::test]
async fn the_cap_counts_pending_and_approved() {
    on_each_backend!(|db, backend| {
        let (_owner, _room, _session, target) =
            open_session(&db, standard_form(false, Some(2))).await;
        let a = registered(&db, &target, "a@x.org").await;
        let b = registered(&db, &target, "b@x.org").await;
        assert_eq!(
            db.register(&target, person("c@x.org")).await.expect("c"),
            RegisterOutcome::Full,
            "{backend:?}"
        );
        // Someone already registered hears so, even when full.
        assert!(matches!(
            db.register(&target, person("A@x.org")).await.expect("a"),
            RegisterOutcome::AlreadyRegistered(r) if r.id == a.id
        ));
        db.set_registration_status(
            &target,
            std::slice::from_ref(&b.id),
            RegistrationStatus::Approved,
        )
        .await
        .expect("approve");
        assert_eq!(
            db.register(&target, person("c@x.org")).await.expect("c"),
            RegisterOutcome::Full
        );
        // A rejected registration frees its place.
        db.set_registration_status(
            &target,
            std::slice::from_ref(&a.id),
            RegistrationStatus::Rejected,
        )
        .await
        .expect("reject");
        assert_eq!(db.count_registrations(&target).await.expect("count"), 1);
        let c = registered(&db, &target, "c@x.org").await;
        assert_eq!(c.status, RegistrationStatus::Pending);
        assert_eq!(
            db.register(&target, person("d@x.org")).await.expect("d"),
            RegisterOutcome::Full
        );
        // A larger cap lets more in; none is no cap at all.
        db.set_registration_settings(&target, &standard_form(false, None))
            .await
            .expect("uncapped");
        registered(&db, &target, "d@x.org").await;
        assert_eq!(db.count_registrations(&target).await.expect("count"), 3);
        assert_eq!(db.registrations(&target, None).await.expect("all").len(), 4);
    });
}

#[tokio::test]
async fn disabling_deletes_registrations_and_the_form() {
    on_each_backend!(|db, backend| {
        let (_owner, room, session) = organiser_room_session(&db).await;
        let target = RegistrationTarget::Session(session.id.clone());
        let room_target = RegistrationTarget::Room(room.id.clone());
        db.set_registration_settings(&target, &full_form(true, Some(50)))
            .await
            .expect("form");
        db.set_registration_settings(&room_target, &standard_form(true, None))
            .await
            .expect("room form");
        let mut people = Vec::new();
        for email in ["a@x.org", "b@x.org", "c@x.org"] {
            people.push(registered(&db, &target, email).await);
        }
        db.set_registration_status(
            &target,
            std::slice::from_ref(&people[0].id),
            RegistrationStatus::Rejected,
        )
        .await
        .expect("reject");
        let kept = registered(&db, &room_target, "a@x.org").await;

        // Every registration goes, whatever its status, and the count says how many.
        assert_eq!(
            db.disable_registration(&target).await.expect("disable"),
            3,
            "{backend:?}"
        );
        assert_eq!(db.registration_settings(&target).await.expect("read"), None);
        assert!(
            db.registrations(&target, None)
                .await
                .expect("list")
                .is_empty()
        );
        assert_eq!(
            db.registration_by_token(&people[1].join_token)
                .await
                .expect("token"),
            None
        );
        assert_eq!(db.disable_registration(&target).await.expect("again"), 0);
        // Other targets keep theirs.
        assert_eq!(
            db.registrations(&room_target, None).await.expect("room"),
            vec![kept]
        );

        // Turning it on again starts from the standard form the server offers; the old
        // custom fields are gone.
        db.set_registration_settings(&target, &standard_form(true, None))
            .await
            .expect("on again");
        let settings = db
            .registration_settings(&target)
            .await
            .expect("read")
            .expect("set up");
        assert!(settings.fields.is_empty());
        let again = registered(&db, &target, "a@x.org").await;
        assert_ne!(again.id, people[0].id);
        assert_eq!(again.status, RegistrationStatus::Approved);
    });
}

#[tokio::test]
async fn deleting_a_session_or_room_deletes_its_registrations() {
    on_each_backend!(|db, backend| {
        let (owner, room, session) = organiser_room_session(&db).await;
        let other_room = db
            .create_room(new_room("other", &owner.id))
            .await
            .expect("room");
        let s_target = RegistrationTarget::Session(session.id.clone());
        let r_target = RegistrationTarget::Room(room.id.clone());
        let o_target = RegistrationTarget::Room(other_room.id.clone());
        for t in [&s_target, &r_target, &o_target] {
            db.set_registration_settings(t, &standard_form(true, None))
                .await
                .expect("form");
        }
        let in_session = registered(&db, &s_target, "a@x.org").await;
        let in_room = registered(&db, &r_target, "a@x.org").await;
        let elsewhere = registered(&db, &o_target, "a@x.org").await;

        db.delete_session(&session.id)
            .await
            .expect("delete session");
        assert_eq!(
            db.registration_settings(&s_target).await.expect("read"),
            None
        );
        assert_eq!(
            db.registration_by_id(&in_session.id).await.expect("read"),
            None
        );
        assert!(
            db.registration_by_id(&in_room.id)
                .await
                .expect("read")
                .is_some()
        );

        // The room's own registrations, and those of its sessions, go with it.
        let s2 = session_in(&db, &room, &owner, "s2").await;
        let s2_target = RegistrationTarget::Session(s2.id.clone());
        db.set_registration_settings(&s2_target, &standard_form(true, None))
            .await
            .expect("form");
        let in_s2 = registered(&db, &s2_target, "b@x.org").await;
        db.delete_room(&room.id).await.expect("delete room");
        for gone in [&in_room.id, &in_s2.id] {
            assert_eq!(
                db.registration_by_id(gone).await.expect("read"),
                None,
                "{backend:?}"
            );
        }
        assert_eq!(
            db.registration_settings(&r_target).await.expect("read"),
            None
        );
        assert_eq!(
            db.registration_by_id(&elsewhere.id).await.expect("read"),
            Some(elsewhere)
        );
    });
}
