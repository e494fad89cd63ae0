//! The sections added with sessions (issue 5) and after: `[webinars]`, `[mail]`, `[content]`,
//! `[webhooks]` and `[metrics]` — each struct with its defaults (the same values as
//! `config/default.toml`) and the parsing of its keys.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::{Raw, parse_int, parse_or};
use crate::Error;

/// The default sender.
pub const DEFAULT_MAIL_FROM: &str = "Amphi <amphi@localhost>";

/// `key` with its raw value, if given.
fn get<'a>(raw: &'a BTreeMap<String, Raw>, key: &'static str) -> Option<(&'static str, &'a Raw)> {
    raw.get(key).map(|r| (key, r))
}

/// Sessions' lives (issue 5).
#[derive(Debug, Clone, PartialEq)]
pub struct WebinarsConfig {
    /// Attendees of one session's live at most; they do not count against the room's cap.
    pub max_attendees: u32,
}

impl Default for WebinarsConfig {
    fn default() -> WebinarsConfig {
        WebinarsConfig {
            max_attendees: 2000,
        }
    }
}

impl WebinarsConfig {
    pub(super) fn from_raw(raw: &BTreeMap<String, Raw>) -> Result<WebinarsConfig, Error> {
        let d = WebinarsConfig::default();
        Ok(WebinarsConfig {
            max_attendees: parse_int(
                get(raw, "webinars.max_attendees"),
                d.max_attendees,
                1,
                1_000_000,
            )?,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MailConfig {
    /// Where mail goes (see `mail::SmtpUrl`); `None`: into the outbox that administrators
    /// read at `/admin/outbox`. Its `Debug` hides the password.
    pub smtp_url: Option<crate::mail::SmtpUrl>,
    /// The sender of every mail, e.g. `Amphi <amphi@example.org>`.
    pub from: lettre::message::Mailbox,
    /// How long one SMTP delivery may take before it counts as failed.
    pub send_timeout_secs: u64,
    /// How long a sign-in code stays valid (R8: 10 minutes).
    pub signin_code_lifetime_secs: u64,
}

impl Default for MailConfig {
    fn default() -> MailConfig {
        MailConfig {
            smtp_url: None,
            // A constant, checked by the test default_toml_matches_code_defaults.
            from: DEFAULT_MAIL_FROM
                .parse()
                .expect("the default sender is valid"),
            send_timeout_secs: 30,
            signin_code_lifetime_secs: 600,
        }
    }
}

impl MailConfig {
    pub(super) fn from_raw(raw: &BTreeMap<String, Raw>) -> Result<MailConfig, Error> {
        let d = MailConfig::default();
        Ok(MailConfig {
            smtp_url: parse_or(get(raw, "mail.smtp_url"), d.smtp_url, |s| {
                if s.is_empty() {
                    Ok(None)
                } else {
                    crate::mail::SmtpUrl::parse(s).map(Some)
                }
            })?,
            from: parse_or(get(raw, "mail.from"), d.from, |s| {
                s.parse()
                    .map_err(|_| "expected an address such as \"Amphi <amphi@example.org>\"".into())
            })?,
            send_timeout_secs: parse_int(
                get(raw, "mail.send_timeout_secs"),
                d.send_timeout_secs,
                1,
                600,
            )?,
            signin_code_lifetime_secs: parse_int(
                get(raw, "mail.signin_code_lifetime_secs"),
                d.signin_code_lifetime_secs,
                1,
                86_400,
            )?,
        })
    }
}

/// Uploaded session content (issue 5, C2/C8): size caps per kind and helper time limits.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentConfig {
    /// Largest PNG/JPEG upload, in MB (MiB).
    pub max_image_mb: u64,
    /// Largest PDF upload, in MB.
    pub max_pdf_mb: u64,
    /// Largest MP4 upload, in MB.
    pub max_video_mb: u64,
    /// A PDF with more pages is refused.
    pub max_pdf_pages: u64,
    /// Rendering one PDF page longer than this fails the PDF (`pdftoppm` is killed).
    pub pdf_page_timeout_secs: u64,
    /// Remuxing a video for fast start longer than this fails it (`ffmpeg` is killed).
    pub video_faststart_timeout_secs: u64,
}

impl Default for ContentConfig {
    fn default() -> ContentConfig {
        ContentConfig {
            max_image_mb: 20,
            max_pdf_mb: 100,
            max_video_mb: 1024,
            max_pdf_pages: 300,
            pdf_page_timeout_secs: 60,
            video_faststart_timeout_secs: 900,
        }
    }
}

impl ContentConfig {
    pub(super) fn from_raw(raw: &BTreeMap<String, Raw>) -> Result<ContentConfig, Error> {
        let d = ContentConfig::default();
        Ok(ContentConfig {
            max_image_mb: parse_int(get(raw, "content.max_image_mb"), d.max_image_mb, 1, 1024)?,
            max_pdf_mb: parse_int(get(raw, "content.max_pdf_mb"), d.max_pdf_mb, 1, 4096)?,
            max_video_mb: parse_int(get(raw, "content.max_video_mb"), d.max_video_mb, 1, 65_536)?,
            max_pdf_pages: parse_int(get(raw, "content.max_pdf_pages"), d.max_pdf_pages, 1, 5000)?,
            pdf_page_timeout_secs: parse_int(
                get(raw, "content.pdf_page_timeout_secs"),
                d.pdf_page_timeout_secs,
                1,
                3600,
            )?,
            video_faststart_timeout_secs: parse_int(
                get(raw, "content.video_faststart_timeout_secs"),
                d.video_faststart_timeout_secs,
                1,
                86_400,
            )?,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhooksConfig {
    /// The first retry delay; the whole schedule (30 s, 2 min, 10 min, 30 min, 1 h, then every
    /// 2 h, for 24 h) is in multiples of it (`webhooks/schedule.rs`).
    pub retry_base_secs: u64,
}

impl Default for WebhooksConfig {
    fn default() -> WebhooksConfig {
        WebhooksConfig {
            retry_base_secs: 30,
        }
    }
}

impl WebhooksConfig {
    pub(super) fn from_raw(raw: &BTreeMap<String, Raw>) -> Result<WebhooksConfig, Error> {
        let d = WebhooksConfig::default();
        Ok(WebhooksConfig {
            retry_base_secs: parse_int(
                get(raw, "webhooks.retry_base_secs"),
                d.retry_base_secs,
                1,
                3600,
            )?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsConfig {
    /// `None`: `/metrics` on the main listener. Set: served only there (the main listener
    /// answers 404 for it).
    pub listen: Option<SocketAddr>,
}

impl MetricsConfig {
    pub(super) fn from_raw(raw: &BTreeMap<String, Raw>) -> Result<MetricsConfig, Error> {
        let d = MetricsConfig::default();
        Ok(MetricsConfig {
            listen: parse_or(get(raw, "metrics.listen"), d.listen, |s| {
                if s.is_empty() {
                    return Ok(None);
                }
                s.parse::<SocketAddr>().map(Some).map_err(|_| {
                    "invalid socket address, expected IP:PORT such as 127.0.0.1:9100, \
                     or \"\" for the main listener"
                        .into()
                })
            })?,
        })
    }
}
