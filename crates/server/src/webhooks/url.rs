//! Validating an endpoint's URL, typed by an administrator.

/// The longest URL accepted.
pub const MAX_URL_LEN: usize = 2000;

/// Why a URL is refused (the page says it in the reader's language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    Empty,
    TooLong,
    /// Not an absolute `http://` or `https://` URL with a host.
    NotHttp,
    /// `user:password@` in the URL: it would be shown in the back office and in logs.
    Credentials,
}

/// An `http://` or `https://` URL with a host, no credentials and no fragment, as given
/// (trimmed). Loopback and private addresses are allowed: only administrators register
/// endpoints, and receivers on the same machine or network are common.
pub fn endpoint_url(raw: &str) -> Result<String, UrlProblem> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(UrlProblem::Empty);
    }
    if s.len() > MAX_URL_LEN {
        return Err(UrlProblem::TooLong);
    }
    let url = reqwest::Url::parse(s).map_err(|_| UrlProblem::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none_or(str::is_empty)
        || url.fragment().is_some()
        || s.chars().any(char::is_whitespace)
    {
        return Err(UrlProblem::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::Credentials);
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https() {
        for ok in [
            "https://example.org/hooks",
            "http://127.0.0.1:8099/in?x=1",
            "  https://[::1]:9000/  ",
        ] {
            assert!(endpoint_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_the_rest() {
        let cases = [
            ("", UrlProblem::Empty),
            ("ftp://example.org/", UrlProblem::NotHttp),
            ("example.org/hook", UrlProblem::NotHttp),
            ("javascript:alert(1)", UrlProblem::NotHttp),
            ("https://", UrlProblem::NotHttp),
            ("https://example.org/#frag", UrlProblem::NotHttp),
            ("https://ex ample.org/", UrlProblem::NotHttp),
            ("https://u:p@example.org/", UrlProblem::Credentials),
        ];
        for (raw, problem) in cases {
            assert_eq!(endpoint_url(raw), Err(problem), "{raw}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(endpoint_url(&long), Err(UrlProblem::TooLong));
    }
}
