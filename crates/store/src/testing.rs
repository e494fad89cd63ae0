//! Brand-new empty databases for tests (feature `testing`).
//!
//! ```ignore
//! use amphi_store::testing::{fresh_store, test_backends};
//!
//! #[tokio::test]
//! async fn something() {
//!     for backend in test_backends() {
//!         let db = fresh_store(backend).await;   // migrated, empty
//!         db.store.count_users().await.unwrap();    // or `db.url` for a child process
//!     }                                           // dropped: temp dir / database removed
//! }
//! ```
//!
//! Environment:
//! - `AMPHI_TEST_POSTGRES_URL`: a PostgreSQL server where the test user may `CREATE DATABASE`,
//!   e.g. `postgres://postgres@127.0.0.1:5433/postgres` (`scripts/with-postgres` sets it).
//!   Unset: only SQLite is tested.
//! - `AMPHI_REQUIRE_POSTGRES=1`: [`test_backends`] panics if the URL is missing, so CI never
//!   silently skips PostgreSQL.
//!
//! These helpers panic on failure, with a message: they are for tests only.

use crate::{Backend, Store};

pub const POSTGRES_URL_VAR: &str = "AMPHI_TEST_POSTGRES_URL";
pub const REQUIRE_POSTGRES_VAR: &str = "AMPHI_REQUIRE_POSTGRES";

/// The backends to run every test on: SQLite always; PostgreSQL when `AMPHI_TEST_POSTGRES_URL`
/// is set. Panics if `AMPHI_REQUIRE_POSTGRES=1` but the URL is missing.
pub fn test_backends() -> Vec<Backend> {
    let pg_url = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|u| !u.is_empty());
    let required = std::env::var(REQUIRE_POSTGRES_VAR).is_ok_and(|v| v == "1");
    match (pg_url, required) {
        (Some(_), _) => vec![Backend::Sqlite, Backend::Postgres],
        (None, false) => vec![Backend::Sqlite],
        (None, true) => panic!(
            "{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set: refusing to skip \
             PostgreSQL (run the tests under scripts/with-postgres)"
        ),
    }
}

/// A migrated, empty database of its own, removed when this value is dropped.
#[derive(Debug)]
pub struct TestStore {
    /// Connected to the fresh database.
    pub store: Store,
    /// Its URL, for a child process (e.g. `DATABASE_URL` for the `amphi` binary).
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    /// Removing the directory removes the SQLite file and its WAL.
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        database: String,
    },
}

impl std::ops::Deref for TestStore {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

/// Creates a brand-new empty database on `backend` and connects a [`Store`] to it
/// (migrations applied). SQLite: a file in a fresh temp dir. PostgreSQL: a database with a
/// random name on the server at `AMPHI_TEST_POSTGRES_URL`, dropped when the value is dropped.
pub async fn fresh_store(backend: Backend) -> TestStore {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("creating a temp dir for a test database");
            let url = Store::sqlite_url(&dir.path().join("amphi.db"));
            let store = Store::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
            TestStore {
                store,
                url,
                cleanup: Cleanup::Sqlite { _dir: dir },
            }
        }
        Backend::Postgres => {
            let admin_url = std::env::var(POSTGRES_URL_VAR)
                .unwrap_or_else(|_| panic!("{POSTGRES_URL_VAR} must be set to test PostgreSQL"));
            let database = format!("amphi_test_{}", crate::ids::new_id());
            admin_execute(&admin_url, &format!("CREATE DATABASE {database}")).await;
            let url = with_database(&admin_url, &database);
            let store = Store::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("connecting to test database {database}: {e}"));
            TestStore {
                store,
                url,
                cleanup: Cleanup::Postgres {
                    admin_url,
                    database,
                },
            }
        }
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        let Cleanup::Postgres {
            admin_url,
            database,
        } = &self.cleanup
        else {
            return; // the TempDir removes itself
        };
        // Drop cannot await, and may run inside a runtime that must not be blocked on: do
        // the DROP on a thread of its own with its own runtime. WITH (FORCE) (PostgreSQL 13+)
        // ends our pool's connections, which are still open.
        let admin_url = admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        let done = std::thread::spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(admin_execute(&admin_url, &sql)),
                Err(e) => eprintln!("amphi-store testing: no runtime to drop a database: {e}"),
            }
        })
        .join();
        if done.is_err() {
            eprintln!("amphi-store testing: could not drop test database {database}");
        }
    }
}

/// Runs one statement on the admin database, on a connection of its own (CREATE/DROP
/// DATABASE cannot run inside a transaction or on the database being dropped).
async fn admin_execute(admin_url: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {POSTGRES_URL_VAR}: {e}"));
    sqlx::Executor::execute(&mut conn, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

/// `postgres://u@h:5432/postgres?sslmode=disable` + `db` -> `postgres://u@h:5432/db?sslmode=disable`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_in_a_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5433/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5433/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t2"),
            "postgres://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:1", "t3"), "postgres://h:1/t3");
    }
}
