//! The registration cap under real concurrency (issue 6, G4): 50 registrations at once against
//! a cap of 10 give exactly 10 registered and 40 full, on each backend.

#[macro_use]
mod store_common;
mod registrations_common;

use amphi_store::{RegisterOutcome, RegistrationSettings, RegistrationTarget};
use registrations_common::*;
use store_common::*;

const PEOPLE: usize = 50;
const CAP: u32 = 10;

/// Starts [`PEOPLE`] registrations for distinct e-mails at once (a barrier releases them
/// together, on a multi-thread runtime) and returns (registered, full).
async fn race(db: &Store, target: &RegistrationTarget, tag: &str) -> (usize, usize) {
    let barrier = Arc::new(Barrier::new(PEOPLE));
    let calls: Vec<_> = (0..PEOPLE)
        .map(|i| {
            let (store, barrier, target) = (db.clone(), barrier.clone(), target.clone());
            let email = format!("{tag}{i}@example.org");
            tokio::spawn(async move {
                barrier.wait().await;
                store.register(&target, person(&email)).await
            })
        })
        .collect();
    let (mut registered, mut full) = (0, 0);
    for call in calls {
        match call.await.expect("task").expect("register") {
            RegisterOutcome::Registered(_) => registered += 1,
            RegisterOutcome::Full => full += 1,
            other => panic!("{tag}: unexpected {other:?}"),
        }
    }
    (registered, full)
}

async fn cap_holds(auto_approve: bool) {
    on_each_backend!(|db, backend| {
        let (_owner, room, session) = organiser_room_session(&db).await;
        let settings = RegistrationSettings {
            cap: Some(CAP),
            ..standard_form(auto_approve, None)
        };
        for target in [
            RegistrationTarget::Session(session.id.clone()),
            RegistrationTarget::Room(room.id.clone()),
        ] {
            db.set_registration_settings(&target, &settings)
                .await
                .expect("form");
            let (registered, full) = race(&db, &target, "p").await;
            assert_eq!(
                (registered, full),
                (10, 40),
                "{backend:?} {target:?} auto_approve={auto_approve}"
            );
            assert_eq!(db.count_registrations(&target).await.expect("count"), 10);
            let stored = db.registrations(&target, None).await.expect("list");
            assert_eq!(
                stored.len(),
                10,
                "{backend:?}: nothing stored for the full ones"
            );
            let mut codes: Vec<_> = stored.iter().map(|r| r.code.clone()).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), 10);
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_at_once_against_a_cap_of_ten_approved_at_once() {
    cap_holds(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_at_once_against_a_cap_of_ten_pending() {
    cap_holds(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_person_twice_at_once_registers_once() {
    on_each_backend!(|db, backend| {
        let (_owner, _room, _session, target) = open_session(&db, standard_form(true, None)).await;
        const N: usize = 12;
        let barrier = Arc::new(Barrier::new(N));
        let calls: Vec<_> = (0..N)
            .map(|i| {
                let (store, barrier, target) = (db.store.clone(), barrier.clone(), target.clone());
                // The same address, written differently.
                let email = if i % 2 == 0 {
                    "Same@X.org"
                } else {
                    "same@x.org"
                };
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.register(&target, person(email)).await
                })
            })
            .collect();
        let mut first = 0;
        for call in calls {
            match call.await.expect("task").expect("register") {
                RegisterOutcome::Registered(_) => first += 1,
                RegisterOutcome::AlreadyRegistered(r) => assert_eq!(r.email, "same@x.org"),
                RegisterOutcome::Full => panic!("{backend:?}: no cap"),
            }
        }
        assert_eq!(first, 1, "{backend:?}");
        assert_eq!(
            db.registrations(&target, None).await.expect("list").len(),
            1
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn turning_off_while_people_register_leaves_no_registration_behind() {
    on_each_backend!(|db, backend| {
        let (_owner, _room, _session, target) = open_session(&db, standard_form(true, None)).await;
        // Some are there before; more arrive while the organiser turns registration off.
        for i in 0..5 {
            registered(&db, &target, &format!("early{i}@example.org")).await;
        }
        const N: usize = 30;
        let barrier = Arc::new(Barrier::new(N + 1));
        let calls: Vec<_> = (0..N)
            .map(|i| {
                let (store, barrier, target) = (db.store.clone(), barrier.clone(), target.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store
                        .register(&target, person(&format!("late{i}@example.org")))
                        .await
                })
            })
            .collect();
        let disable = {
            let (store, barrier, target) = (db.store.clone(), barrier.clone(), target.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.disable_registration(&target).await
            })
        };
        let mut registered_before_off = 0;
        for call in calls {
            match call.await.expect("task") {
                Ok(RegisterOutcome::Registered(_)) => registered_before_off += 1,
                // The form was gone by then.
                Err(StoreError::NotFound) => {}
                other => panic!("{backend:?}: unexpected {other:?}"),
            }
        }
        let deleted = disable.await.expect("task").expect("disable");
        assert_eq!(
            deleted,
            5 + registered_before_off,
            "{backend:?}: every registration made is counted"
        );
        assert_eq!(db.registration_settings(&target).await.expect("read"), None);
        assert!(
            db.registrations(&target, None)
                .await
                .expect("list")
                .is_empty(),
            "{backend:?}: no registration outlives its form"
        );
    });
}
