//! The one error type of the store.

/// What can go wrong in the store. The server maps these to responses; the detail is for logs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value is already taken (an e-mail, a room slug, a token).
    #[error("already exists")]
    Conflict,
    /// The row addressed by id does not exist.
    #[error("not found")]
    NotFound,
    /// A published session must name a moderator: publishing one without, or removing (or
    /// demoting) the last moderator of a published one, is refused and changes nothing.
    #[error("a published session needs a moderator")]
    NoModerator,
    /// A value the caller should have refused before (e.g. a registration cap of 0); the
    /// text names what is wrong, for logs. Nothing was stored.
    #[error("invalid value: {0}")]
    Invalid(&'static str),
    /// The database URL names no backend we support.
    #[error("unsupported database URL (expected sqlite://PATH or postgres://...): {0}")]
    UnsupportedUrl(String),
    /// The folder for the SQLite file could not be created.
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    /// Applying the embedded migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    /// A unique violation becomes [`StoreError::Conflict`] on both backends.
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(e),
        }
    }
}
