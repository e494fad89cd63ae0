//! Registrations (issue 6, G1–G4, G6): the people registered for a session, a room or a
//! series, their status, their registration ID (`code`) and personal link (`join_token`).
//!
//! Invariants:
//! - One registration per e-mail (lowercased) and target; a second one is
//!   [`RegisterOutcome::AlreadyRegistered`] with the first.
//! - The cap counts pending + approved registrations and holds under concurrency: every
//!   [`Store::register`] first writes the target's form row (a row lock on PostgreSQL, the write
//!   lock on SQLite), so registrations for one target are serialised, then counts and inserts in
//!   the same transaction.
//! - Codes are unique per target (checked inside that transaction, and by a UNIQUE index);
//!   join tokens are unique everywhere.

use rand::Rng;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::registration_forms::{json_column, to_json};
use crate::row::{decode, flag, text_enum};
use crate::sessions::normalise_email;
use crate::store::{creation_ms, now_ms};
use crate::{Answer, RegistrationId, RegistrationTarget, SessionId, Store, StoreError};

/// Where a registration is (G2). The organiser moves it freely between these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationStatus {
    /// Waits for the organiser; counts against the cap.
    Pending,
    /// May join; counts against the cap.
    Approved,
    Rejected,
    Cancelled,
}

text_enum!(RegistrationStatus {
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
    Cancelled => "cancelled",
});

/// One person's registration. `Debug` leaves the join token out (it is a secret: logs must
/// not carry it).
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    pub id: RegistrationId,
    pub target: RegistrationTarget,
    pub name: String,
    /// Lowercase.
    pub email: String,
    /// Answers to the custom fields, by field key, in the form's order at the time.
    pub answers: Vec<(String, Answer)>,
    pub status: RegistrationStatus,
    /// The registration ID people type (G3): [`CODE_LENGTH`] characters of [`CODE_ALPHABET`],
    /// random, unique per target. Grouping it for reading is the UI's business.
    pub code: String,
    /// The personal link's secret: 32 hex digits, unique.
    pub join_token: String,
    /// The language of the mails (e.g. `fr`, `en`).
    pub language: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("id", &self.id)
            .field("target", &self.target)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("answers", &self.answers)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("join_token", &"<redacted>")
            .field("language", &self.language)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// What a person submits; the server has checked the answers against the form.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub name: String,
    pub email: String,
    pub answers: Vec<(String, Answer)>,
    pub language: String,
}

/// The outcome of [`Store::register`].
// One value per call, never kept in bulk, so the size difference is moot.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// Registered now: approved if the form approves automatically, else pending.
    Registered(Registration),
    /// This e-mail (any case) was already registered for the target: that registration,
    /// whatever its status, unchanged.
    AlreadyRegistered(Registration),
    /// The cap is reached; nothing was stored.
    Full,
}

/// The characters of a registration code: digits and capitals without 0/O, 1/I/L, which
/// people confuse when they read or type them.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// 9 characters of 31: about 44 bits, against guessing (which the server also rate-limits).
pub const CODE_LENGTH: usize = 9;

/// A fresh random registration code.
fn new_code() -> String {
    let mut rng = rand::thread_rng();
    (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// A code as people may type it: any case, with spaces or dashes between groups.
pub(crate) fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

pub(crate) const REGISTRATION_COLUMNS: &str = "id, session_id, room_id, series_id, name, email, \
     answers, status, code, join_token, language, created_at, updated_at";

/// [`REGISTRATION_COLUMNS`] qualified by the alias `r`, for joins.
const REGISTRATION_COLUMNS_R: &str = "r.id, r.session_id, r.room_id, r.series_id, r.name, \
     r.email, r.answers, r.status, r.code, r.join_token, r.language, r.created_at, r.updated_at";

pub(crate) fn registration_from_row(row: &AnyRow) -> Result<Registration, sqlx::Error> {
    Ok(Registration {
        id: RegistrationId::new(row.try_get::<String, _>("id")?),
        target: RegistrationTarget::from_row(row)?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        answers: json_column(row, "answers")?,
        status: decode(row, "status", RegistrationStatus::parse)?,
        code: row.try_get("code")?,
        join_token: row.try_get("join_token")?,
        language: row.try_get("language")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn all_from_rows(rows: &[AnyRow]) -> Result<Vec<Registration>, StoreError> {
    Ok(rows
        .iter()
        .map(registration_from_row)
        .collect::<Result<_, _>>()?)
}

/// How many tries at a code unused by the target before giving up: with 31^9 codes, a second
/// try is already rare.
const CODE_TRIES: usize = 16;

impl Store {
    /// Registers a person (G1/G2/G4): [`RegisterOutcome::Registered`] (approved at once if the
    /// form says so, else pending), [`RegisterOutcome::AlreadyRegistered`] for an e-mail already
    /// there, or [`RegisterOutcome::Full`] once pending + approved reach the cap (exact under
    /// concurrent calls). No form, or a form not enabled, is [`StoreError::NotFound`]; an empty
    /// e-mail is [`StoreError::Invalid`].
    pub async fn register(
        &self,
        target: &RegistrationTarget,
        new: NewRegistration,
    ) -> Result<RegisterOutcome, StoreError> {
        let email = normalise_email(&new.email);
        if email.is_empty() {
            return Err(StoreError::Invalid("registration without an e-mail"));
        }
        let column = target.column();
        let now = creation_ms();
        let mut tx = self.pool.begin().await?;
        // The first statement writes (SQLite: takes the write lock at once, see lib.rs) and
        // locks the form's row on PostgreSQL: registrations for this target wait here, one at
        // a time, until this transaction ends.
        let locked = sqlx::query(&format!(
            "UPDATE registration_forms SET updated_at = updated_at \
             WHERE {column} = $1 AND enabled = $2"
        ))
        .bind(target.id())
        .bind(true)
        .execute(&mut *tx)
        .await?;
        if locked.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let form = sqlx::query(&format!(
            "SELECT auto_approve, cap FROM registration_forms WHERE {column} = $1"
        ))
        .bind(target.id())
        .fetch_one(&mut *tx)
        .await?;
        let auto_approve = flag(&form, "auto_approve")?;
        let cap: Option<i64> = form.try_get("cap")?;

        let existing = sqlx::query(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE {column} = $1 AND email = $2"
        ))
        .bind(target.id())
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            return Ok(RegisterOutcome::AlreadyRegistered(registration_from_row(
                &row,
            )?));
        }
        if let Some(cap) = cap {
            let counted: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM registrations WHERE {column} = $1 \
                 AND status IN ('pending', 'approved')"
            ))
            .bind(target.id())
            .fetch_one(&mut *tx)
            .await?;
            if counted >= cap {
                return Ok(RegisterOutcome::Full);
            }
        }
        let code = unused_code(&mut tx, target).await?;
        let status = if auto_approve {
            RegistrationStatus::Approved
        } else {
            RegistrationStatus::Pending
        };
        let row = sqlx::query(&format!(
            "INSERT INTO registrations (id, {column}, name, email, answers, status, code, \
             join_token, language, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
             RETURNING {REGISTRATION_COLUMNS}"
        ))
        .bind(RegistrationId::generate().as_str())
        .bind(target.id())
        .bind(new.name.trim().to_owned())
        .bind(&email)
        .bind(to_json(&new.answers)?)
        .bind(status.as_str())
        .bind(&code)
        .bind(crate::ids::new_id())
        .bind(new.language)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let registration = registration_from_row(&row)?;
        tx.commit().await?;
        Ok(RegisterOutcome::Registered(registration))
    }

    /// Pending + approved registrations of the target: what the cap counts.
    pub async fn count_registrations(
        &self,
        target: &RegistrationTarget,
    ) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM registrations WHERE {} = $1 \
             AND status IN ('pending', 'approved')",
            target.column()
        ))
        .bind(target.id())
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The target's registrations, oldest first; only those with `status` if given.
    pub async fn registrations(
        &self,
        target: &RegistrationTarget,
        status: Option<RegistrationStatus>,
    ) -> Result<Vec<Registration>, StoreError> {
        let column = target.column();
        let rows = match status {
            Some(status) => {
                sqlx::query(&format!(
                    "SELECT {REGISTRATION_COLUMNS} FROM registrations \
                     WHERE {column} = $1 AND status = $2 ORDER BY created_at, id"
                ))
                .bind(target.id())
                .bind(status.as_str())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {REGISTRATION_COLUMNS} FROM registrations \
                     WHERE {column} = $1 ORDER BY created_at, id"
                ))
                .bind(target.id())
                .fetch_all(&self.pool)
                .await?
            }
        };
        all_from_rows(&rows)
    }

    pub async fn registration_by_id(
        &self,
        id: &RegistrationId,
    ) -> Result<Option<Registration>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| registration_from_row(&r)).transpose()?)
    }

    /// Sets the status of the target's registrations among `ids` (G2, one or many), in one
    /// transaction, and returns those that changed (ids of other targets, unknown ids and
    /// registrations already in `status` are left out). The organiser's decision: the cap
    /// does not apply here.
    pub async fn set_registration_status(
        &self,
        target: &RegistrationTarget,
        ids: &[RegistrationId],
        status: RegistrationStatus,
    ) -> Result<Vec<Registration>, StoreError> {
        let sql = format!(
            "UPDATE registrations SET status = $1, updated_at = $2 \
             WHERE {} = $3 AND id = $4 AND status <> $1 RETURNING {REGISTRATION_COLUMNS}",
            target.column()
        );
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let mut changed = Vec::new();
        for id in ids {
            let row = sqlx::query(&sql)
                .bind(status.as_str())
                .bind(now)
                .bind(target.id())
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = row {
                changed.push(registration_from_row(&row)?);
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The target's registration with this e-mail (any case) and code (any case, spaces and
    /// dashes ignored), whatever its status; `None` if either is wrong.
    pub async fn registration_by_code(
        &self,
        target: &RegistrationTarget,
        email: &str,
        code: &str,
    ) -> Result<Option<Registration>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations \
             WHERE {} = $1 AND email = $2 AND code = $3",
            target.column()
        ))
        .bind(target.id())
        .bind(normalise_email(email))
        .bind(normalise_code(code))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| registration_from_row(&r)).transpose()?)
    }

    /// The registration whose personal link carries `token`, whatever its status.
    pub async fn registration_by_token(
        &self,
        token: &str,
    ) -> Result<Option<Registration>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE join_token = $1"
        ))
        .bind(token)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| registration_from_row(&r)).transpose()?)
    }

    /// The approved registration that lets this person (e-mail and code, as
    /// [`Store::registration_by_code`] reads them) into this session (G3/G6): one of the
    /// session's own form (kept when it joined a series) or of its series'. Pending, rejected
    /// and cancelled registrations never do.
    pub async fn session_registrant(
        &self,
        session: &SessionId,
        email: &str,
        code: &str,
    ) -> Result<Option<Registration>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REGISTRATION_COLUMNS_R} FROM registrations r \
             WHERE r.email = $2 AND r.code = $3 AND r.status = 'approved' \
             AND (r.session_id = $1 \
                  OR r.series_id = (SELECT s.series_id FROM sessions s WHERE s.id = $1)) \
             ORDER BY r.created_at LIMIT 1"
        ))
        .bind(session.as_str())
        .bind(normalise_email(email))
        .bind(normalise_code(code))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| registration_from_row(&r)).transpose()?)
    }

    /// [`Store::session_registrant`] for a personal link's token: the approved registration
    /// carrying it, if it is the session's own or its series'.
    pub async fn session_registrant_by_token(
        &self,
        session: &SessionId,
        token: &str,
    ) -> Result<Option<Registration>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REGISTRATION_COLUMNS_R} FROM registrations r \
             WHERE r.join_token = $2 AND r.status = 'approved' \
             AND (r.session_id = $1 \
                  OR r.series_id = (SELECT s.series_id FROM sessions s WHERE s.id = $1))"
        ))
        .bind(session.as_str())
        .bind(token)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| registration_from_row(&r)).transpose()?)
    }
}

/// A random code the target does not use yet, read inside [`Store::register`]'s transaction
/// (which holds the target's lock, so no one else can take it before the INSERT).
async fn unused_code(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    target: &RegistrationTarget,
) -> Result<String, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) FROM registrations WHERE {} = $1 AND code = $2",
        target.column()
    );
    for _ in 0..CODE_TRIES {
        let code = new_code();
        let taken: i64 = sqlx::query_scalar(&sql)
            .bind(target.id())
            .bind(&code)
            .fetch_one(&mut **tx)
            .await?;
        if taken == 0 {
            return Ok(code);
        }
    }
    // 16 collisions in a row cannot happen by chance with 31^9 codes.
    Err(StoreError::Conflict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(code.bytes().all(|c| CODE_ALPHABET.contains(&c)), "{code}");
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
        assert_ne!(new_code(), new_code());
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalise_code("abc-def ghj"), "ABCDEFGHJ");
        assert_eq!(normalise_code(" ABC DEF-GHJ\t"), "ABCDEFGHJ");
    }

    #[test]
    fn debug_hides_the_join_token() {
        let r = Registration {
            id: RegistrationId::new("r"),
            target: RegistrationTarget::Session(SessionId::new("s")),
            name: "Ada".into(),
            email: "ada@example.org".into(),
            answers: vec![],
            status: RegistrationStatus::Approved,
            code: "ABCDEFGHJ".into(),
            join_token: "0123456789abcdef0123456789abcdef".into(),
            language: "en".into(),
            created_at: 1,
            updated_at: 1,
        };
        let shown = format!("{r:?}");
        assert!(shown.contains("ABCDEFGHJ") && shown.contains("ada@example.org"));
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            RegistrationStatus::Pending,
            RegistrationStatus::Approved,
            RegistrationStatus::Rejected,
            RegistrationStatus::Cancelled,
        ] {
            assert_eq!(RegistrationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RegistrationStatus::parse("Approved"), None);
    }
}
