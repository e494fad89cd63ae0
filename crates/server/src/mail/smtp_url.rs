//! `[mail] smtp_url`: where mail goes, parsed once at start-up.
//!
//! - `smtp://host[:port]`: plain SMTP (port 25 by default), for a relay on the same machine
//!   or network.
//! - `smtp://host[:port]?tls=starttls`: SMTP upgraded with STARTTLS, required (port 587 by
//!   default); the certificate is checked against the web's root CAs.
//! - `smtps://host[:port]`: TLS from the first byte (port 465 by default).
//!
//! Credentials go in the URL: `smtp://user:password@host:587?tls=starttls`. Percent-encode
//! `@ : / ? # & %` (and spaces) in them, e.g. `p%3Fss` for `p?ss`. They are secrets:
//! [`SmtpUrl`]'s `Debug` and [`SmtpUrl::redacted`] never show the password, and no parse
//! error quotes any part of the URL before its last `@` (where the user name and password
//! end) nor a parameter's value.

use std::fmt;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a local relay).
    None,
    /// STARTTLS, required: the connection fails rather than continue in clear.
    StartTls,
    /// TLS from the start (`smtps://`).
    Wrapper,
}

/// A parsed `smtp_url`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// User name and password, percent-decoded.
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl SmtpUrl {
    /// Parses an `smtp://` or `smtps://` URL; the error says what is wrong (without the
    /// password).
    pub fn parse(url: &str) -> Result<SmtpUrl, String> {
        let url = url.trim();
        let (scheme, rest) = url
            .split_once("://")
            .ok_or("expected smtp://host:port or smtps://host:port")?;
        let (tls, default_port) = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => (SmtpTls::None, 25),
            "smtps" => (SmtpTls::Wrapper, 465),
            _ => return Err("expected an smtp:// or smtps:// URL".into()),
        };
        // The credentials first, up to the last `@`: a password may hold `?`, `/` or `#`
        // (percent-encoding them is documented, but forgetting must not cut the password
        // in two and show its end as a host or a parameter).
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((u, r)) => (Some(u), r),
            None => (None, rest),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, q),
            None => (rest, ""),
        };
        let hostport = rest.strip_suffix('/').unwrap_or(rest);
        if hostport.contains('/') {
            return Err("an SMTP URL has no path: smtp://host:port".into());
        }
        let credentials = match userinfo {
            None => None,
            Some(u) => {
                let (user, password) = u.split_once(':').unwrap_or((u, ""));
                Some((percent_decode(user)?, percent_decode(password)?))
            }
        };
        let (host, port) = split_host_port(hostport)?;
        let mut tls = tls;
        let mut port_default = default_port;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("tls", "starttls")) if tls == SmtpTls::None => {
                    tls = SmtpTls::StartTls;
                    port_default = 587;
                }
                Some(("tls", "none")) if tls == SmtpTls::None => {}
                Some(("tls", _)) => {
                    return Err(
                        "tls= takes starttls (or none) on smtp://; smtps:// is always TLS".into(),
                    );
                }
                _ => {
                    // The key only, and only when it looks like one: a value is never
                    // echoed.
                    let key = pair.split_once('=').map(|(k, _)| k).filter(|k| {
                        k.len() <= 20 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    });
                    return Err(match key {
                        Some(key) => format!("unknown parameter {key:?}: only tls=starttls"),
                        None => "malformed parameters: only tls=starttls".to_owned(),
                    });
                }
            }
        }
        Ok(SmtpUrl {
            host,
            port: port.unwrap_or(port_default),
            tls,
            credentials,
        })
    }

    /// The URL for logs and messages: the password replaced by `***`.
    pub fn redacted(&self) -> String {
        let scheme = match self.tls {
            SmtpTls::Wrapper => "smtps",
            _ => "smtp",
        };
        let user = match &self.credentials {
            Some((user, _)) => format!("{user}:***@"),
            None => String::new(),
        };
        let query = match self.tls {
            SmtpTls::StartTls => "?tls=starttls",
            _ => "",
        };
        format!("{scheme}://{user}{}:{}{query}", self.host, self.port)
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(s: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or("unclosed [ in the host")?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("expected :port after ]")?),
        };
        (h, port)
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c));
    if !host_ok {
        return Err("the URL has no valid host".into());
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or("invalid port")?,
        ),
    };
    Ok((host.to_owned(), port))
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("invalid %-escape in the user name or password")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the user name or password is not UTF-8".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_ports_and_tls() {
        let u = SmtpUrl::parse("smtp://127.0.0.1:2525").expect("valid");
        assert_eq!(
            (u.host.as_str(), u.port, u.tls, u.credentials),
            ("127.0.0.1", 2525, SmtpTls::None, None)
        );
        let u = SmtpUrl::parse("smtp://mail.example.org?tls=starttls").expect("valid");
        assert_eq!((u.port, u.tls), (587, SmtpTls::StartTls));
        let u = SmtpUrl::parse("smtps://mail.example.org").expect("valid");
        assert_eq!((u.port, u.tls), (465, SmtpTls::Wrapper));
        let u = SmtpUrl::parse("smtp://relay").expect("valid");
        assert_eq!(u.port, 25);
        let u = SmtpUrl::parse("smtp://[::1]:25/").expect("valid");
        assert_eq!((u.host.as_str(), u.port), ("::1", 25));
    }

    #[test]
    fn credentials_are_decoded_and_never_shown() {
        let u = SmtpUrl::parse("smtp://me%40example.org:p%3Ass@mail.example.org:587?tls=starttls")
            .expect("valid");
        assert_eq!(
            u.credentials,
            Some(("me@example.org".to_owned(), "p:ss".to_owned()))
        );
        let shown = format!("{u:?} {}", u.redacted());
        assert!(
            !shown.contains("p:ss") && !shown.contains("p%3Ass"),
            "{shown}"
        );
        assert_eq!(
            u.redacted(),
            "smtp://me@example.org:***@mail.example.org:587?tls=starttls"
        );
    }

    #[test]
    fn bad_urls_say_why_without_the_password() {
        for bad in [
            "mail.example.org",
            "http://mail.example.org",
            "smtp://",
            "smtp://host:0",
            "smtp://host:99999",
            "smtp://host/path",
            "smtp://host?tls=maybe",
            "smtps://host?tls=starttls",
            "smtp://host?x=1",
            "smtp://u:%zz@host",
            "smtp://ho st",
        ] {
            let err = SmtpUrl::parse(bad).expect_err(bad);
            assert!(!err.is_empty(), "{bad}");
        }
        let err = SmtpUrl::parse("smtp://u:s3cret@host:x").expect_err("bad port");
        assert!(!err.contains("s3cret"), "{err}");
    }

    /// Review S7: a password holding `?` (not percent-encoded) is the password, whole; it
    /// is not cut at the `?` with its end shown as an unknown parameter.
    #[test]
    fn a_question_mark_in_the_password_stays_in_the_password() {
        let u = SmtpUrl::parse("smtps://me:12?ab@mail.example.org:465").expect("valid");
        assert_eq!(
            (u.host.as_str(), u.port, u.tls),
            ("mail.example.org", 465, SmtpTls::Wrapper)
        );
        assert_eq!(u.credentials, Some(("me".to_owned(), "12?ab".to_owned())));
        let u = SmtpUrl::parse("smtp://me:a/b#c?d@relay:587?tls=starttls").expect("valid");
        assert_eq!((u.host.as_str(), u.port), ("relay", 587));
        assert_eq!(u.credentials, Some(("me".to_owned(), "a/b#c?d".to_owned())));
        assert!(!format!("{u:?}").contains("a/b#c?d"));
    }

    /// Review S7: no error echoes the user info or a parameter's value.
    #[test]
    fn errors_never_echo_the_user_info_or_a_value() {
        for bad in [
            "smtp://me:12?ab@mail.example.org:465?x=12ab",
            "smtp://me:12ab@mail.example.org?x=12ab",
            "smtp://me:12ab@mail.example.org?12ab",
            "smtp://me:12?ab@mail.example.org:0",
            "smtp://me:12?ab@mail.example.org/12ab",
            "smtp://me:12ab@",
        ] {
            let err = SmtpUrl::parse(bad).expect_err(bad);
            assert!(!err.contains("12") && !err.contains("ab"), "{bad}: {err}");
        }
    }
}
