//! Where a stream goes: checking the RTMP(S) URL and stream key people type, and building the
//! push URL handed to the sender. The key is a secret: the push URL is a [`Secret`], and any
//! text that may contain it (ffmpeg's messages) goes through [`Target::scrub`] before it is
//! logged or shown.

use crate::config::Secret;

/// The longest RTMP URL and stream key accepted.
pub const MAX_URL_CHARS: usize = 500;
pub const MAX_KEY_CHARS: usize = 300;

/// Why a typed URL or key is refused; the pages say it in the person's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetProblem {
    UrlEmpty,
    /// Not `rtmp://` nor `rtmps://`.
    UrlScheme,
    /// No host, spaces or control characters, a query or fragment, or too long.
    UrlMalformed,
    KeyEmpty,
    /// Spaces, control characters, `/`, `?` or `#`, or too long.
    KeyMalformed,
}

/// Checks and normalises a typed RTMP(S) URL: trimmed, without a trailing `/`.
pub fn check_url(text: &str) -> Result<String, TargetProblem> {
    let url = text.trim().trim_end_matches('/');
    if url.is_empty() {
        return Err(TargetProblem::UrlEmpty);
    }
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("rtmp://") {
        &url["rtmp://".len()..]
    } else if lower.starts_with("rtmps://") {
        &url["rtmps://".len()..]
    } else {
        return Err(TargetProblem::UrlScheme);
    };
    let host = rest.split('/').next().unwrap_or_default();
    let bad_char = |c: char| c.is_whitespace() || c.is_control() || c == '?' || c == '#';
    if host.is_empty()
        || host.starts_with(':')
        || url.chars().any(bad_char)
        || url.chars().count() > MAX_URL_CHARS
    {
        return Err(TargetProblem::UrlMalformed);
    }
    Ok(url.to_owned())
}

/// Checks a typed stream key (trimmed).
pub fn check_key(text: &str) -> Result<String, TargetProblem> {
    let key = text.trim();
    if key.is_empty() {
        return Err(TargetProblem::KeyEmpty);
    }
    let bad_char =
        |c: char| c.is_whitespace() || c.is_control() || c == '/' || c == '?' || c == '#';
    if key.chars().any(bad_char) || key.chars().count() > MAX_KEY_CHARS {
        return Err(TargetProblem::KeyMalformed);
    }
    Ok(key.to_owned())
}

/// A stream's destination, as stored.
#[derive(Clone)]
pub struct Target {
    url: String,
    key: amphi_store::StreamKey,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.url)
            .field("key", &self.key)
            .finish()
    }
}

impl Target {
    pub fn new(url: impl Into<String>, key: amphi_store::StreamKey) -> Target {
        Target {
            url: url.into(),
            key,
        }
    }

    pub fn from_settings(settings: &amphi_store::StreamSettings) -> Target {
        Target::new(settings.rtmp_url.clone(), settings.key.clone())
    }

    /// `<url>/<key>`: what an RTMP client publishes to (PeerTube, YouTube and nginx-rtmp all
    /// take the key as the stream name after the application).
    pub fn push_url(&self) -> Secret {
        Secret::new(format!("{}/{}", self.url, self.key.expose()))
    }

    /// `text` with the key (and so the push URL) replaced by `[key]`: for anything logged or
    /// shown that a sender wrote.
    pub fn scrub(&self, text: &str) -> String {
        let key = self.key.expose();
        if key.is_empty() {
            return text.to_owned();
        }
        text.replace(key, "[key]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            check_url(" rtmp://live.example.org/live/ "),
            Ok("rtmp://live.example.org/live".into())
        );
        assert_eq!(
            check_url("RTMPS://a.rtmp.youtube.com:443/live2"),
            Ok("RTMPS://a.rtmp.youtube.com:443/live2".into())
        );
        assert_eq!(check_url(""), Err(TargetProblem::UrlEmpty));
        assert_eq!(
            check_url("https://peertube.example.org/live"),
            Err(TargetProblem::UrlScheme)
        );
        assert_eq!(check_url("rtmp:///live"), Err(TargetProblem::UrlMalformed));
        assert_eq!(
            check_url("rtmp://host/live app"),
            Err(TargetProblem::UrlMalformed)
        );
        assert_eq!(
            check_url("rtmp://host/live?x=1"),
            Err(TargetProblem::UrlMalformed)
        );
    }

    #[test]
    fn keys_and_scrubbing() {
        assert_eq!(check_key(" abc-123 "), Ok("abc-123".into()));
        assert_eq!(check_key("  "), Err(TargetProblem::KeyEmpty));
        assert_eq!(check_key("a b"), Err(TargetProblem::KeyMalformed));
        assert_eq!(check_key("a/b"), Err(TargetProblem::KeyMalformed));
        let target = Target::new("rtmp://h/live", amphi_store::StreamKey::new("s3cr3t-key"));
        assert_eq!(target.push_url().expose(), "rtmp://h/live/s3cr3t-key");
        assert_eq!(
            target.scrub("rtmp://h/live/s3cr3t-key: Broken pipe"),
            "rtmp://h/live/[key]: Broken pipe"
        );
        assert!(!format!("{target:?}").contains("s3cr3t"));
    }
}
