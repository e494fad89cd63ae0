//! Decoding helpers shared by the queries: where the two backends return different types.

use sqlx::Row;
use sqlx::any::AnyRow;

/// Reads a flag column: BOOLEAN on PostgreSQL, INTEGER 0/1 on SQLite (whose BOOLEAN the
/// `Any` driver cannot carry, hence INTEGER columns there).
pub(crate) fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    match row.try_get::<bool, _>(column) {
        Ok(b) => Ok(b),
        Err(sqlx::Error::ColumnDecode { .. }) => Ok(row.try_get::<i64, _>(column)? != 0),
        Err(e) => Err(e),
    }
}
