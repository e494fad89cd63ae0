//! `amphi room open|close SLUG` (issue 4, R2): the real binary writes the store, says what it
//! did, and refuses an unknown slug with exit code 1. On each backend.

use std::process::{Command, Output};

use amphi_store::testing::{fresh_store, test_backends};
use amphi_store::{NewRoom, NewUser};

const BIN: &str = env!("CARGO_BIN_EXE_amphi");

/// Runs `amphi room ARGS` against `database_url`, with nothing inherited that could change
/// the outcome.
fn amphi_room(data: &std::path::Path, database_url: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AMPHI_DATA_DIR", data)
        .env("DATABASE_URL", database_url)
        .env("AMPHI_LOG", "warn")
        .arg("room")
        .args(args)
        .output()
        .expect("amphi runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test]
async fn room_open_and_close_write_the_store_and_say_what_they_did() {
    for backend in test_backends() {
        let db = fresh_store(backend).await;
        let data = tempfile::tempdir().expect("temp dir");
        let owner = db
            .create_user(NewUser {
                email: "ann@example.org".into(),
                display_name: "Ann".into(),
                password_hash: None,
                is_admin: false,
            })
            .await
            .expect("user");
        let room = db
            .create_room(NewRoom {
                slug: "weekly".into(),
                name: "Weekly".into(),
                owner_id: owner.id,
            })
            .await
            .expect("room");
        let is_open = || async {
            db.room_by_id(&room.id)
                .await
                .expect("read")
                .expect("exists")
                .is_open
        };

        let out = amphi_room(data.path(), &db.url, &["open", "weekly"]);
        assert!(out.status.success(), "{backend:?}: {out:?}");
        assert_eq!(stdout(&out), "amphi: room weekly opened");
        assert!(is_open().await, "{backend:?}");

        let out = amphi_room(data.path(), &db.url, &["open", "weekly"]);
        assert!(out.status.success());
        assert_eq!(stdout(&out), "amphi: room weekly was already open");
        assert!(is_open().await);

        let out = amphi_room(data.path(), &db.url, &["close", "weekly"]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(stdout(&out), "amphi: room weekly closed");
        assert!(!is_open().await, "{backend:?}");

        let out = amphi_room(data.path(), &db.url, &["close", "weekly"]);
        assert!(out.status.success());
        assert_eq!(stdout(&out), "amphi: room weekly was already closed");

        for verb in ["open", "close"] {
            let out = amphi_room(data.path(), &db.url, &[verb, "no-such-room"]);
            assert_eq!(out.status.code(), Some(1), "{backend:?} {verb}: {out:?}");
            assert_eq!(stdout(&out), "", "nothing claimed on stdout");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("no room with the slug \"no-such-room\""),
                "{stderr}"
            );
        }
        assert!(!is_open().await, "an unknown slug changed nothing");
    }
}
