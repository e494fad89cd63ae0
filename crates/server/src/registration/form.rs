//! The public registration form, parsed into types at the edge (G1): the name, the e-mail and
//! one answer per custom field of the form, in the form's order. Every refusal names its field
//! (the input's `id`, so the page ties the message to it with `aria-describedby`); a field the
//! form does not have, a value given twice, a missing required field: refused, nothing stored.
//!
//! Custom fields arrive as `f_<key>` (repeated for a multiple choice); a checkbox sends `on`
//! when ticked and nothing otherwise, a multiple choice nothing when none is ticked, so only
//! those may be absent; text fields are always sent by a browser, and their absence from a
//! request means it did not come from the form.

use amphi_store::{Answer, FieldKind, FormField};

/// The longest name, in characters.
pub const NAME_MAX: usize = 100;
/// The longest answer to a short-text field, in characters (one line).
pub const SHORT_TEXT_MAX: usize = 200;
/// The longest answer to a long-text field, in characters.
pub const LONG_TEXT_MAX: usize = 4000;

/// The prefix of a custom field's input name.
pub const FIELD_PREFIX: &str = "f_";

/// What is wrong with one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Missing,
    TooLong,
    /// A line break in a one-line field, or control characters.
    BadCharacters,
    BadEmail,
    /// A choice the field does not offer.
    UnknownChoice,
    /// One value expected, several given.
    Repeated,
    /// A field the form does not have.
    Unknown,
}

/// A refusal of one field: its input's id (`name`, `email`, `f_<key>`, or the unknown name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

/// A submission that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub name: String,
    /// Lowercased.
    pub email: String,
    /// One per custom field that has an answer, in the form's order.
    pub answers: Vec<(String, Answer)>,
}

/// Input names that are the page's own, not the form's.
const PAGE_FIELDS: [&str; 2] = ["csrf", "lang"];

/// Parses the pairs of a posted form against the form's custom `fields`.
pub fn parse(
    fields: &[FormField],
    pairs: &[(String, String)],
) -> Result<Submission, Vec<FieldError>> {
    // Unknown names first: a request that is not from this form is named as such.
    let mut errors: Vec<FieldError> = Vec::new();
    for (name, _) in pairs {
        let known = name == "name"
            || name == "email"
            || PAGE_FIELDS.contains(&name.as_str())
            || name
                .strip_prefix(FIELD_PREFIX)
                .is_some_and(|key| fields.iter().any(|f| f.key == key));
        let field = clip(name);
        if !known && !errors.iter().any(|e| e.field == field) {
            errors.push(FieldError {
                field,
                problem: Problem::Unknown,
            });
        }
    }
    let mut fail = |field: &str, problem: Problem| {
        errors.push(FieldError {
            field: field.to_owned(),
            problem,
        })
    };
    let values = |name: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let single = |name: &str| -> Result<Option<&str>, Problem> {
        match values(name).as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            _ => Err(Problem::Repeated),
        }
    };

    let name = match single("name") {
        Ok(Some(v)) => match one_line(v, NAME_MAX, true) {
            Ok(v) => Some(v),
            Err(p) => {
                fail("name", p);
                None
            }
        },
        Ok(None) => {
            fail("name", Problem::Missing);
            None
        }
        Err(p) => {
            fail("name", p);
            None
        }
    };
    let email = match single("email") {
        Ok(Some(v)) if v.trim().is_empty() => {
            fail("email", Problem::Missing);
            None
        }
        Ok(Some(v)) => match crate::mail::valid_address(v) {
            Some(address) => Some(address),
            None => {
                fail("email", Problem::BadEmail);
                None
            }
        },
        Ok(None) => {
            fail("email", Problem::Missing);
            None
        }
        Err(p) => {
            fail("email", p);
            None
        }
    };

    let mut answers = Vec::new();
    for field in fields {
        let input = format!("{FIELD_PREFIX}{}", field.key);
        let given = values(&input);
        match answer(field, &given) {
            Ok(Some(a)) => answers.push((field.key.clone(), a)),
            Ok(None) => {}
            Err(p) => fail(&input, p),
        }
    }
    match (name, email) {
        (Some(name), Some(email)) if errors.is_empty() => Ok(Submission {
            name,
            email,
            answers,
        }),
        _ => Err(errors),
    }
}

/// One field's answer from the values given for it; `None` when an optional field is empty.
fn answer(field: &FormField, given: &[&str]) -> Result<Option<Answer>, Problem> {
    match &field.kind {
        FieldKind::ShortText | FieldKind::LongText => {
            let [value] = given else {
                return Err(if given.is_empty() {
                    Problem::Missing
                } else {
                    Problem::Repeated
                });
            };
            let text = if matches!(field.kind, FieldKind::ShortText) {
                one_line(value, SHORT_TEXT_MAX, field.required)?
            } else {
                long_text(value, field.required)?
            };
            Ok((!text.is_empty()).then_some(Answer::Text(text)))
        }
        FieldKind::SingleChoice(choices) => match given {
            [] | [""] if field.required => Err(Problem::Missing),
            [] | [""] => Ok(None),
            [value] => match choices.iter().find(|c| c.as_str() == *value) {
                Some(c) => Ok(Some(Answer::Choice(c.clone()))),
                None => Err(Problem::UnknownChoice),
            },
            _ => Err(Problem::Repeated),
        },
        FieldKind::MultipleChoice(choices) => {
            let mut picked: Vec<String> = Vec::new();
            for value in given {
                if !choices.iter().any(|c| c == value) {
                    return Err(Problem::UnknownChoice);
                }
                if picked.iter().any(|p| p == value) {
                    return Err(Problem::Repeated);
                }
                picked.push((*value).to_owned());
            }
            if picked.is_empty() {
                return if field.required {
                    Err(Problem::Missing)
                } else {
                    Ok(None)
                };
            }
            // The form's order, whatever order the browser sent them in.
            picked.sort_by_key(|p| choices.iter().position(|c| c == p));
            Ok(Some(Answer::Choices(picked)))
        }
        FieldKind::Checkbox => match given {
            [] if field.required => Err(Problem::Missing),
            [] => Ok(Some(Answer::Checked(false))),
            ["on"] => Ok(Some(Answer::Checked(true))),
            [_] => Err(Problem::UnknownChoice),
            _ => Err(Problem::Repeated),
        },
    }
}

/// Trimmed one-line text of at most `max` characters; empty is `Missing` when `required`.
fn one_line(value: &str, max: usize, required: bool) -> Result<String, Problem> {
    let value = value.trim();
    if value.is_empty() && required {
        return Err(Problem::Missing);
    }
    if value.chars().any(char::is_control) {
        return Err(Problem::BadCharacters);
    }
    if value.chars().count() > max {
        return Err(Problem::TooLong);
    }
    Ok(value.to_owned())
}

/// Trimmed text of at most [`LONG_TEXT_MAX`] characters; line breaks (as `\n`) and tabs kept.
fn long_text(value: &str, required: bool) -> Result<String, Problem> {
    let value = value.trim().replace("\r\n", "\n");
    if value.is_empty() && required {
        return Err(Problem::Missing);
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Problem::BadCharacters);
    }
    if value.chars().count() > LONG_TEXT_MAX {
        return Err(Problem::TooLong);
    }
    Ok(value)
}

/// An unknown input name, short enough to show.
fn clip(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(40).collect()
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
