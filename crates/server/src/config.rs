//! The typed configuration: defaults in code, then `config/default.toml` (embedded, the same
//! values, documented), then the `--config` file, then `AMPHI_<SECTION>_<KEY>` environment
//! variables (and plain `DATABASE_URL`). Every value is parsed here, once; an invalid one
//! stops start-up with a message naming its key.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use crate::Error;

mod parse;
mod sections;
use parse::{ParseResult, Raw, parse_int, parse_list, parse_or};
pub use sections::RecordingConfig;
pub use sections::StreamingConfig;
pub use sections::{
    ContentConfig, DEFAULT_MAIL_FROM, MailConfig, MetricsConfig, WebhooksConfig, WebinarsConfig,
};

/// `config/default.toml`, embedded so the binary runs from any folder. A test checks that it
/// matches [`Config::default`].
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// Everything the server reads at start-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub http: HttpConfig,
    pub data: DataConfig,
    pub database: DatabaseConfig,
    pub rooms: RoomsConfig,
    pub webinars: WebinarsConfig,
    pub media: MediaConfig,
    pub turn: TurnConfig,
    pub mail: MailConfig,
    pub content: ContentConfig,
    pub webhooks: WebhooksConfig,
    pub metrics: MetricsConfig,
    pub streaming: StreamingConfig,
    pub recording: RecordingConfig,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// The address to bind; port 0 picks a free port (the real one is printed).
    pub listen: SocketAddr,
    /// The URL people use to reach the server (behind a proxy), without a trailing slash.
    /// `None`: links are built from the bound address.
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataConfig {
    /// The data folder: the SQLite file `amphi.db` lives here unless a database URL is set.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseConfig {
    /// `postgres://...` or `sqlite://...`; `None`: SQLite in the data folder.
    pub url: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoomsConfig {
    /// The default cap on interactive participants in a room (R5).
    pub max_participants: u32,
    /// Signaling connections open at once from one client address: each may hold two UDP
    /// ports, so this keeps one address from taking the whole port range.
    pub max_connections_per_address: u32,
    /// How long a knock waits for a moderator before it expires (R4).
    pub knock_timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MediaConfig {
    /// The address the SFU's UDP sockets bind to.
    pub bind_ip: IpAddr,
    /// Addresses announced in ICE candidates (public IP behind NAT); empty: the bound ones.
    pub announced_ips: Vec<IpAddr>,
    pub udp_port_min: u16,
    pub udp_port_max: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TurnConfig {
    /// `turn:`/`turns:`/`stun:` URLs given to browsers; empty: no TURN.
    pub urls: Vec<String>,
    /// coturn's `static-auth-secret`, to mint time-limited credentials.
    pub secret: Option<Secret>,
    /// Lifetime of minted TURN credentials.
    pub ttl_secs: u64,
}

/// A value that must never reach a log: `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            http: HttpConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                public_url: None,
            },
            data: DataConfig {
                dir: PathBuf::from("data"),
            },
            database: DatabaseConfig { url: None },
            rooms: RoomsConfig {
                max_participants: 50,
                max_connections_per_address: 20,
                knock_timeout_secs: 600,
            },
            webinars: WebinarsConfig::default(),
            media: MediaConfig {
                bind_ip: IpAddr::from([0, 0, 0, 0]),
                announced_ips: Vec::new(),
                udp_port_min: 50000,
                udp_port_max: 50999,
            },
            turn: TurnConfig {
                urls: Vec::new(),
                secret: None,
                ttl_secs: 86400,
            },
            mail: MailConfig::default(),
            content: ContentConfig::default(),
            webhooks: WebhooksConfig::default(),
            metrics: MetricsConfig::default(),
            streaming: StreamingConfig::default(),
            recording: RecordingConfig::default(),
        }
    }
}

/// Every key, as `section.key`. Keys not listed here are refused (a typo must not be ignored).
const KEYS: &[&str] = &[
    "http.listen",
    "http.public_url",
    "data.dir",
    "database.url",
    "rooms.max_participants",
    "rooms.max_connections_per_address",
    "rooms.knock_timeout_secs",
    "webinars.max_attendees",
    "media.bind_ip",
    "media.announced_ips",
    "media.udp_port_min",
    "media.udp_port_max",
    "turn.urls",
    "turn.secret",
    "turn.ttl_secs",
    "mail.smtp_url",
    "mail.from",
    "mail.send_timeout_secs",
    "mail.signin_code_lifetime_secs",
    "content.max_image_mb",
    "content.max_pdf_mb",
    "content.max_video_mb",
    "content.max_pdf_pages",
    "content.pdf_page_timeout_secs",
    "content.video_faststart_timeout_secs",
    "webhooks.retry_base_secs",
    "metrics.listen",
    "streaming.moderator_grace_secs",
    "streaming.nightly_stop_hour",
    "streaming.width",
    "streaming.height",
    "streaming.fps",
    "streaming.video_kbps",
    "streaming.audio_kbps",
    "streaming.retry_min_secs",
    "streaming.retry_max_secs",
    "streaming.retry_attempts",
    "recording.dir",
    "recording.min_free_start_bytes",
    "recording.min_free_stop_bytes",
    "recording.width",
    "recording.height",
    "recording.fps",
    "recording.video_kbps",
    "recording.audio_kbps",
];

/// The environment variable overriding a key: `http.listen` -> `AMPHI_HTTP_LISTEN`.
pub fn env_var_name(key: &str) -> String {
    format!("AMPHI_{}", key.replace('.', "_").to_ascii_uppercase())
}

impl Config {
    /// Loads the configuration: defaults, the embedded default.toml, `file` if given, then
    /// the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, Error> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Config::load_from(file, &env)
    }

    /// As [`Config::load`], with the environment given (tests pass their own).
    pub fn load_from(file: Option<&Path>, env: &[(String, String)]) -> Result<Config, Error> {
        let mut raw = BTreeMap::new();
        collect_toml(DEFAULT_TOML, "config/default.toml (embedded)", &mut raw)?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::Config(format!("cannot read config file {}: {e}", path.display()))
            })?;
            collect_toml(&text, &path.display().to_string(), &mut raw)?;
        }
        // Plain DATABASE_URL first, so that AMPHI_DATABASE_URL wins over it.
        if let Some((_, value)) = env.iter().find(|(k, _)| k == "DATABASE_URL") {
            raw.insert(
                "database.url".to_owned(),
                Raw::Env {
                    var: "DATABASE_URL".to_owned(),
                    value: value.clone(),
                },
            );
        }
        for key in KEYS {
            let var = env_var_name(key);
            if let Some((_, value)) = env.iter().find(|(k, _)| *k == var) {
                raw.insert(
                    (*key).to_owned(),
                    Raw::Env {
                        var,
                        value: value.clone(),
                    },
                );
            }
        }
        Config::from_raw(&raw)
    }

    fn from_raw(raw: &BTreeMap<String, Raw>) -> Result<Config, Error> {
        let d = Config::default();
        let get = |key: &'static str| raw.get(key).map(|r| (key, r));
        let config = Config {
            http: HttpConfig {
                listen: parse_or(get("http.listen"), d.http.listen, |s| {
                    s.parse().map_err(|_| {
                        "invalid socket address, expected IP:PORT such as 127.0.0.1:8080".into()
                    })
                })?,
                public_url: parse_or(get("http.public_url"), d.http.public_url, public_url)?,
            },
            data: DataConfig {
                dir: parse_or(get("data.dir"), d.data.dir, |s| {
                    if s.is_empty() {
                        Err("must not be empty".into())
                    } else {
                        Ok(PathBuf::from(s))
                    }
                })?,
            },
            database: DatabaseConfig {
                url: parse_or(get("database.url"), d.database.url, |s| {
                    if s.is_empty() {
                        Ok(None)
                    } else if s.starts_with("sqlite:")
                        || s.starts_with("postgres://")
                        || s.starts_with("postgresql://")
                    {
                        Ok(Some(Secret::new(s)))
                    } else {
                        Err("expected postgres://... or sqlite://PATH".into())
                    }
                })?,
            },
            rooms: RoomsConfig {
                max_participants: parse_int(
                    get("rooms.max_participants"),
                    d.rooms.max_participants,
                    1,
                    100_000,
                )?,
                max_connections_per_address: parse_int(
                    get("rooms.max_connections_per_address"),
                    d.rooms.max_connections_per_address,
                    1,
                    100_000,
                )?,
                knock_timeout_secs: parse_int(
                    get("rooms.knock_timeout_secs"),
                    d.rooms.knock_timeout_secs,
                    1,
                    86_400,
                )?,
            },
            webinars: WebinarsConfig::from_raw(raw)?,
            media: MediaConfig {
                bind_ip: parse_or(get("media.bind_ip"), d.media.bind_ip, ip)?,
                announced_ips: parse_list(get("media.announced_ips"), d.media.announced_ips, ip)?,
                udp_port_min: parse_int(get("media.udp_port_min"), d.media.udp_port_min, 1, 65535)?,
                udp_port_max: parse_int(get("media.udp_port_max"), d.media.udp_port_max, 1, 65535)?,
            },
            turn: TurnConfig {
                urls: parse_list(get("turn.urls"), d.turn.urls, |s| {
                    if ["turn:", "turns:", "stun:"]
                        .iter()
                        .any(|p| s.starts_with(p))
                    {
                        Ok(s.to_owned())
                    } else {
                        Err("expected turn:, turns: or stun: URLs".into())
                    }
                })?,
                secret: parse_or(get("turn.secret"), d.turn.secret, |s| {
                    Ok((!s.is_empty()).then(|| Secret::new(s)))
                })?,
                ttl_secs: parse_int(get("turn.ttl_secs"), d.turn.ttl_secs, 60, 31_536_000)?,
            },
            mail: MailConfig::from_raw(raw)?,
            content: ContentConfig::from_raw(raw)?,
            webhooks: WebhooksConfig::from_raw(raw)?,
            metrics: MetricsConfig::from_raw(raw)?,
            streaming: StreamingConfig::from_raw(raw)?,
            recording: RecordingConfig::from_raw(raw)?,
        };
        if config.media.udp_port_min > config.media.udp_port_max {
            return Err(Error::Config(format!(
                "invalid configuration: media.udp_port_min = {} is above media.udp_port_max = {}",
                config.media.udp_port_min, config.media.udp_port_max
            )));
        }
        Ok(config)
    }

    /// The database URL to connect to: the configured one, or SQLite in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.expose().to_owned(),
            None => format!("sqlite://{}", self.data.dir.join("amphi.db").display()),
        }
    }
}

/// Reads a TOML document into `section.key` entries, refusing unknown keys.
fn collect_toml(text: &str, origin: &str, raw: &mut BTreeMap<String, Raw>) -> Result<(), Error> {
    let table: toml::Table = text
        .parse()
        .map_err(|e| Error::Config(format!("invalid configuration file {origin}: {e}")))?;
    for (section, value) in table {
        let toml::Value::Table(keys) = value else {
            return Err(Error::Config(format!(
                "invalid configuration file {origin}: `{section}` must be a [section]"
            )));
        };
        for (key, value) in keys {
            let full = format!("{section}.{key}");
            if !KEYS.contains(&full.as_str()) {
                return Err(Error::Config(format!(
                    "invalid configuration file {origin}: unknown key {full}"
                )));
            }
            raw.insert(full, Raw::Toml(value));
        }
    }
    Ok(())
}

fn ip(s: &str) -> ParseResult<IpAddr> {
    s.parse().map_err(|_| "invalid IP address".into())
}

/// `https://host[:port][/path]`, kept without a trailing slash; empty means unset.
fn public_url(s: &str) -> ParseResult<Option<String>> {
    if s.is_empty() {
        return Ok(None);
    }
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or("expected an http:// or https:// URL")?;
    if rest.is_empty() || rest.starts_with('/') || s.chars().any(|c| c.is_whitespace()) {
        return Err("expected an http:// or https:// URL with a host".into());
    }
    Ok(Some(s.trim_end_matches('/').to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn default_toml_matches_code_defaults() {
        let config = Config::load_from(None, &[]).expect("the embedded defaults are valid");
        assert_eq!(config, Config::default());
    }

    #[test]
    fn example_toml_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
        let config = Config::load_from(Some(&path), &[]).expect("example.toml is valid");
        assert_eq!(
            config.http.listen,
            "127.0.0.1:8080".parse::<SocketAddr>().expect("valid")
        );
    }

    #[test]
    fn bad_value_names_the_key() {
        let err = Config::load_from(None, &env(&[("AMPHI_HTTP_LISTEN", "foo")]))
            .expect_err("foo is no address")
            .to_string();
        assert!(
            err.starts_with("invalid configuration: http.listen = \"foo\": invalid socket address"),
            "{err}"
        );
        assert!(err.ends_with("(from AMPHI_HTTP_LISTEN)"), "{err}");
    }

    #[test]
    fn env_overrides_and_lists() {
        let config = Config::load_from(
            None,
            &env(&[
                ("AMPHI_MEDIA_ANNOUNCED_IPS", "127.0.0.1, 10.0.0.1"),
                ("AMPHI_ROOMS_MAX_PARTICIPANTS", "12"),
                ("DATABASE_URL", "postgres://u:pw@h/db"),
                ("AMPHI_TURN_SECRET", "s3cret"),
                ("AMPHI_HTTP_PUBLIC_URL", "https://meet.example.org/"),
            ]),
        )
        .expect("valid");
        assert_eq!(config.media.announced_ips.len(), 2);
        assert_eq!(config.rooms.max_participants, 12);
        assert_eq!(config.database_url(), "postgres://u:pw@h/db");
        assert_eq!(
            config.http.public_url.as_deref(),
            Some("https://meet.example.org")
        );
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("pw@"),
            "{debug}"
        );
    }

    #[test]
    fn amphi_database_url_wins_over_database_url() {
        let config = Config::load_from(
            None,
            &env(&[
                ("DATABASE_URL", "postgres://a/db"),
                ("AMPHI_DATABASE_URL", "sqlite://x.db"),
            ]),
        )
        .expect("valid");
        assert_eq!(config.database_url(), "sqlite://x.db");
    }

    #[test]
    fn range_and_type_errors() {
        let err = Config::load_from(None, &env(&[("AMPHI_MEDIA_UDP_PORT_MIN", "70000")]))
            .expect_err("out of range")
            .to_string();
        assert!(err.contains("media.udp_port_min"), "{err}");
        let err = Config::load_from(None, &env(&[("AMPHI_MEDIA_UDP_PORT_MIN", "51000")]))
            .expect_err("min above max")
            .to_string();
        assert!(err.contains("media.udp_port_max"), "{err}");
        let err = Config::load_from(None, &env(&[("AMPHI_TURN_URLS", "http://x")]))
            .expect_err("not a TURN URL")
            .to_string();
        assert!(err.contains("turn.urls"), "{err}");
    }

    #[test]
    fn mail_url_is_parsed_and_its_password_never_shown() {
        let config = Config::load_from(
            None,
            &env(&[
                (
                    "AMPHI_MAIL_SMTP_URL",
                    "smtp://me:s3cret@mail.example.org?tls=starttls",
                ),
                ("AMPHI_MAIL_FROM", "Réunions <meet@example.org>"),
            ]),
        )
        .expect("valid");
        let url = config.mail.smtp_url.as_ref().expect("set");
        assert_eq!((url.host.as_str(), url.port), ("mail.example.org", 587));
        assert_eq!(config.mail.from.email.to_string(), "meet@example.org");
        assert!(!format!("{config:?}").contains("s3cret"));
        let err = Config::load_from(
            None,
            &env(&[("AMPHI_MAIL_SMTP_URL", "smtp://me:s3cret@h:x")]),
        )
        .expect_err("bad port")
        .to_string();
        assert!(
            err.contains("mail.smtp_url") && !err.contains("s3cret"),
            "{err}"
        );
        let err = Config::load_from(None, &env(&[("AMPHI_MAIL_FROM", "nobody")]))
            .expect_err("not an address")
            .to_string();
        assert!(err.contains("mail.from"), "{err}");
    }

    #[test]
    fn unknown_key_in_file_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[http]\nlisen = \"127.0.0.1:1\"\n").expect("write");
        let err = Config::load_from(Some(&path), &[])
            .expect_err("typo")
            .to_string();
        assert!(err.contains("http.lisen"), "{err}");
    }
}
