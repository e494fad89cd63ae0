//! Persistence over SQLite and PostgreSQL through sqlx; the only crate that names tables.
