//! The store's suite: every case runs on each backend `test_backends()` names (SQLite always,
//! PostgreSQL under `scripts/with-postgres`), each on a brand-new database.

use std::sync::Arc;

use amphi_store::testing::{TestStore, fresh_store, test_backends};
use amphi_store::{Backend, NewLogin, NewRoom, NewUser, RoomId, Store, StoreError, User, UserId};
use tokio::sync::Barrier;

const HOUR_MS: i64 = 3_600_000;

async fn user(store: &Store, email: &str) -> User {
    store
        .create_user(NewUser {
            email: email.to_owned(),
            display_name: format!("User {email}"),
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
            is_admin: false,
        })
        .await
        .expect("creating a test user")
}

fn new_login(token_hash: &str, user_id: &UserId, now: i64) -> NewLogin {
    NewLogin {
        token_hash: token_hash.to_owned(),
        user_id: user_id.clone(),
        csrf_token: format!("csrf-{token_hash}"),
        created_at: now,
        expires_at: now + HOUR_MS,
    }
}

fn new_room(slug: &str, owner: &UserId) -> NewRoom {
    NewRoom {
        slug: slug.to_owned(),
        name: format!("Room {slug}"),
        owner_id: owner.clone(),
    }
}

/// Runs `case` once per backend, each on a fresh database.
macro_rules! on_each_backend {
    (|$db:ident, $backend:ident| $body:block) => {
        for $backend in test_backends() {
            let $db: TestStore = fresh_store($backend).await;
            $body
        }
    };
}

#[tokio::test]
async fn connect_migrates_an_empty_database_and_pings() {
    on_each_backend!(|db, backend| {
        assert_eq!(db.backend(), backend);
        db.ping().await.expect("ping");
        assert_eq!(db.count_users().await.expect("count"), 0, "{backend:?}");
        assert!(db.list_rooms().await.expect("rooms").is_empty());
        // Connecting again to the same database finds the migrations applied and the data kept.
        let alice = user(&db, "alice@example.org").await;
        let again = Store::connect(&db.url).await.expect("reconnect");
        assert_eq!(
            again.user_by_id(&alice.id).await.expect("lookup"),
            Some(alice)
        );
        again.close().await;
    });
}

#[tokio::test]
async fn users_crud() {
    on_each_backend!(|db, backend| {
        let before = amphi_store::now_ms();
        let admin = db
            .create_user(NewUser {
                email: "Admin@Example.org".into(),
                display_name: "Ada Admin".into(),
                password_hash: None,
                is_admin: true,
            })
            .await
            .expect("create admin");
        assert_eq!(admin.id.as_str().len(), 32);
        assert_eq!(admin.email, "admin@example.org");
        assert_eq!(admin.display_name, "Ada Admin");
        assert_eq!(admin.password_hash, None);
        assert!(admin.is_admin && !admin.disabled);
        assert!(admin.created_at >= before && admin.created_at <= amphi_store::now_ms());

        let bob = user(&db, "bob@example.org").await;
        assert!(!bob.is_admin);
        assert_ne!(bob.id, admin.id);
        assert_eq!(
            db.user_by_id(&bob.id).await.expect("by id"),
            Some(bob.clone())
        );
        assert_eq!(
            db.user_by_id(&UserId::new("nope")).await.expect("by id"),
            None
        );
        assert_eq!(db.count_users().await.expect("count"), 2, "{backend:?}");
        let ids: Vec<UserId> = db
            .list_users()
            .await
            .expect("list")
            .into_iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&admin.id) && ids.contains(&bob.id));

        db.set_password_hash(&admin.id, Some("new-hash"))
            .await
            .expect("set hash");
        let admin2 = db
            .user_by_id(&admin.id)
            .await
            .expect("by id")
            .expect("exists");
        assert_eq!(admin2.password_hash.as_deref(), Some("new-hash"));
        db.set_password_hash(&admin.id, None)
            .await
            .expect("clear hash");
        assert_eq!(
            db.user_by_id(&admin.id)
                .await
                .expect("by id")
                .expect("exists")
                .password_hash,
            None
        );

        db.set_user_disabled(&bob.id, true).await.expect("disable");
        assert!(
            db.user_by_id(&bob.id)
                .await
                .expect("by id")
                .expect("exists")
                .disabled
        );
        db.set_user_disabled(&bob.id, false).await.expect("enable");
        assert!(
            !db.user_by_id(&bob.id)
                .await
                .expect("by id")
                .expect("exists")
                .disabled
        );

        let ghost = UserId::new("0123456789abcdef0123456789abcdef");
        assert!(matches!(
            db.set_user_disabled(&ghost, true).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.set_password_hash(&ghost, Some("x")).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.delete_user(&ghost).await,
            Err(StoreError::NotFound)
        ));

        db.delete_user(&bob.id).await.expect("delete");
        assert_eq!(db.user_by_id(&bob.id).await.expect("by id"), None);
        assert_eq!(db.count_users().await.expect("count"), 1);
    });
}

#[tokio::test]
async fn email_is_unique_regardless_of_case() {
    on_each_backend!(|db, backend| {
        let alice = user(&db, "Alice.Liddell@Example.ORG").await;
        assert_eq!(alice.email, "alice.liddell@example.org");
        for dup in ["alice.liddell@example.org", "ALICE.LIDDELL@EXAMPLE.ORG"] {
            let err = db
                .create_user(NewUser {
                    email: dup.into(),
                    display_name: "Impostor".into(),
                    password_hash: None,
                    is_admin: true,
                })
                .await;
            assert!(
                matches!(err, Err(StoreError::Conflict)),
                "{backend:?} {dup}: {err:?}"
            );
        }
        assert_eq!(db.count_users().await.expect("count"), 1);
        for probe in ["alice.liddell@example.org", "ALICE.liddell@example.org"] {
            assert_eq!(
                db.user_by_email(probe).await.expect("by email").as_ref(),
                Some(&alice)
            );
        }
        assert_eq!(
            db.user_by_email("bob@example.org").await.expect("by email"),
            None
        );
    });
}

#[tokio::test]
async fn logins_expire_and_die_with_a_disabled_user() {
    on_each_backend!(|db, backend| {
        let now = 1_700_000_000_000;
        let alice = user(&db, "alice@example.org").await;
        let bob = user(&db, "bob@example.org").await;
        let created = db
            .create_login(new_login("a1", &alice.id, now))
            .await
            .expect("login");
        db.create_login(new_login("a2", &alice.id, now))
            .await
            .expect("login");
        db.create_login(new_login("b1", &bob.id, now))
            .await
            .expect("login");

        let (login, who) = db
            .login_by_token_hash("a1", now)
            .await
            .expect("lookup")
            .expect("alive");
        assert_eq!(login, created);
        assert_eq!(login.csrf_token, "csrf-a1");
        assert_eq!(who, alice);
        // Alive until the last millisecond before expires_at, dead from it on.
        assert!(
            db.login_by_token_hash("a1", now + HOUR_MS - 1)
                .await
                .expect("lookup")
                .is_some()
        );
        assert!(
            db.login_by_token_hash("a1", now + HOUR_MS)
                .await
                .expect("lookup")
                .is_none(),
            "{backend:?}"
        );
        assert!(
            db.login_by_token_hash("unknown", now)
                .await
                .expect("lookup")
                .is_none()
        );

        // A token hash is unique.
        let dup = db.create_login(new_login("a1", &bob.id, now)).await;
        assert!(matches!(dup, Err(StoreError::Conflict)), "{dup:?}");
        // A login must belong to an existing user (foreign keys are on, SQLite included).
        let orphan = db
            .create_login(new_login("x", &UserId::new("ghost"), now))
            .await;
        assert!(
            matches!(orphan, Err(StoreError::Database(_))),
            "{backend:?}: {orphan:?}"
        );

        // Disabling signs the user out everywhere, and re-enabling does not bring logins back.
        db.set_user_disabled(&alice.id, true)
            .await
            .expect("disable");
        assert!(
            db.login_by_token_hash("a1", now)
                .await
                .expect("lookup")
                .is_none()
        );
        assert!(
            db.login_by_token_hash("a2", now)
                .await
                .expect("lookup")
                .is_none()
        );
        db.set_user_disabled(&alice.id, false)
            .await
            .expect("enable");
        assert!(
            db.login_by_token_hash("a1", now)
                .await
                .expect("lookup")
                .is_none()
        );
        // Bob is untouched.
        assert!(
            db.login_by_token_hash("b1", now)
                .await
                .expect("lookup")
                .is_some()
        );

        db.create_login(new_login("a5", &alice.id, now))
            .await
            .expect("login");
        assert!(
            db.login_by_token_hash("a5", now)
                .await
                .expect("lookup")
                .is_some()
        );

        db.delete_login("a5").await.expect("logout");
        db.delete_login("a5").await.expect("logout twice is fine");
        assert!(
            db.login_by_token_hash("a5", now)
                .await
                .expect("lookup")
                .is_none()
        );

        db.create_login(new_login("b2", &bob.id, now))
            .await
            .expect("login");
        assert_eq!(
            db.delete_logins_of_user(&bob.id)
                .await
                .expect("sign out everywhere"),
            2
        );
        assert!(
            db.login_by_token_hash("b1", now)
                .await
                .expect("lookup")
                .is_none()
        );

        db.create_login(new_login("old", &bob.id, now - 2 * HOUR_MS))
            .await
            .expect("login");
        db.create_login(new_login("new", &bob.id, now))
            .await
            .expect("login");
        assert_eq!(db.delete_expired_logins(now).await.expect("clean-up"), 1);
        assert!(
            db.login_by_token_hash("new", now)
                .await
                .expect("lookup")
                .is_some()
        );
    });
}

#[tokio::test]
async fn disabled_user_with_a_live_login_row_is_refused() {
    // set_user_disabled deletes logins; this proves login_by_token_hash checks the flag on its
    // own, by creating the login *after* disabling.
    on_each_backend!(|db, backend| {
        let now = 1_700_000_000_000;
        let alice = user(&db, "alice@example.org").await;
        db.set_user_disabled(&alice.id, true)
            .await
            .expect("disable");
        db.create_login(new_login("late", &alice.id, now))
            .await
            .expect("login");
        assert!(
            db.login_by_token_hash("late", now)
                .await
                .expect("lookup")
                .is_none(),
            "{backend:?}"
        );
        db.set_user_disabled(&alice.id, false)
            .await
            .expect("enable");
        assert!(
            db.login_by_token_hash("late", now)
                .await
                .expect("lookup")
                .is_some(),
            "{backend:?}"
        );
    });
}

#[tokio::test]
async fn setup_token_is_single_use_and_expires() {
    on_each_backend!(|db, backend| {
        let now = 1_700_000_000_000;
        db.create_setup_token("tok", now + HOUR_MS)
            .await
            .expect("create");
        assert!(matches!(
            db.create_setup_token("tok", now).await,
            Err(StoreError::Conflict)
        ));
        assert!(db.setup_token_valid("tok", now).await.expect("valid"));
        assert!(!db.setup_token_valid("other", now).await.expect("valid"));
        assert!(
            db.consume_setup_token("tok", now).await.expect("consume"),
            "{backend:?}"
        );
        assert!(
            !db.consume_setup_token("tok", now)
                .await
                .expect("consume again")
        );
        assert!(!db.setup_token_valid("tok", now).await.expect("valid"));
        assert!(
            !db.consume_setup_token("unknown", now)
                .await
                .expect("consume unknown")
        );

        db.create_setup_token("late", now + 10)
            .await
            .expect("create");
        assert!(
            !db.consume_setup_token("late", now + 10)
                .await
                .expect("expired")
        );
        assert!(!db.setup_token_valid("late", now + 10).await.expect("valid"));
        assert!(
            db.consume_setup_token("late", now + 9)
                .await
                .expect("just in time")
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_setup_token_consumers_exactly_one_wins() {
    const RACERS: usize = 8;
    on_each_backend!(|db, backend| {
        let now = 1_700_000_000_000;
        for round in 0..5 {
            let token = format!("race-{round}");
            db.create_setup_token(&token, now + HOUR_MS)
                .await
                .expect("create");
            let barrier = Arc::new(Barrier::new(RACERS));
            let racers: Vec<_> = (0..RACERS)
                .map(|_| {
                    let store = db.store.clone();
                    let barrier = barrier.clone();
                    let token = token.clone();
                    tokio::spawn(async move {
                        barrier.wait().await;
                        store.consume_setup_token(&token, now).await
                    })
                })
                .collect();
            let mut wins = 0;
            for racer in racers {
                if racer.await.expect("task").expect("consume") {
                    wins += 1;
                }
            }
            assert_eq!(wins, 1, "{backend:?} round {round}");
        }
    });
}

#[tokio::test]
async fn complete_setup_creates_the_admin_once_and_keeps_the_token_on_failure() {
    on_each_backend!(|db, backend| {
        let now = 1_700_000_000_000;
        let taken = user(&db, "taken@example.org").await;
        db.create_setup_token("tok", now + HOUR_MS)
            .await
            .expect("create");
        let admin = |email: &str| NewUser {
            email: email.into(),
            display_name: "First Admin".into(),
            password_hash: Some("hash".into()),
            is_admin: true,
        };
        // The user cannot be created: the transaction rolls back, the token stays usable.
        let failed = db
            .complete_setup("tok", now, admin("TAKEN@example.org"))
            .await;
        assert!(
            matches!(failed, Err(StoreError::Conflict)),
            "{backend:?}: {failed:?}"
        );
        assert!(
            db.setup_token_valid("tok", now).await.expect("valid"),
            "{backend:?}"
        );

        let created = db
            .complete_setup("tok", now, admin("root@example.org"))
            .await
            .expect("setup");
        let created = created.expect("token was valid");
        assert!(created.is_admin);
        assert_eq!(created.email, "root@example.org");
        assert_eq!(
            db.complete_setup("tok", now, admin("again@example.org"))
                .await
                .expect("setup"),
            None
        );
        let emails: Vec<String> = db
            .list_users()
            .await
            .expect("list")
            .into_iter()
            .map(|u| u.email)
            .collect();
        assert_eq!(emails.len(), 2);
        assert!(emails.contains(&taken.email) && emails.contains(&created.email));
    });
}

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
        let changed = db
            .room_by_id(&room.id)
            .await
            .expect("by id")
            .expect("exists");
        assert_eq!(changed.name, "Weekly sync");
        assert_eq!(changed.slug, "team-meeting", "renaming keeps the URL");
        assert!(changed.is_open);
        assert_eq!(changed.max_participants, Some(120));
        db.set_room_open(&room.id, false).await.expect("close");
        db.set_room_max_participants(&room.id, None)
            .await
            .expect("default cap");
        let back = db
            .room_by_id(&room.id)
            .await
            .expect("by id")
            .expect("exists");
        assert!(!back.is_open);
        assert_eq!(back.max_participants, None);

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

#[tokio::test]
async fn sqlite_creates_its_folder_and_uses_wal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested/deeper/amphi.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url).await.expect("connect");
    assert_eq!(store.backend(), Backend::Sqlite);
    assert!(path.exists());
    user(&store, "a@example.org").await;
    store.close().await;
    // WAL leaves its -wal/-shm files beside the database while connections are open.
    let again = Store::connect(&url).await.expect("reconnect");
    assert!(path.with_file_name("amphi.db-wal").exists());
    assert_eq!(again.count_users().await.expect("count"), 1);
    again.close().await;
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    for url in [
        "mysql://localhost/amphi",
        "amphi.db",
        "sqlite::memory:",
        "sqlite://",
    ] {
        let err = Store::connect(url).await.expect_err(url);
        assert!(
            matches!(err, StoreError::UnsupportedUrl(_)),
            "{url}: {err:?}"
        );
    }
    // A malformed URL fails at once, and the error does not echo the password.
    let err = Store::connect("postgres://amphi:hunter2@127.0.0.1:notaport/amphi")
        .await
        .expect_err("bad port");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
