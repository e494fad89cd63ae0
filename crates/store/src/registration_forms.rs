//! Registration forms (issue 6, G1/G2/G4/G5/G7): what a session, a room or a series asks of
//! the people who register, and its rules (approval, cap, landing page).
//!
//! One row of `registration_forms` per target, with one nullable reference per kind of target
//! (exactly one set): deleting the session, room or series deletes its form by cascade. No row
//! means registration was never set up, or was turned off: [`Store::disable_registration`]
//! deletes the row with the registrations, so turning it on again starts from the standard form
//! (name and e-mail, no custom field).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::row::flag;
use crate::store::now_ms;
use crate::{RoomId, SeriesId, SessionId, Store, StoreError};

/// What people register for: a session, a room, or a series (whose sessions share its form).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RegistrationTarget {
    Session(SessionId),
    Room(RoomId),
    Series(SeriesId),
}

impl RegistrationTarget {
    /// The column of `registration_forms` and `registrations` that names this kind of target.
    /// A fixed name (never input), so it may be formatted into SQL.
    pub(crate) fn column(&self) -> &'static str {
        match self {
            RegistrationTarget::Session(_) => "session_id",
            RegistrationTarget::Room(_) => "room_id",
            RegistrationTarget::Series(_) => "series_id",
        }
    }

    pub(crate) fn id(&self) -> &str {
        match self {
            RegistrationTarget::Session(id) => id.as_str(),
            RegistrationTarget::Room(id) => id.as_str(),
            RegistrationTarget::Series(id) => id.as_str(),
        }
    }

    /// The target of a row with the three reference columns (exactly one is set, by the
    /// tables' CHECK).
    pub(crate) fn from_row(row: &AnyRow) -> Result<RegistrationTarget, sqlx::Error> {
        let session: Option<String> = row.try_get("session_id")?;
        let room: Option<String> = row.try_get("room_id")?;
        let series: Option<String> = row.try_get("series_id")?;
        match (session, room, series) {
            (Some(id), None, None) => Ok(RegistrationTarget::Session(SessionId::new(id))),
            (None, Some(id), None) => Ok(RegistrationTarget::Room(RoomId::new(id))),
            (None, None, Some(id)) => Ok(RegistrationTarget::Series(SeriesId::new(id))),
            _ => Err(sqlx::Error::ColumnDecode {
                index: "session_id".to_owned(),
                source: "a registration row must name exactly one target".into(),
            }),
        }
    }
}

/// The kind of a custom field, with a choice's options (in display order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    ShortText,
    LongText,
    SingleChoice(Vec<String>),
    MultipleChoice(Vec<String>),
    Checkbox,
}

/// A custom field of a form (name and e-mail are always asked and are not fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Unique within the form; answers and the CSV export refer to it.
    pub key: String,
    /// The question, as the organiser wrote it.
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
}

/// A registrant's answer to one field (its kind matches the field's; the server checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Text(String),
    Choice(String),
    Choices(Vec<String>),
    Checked(bool),
}

/// A target's registration form and rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationSettings {
    /// Whether people may register now ([`Store::register`] refuses otherwise). Turning
    /// registration off for good (G7) is [`Store::disable_registration`], which deletes.
    pub enabled: bool,
    /// New registrations are approved at once (G2); otherwise they wait, pending.
    pub auto_approve: bool,
    /// The most pending + approved registrations (G4); `None`: no cap. Never 0.
    pub cap: Option<u32>,
    /// Where to send people after registering (G5), already checked against
    /// [`Store::landing_domains`] by the server.
    pub landing_url: Option<String>,
    /// The custom fields, in display order.
    pub fields: Vec<FormField>,
}

/// `Err(Invalid)` for settings no form could have: a cap of 0, an empty or repeated field key,
/// an empty label, a choice without options or with a repeated one, an empty landing URL.
fn check_settings(settings: &RegistrationSettings) -> Result<(), StoreError> {
    if settings.cap == Some(0) {
        return Err(StoreError::Invalid("registration cap of 0"));
    }
    if settings
        .landing_url
        .as_deref()
        .is_some_and(|u| u.trim().is_empty())
    {
        return Err(StoreError::Invalid("empty landing URL"));
    }
    for (i, field) in settings.fields.iter().enumerate() {
        if field.key.trim().is_empty() || field.label.trim().is_empty() {
            return Err(StoreError::Invalid("form field without key or label"));
        }
        if settings.fields[..i].iter().any(|f| f.key == field.key) {
            return Err(StoreError::Invalid("two form fields with one key"));
        }
        if let FieldKind::SingleChoice(options) | FieldKind::MultipleChoice(options) = &field.kind {
            if options.is_empty() || options.iter().any(|o| o.trim().is_empty()) {
                return Err(StoreError::Invalid("choice field without options"));
            }
            if options
                .iter()
                .enumerate()
                .any(|(j, o)| options[..j].contains(o))
            {
                return Err(StoreError::Invalid("choice field with a repeated option"));
            }
        }
    }
    Ok(())
}

/// Decodes a JSON text column (form fields, answers) written by this crate.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    column: &str,
) -> Result<T, sqlx::Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(e),
    })
}

/// Encodes a value this crate stores as JSON text. Our types (strings, bools, lists, enums)
/// always serialise; should one not, that is a database-level error, not a panic.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Database(sqlx::Error::Encode(e.into())))
}

fn settings_from_row(row: &AnyRow) -> Result<RegistrationSettings, sqlx::Error> {
    let cap: Option<i64> = row.try_get("cap")?;
    Ok(RegistrationSettings {
        enabled: flag(row, "enabled")?,
        auto_approve: flag(row, "auto_approve")?,
        // The column's CHECK keeps it positive; a value past u32 cannot have been written.
        cap: cap.map(|c| u32::try_from(c).unwrap_or(u32::MAX)),
        landing_url: row.try_get("landing_url")?,
        fields: json_column(row, "fields")?,
    })
}

impl Store {
    /// The target's form and rules; `None` if registration was never set up or was turned
    /// off ([`Store::disable_registration`]).
    pub async fn registration_settings(
        &self,
        target: &RegistrationTarget,
    ) -> Result<Option<RegistrationSettings>, StoreError> {
        let sql = format!(
            "SELECT enabled, auto_approve, cap, landing_url, fields FROM registration_forms \
             WHERE {} = $1",
            target.column()
        );
        let row = sqlx::query(&sql)
            .bind(target.id())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| settings_from_row(&r)).transpose()?)
    }

    /// Creates or replaces the target's form and rules, all at once. Settings no form could
    /// have (see [`RegistrationSettings`]) are [`StoreError::Invalid`] and change nothing; an
    /// unknown target is a database error (foreign key). Existing registrations stay, whatever
    /// the new cap (it applies to new registrations only).
    pub async fn set_registration_settings(
        &self,
        target: &RegistrationTarget,
        settings: &RegistrationSettings,
    ) -> Result<(), StoreError> {
        check_settings(settings)?;
        let column = target.column();
        let sql = format!(
            "INSERT INTO registration_forms ({column}, enabled, auto_approve, cap, landing_url, \
             fields, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT ({column}) DO UPDATE SET enabled = excluded.enabled, \
             auto_approve = excluded.auto_approve, cap = excluded.cap, \
             landing_url = excluded.landing_url, fields = excluded.fields, \
             updated_at = excluded.updated_at"
        );
        sqlx::query(&sql)
            .bind(target.id())
            .bind(settings.enabled)
            .bind(settings.auto_approve)
            .bind(settings.cap.map(i64::from))
            .bind(settings.landing_url.clone())
            .bind(to_json(&settings.fields)?)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Turns registration off for good (G7): deletes the target's registrations and its form,
    /// in one transaction, and returns how many registrations were deleted (0 if there was no
    /// form). Setting it up again starts from the standard form.
    pub async fn disable_registration(
        &self,
        target: &RegistrationTarget,
    ) -> Result<u64, StoreError> {
        let column = target.column();
        let mut tx = self.pool.begin().await?;
        // The form first: that waits for a registration in progress (which holds the form's
        // row, see `Store::register`), and any later one finds no form; so the registrations
        // deleted next include every one that was made.
        sqlx::query(&format!(
            "DELETE FROM registration_forms WHERE {column} = $1"
        ))
        .bind(target.id())
        .execute(&mut *tx)
        .await?;
        let deleted = sqlx::query(&format!("DELETE FROM registrations WHERE {column} = $1"))
            .bind(target.id())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(cap: Option<u32>, fields: Vec<FormField>) -> RegistrationSettings {
        RegistrationSettings {
            enabled: true,
            auto_approve: false,
            cap,
            landing_url: None,
            fields,
        }
    }

    fn field(key: &str, kind: FieldKind) -> FormField {
        FormField {
            key: key.to_owned(),
            label: format!("Label {key}"),
            kind,
            required: false,
        }
    }

    #[test]
    fn refuses_impossible_settings() {
        let choice =
            |o: &[&str]| FieldKind::SingleChoice(o.iter().map(|s| s.to_string()).collect());
        assert!(check_settings(&settings(Some(1), vec![field("a", FieldKind::Checkbox)])).is_ok());
        assert!(check_settings(&settings(Some(0), vec![])).is_err());
        assert!(check_settings(&settings(None, vec![field("", FieldKind::ShortText)])).is_err());
        let twice = vec![
            field("a", FieldKind::ShortText),
            field("a", FieldKind::LongText),
        ];
        assert!(check_settings(&settings(None, twice)).is_err());
        assert!(check_settings(&settings(None, vec![field("c", choice(&[]))])).is_err());
        assert!(check_settings(&settings(None, vec![field("c", choice(&["x", "x"]))])).is_err());
        assert!(check_settings(&settings(None, vec![field("c", choice(&["x", "y"]))])).is_ok());
        let mut empty_url = settings(None, vec![]);
        empty_url.landing_url = Some(" ".to_owned());
        assert!(check_settings(&empty_url).is_err());
    }

    #[test]
    fn fields_and_answers_round_trip_as_json() {
        let fields = vec![
            field("t", FieldKind::ShortText),
            field("m", FieldKind::MultipleChoice(vec!["a".into(), "b".into()])),
        ];
        let text = serde_json::to_string(&fields).expect("plain data serialises");
        let back: Vec<FormField> = serde_json::from_str(&text).expect("our own JSON");
        assert_eq!(back, fields);
        let answers = vec![
            ("t".to_owned(), Answer::Text("Acme".into())),
            ("m".to_owned(), Answer::Choices(vec!["b".into()])),
            ("ok".to_owned(), Answer::Checked(true)),
        ];
        let text = serde_json::to_string(&answers).expect("plain data serialises");
        assert_eq!(
            text,
            r#"[["t",{"text":"Acme"}],["m",{"choices":["b"]}],["ok",{"checked":true}]]"#
        );
        let back: Vec<(String, Answer)> = serde_json::from_str(&text).expect("our own JSON");
        assert_eq!(back, answers);
    }
}
