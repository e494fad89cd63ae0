//! Room slugs: the readable, permanent part of a room's URL (`/r/<slug>`).
//!
//! From the name: accents and other scripts folded to ASCII (`é` -> `e`, `ß` -> `ss`),
//! lowercased, every run of other characters becomes one `-`, trimmed of `-`, at most 60
//! characters. A name with nothing left (only symbols) gives `room`. Uniqueness is the
//! caller's: [`candidates`] yields `base`, `base-2`, `base-3`, ...

/// Longest slug base, so that a suffix still fits in a readable URL.
const MAX_BASE: usize = 60;

/// The slug base of a room name.
pub fn slugify(name: &str) -> String {
    let folded = deunicode::deunicode(name).to_ascii_lowercase();
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > MAX_BASE {
        slug.truncate(MAX_BASE);
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "room".to_owned()
    } else {
        slug.to_owned()
    }
}

/// `base`, then `base-2`, `base-3`, ... (unbounded; the caller stops at the first free one).
pub fn candidates(base: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(base.to_owned()).chain((2u64..).map(move |n| format!("{base}-{n}")))
}

/// Whether text can be a slug at all (a cheap check before a lookup).
pub fn is_well_formed(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_BASE + 21
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_joins() {
        assert_eq!(slugify("Réunion d'équipe"), "reunion-d-equipe");
        assert_eq!(slugify("  Straße  -- Nº 5!! "), "strasse-no-5");
        assert_eq!(slugify("Cœur & Âme"), "coeur-ame");
        assert_eq!(
            slugify("<script>alert(1)</script>"),
            "script-alert-1-script"
        );
        assert_eq!(slugify("!!!"), "room");
        assert_eq!(slugify(""), "room");
        assert!(slugify(&"long name ".repeat(30)).len() <= MAX_BASE);
        assert!(!slugify(&"ab ".repeat(30)).ends_with('-'));
    }

    #[test]
    fn candidates_count_up() {
        let c: Vec<String> = candidates("team").take(3).collect();
        assert_eq!(c, ["team", "team-2", "team-3"]);
    }

    #[test]
    fn well_formed() {
        assert!(is_well_formed("team-2"));
        assert!(!is_well_formed("Team"));
        assert!(!is_well_formed("a/b"));
        assert!(!is_well_formed(""));
    }
}
