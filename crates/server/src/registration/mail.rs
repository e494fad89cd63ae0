//! The mails a registrant gets (G2–G4), in the language they registered in, plain text and
//! HTML (every piece of text escaped, links clickable), like `mail/staff_invitation.rs`:
//! received (pending approval), confirmed (approved at once), approved (by the organiser),
//! rejected, full. The approved ones carry the session's information, the personal join link
//! and the registration ID.

use crate::i18n::Lang;
use crate::i18n::registration_mail::RegMailStrings;
use crate::mail::Mail;
use crate::mail::escape;

/// Which mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Pending,
    Confirmed,
    Approved,
    Rejected,
    Full,
}

/// What the mails say about the session (or room) and the person.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    pub lang: Lang,
    pub to: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    /// The slot in words for a session (`programme_time::slot_in_words`), `None` for a room.
    pub when: Option<&'a str>,
    /// The page to join from (`{base}/s/{slug}` or `{base}/r/{slug}`).
    pub page: &'a str,
    /// The registration ID, shown grouped (`ABC-DEF-GHJ`).
    pub code: &'a str,
    /// `{base}/s/{slug}/join/{token}`.
    pub link: &'a str,
}

/// The mail of `kind` for `letter`.
pub fn registration_mail(kind: MailKind, letter: &Letter<'_>) -> Mail {
    let s = RegMailStrings::of(letter.lang);
    let (subject, body) = match kind {
        MailKind::Pending => (s.pending_subject, s.pending_text),
        MailKind::Confirmed => (s.confirmed_subject, s.approved_text),
        MailKind::Approved => (s.approved_subject, s.approved_text),
        MailKind::Rejected => (s.rejected_subject, s.rejected_text),
        MailKind::Full => (s.full_subject, s.full_text),
    };
    let info = match letter.when {
        Some(when) => s.info_when.replace("{when}", when),
        None => s.info_room.replace("{room}", letter.title),
    };
    let values = [
        ("name", letter.name),
        ("title", letter.title),
        ("info", info.as_str()),
        ("code", letter.code),
        ("email", letter.to),
        ("link", letter.link),
        ("page", letter.page),
    ];
    let plain = |t: &str| t.to_owned();
    let subject = fill(subject, &values, plain, plain);
    let text = fill(body, &values, plain, plain);
    let anchor = |url: &str| format!("<a href=\"{0}\">{0}</a>", escape(url));
    let html_body = fill(body, &values, escape, anchor);
    let mut html = String::from("<!doctype html><html><head><meta charset=\"utf-8\"></head><body>");
    for paragraph in html_body.split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        html.push_str(&paragraph.trim_matches('\n').replace('\n', "<br>\n"));
        html.push_str("</p>\n");
    }
    html.push_str("</body></html>");
    Mail {
        to: vec![letter.to.to_owned()],
        subject: subject.replace(['\r', '\n'], " "),
        text,
        html: Some(html),
    }
}

/// Fills `{key}` placeholders once each, left to right, never re-reading a value (text typed
/// by people cannot smuggle a placeholder in); `esc` escapes text, `link` renders the two
/// URL placeholders.
fn fill(
    template: &str,
    values: &[(&str, &str)],
    esc: impl Fn(&str) -> String,
    link: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(template.len() + 200);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&esc(&rest[..start]));
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let key = &rest[start + 1..start + len];
        match values.iter().find(|(k, _)| *k == key) {
            Some((k, v)) if *k == "link" || *k == "page" => out.push_str(&link(v)),
            Some((_, v)) => out.push_str(&esc(v)),
            None => out.push_str(&esc(&rest[start..=start + len])),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(&esc(rest));
    out
}

/// A registration ID as people read it: `ABCDEFGHJ` → `ABC-DEF-GHJ`.
pub fn grouped(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars
        .chunks(3)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A registration ID as typed (`abc-def ghj`): uppercase, separators dropped.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(lang: Lang) -> Letter<'static> {
        Letter {
            lang,
            to: "ann@example.org",
            name: "Ann <b>{link}",
            title: "Q&A <live>",
            when: Some("Saturday 21 November 2026, 14:30 – 15:30 (Europe/Paris)"),
            page: "https://amphi.example/s/q-a",
            code: "ABC-DEF-GHJ",
            link: "https://amphi.example/s/q-a/join/0123abcd",
        }
    }

    #[test]
    fn approved_mails_carry_the_id_the_link_and_the_time() {
        for lang in [Lang::En, Lang::Fr] {
            for kind in [MailKind::Approved, MailKind::Confirmed] {
                let m = registration_mail(kind, &letter(lang));
                assert_eq!(m.to, ["ann@example.org"]);
                for part in [
                    "ABC-DEF-GHJ",
                    "https://amphi.example/s/q-a/join/0123abcd",
                    "https://amphi.example/s/q-a",
                    "Saturday 21 November 2026",
                    "Q&A <live>",
                    "ann@example.org",
                ] {
                    assert!(m.text.contains(part), "{part:?} in {}", m.text);
                }
                assert_eq!(
                    m.text.matches("/join/").count(),
                    1,
                    "a {{link}} in the name stays text"
                );
                let html = m.html.expect("html");
                assert!(html.contains("Q&amp;A &lt;live&gt;"));
                assert!(!html.contains("<b>"));
                assert!(html.contains(
                    "<a href=\"https://amphi.example/s/q-a/join/0123abcd\">https://amphi.example/s/q-a/join/0123abcd</a>"
                ));
                assert!(m.subject.contains("Q&A <live>"));
            }
        }
        let en = registration_mail(MailKind::Confirmed, &letter(Lang::En));
        let fr = registration_mail(MailKind::Approved, &letter(Lang::Fr));
        assert!(
            en.subject.starts_with("Registration confirmed"),
            "{}",
            en.subject
        );
        assert!(
            fr.subject.starts_with("Votre inscription est approuvée"),
            "{}",
            fr.subject
        );
    }

    #[test]
    fn other_mails_never_carry_the_secret() {
        for kind in [MailKind::Pending, MailKind::Rejected, MailKind::Full] {
            for lang in [Lang::En, Lang::Fr] {
                let m = registration_mail(kind, &letter(lang));
                assert!(!m.text.contains("ABC-DEF-GHJ"), "{kind:?}: {}", m.text);
                assert!(!m.text.contains("/join/"), "{kind:?}");
                assert!(m.text.contains("Q&A <live>"));
            }
        }
        let room = Letter {
            when: None,
            ..letter(Lang::Fr)
        };
        let m = registration_mail(MailKind::Pending, &room);
        assert!(m.text.contains("Salle : Q&A <live>"), "{}", m.text);
    }

    #[test]
    fn codes_for_people() {
        assert_eq!(grouped("ABCDEFGHJ"), "ABC-DEF-GHJ");
        assert_eq!(normalise_code(" abc-def ghj "), "ABCDEFGHJ");
        assert_eq!(normalise_code("é"), "");
    }
}
