//! Connecting: choosing the backend from the URL, SQLite set-up, migrations.

use std::path::Path;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use crate::StoreError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names: `sqlite:...` or `postgres://` / `postgresql://`.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl FromStr for Backend {
    type Err = StoreError;

    /// `"sqlite"` or `"postgres"` (as [`Backend::name`] prints them).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl(s.to_owned())),
        }
    }
}

/// The persistence handle: a connection pool and the backend it speaks to.
/// Cheap to clone (the pool is reference-counted); share it freely between handlers.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects and applies the embedded migrations of the URL's backend.
    ///
    /// - `sqlite://PATH` (relative to the working directory) or `sqlite:///ABSOLUTE/PATH`: the
    ///   file and its folder are created if missing; WAL journal, foreign keys on, 5 s busy
    ///   timeout. An in-memory SQLite database is not supported (each pooled connection would
    ///   see its own empty database).
    /// - `postgres://user:password@host:port/database` (or `postgresql://`).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let pool = match backend {
            Backend::Sqlite => connect_sqlite(url).await?,
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(10)
                    .connect(url)
                    .await?
            }
        };
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        tracing::info!(backend = backend.name(), "database ready");
        Ok(Store { pool, backend })
    }

    /// The `sqlite://` URL of a database file, relative or absolute (e.g. `<data dir>/amphi.db`).
    pub fn sqlite_url(path: &Path) -> String {
        format!("sqlite://{}", path.display())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A round trip to the database, for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.pool.execute("SELECT 1").await?;
        Ok(())
    }

    /// Closes every pooled connection; later calls fail. Optional: dropping the last clone
    /// also closes the pool, but this waits for it.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Now as Unix milliseconds: the unit of every time the store keeps.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        // A clock set before 1970 is broken; 0 keeps the arithmetic well-defined.
        .unwrap_or(0)
}

/// Now as Unix milliseconds, but strictly later than every value it returned before in this
/// process: lists ordered by creation time keep the order things were created in, even when two
/// are created in the same millisecond (ties used to fall back on the random id).
pub fn creation_ms() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = now_ms();
    let previous = LAST
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
            Some(now.max(last + 1))
        })
        // The closure always returns Some, so fetch_update cannot fail.
        .unwrap_or(now);
    now.max(previous + 1)
}

async fn connect_sqlite(url: &str) -> Result<AnyPool, StoreError> {
    let (path, query) = split_sqlite_url(url);
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return Err(StoreError::UnsupportedUrl(format!(
            "{url}: in-memory SQLite is not supported, give a file path"
        )));
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
            path: dir.display().to_string(),
            source,
        })?;
    }
    // `mode=rwc` creates the file; sqlx's SQLite defaults already give foreign_keys=ON and a
    // 5 s busy timeout on every connection.
    let url = if query.contains("mode=") {
        url.to_owned()
    } else if query.is_empty() {
        format!("{url}?mode=rwc")
    } else {
        format!("{url}&mode=rwc")
    };
    // Readers never block the writer in WAL mode, so a small pool helps; writes serialise.
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .connect(&url)
        .await?;
    // WAL is a property of the file: set it once, on the first connection, before any other
    // connection exists (changing it needs an exclusive lock that busy_timeout cannot wait on).
    pool.execute("PRAGMA journal_mode = WAL").await?;
    Ok(pool)
}

/// `sqlite://a/b.db?x=y` -> (`a/b.db`, `x=y`); `sqlite:a.db` -> (`a.db`, ``).
fn split_sqlite_url(url: &str) -> (&str, &str) {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    match rest.split_once('?') {
        Some((path, query)) => (path, query),
        None => (rest, ""),
    }
}

/// A URL for error messages: the password, if any, replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_url() {
        assert_eq!(
            Backend::from_url("sqlite://data/amphi.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }

    #[test]
    fn sqlite_url_parts() {
        assert_eq!(split_sqlite_url("sqlite://data/a.db"), ("data/a.db", ""));
        assert_eq!(
            split_sqlite_url("sqlite:///tmp/a.db?mode=rw"),
            ("/tmp/a.db", "mode=rw")
        );
        assert_eq!(split_sqlite_url("sqlite:a.db"), ("a.db", ""));
        assert_eq!(
            Store::sqlite_url(Path::new("data/amphi.db")),
            "sqlite://data/amphi.db"
        );
        assert_eq!(
            split_sqlite_url(&Store::sqlite_url(Path::new("/var/lib/amphi/amphi.db"))),
            ("/var/lib/amphi/amphi.db", "")
        );
    }

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact("postgres://amphi:s3cret@db:5432/amphi"),
            "postgres://amphi:***@db:5432/amphi"
        );
        assert_eq!(redact("postgres://db/amphi"), "postgres://db/amphi");
    }
}
