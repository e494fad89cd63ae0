//! A password change ends the user's other logins in the same transaction; on every backend.

use amphi_store::testing::{fresh_store, test_backends};
use amphi_store::{NewLogin, NewUser, StoreError, UserId, now_ms};

const HOUR_MS: i64 = 3_600_000;

fn login(token_hash: &str, user_id: &UserId, now: i64) -> NewLogin {
    NewLogin {
        token_hash: token_hash.to_owned(),
        user_id: user_id.clone(),
        csrf_token: format!("csrf-{token_hash}"),
        created_at: now,
        expires_at: now + HOUR_MS,
    }
}

#[tokio::test]
async fn change_password_keeps_only_the_changing_login() {
    for backend in test_backends() {
        let db = fresh_store(backend).await;
        let now = now_ms();
        let mut users = Vec::new();
        for email in ["ann@example.org", "bob@example.org"] {
            let user = db
                .create_user(NewUser {
                    email: email.to_owned(),
                    display_name: String::new(),
                    password_hash: Some("old".to_owned()),
                    is_admin: false,
                })
                .await
                .expect("user");
            users.push(user);
        }
        let (ann, bob) = (&users[0], &users[1]);
        for (hash, user) in [
            ("ann-1", ann),
            ("ann-2", ann),
            ("ann-3", ann),
            ("bob-1", bob),
        ] {
            db.create_login(login(hash, &user.id, now))
                .await
                .expect("login");
        }

        let ended = db
            .change_password(&ann.id, "new", "ann-2")
            .await
            .expect("changed");
        assert_eq!(ended, 2, "{backend:?}");
        let stored = db.user_by_id(&ann.id).await.expect("ok").expect("exists");
        assert_eq!(stored.password_hash.as_deref(), Some("new"));
        for (hash, alive) in [
            ("ann-1", false),
            ("ann-2", true),
            ("ann-3", false),
            ("bob-1", true),
        ] {
            let found = db.login_by_token_hash(hash, now).await.expect("ok");
            assert_eq!(found.is_some(), alive, "{backend:?}: {hash}");
        }

        let nobody = UserId::new("0".repeat(32));
        assert!(matches!(
            db.change_password(&nobody, "x", "bob-1").await,
            Err(StoreError::NotFound)
        ));
        assert!(
            db.login_by_token_hash("bob-1", now)
                .await
                .expect("ok")
                .is_some()
        );
    }
}
