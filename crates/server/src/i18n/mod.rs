//! The back office's two languages. Every text is a field of [`Strings`] (`strings.rs`), filled
//! once per language (`en.rs`, `fr.rs`), so a missing translation is a compile error. The language of a request: the `lang` cookie (set
//! by the switch), else the best of `Accept-Language`, else English.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};

/// The cookie remembering the language chosen with the switch.
pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next().unwrap_or("").trim();
        if primary.eq_ignore_ascii_case("fr") {
            Some(Lang::Fr)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The other language, offered by the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Fr,
            Lang::Fr => Lang::En,
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }

    /// The language of a request.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)) {
            return lang;
        }
        headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or(Lang::En)
    }
}

/// The supported language with the highest `q` in an `Accept-Language` value.
fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(lang) = Lang::parse(tag)
            && q > 0.0
            && best.is_none_or(|(b, _)| q > b)
        {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

pub mod api_tokens;
pub mod content;
mod en;
mod fr;
pub mod programme;
pub mod recording;
pub mod registration;
pub mod registration_mail;
pub mod stream;
mod strings;
pub mod webhooks;

pub use en::EN;
pub use fr::FR;
pub use strings::Strings;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn accept_language_by_quality() {
        assert_eq!(
            Lang::from_headers(&headers(&[(
                "accept-language",
                "de, fr-FR;q=0.8, en;q=0.5"
            )])),
            Lang::Fr
        );
        assert_eq!(
            Lang::from_headers(&headers(&[("accept-language", "fr;q=0.2, en-GB")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_headers(&headers(&[("accept-language", "de")])),
            Lang::En
        );
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::En);
    }

    #[test]
    fn cookie_wins() {
        let h = headers(&[("accept-language", "en"), ("cookie", "a=b; lang=fr")]);
        assert_eq!(Lang::from_headers(&h), Lang::Fr);
    }

    #[test]
    fn throttled_message_in_both_languages() {
        assert!(EN.throttled(30).contains("30 seconds"));
        assert!(FR.throttled(1).contains("1 seconde puis"));
    }
}
