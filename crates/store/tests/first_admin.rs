//! First-run setup creates one administrator, ever: every start prints a new link while no
//! user exists, and once one link has been used the others (and the form) stop working.
//! On every backend `test_backends()` names, each on a brand-new database.

use std::sync::Arc;

use amphi_store::testing::{fresh_store, test_backends};
use amphi_store::{NewUser, Store, now_ms};
use tokio::sync::Barrier;

const HOUR_MS: i64 = 3_600_000;

fn admin(email: &str) -> NewUser {
    NewUser {
        email: email.to_owned(),
        display_name: String::new(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        is_admin: true,
    }
}

async fn two_links(store: &Store) -> i64 {
    let now = now_ms();
    for hash in ["first-start", "second-start"] {
        store
            .create_setup_token(hash, now + HOUR_MS)
            .await
            .expect("token stored");
    }
    now
}

#[tokio::test]
async fn a_second_link_is_refused_once_the_first_admin_exists() {
    for backend in test_backends() {
        let db = fresh_store(backend).await;
        let now = two_links(&db).await;
        assert!(db.setup_token_valid("second-start", now).await.expect("ok"));
        let first = db
            .complete_setup("first-start", now, admin("a@example.org"))
            .await
            .expect("ok");
        assert!(first.is_some(), "{backend:?}");
        assert!(
            !db.setup_token_valid("second-start", now).await.expect("ok"),
            "{backend:?}: the form of the other link is refused"
        );
        let second = db
            .complete_setup("second-start", now, admin("b@example.org"))
            .await
            .expect("ok");
        assert!(second.is_none(), "{backend:?}: a second admin was created");
        assert_eq!(db.count_users().await.expect("ok"), 1, "{backend:?}");
    }
}

#[tokio::test]
async fn two_links_completed_at_once_create_one_admin() {
    for backend in test_backends() {
        let db = fresh_store(backend).await;
        let now = two_links(&db).await;
        let barrier = Arc::new(Barrier::new(2));
        let tasks: Vec<_> = [
            ("first-start", "a@example.org"),
            ("second-start", "b@example.org"),
        ]
        .into_iter()
        .map(|(hash, email)| {
            let store = db.store.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                store.complete_setup(hash, now, admin(email)).await
            })
        })
        .collect();
        let mut created = 0;
        for task in tasks {
            if task
                .await
                .expect("task")
                .expect("no database error")
                .is_some()
            {
                created += 1;
            }
        }
        assert_eq!(created, 1, "{backend:?}");
        assert_eq!(db.count_users().await.expect("ok"), 1, "{backend:?}");
    }
}
