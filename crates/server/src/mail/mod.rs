//! Outgoing mail: invitations (R6) and sign-in codes (R8).
//!
//! [`Mailer::send`] delivers a [`Mail`] through SMTP when `[mail] smtp_url` is set
//! ([`Delivery::Sent`]), else keeps it in the database's outbox ([`Delivery::Outbox`]), which
//! administrators read at `/admin/outbox`. Every mail is `multipart/alternative` with a
//! plain-text part; the HTML part is the caller's (escaped) or, if none, the text escaped.
//! Each recipient gets their own copy, so invited people never see each other's addresses.
//!
//! Failures return a [`MailError`] whose text a page may show (it names the server, never its
//! password), are logged, and are counted in `/metrics` as `amphi_mail_failures_total`.
//!
//! ```ignore
//! let to = mail::parse_addresses(&form.addresses).map_err(|bad| /* show them */)?;
//! match state.mailer.send(&Mail { to, subject, text, html: None }).await {
//!     Ok(Delivery::Sent) => ..., Ok(Delivery::Outbox) => ..., Err(e) => /* e.to_string() */,
//! }
//! ```
//!
//! `MailError` is a second error enum in this crate (the contract of issue 4 names it): a
//! caller shows its text on a page, which `crate::Error` (for whole responses) does not do.

mod address;
mod mailer;
mod message;
pub mod signin_code;
mod smtp_url;
pub mod staff_invitation;

pub use address::{MAX_ADDRESSES, parse_addresses, valid_address};
pub use mailer::Mailer;
pub use message::escape;
pub use signin_code::SigninCodes;
pub use smtp_url::{SmtpTls, SmtpUrl};

use amphi_store::StoreError;

/// A mail to send. The subject and text are the caller's, in the recipient's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Validated addresses ([`parse_addresses`]); each gets their own copy.
    pub to: Vec<String>,
    pub subject: String,
    /// The plain-text part, which every mail has.
    pub text: String,
    /// An HTML part; the caller escapes every piece of user text in it. `None`: the text,
    /// escaped, with its line breaks.
    pub html: Option<String>,
}

/// Where a mail went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by the SMTP server, for every recipient.
    Sent,
    /// No SMTP server is configured: kept in the outbox for an administrator.
    Outbox,
}

/// Why a mail was not sent. The text is fit for a page: it names the server (password
/// hidden) and what happened.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail has no recipient")]
    NoRecipients,
    #[error("{0:?} is not a valid e-mail address")]
    InvalidAddress(String),
    #[error("the mail could not be built: {0}")]
    Build(String),
    /// The SMTP server could not be reached, refused, or failed for these recipients
    /// (the others got the mail).
    #[error("the mail server {server} did not accept the mail for {}: {reason}", failed.join(", "))]
    Smtp {
        server: String,
        failed: Vec<String>,
        reason: String,
    },
    #[error("the mail could not be kept in the outbox: {0}")]
    Store(#[from] StoreError),
}

impl From<MailError> for crate::Error {
    /// For a handler that cannot go on without the mail: a 500 page, the detail in the log.
    fn from(e: MailError) -> Self {
        crate::Error::Internal(e.to_string())
    }
}
