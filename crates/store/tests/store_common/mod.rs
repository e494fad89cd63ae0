//! Shared by the store's suites (backends_*.rs): every case runs on each backend
//! `test_backends()` names (SQLite always, PostgreSQL under `scripts/with-postgres`), each on a
//! brand-new database.
#![allow(dead_code, unused_imports)] // each suite uses a part

pub use std::sync::Arc;

pub use amphi_store::testing::{TestStore, fresh_store, test_backends};
pub use amphi_store::{
    Backend, NewLogin, NewRoom, NewUser, RoomId, Store, StoreError, User, UserId,
};
pub use tokio::sync::Barrier;

pub const HOUR_MS: i64 = 3_600_000;

pub async fn user(store: &Store, email: &str) -> User {
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

pub fn new_login(token_hash: &str, user_id: &UserId, now: i64) -> NewLogin {
    NewLogin {
        token_hash: token_hash.to_owned(),
        user_id: user_id.clone(),
        csrf_token: format!("csrf-{token_hash}"),
        created_at: now,
        expires_at: now + HOUR_MS,
    }
}

pub fn new_room(slug: &str, owner: &UserId) -> NewRoom {
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
