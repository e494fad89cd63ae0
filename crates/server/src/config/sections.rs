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

/// Streaming out over RTMP (issue 8, S1–S3): the sent picture and sound, the retry back-off,
/// the auto-stop rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamingConfig {
    /// With no moderator in the room this long, its stream stops (S3: 2 minutes).
    pub moderator_grace_secs: u64,
    /// Every stream stops when the server's local time reaches this hour (0–23); `None`
    /// (`-1` in the file): no nightly stop.
    pub nightly_stop_hour: Option<u8>,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub video_kbps: u32,
    pub audio_kbps: u32,
    /// The first wait before retrying a dropped or refused connection; it doubles each time.
    pub retry_min_secs: u64,
    /// The longest wait between retries.
    pub retry_max_secs: u64,
    /// After this many failed attempts in a row without ever going live, the stream is
    /// `failed` (a wrong URL or key); a stream that was live retries for as long as it runs.
    pub retry_attempts: u32,
}

impl Default for StreamingConfig {
    fn default() -> StreamingConfig {
        StreamingConfig {
            moderator_grace_secs: 120,
            nightly_stop_hour: None,
            width: 1280,
            height: 720,
            fps: 30,
            video_kbps: 2500,
            audio_kbps: 128,
            retry_min_secs: 2,
            retry_max_secs: 30,
            retry_attempts: 6,
        }
    }
}

impl StreamingConfig {
    pub(super) fn from_raw(raw: &BTreeMap<String, Raw>) -> Result<StreamingConfig, Error> {
        let d = StreamingConfig::default();
        let hour: i64 = parse_int(
            get(raw, "streaming.nightly_stop_hour"),
            d.nightly_stop_hour.map_or(-1, i64::from),
            -1,
            23,
        )?;
        let config = StreamingConfig {
            moderator_grace_secs: parse_int(
                get(raw, "streaming.moderator_grace_secs"),
                d.moderator_grace_secs,
                1,
                86_400,
            )?,
            nightly_stop_hour: u8::try_from(hour).ok(),
            width: parse_int(get(raw, "streaming.width"), d.width, 160, 3840)?,
            height: parse_int(get(raw, "streaming.height"), d.height, 120, 2160)?,
            fps: parse_int(get(raw, "streaming.fps"), d.fps, 1, 60)?,
            video_kbps: parse_int(get(raw, "streaming.video_kbps"), d.video_kbps, 100, 50_000)?,
            audio_kbps: parse_int(get(raw, "streaming.audio_kbps"), d.audio_kbps, 32, 512)?,
            retry_min_secs: parse_int(
                get(raw, "streaming.retry_min_secs"),
                d.retry_min_secs,
                1,
                3600,
            )?,
            retry_max_secs: parse_int(
                get(raw, "streaming.retry_max_secs"),
                d.retry_max_secs,
                1,
                3600,
            )?,
            retry_attempts: parse_int(
                get(raw, "streaming.retry_attempts"),
                d.retry_attempts,
                1,
                1000,
            )?,
        };
        if config.retry_max_secs < config.retry_min_secs {
            return Err(Error::Config(
                "invalid configuration: streaming.retry_max_secs must not be less than \
                 streaming.retry_min_secs"
                    .into(),
            ));
        }
        Ok(config)
    }
}

/// Server-side recording (issue 7, V5, V7): where recordings go, the free-disk guard, and the
/// composed picture and sound.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingConfig {
    /// The recordings folder; `""`: `recordings` under `[data] dir`.
    pub dir: String,
    /// Recording does not start with less free disk than this (V7: 5 GB).
    pub min_free_start_bytes: u64,
    /// A running recording stops cleanly below this (V7: 100 MB).
    pub min_free_stop_bytes: u64,
    pub width: u32,
    pub height: u32,
    /// Pictures a second; must divide 48000 (the sound's rate).
    pub fps: u32,
    pub video_kbps: u32,
    pub audio_kbps: u32,
}

impl Default for RecordingConfig {
    fn default() -> RecordingConfig {
        RecordingConfig {
            dir: String::new(),
            min_free_start_bytes: 5_000_000_000,
            min_free_stop_bytes: 100_000_000,
            width: 1280,
            height: 720,
            fps: 25,
            video_kbps: 2000,
            audio_kbps: 128,
        }
    }
}

impl RecordingConfig {
    pub(super) fn from_raw(raw: &BTreeMap<String, Raw>) -> Result<RecordingConfig, Error> {
        let d = RecordingConfig::default();
        let int = |key: &'static str, default: u32, min: i64, max: i64| {
            parse_int(get(raw, key), default, min, max)
        };
        let big = |key: &'static str, default: u64| parse_int(get(raw, key), default, 0, i64::MAX);
        let config = RecordingConfig {
            dir: parse_or(get(raw, "recording.dir"), d.dir, |s| Ok(s.to_owned()))?,
            min_free_start_bytes: big("recording.min_free_start_bytes", d.min_free_start_bytes)?,
            min_free_stop_bytes: big("recording.min_free_stop_bytes", d.min_free_stop_bytes)?,
            width: int("recording.width", d.width, 160, 3840)?,
            height: int("recording.height", d.height, 120, 2160)?,
            fps: int("recording.fps", d.fps, 1, 60)?,
            video_kbps: int("recording.video_kbps", d.video_kbps, 100, 50_000)?,
            audio_kbps: int("recording.audio_kbps", d.audio_kbps, 32, 512)?,
        };
        if config.width % 2 == 1 || config.height % 2 == 1 || 48_000 % config.fps != 0 {
            return Err(Error::Config(
                "invalid configuration: recording.width and recording.height must be even, \
                 recording.fps must divide 48000 (e.g. 15, 20, 24, 25, 30)"
                    .into(),
            ));
        }
        Ok(config)
    }
}
