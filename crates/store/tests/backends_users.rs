//! The store on each backend: users, logins and the first-run setup token.

#[macro_use]
mod store_common;

use store_common::*;

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
async fn complete_setup_creates_the_admin_once() {
    on_each_backend!(|db, backend| {
        let now = 1_700_000_000_000;
        db.create_setup_token("tok", now + HOUR_MS)
            .await
            .expect("create");
        let admin = |email: &str| NewUser {
            email: email.into(),
            display_name: "First Admin".into(),
            password_hash: Some("hash".into()),
            is_admin: true,
        };
        let created = db
            .complete_setup("tok", now, admin("Root@example.org"))
            .await
            .expect("setup")
            .expect("token was valid");
        assert!(created.is_admin, "{backend:?}");
        assert_eq!(created.email, "root@example.org");
        // Used once, and an administrator now exists: neither this token nor any other works.
        assert_eq!(
            db.complete_setup("tok", now, admin("again@example.org"))
                .await
                .expect("setup"),
            None
        );
        assert!(!db.setup_token_valid("tok", now).await.expect("valid"));
        let emails: Vec<String> = db
            .list_users()
            .await
            .expect("list")
            .into_iter()
            .map(|u| u.email)
            .collect();
        assert_eq!(emails, vec![created.email.clone()], "{backend:?}");
    });
}
