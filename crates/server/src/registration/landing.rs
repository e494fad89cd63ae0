//! The page registrants are sent to after registering (G5): an `http(s)` URL whose host is on
//! the administrator's allow-list (`/admin/landing-domains`), the domain itself or one of its
//! subdomains. Checked when the organiser saves it, and again before every redirect (a domain
//! taken off the list stops redirects at once; the registrant then sees our own page).

/// The longest landing URL accepted.
pub const MAX_URL_LEN: usize = 2000;
/// The longest domain name.
const MAX_DOMAIN_LEN: usize = 253;

/// Why a landing URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LandingProblem {
    TooLong,
    /// Not an absolute `http://` or `https://` URL with a host.
    NotHttp,
    /// `user:password@` in the URL.
    Credentials,
    /// Its host is not on the allow-list.
    NotAllowed,
}

/// The landing URL typed by an organiser: `None` when empty; refused unless its domain is
/// allowed.
pub fn landing_url(raw: &str, allowed: &[String]) -> Result<Option<String>, LandingProblem> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() > MAX_URL_LEN {
        return Err(LandingProblem::TooLong);
    }
    let url = reqwest::Url::parse(s).map_err(|_| LandingProblem::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") || s.chars().any(char::is_whitespace) {
        return Err(LandingProblem::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(LandingProblem::Credentials);
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(LandingProblem::NotHttp);
    };
    if !host_allowed(host, allowed) {
        return Err(LandingProblem::NotAllowed);
    }
    Ok(Some(url.to_string()))
}

/// Whether a stored landing URL may still be redirected to (its domain still allowed).
pub fn may_redirect(url: &str, allowed: &[String]) -> bool {
    matches!(landing_url(url, allowed), Ok(Some(_)))
}

/// `host` is an allowed domain or a subdomain of one (`www.example.org` for `example.org`),
/// never merely a name that ends the same (`badexample.org`).
fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    allowed.iter().any(|domain| {
        host == *domain
            || host
                .strip_suffix(domain.as_str())
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

/// A domain typed by the administrator (`Example.org`, `https://example.org/`, `.example.org`
/// all give `example.org`): lowercase ASCII labels of letters, digits and hyphens, at least two.
/// `None` when it is not a domain.
pub fn domain(raw: &str) -> Option<String> {
    let mut d = raw.trim().to_ascii_lowercase();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = d.strip_prefix(scheme) {
            d = rest.to_owned();
        }
    }
    let d = d.trim_end_matches('/').trim_matches('.').to_owned();
    let ok = !d.is_empty()
        && d.len() <= MAX_DOMAIN_LEN
        && d.contains('.')
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    ok.then_some(d)
}

/// The domains of the admin's text area (one per line, or separated by commas or spaces):
/// the good ones, sorted and without duplicates, or the lines that are not domains.
pub fn domains(input: &str) -> Result<Vec<String>, Vec<String>> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for entry in input
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty())
    {
        match domain(entry) {
            Some(d) => good.push(d),
            None => bad.push(entry.chars().take(80).collect()),
        }
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    good.sort();
    good.dedup();
    Ok(good)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow() -> Vec<String> {
        vec!["example.org".to_owned(), "thanks.example.net".to_owned()]
    }

    #[test]
    fn allowed_domains_and_their_subdomains() {
        for ok in [
            "https://example.org/merci",
            "http://www.example.org/a?b=c#top",
            "https://Thanks.Example.NET/",
            "https://a.b.example.org:8443/x",
        ] {
            assert!(landing_url(ok, &allow()).is_ok_and(|u| u.is_some()), "{ok}");
            assert!(may_redirect(ok, &allow()), "{ok}");
        }
        assert_eq!(landing_url("  ", &allow()), Ok(None));
    }

    #[test]
    fn everything_else_is_refused() {
        for (bad, problem) in [
            ("https://badexample.org/", LandingProblem::NotAllowed),
            ("https://example.net/", LandingProblem::NotAllowed),
            ("https://example.org.evil.com/", LandingProblem::NotAllowed),
            ("https://evil.com/?example.org", LandingProblem::NotAllowed),
            ("javascript:alert(1)", LandingProblem::NotHttp),
            ("/relative", LandingProblem::NotHttp),
            ("ftp://example.org/", LandingProblem::NotHttp),
            ("https://user:pw@example.org/", LandingProblem::Credentials),
            ("https://example.org/a b", LandingProblem::NotHttp),
        ] {
            assert_eq!(landing_url(bad, &allow()), Err(problem), "{bad}");
            assert!(!may_redirect(bad, &allow()));
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(landing_url(&long, &allow()), Err(LandingProblem::TooLong));
        assert!(
            !may_redirect("https://example.org/", &[]),
            "empty list allows nothing"
        );
    }

    #[test]
    fn admin_input() {
        assert_eq!(
            domains("Example.org\nhttps://www.example.net/, .a-b.fr example.org"),
            Ok(vec![
                "a-b.fr".to_owned(),
                "example.org".to_owned(),
                "www.example.net".to_owned()
            ])
        );
        assert_eq!(domains(""), Ok(vec![]));
        assert_eq!(
            domains("example.org localhost -bad-.org"),
            Err(vec!["localhost".to_owned(), "-bad-.org".to_owned()])
        );
        assert_eq!(domain("ex ample.org"), None);
    }
}
