//! Decoding helpers shared by the queries: where the two backends return different types, and
//! the enums stored as text.

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

/// Reads a text column into an enum (`parse` is its [`text_enum!`] inverse). A text outside the
/// column's CHECK constraint cannot be stored; it would be a database error.
pub(crate) fn decode<T>(
    row: &AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("unexpected value {text:?}").into(),
    })
}

/// `as_str` and `parse` for an enum stored as text, from one table of its values, so the two
/// directions cannot disagree.
macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// As stored (and as forms, the API and the protocol send it).
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }

            /// The inverse of `as_str`; anything else is `None`.
            pub fn parse(s: &str) -> Option<$ty> {
                match s { $($text => Some($ty::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use text_enum;
