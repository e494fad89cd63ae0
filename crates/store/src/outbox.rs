//! The outbox: mails kept in the database when no SMTP server is configured, so that an
//! administrator can read them (and pass an invitation on by hand). Sign-in codes never go
//! here (the server offers them only with SMTP); the server deletes mails after 30 days.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::new_id;
use crate::{Store, StoreError};

/// A mail kept in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    /// 32 hex digits.
    pub id: String,
    /// Validated addresses (the caller's job), in the order given.
    pub recipients: Vec<String>,
    pub subject: String,
    /// The plain-text part every mail has.
    pub text: String,
    pub html: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// What it takes to keep a mail; the store picks the id.
#[derive(Debug, Clone)]
pub struct NewOutboxMail {
    /// Validated addresses (stored one per line).
    pub recipients: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, recipients, subject, text_body, html_body, created_at";

fn mail_from_row(row: &AnyRow) -> Result<OutboxMail, sqlx::Error> {
    let recipients: String = row.try_get("recipients")?;
    Ok(OutboxMail {
        id: row.try_get("id")?,
        recipients: recipients
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        subject: row.try_get("subject")?,
        text: row.try_get("text_body")?,
        html: row.try_get("html_body")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Keeps a mail in the outbox. Recipients are the caller's validated addresses (which
    /// hold no whitespace); line breaks are dropped anyway, as they separate the stored list.
    pub async fn add_to_outbox(&self, new: NewOutboxMail) -> Result<OutboxMail, StoreError> {
        let recipients: Vec<String> = new
            .recipients
            .iter()
            .map(|r| r.replace(['\n', '\r'], ""))
            .filter(|r| !r.is_empty())
            .collect();
        let sql = format!(
            "INSERT INTO outbox ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(new_id())
            .bind(recipients.join("\n"))
            .bind(new.subject)
            .bind(new.text)
            .bind(new.html)
            .bind(new.created_at)
            .fetch_one(&self.pool)
            .await?;
        Ok(mail_from_row(&row)?)
    }

    /// The newest `limit` mails of the outbox, newest first.
    pub async fn outbox(&self, limit: u32) -> Result<Vec<OutboxMail>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1");
        let rows = sqlx::query(&sql)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(mail_from_row).collect::<Result<_, _>>()?)
    }

    /// How many mails the outbox holds.
    pub async fn count_outbox(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Removes mails kept before `before` (Unix ms); returns how many.
    pub async fn delete_outbox_before(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM outbox WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
