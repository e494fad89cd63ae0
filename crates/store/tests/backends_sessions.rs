//! Sessions on each backend (issue 5: W1, W2, W4): create/read/update/delete, listings, the
//! staff (by e-mail, any case), the published-needs-a-moderator rule, and the live
//! transitions (forward only, exactly one winner among concurrent callers).

#[macro_use]
mod store_common;

use amphi_store::{
    LiveState, LiveTransition, NewSession, Session, SessionId, SessionStatus, SessionUpdate,
    StaffRole,
};
use store_common::*;

const T0: i64 = 1_800_000_000_000;

fn new_session(slug: &str, room: &RoomId, by: &UserId, starts_at: i64) -> NewSession {
    NewSession {
        slug: slug.to_owned(),
        room_id: room.clone(),
        title: format!("Session {slug}"),
        description: "About things".to_owned(),
        starts_at,
        ends_at: starts_at + HOUR_MS,
        time_zone: "Europe/Paris".to_owned(),
        status: SessionStatus::Draft,
        created_by: by.clone(),
    }
}

fn update_of(s: &Session, status: SessionStatus) -> SessionUpdate {
    SessionUpdate {
        title: s.title.clone(),
        description: s.description.clone(),
        room_id: s.room_id.clone(),
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        time_zone: s.time_zone.clone(),
        status,
    }
}

fn slugs(sessions: &[Session]) -> Vec<&str> {
    sessions.iter().map(|s| s.slug.as_str()).collect()
}

/// A store with an owner, a room and a draft session `s` in it.
async fn setup(db: &Store) -> (User, amphi_store::Room, Session) {
    let owner = user(db, "owner@example.org").await;
    let room = db
        .create_room(new_room("hall", &owner.id))
        .await
        .expect("room");
    let session = db
        .create_session(new_session("s", &room.id, &owner.id, T0))
        .await
        .expect("session");
    (owner, room, session)
}

#[tokio::test]
async fn create_read_update_delete() {
    on_each_backend!(|db, backend| {
        let (owner, room, s) = setup(&db).await;
        assert_eq!(s.slug, "s");
        assert_eq!(s.status, SessionStatus::Draft);
        assert_eq!(s.live_state, LiveState::NotStarted);
        assert_eq!((s.live_started_at, s.live_ended_at), (None, None));
        assert_eq!(s.created_by, owner.id);
        assert_eq!((s.starts_at, s.ends_at), (T0, T0 + HOUR_MS));
        assert_eq!(s.id.as_str().len(), 32);

        assert_eq!(
            db.session_by_slug("s").await.expect("by slug"),
            Some(s.clone()),
            "{backend:?}"
        );
        assert_eq!(
            db.session_by_id(&s.id).await.expect("by id"),
            Some(s.clone())
        );
        assert_eq!(db.session_by_slug("nope").await.expect("by slug"), None);
        assert!(db.session_slug_exists("s").await.expect("exists"));
        assert!(!db.session_slug_exists("t").await.expect("exists"));

        // A taken slug is a Conflict.
        let again = db
            .create_session(new_session("s", &room.id, &owner.id, T0))
            .await;
        assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");

        // Every editable field changes at once, including the room.
        let other = db
            .create_room(new_room("annex", &owner.id))
            .await
            .expect("room");
        db.update_session(
            &s.id,
            SessionUpdate {
                title: "Renamed".to_owned(),
                description: "New words".to_owned(),
                room_id: other.id.clone(),
                starts_at: T0 + 10,
                ends_at: T0 + 20,
                time_zone: "America/New_York".to_owned(),
                status: SessionStatus::Draft,
            },
        )
        .await
        .expect("update");
        let u = db.session_by_id(&s.id).await.expect("read").expect("there");
        assert_eq!(u.title, "Renamed");
        assert_eq!(u.description, "New words");
        assert_eq!(u.room_id, other.id);
        assert_eq!((u.starts_at, u.ends_at), (T0 + 10, T0 + 20));
        assert_eq!(u.time_zone, "America/New_York");
        assert_eq!(u.slug, "s", "the slug (the URL) stays");
        assert!(u.updated_at >= s.updated_at);

        let missing = SessionId::new("0".repeat(32));
        assert!(matches!(
            db.update_session(&missing, update_of(&u, SessionStatus::Draft))
                .await,
            Err(StoreError::NotFound)
        ));

        db.set_staff(&s.id, "mod@example.org", StaffRole::Moderator)
            .await
            .expect("staff");
        db.delete_session(&s.id).await.expect("delete");
        assert_eq!(db.session_by_id(&s.id).await.expect("read"), None);
        assert!(
            db.sessions_staffed_by("mod@example.org")
                .await
                .expect("staffed")
                .is_empty(),
            "{backend:?}: the staff goes with the session"
        );
        assert!(matches!(
            db.delete_session(&s.id).await,
            Err(StoreError::NotFound)
        ));
    });
}

#[tokio::test]
async fn listings_are_by_start_time() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let hall = db
            .create_room(new_room("hall", &owner.id))
            .await
            .expect("room");
        let annex = db
            .create_room(new_room("annex", &owner.id))
            .await
            .expect("room");
        for (slug, room, at) in [
            ("late", &hall, T0 + 3 * HOUR_MS),
            ("early", &annex, T0),
            ("mid", &hall, T0 + HOUR_MS),
        ] {
            db.create_session(new_session(slug, &room.id, &owner.id, at))
                .await
                .expect("session");
        }
        let all = db.list_sessions().await.expect("list");
        assert_eq!(slugs(&all), ["early", "mid", "late"], "{backend:?}");
        assert_eq!(
            slugs(&db.sessions_of_room(&hall.id).await.expect("of room")),
            ["mid", "late"]
        );
        assert!(db.published_sessions().await.expect("published").is_empty());

        // Publish two (each with a moderator): the programme lists those only.
        for s in all.iter().filter(|s| s.slug != "mid") {
            db.set_staff(&s.id, "mod@example.org", StaffRole::Moderator)
                .await
                .expect("staff");
            db.update_session(&s.id, update_of(s, SessionStatus::Published))
                .await
                .expect("publish");
        }
        assert_eq!(
            slugs(&db.published_sessions().await.expect("published")),
            ["early", "late"],
            "{backend:?}"
        );

        // Deleting the room deletes its sessions.
        db.delete_room(&hall.id).await.expect("delete room");
        assert_eq!(
            slugs(&db.list_sessions().await.expect("list")),
            ["early"],
            "{backend:?}"
        );
    });
}

#[tokio::test]
async fn staff_by_email_in_any_case() {
    on_each_backend!(|db, backend| {
        let (owner, room, s) = setup(&db).await;
        let t = db
            .create_session(new_session("t", &room.id, &owner.id, T0 - HOUR_MS))
            .await
            .expect("session");
        assert!(db.session_staff(&s.id).await.expect("staff").is_empty());

        db.set_staff(&s.id, "Sam@Example.org", StaffRole::Speaker)
            .await
            .expect("speaker");
        db.set_staff(&s.id, "mo@example.org", StaffRole::Moderator)
            .await
            .expect("moderator");
        db.set_staff(&t.id, "SAM@example.org", StaffRole::Moderator)
            .await
            .expect("moderator of t");

        assert_eq!(
            db.staff_role(&s.id, "sam@EXAMPLE.org").await.expect("role"),
            Some(StaffRole::Speaker),
            "{backend:?}"
        );
        assert_eq!(
            db.staff_role(&s.id, "nobody@example.org")
                .await
                .expect("role"),
            None
        );
        let staff = db.session_staff(&s.id).await.expect("staff");
        let listed: Vec<(&str, StaffRole)> =
            staff.iter().map(|m| (m.email.as_str(), m.role)).collect();
        assert_eq!(
            listed,
            [
                ("mo@example.org", StaffRole::Moderator),
                ("sam@example.org", StaffRole::Speaker)
            ],
            "{backend:?}: moderators first, e-mails lowercase"
        );
        let added_at = staff[1].added_at;

        // Naming again changes the role; still one row, same added_at.
        db.set_staff(&s.id, "sam@example.org", StaffRole::Moderator)
            .await
            .expect("promote");
        let staff = db.session_staff(&s.id).await.expect("staff");
        assert_eq!(staff.len(), 2);
        let sam = staff
            .iter()
            .find(|m| m.email == "sam@example.org")
            .expect("sam");
        assert_eq!((sam.role, sam.added_at), (StaffRole::Moderator, added_at));

        let mine = db
            .sessions_staffed_by("sam@example.ORG")
            .await
            .expect("staffed");
        let mine: Vec<(&str, StaffRole)> =
            mine.iter().map(|(s, r)| (s.slug.as_str(), *r)).collect();
        assert_eq!(
            mine,
            [("t", StaffRole::Moderator), ("s", StaffRole::Moderator)],
            "{backend:?}: by start time"
        );

        db.remove_staff(&s.id, "SAM@example.org")
            .await
            .expect("remove");
        assert_eq!(
            db.staff_role(&s.id, "sam@example.org").await.expect("role"),
            None
        );
        assert!(matches!(
            db.remove_staff(&s.id, "sam@example.org").await,
            Err(StoreError::NotFound)
        ));
        let missing = SessionId::new("0".repeat(32));
        assert!(matches!(
            db.set_staff(&missing, "x@example.org", StaffRole::Speaker)
                .await,
            Err(StoreError::NotFound)
        ));
    });
}

#[tokio::test]
async fn a_published_session_keeps_a_moderator() {
    on_each_backend!(|db, backend| {
        let (owner, room, s) = setup(&db).await;

        // Created published: no staff can exist yet.
        let mut published = new_session("p", &room.id, &owner.id, T0);
        published.status = SessionStatus::Published;
        assert!(matches!(
            db.create_session(published).await,
            Err(StoreError::NoModerator)
        ));
        assert!(!db.session_slug_exists("p").await.expect("exists"));

        // Publishing with a speaker only: refused, and nothing of the update is kept.
        db.set_staff(&s.id, "sam@example.org", StaffRole::Speaker)
            .await
            .expect("speaker");
        let mut update = update_of(&s, SessionStatus::Published);
        update.title = "Changed".to_owned();
        assert!(
            matches!(
                db.update_session(&s.id, update.clone()).await,
                Err(StoreError::NoModerator)
            ),
            "{backend:?}"
        );
        let now = db.session_by_id(&s.id).await.expect("read").expect("there");
        assert_eq!(
            (now.status, now.title.as_str()),
            (SessionStatus::Draft, "Session s")
        );

        db.set_staff(&s.id, "mo@example.org", StaffRole::Moderator)
            .await
            .expect("moderator");
        db.update_session(&s.id, update).await.expect("publish");

        // The last moderator can be neither removed nor demoted; the speaker can go.
        assert!(matches!(
            db.remove_staff(&s.id, "mo@example.org").await,
            Err(StoreError::NoModerator)
        ));
        assert!(matches!(
            db.set_staff(&s.id, "mo@example.org", StaffRole::Speaker)
                .await,
            Err(StoreError::NoModerator)
        ));
        assert_eq!(
            db.staff_role(&s.id, "mo@example.org").await.expect("role"),
            Some(StaffRole::Moderator),
            "{backend:?}: the refused change was rolled back"
        );
        db.remove_staff(&s.id, "sam@example.org")
            .await
            .expect("speaker removed");

        // With a second moderator, one can go; back to draft, the last one can go too.
        db.set_staff(&s.id, "mia@example.org", StaffRole::Moderator)
            .await
            .expect("second");
        db.remove_staff(&s.id, "mo@example.org")
            .await
            .expect("one of two");
        let now = db.session_by_id(&s.id).await.expect("read").expect("there");
        db.update_session(&s.id, update_of(&now, SessionStatus::Draft))
            .await
            .expect("unpublish");
        db.remove_staff(&s.id, "mia@example.org")
            .await
            .expect("draft: no moderator needed");
    });
}

#[tokio::test]
async fn the_live_only_moves_forward() {
    on_each_backend!(|db, backend| {
        let (_owner, _room, s) = setup(&db).await;
        assert_eq!(
            db.end_live(&s.id, T0).await.expect("end"),
            LiveTransition::NotLive,
            "{backend:?}"
        );
        let LiveTransition::Changed(live) = db.start_live(&s.id, T0 + 5).await.expect("start")
        else {
            panic!("{backend:?}: the first start changes the state");
        };
        assert_eq!(live.live_state, LiveState::Live);
        assert_eq!(live.live_started_at, Some(T0 + 5));
        assert_eq!(
            db.start_live(&s.id, T0 + 6).await.expect("start"),
            LiveTransition::AlreadyLive
        );
        let LiveTransition::Changed(ended) = db.end_live(&s.id, T0 + 9).await.expect("end") else {
            panic!("{backend:?}: ending a live session changes the state");
        };
        assert_eq!(ended.live_state, LiveState::Ended);
        assert_eq!(
            (ended.live_started_at, ended.live_ended_at),
            (Some(T0 + 5), Some(T0 + 9))
        );
        assert_eq!(
            db.start_live(&s.id, T0 + 10).await.expect("start"),
            LiveTransition::AlreadyEnded,
            "{backend:?}: an ended live never restarts"
        );
        assert_eq!(
            db.end_live(&s.id, T0 + 10).await.expect("end"),
            LiveTransition::AlreadyEnded
        );
        let stored = db.session_by_id(&s.id).await.expect("read").expect("there");
        assert_eq!(stored.live_ended_at, Some(T0 + 9), "nothing moved since");

        let missing = SessionId::new("0".repeat(32));
        assert!(matches!(
            db.start_live(&missing, T0).await,
            Err(StoreError::NotFound)
        ));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_starts_and_stops_have_one_winner() {
    on_each_backend!(|db, backend| {
        let (_owner, _room, s) = setup(&db).await;
        for op in ["start", "end"] {
            const N: usize = 8;
            let barrier = Arc::new(Barrier::new(N));
            let calls: Vec<_> = (0..N)
                .map(|i| {
                    let (store, barrier, id) = (db.store.clone(), barrier.clone(), s.id.clone());
                    let at = T0 + i64::try_from(i).unwrap_or(0);
                    tokio::spawn(async move {
                        barrier.wait().await;
                        if op == "start" {
                            store.start_live(&id, at).await
                        } else {
                            store.end_live(&id, at).await
                        }
                    })
                })
                .collect();
            let mut changed = 0;
            for c in calls {
                match c.await.expect("task").expect("transition") {
                    LiveTransition::Changed(_) => changed += 1,
                    LiveTransition::AlreadyLive if op == "start" => {}
                    LiveTransition::AlreadyEnded if op == "end" => {}
                    other => panic!("{backend:?} {op}: unexpected {other:?}"),
                }
            }
            assert_eq!(changed, 1, "{backend:?}: exactly one {op} wins");
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publish_and_removal_never_leave_a_published_session_without_moderator() {
    on_each_backend!(|db, backend| {
        let (_owner, _room, s) = setup(&db).await;
        for round in 0..10 {
            db.set_staff(&s.id, "mo@example.org", StaffRole::Moderator)
                .await
                .expect("moderator");
            let barrier = Arc::new(Barrier::new(2));
            let publish = {
                let (store, barrier, s) = (db.store.clone(), barrier.clone(), s.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store
                        .update_session(&s.id, update_of(&s, SessionStatus::Published))
                        .await
                })
            };
            let remove = {
                let (store, barrier, id) = (db.store.clone(), barrier.clone(), s.id.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.remove_staff(&id, "mo@example.org").await
                })
            };
            let (p, r) = (publish.await.expect("task"), remove.await.expect("task"));
            // Either may win, never both.
            match (&p, &r) {
                (Ok(()), Err(StoreError::NoModerator)) | (Err(StoreError::NoModerator), Ok(())) => {
                }
                _ => panic!("{backend:?} round {round}: publish {p:?}, remove {r:?}"),
            }
            let now = db.session_by_id(&s.id).await.expect("read").expect("there");
            let moderator = db.staff_role(&s.id, "mo@example.org").await.expect("role");
            assert!(
                now.status == SessionStatus::Draft || moderator == Some(StaffRole::Moderator),
                "{backend:?} round {round}: published without a moderator"
            );
            db.update_session(&s.id, update_of(&s, SessionStatus::Draft))
                .await
                .expect("back to draft");
        }
    });
}

#[tokio::test]
async fn staff_codes_for_addresses_without_account() {
    on_each_backend!(|db, backend| {
        let (_owner, _room, s) = setup(&db).await;
        assert!(!db.is_staff_email("new@example.org").await.expect("staff?"));
        db.set_staff(&s.id, "New@Example.org", StaffRole::Speaker)
            .await
            .expect("staff");
        assert!(db.is_staff_email("NEW@example.org").await.expect("staff?"));

        let now = T0;
        db.put_staff_signin_code("new@example.org", "h1", now, now + HOUR_MS)
            .await
            .expect("put");
        assert_eq!(
            db.use_staff_signin_code("NEW@example.org", "wrong", now + 1, 5)
                .await
                .expect("try"),
            amphi_store::CodeCheck::Wrong { attempts_left: 4 },
            "{backend:?}"
        );
        assert_eq!(
            db.use_staff_signin_code("new@example.org", "h1", now + 2, 5)
                .await
                .expect("try"),
            amphi_store::CodeCheck::Accepted,
            "{backend:?}"
        );
        assert_eq!(
            db.use_staff_signin_code("new@example.org", "h1", now + 3, 5)
                .await
                .expect("try"),
            amphi_store::CodeCheck::NoCode,
            "{backend:?}: used once"
        );

        // Expired, and killed by wrong tries.
        db.put_staff_signin_code("new@example.org", "h2", now, now + 10)
            .await
            .expect("put");
        assert_eq!(
            db.use_staff_signin_code("new@example.org", "h2", now + 10, 5)
                .await
                .expect("try"),
            amphi_store::CodeCheck::NoCode
        );
        db.put_staff_signin_code("new@example.org", "h3", now, now + HOUR_MS)
            .await
            .expect("put");
        for _ in 0..2 {
            db.use_staff_signin_code("new@example.org", "bad", now + 1, 2)
                .await
                .expect("try");
        }
        assert_eq!(
            db.use_staff_signin_code("new@example.org", "h3", now + 1, 2)
                .await
                .expect("try"),
            amphi_store::CodeCheck::NoCode,
            "{backend:?}: dead after the wrong tries"
        );
    });
}
