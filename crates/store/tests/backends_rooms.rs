//! The store on each backend: rooms, deleting users, text round trips.

#[macro_use]
mod store_common;

use store_common::*;

#[tokio::test]
async fn rooms_crud_and_slug_conflict() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let before = amphi_store::now_ms();
        let room = db
            .create_room(new_room("team-meeting", &owner.id))
            .await
            .expect("create");
        assert_eq!(room.id.as_str().len(), 32);
        assert_eq!(room.slug, "team-meeting");
        assert_eq!(room.name, "Room team-meeting");
        assert_eq!(room.owner_id, owner.id);
        assert!(
            !room.is_open,
            "{backend:?}: rooms are closed by default (R2)"
        );
        assert_eq!(room.max_participants, None);
        assert!(
            !room.waiting_room,
            "{backend:?}: the waiting room is off by default (R4)"
        );
        assert!(room.created_at >= before);

        assert_eq!(
            db.room_by_slug("team-meeting").await.expect("by slug"),
            Some(room.clone())
        );
        assert_eq!(
            db.room_by_id(&room.id).await.expect("by id"),
            Some(room.clone())
        );
        assert_eq!(
            db.room_by_slug("team-meeting-2").await.expect("by slug"),
            None
        );
        assert_eq!(
            db.room_by_id(&RoomId::new("nope")).await.expect("by id"),
            None
        );

        // A taken slug is Conflict, so the server can try `team-meeting-2`.
        assert!(db.slug_exists("team-meeting").await.expect("exists"));
        assert!(!db.slug_exists("team-meeting-2").await.expect("exists"));
        let dup = db.create_room(new_room("team-meeting", &owner.id)).await;
        assert!(
            matches!(dup, Err(StoreError::Conflict)),
            "{backend:?}: {dup:?}"
        );
        let second = db
            .create_room(new_room("team-meeting-2", &owner.id))
            .await
            .expect("create");
        assert_ne!(second.id, room.id);

        // An owner must exist.
        let orphan = db
            .create_room(new_room("orphan", &UserId::new("ghost")))
            .await;
        assert!(
            matches!(orphan, Err(StoreError::Database(_))),
            "{backend:?}: {orphan:?}"
        );

        db.rename_room(&room.id, "Weekly sync")
            .await
            .expect("rename");
        db.set_room_open(&room.id, true).await.expect("open");
        db.set_room_max_participants(&room.id, Some(120))
            .await
            .expect("cap");
        db.set_room_waiting_room(&room.id, true)
            .await
            .expect("waiting room");
        let changed = db
            .room_by_id(&room.id)
            .await
            .expect("by id")
            .expect("exists");
        assert_eq!(changed.name, "Weekly sync");
        assert_eq!(changed.slug, "team-meeting", "renaming keeps the URL");
        assert!(changed.is_open);
        assert_eq!(changed.max_participants, Some(120));
        assert!(changed.waiting_room);
        db.set_room_open(&room.id, false).await.expect("close");
        db.set_room_waiting_room(&room.id, false)
            .await
            .expect("waiting room off");
        db.set_room_max_participants(&room.id, None)
            .await
            .expect("default cap");
        let back = db
            .room_by_id(&room.id)
            .await
            .expect("by id")
            .expect("exists");
        assert!(!back.is_open);
        assert!(!back.waiting_room);
        assert_eq!(back.max_participants, None);

        // The settings form's one statement.
        db.update_room_settings(&room.id, "Settings name", Some(9), true)
            .await
            .expect("settings");
        let set = db
            .room_by_id(&room.id)
            .await
            .expect("by id")
            .expect("exists");
        assert_eq!(
            (set.name.as_str(), set.max_participants, set.waiting_room),
            ("Settings name", Some(9), true),
            "{backend:?}"
        );
        assert_eq!(set.slug, "team-meeting");
        db.update_room_settings(&room.id, "Weekly sync", None, false)
            .await
            .expect("settings back");
        assert_eq!(
            db.room_by_id(&room.id).await.expect("by id"),
            Some(back.clone()),
            "{backend:?}"
        );

        let ghost = RoomId::new("ghost");
        assert!(matches!(
            db.rename_room(&ghost, "x").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.set_room_open(&ghost, true).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.set_room_max_participants(&ghost, Some(1)).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.set_room_waiting_room(&ghost, true).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.update_room_settings(&ghost, "x", None, false).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.delete_room(&ghost).await,
            Err(StoreError::NotFound)
        ));

        db.delete_room(&room.id).await.expect("delete");
        assert_eq!(db.room_by_id(&room.id).await.expect("by id"), None);
        assert!(
            !db.slug_exists("team-meeting").await.expect("exists"),
            "a deleted room frees its slug"
        );
        assert_eq!(
            db.user_by_id(&owner.id).await.expect("owner").map(|u| u.id),
            Some(owner.id.clone())
        );
        assert_eq!(db.list_rooms().await.expect("list").len(), 1);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_slug_exactly_one_wins() {
    const RACERS: usize = 6;
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let barrier = Arc::new(Barrier::new(RACERS));
        let racers: Vec<_> = (0..RACERS)
            .map(|_| {
                let store = db.store.clone();
                let barrier = barrier.clone();
                let owner = owner.id.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.create_room(new_room("popular", &owner)).await
                })
            })
            .collect();
        let (mut ok, mut conflict) = (0, 0);
        for racer in racers {
            match racer.await.expect("task") {
                Ok(_) => ok += 1,
                Err(StoreError::Conflict) => conflict += 1,
                Err(e) => panic!("{backend:?}: unexpected {e}"),
            }
        }
        assert_eq!((ok, conflict), (1, RACERS - 1), "{backend:?}");
    });
}

#[tokio::test]
async fn rooms_are_listed_by_owner() {
    on_each_backend!(|db, backend| {
        let alice = user(&db, "alice@example.org").await;
        let bob = user(&db, "bob@example.org").await;
        let carol = user(&db, "carol@example.org").await;
        for slug in ["a-1", "a-2", "a-3"] {
            db.create_room(new_room(slug, &alice.id))
                .await
                .expect("create");
        }
        db.create_room(new_room("b-1", &bob.id))
            .await
            .expect("create");

        let slugs = |rooms: Vec<amphi_store::Room>| {
            let mut s: Vec<String> = rooms.into_iter().map(|r| r.slug).collect();
            s.sort();
            s
        };
        assert_eq!(
            slugs(db.rooms_owned_by(&alice.id).await.expect("alice")),
            ["a-1", "a-2", "a-3"],
            "{backend:?}"
        );
        assert_eq!(
            slugs(db.rooms_owned_by(&bob.id).await.expect("bob")),
            ["b-1"]
        );
        assert!(
            db.rooms_owned_by(&carol.id)
                .await
                .expect("carol")
                .is_empty()
        );
        assert_eq!(db.list_rooms().await.expect("all").len(), 4);
    });
}

#[tokio::test]
async fn deleting_a_user_removes_their_logins_and_rooms_only() {
    on_each_backend!(|db, backend| {
        let now = 1_700_000_000_000;
        let alice = user(&db, "alice@example.org").await;
        let bob = user(&db, "bob@example.org").await;
        db.create_login(new_login("a", &alice.id, now))
            .await
            .expect("login");
        db.create_login(new_login("b", &bob.id, now))
            .await
            .expect("login");
        let a_room = db
            .create_room(new_room("alice-room", &alice.id))
            .await
            .expect("room");
        let b_room = db
            .create_room(new_room("bob-room", &bob.id))
            .await
            .expect("room");

        db.delete_user(&alice.id).await.expect("delete");
        assert!(
            db.login_by_token_hash("a", now)
                .await
                .expect("lookup")
                .is_none()
        );
        assert_eq!(
            db.room_by_id(&a_room.id).await.expect("room"),
            None,
            "{backend:?}: cascade"
        );
        assert!(!db.slug_exists("alice-room").await.expect("slug"));
        // The login row itself is gone, not merely hidden: its token hash can be reused.
        db.create_login(new_login("a", &bob.id, now))
            .await
            .expect("token hash freed");

        assert!(
            db.login_by_token_hash("b", now)
                .await
                .expect("lookup")
                .is_some()
        );
        assert_eq!(db.room_by_id(&b_room.id).await.expect("room"), Some(b_room));
        assert_eq!(db.count_users().await.expect("count"), 1);
    });
}

#[tokio::test]
async fn text_round_trips_unchanged() {
    let long: String = "é漢🙂'\"\\%_;".chars().cycle().take(10_000).collect();
    let samples = [
        "O'Brien \"the\" \\ back\\slash; DROP TABLE users; --".to_owned(),
        "Zoë Ça-va 日本語 Привет مرحبا 🙂👩🏽‍💻 \u{200d}\u{fe0f}".to_owned(),
        "  leading and trailing spaces  \t\n".to_owned(),
        "%_ like-wildcards %".to_owned(),
        long.clone(),
    ];
    on_each_backend!(|db, backend| {
        for (i, text) in samples.iter().enumerate() {
            let created = db
                .create_user(NewUser {
                    email: format!("user{i}@example.org"),
                    display_name: text.clone(),
                    password_hash: Some(text.clone()),
                    is_admin: false,
                })
                .await
                .expect("create user");
            let read = db
                .user_by_id(&created.id)
                .await
                .expect("read")
                .expect("exists");
            assert_eq!(&read.display_name, text, "{backend:?} sample {i}");
            assert_eq!(read.password_hash.as_deref(), Some(text.as_str()));

            let slug = format!("slug-{i}-{}", text.chars().take(40).collect::<String>());
            let room = db
                .create_room(NewRoom {
                    slug: slug.clone(),
                    name: text.clone(),
                    owner_id: created.id.clone(),
                })
                .await
                .expect("create room");
            let read = db.room_by_slug(&slug).await.expect("read").expect("exists");
            assert_eq!(read, room);
            assert_eq!(&read.name, text, "{backend:?} sample {i}");
            db.rename_room(&room.id, &text.repeat(2))
                .await
                .expect("rename");
            assert_eq!(
                db.room_by_id(&room.id)
                    .await
                    .expect("read")
                    .expect("exists")
                    .name,
                text.repeat(2)
            );

            db.create_login(NewLogin {
                token_hash: format!("h{i}"),
                user_id: created.id.clone(),
                csrf_token: text.clone(),
                created_at: 0,
                expires_at: i64::MAX,
            })
            .await
            .expect("login");
            let (login, _) = db
                .login_by_token_hash(&format!("h{i}"), i64::MAX - 1)
                .await
                .expect("lookup")
                .expect("alive");
            assert_eq!(&login.csrf_token, text);
            assert_eq!(login.expires_at, i64::MAX, "times are full 64-bit");
        }
        // Unicode e-mails are lowercased too, and found again.
        let u = user(&db, "ÉLODIE@Exemple.FR").await;
        assert_eq!(u.email, "élodie@exemple.fr");
        assert_eq!(
            db.user_by_email("Élodie@exemple.fr")
                .await
                .expect("by email")
                .map(|x| x.id),
            Some(u.id)
        );
    });
}
