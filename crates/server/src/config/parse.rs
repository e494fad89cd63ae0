//! Reading one raw value (TOML or environment text) into a typed one, with messages that name
//! the key, show the value as written (secrets excepted) and say where it came from.

use crate::Error;

/// One raw value and where it came from (for messages).
#[derive(Debug, Clone)]
pub(super) enum Raw {
    Toml(toml::Value),
    Env { var: String, value: String },
}

impl Raw {
    /// The value as the user wrote it, for error messages (secrets are not shown).
    fn shown(&self, key: &str) -> String {
        if key == "turn.secret" || key == "database.url" || key == "mail.smtp_url" {
            return "[redacted]".to_owned();
        }
        match self {
            Raw::Toml(toml::Value::String(s)) => format!("{s:?}"),
            Raw::Toml(v) => v.to_string(),
            Raw::Env { value, .. } => format!("{value:?}"),
        }
    }

    fn origin(&self) -> String {
        match self {
            Raw::Toml(_) => String::new(),
            Raw::Env { var, .. } => format!(" (from {var})"),
        }
    }
}

pub(super) type ParseResult<T> = Result<T, String>;

fn invalid(key: &str, raw: &Raw, why: &str) -> Error {
    Error::Config(format!(
        "invalid configuration: {key} = {}: {why}{}",
        raw.shown(key),
        raw.origin()
    ))
}

/// A string-valued key (TOML string or environment text) parsed by `f`.
pub(super) fn parse_or<T>(
    entry: Option<(&str, &Raw)>,
    default: T,
    f: impl Fn(&str) -> ParseResult<T>,
) -> Result<T, Error> {
    let Some((key, raw)) = entry else {
        return Ok(default);
    };
    let text = match raw {
        Raw::Toml(toml::Value::String(s)) => s.as_str(),
        Raw::Env { value, .. } => value.as_str(),
        Raw::Toml(_) => return Err(invalid(key, raw, "expected a string")),
    };
    f(text.trim()).map_err(|why| invalid(key, raw, &why))
}

/// An integer key within `min..=max`.
pub(super) fn parse_int<T: TryFrom<i64> + Copy>(
    entry: Option<(&str, &Raw)>,
    default: T,
    min: i64,
    max: i64,
) -> Result<T, Error> {
    let Some((key, raw)) = entry else {
        return Ok(default);
    };
    let n = match raw {
        Raw::Toml(toml::Value::Integer(n)) => *n,
        Raw::Env { value, .. } => value
            .trim()
            .parse::<i64>()
            .map_err(|_| invalid(key, raw, "expected a whole number"))?,
        Raw::Toml(_) => return Err(invalid(key, raw, "expected a whole number")),
    };
    if n < min || n > max {
        return Err(invalid(
            key,
            raw,
            &format!("must be between {min} and {max}"),
        ));
    }
    T::try_from(n).map_err(|_| invalid(key, raw, "out of range"))
}

/// A list key: a TOML array of strings, or comma-separated text in the environment.
pub(super) fn parse_list<T>(
    entry: Option<(&str, &Raw)>,
    default: Vec<T>,
    f: impl Fn(&str) -> ParseResult<T>,
) -> Result<Vec<T>, Error> {
    let Some((key, raw)) = entry else {
        return Ok(default);
    };
    let items: Vec<String> = match raw {
        Raw::Toml(toml::Value::Array(values)) => values
            .iter()
            .map(|v| match v {
                toml::Value::String(s) => Ok(s.trim().to_owned()),
                _ => Err(invalid(key, raw, "expected a list of strings")),
            })
            .collect::<Result<_, _>>()?,
        Raw::Env { value, .. } => value
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        Raw::Toml(_) => return Err(invalid(key, raw, "expected a list of strings")),
    };
    items
        .iter()
        .map(|s| f(s).map_err(|why| invalid(key, raw, &format!("{s:?}: {why}"))))
        .collect()
}
