//! The store on each backend: connecting, migrating, and refusing what it cannot open.

#[macro_use]
mod store_common;

use store_common::*;

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
