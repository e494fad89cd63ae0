//! The mail that names someone speaker or moderator of a session (W2), in the inviter's
//! language: the session's title, its time in its own zone (with the zone's name), the role,
//! the backstage link, and how to sign in with this address (a password, or a code by mail
//! when the server sends mail). A plain-text part and an HTML part (every piece of text
//! escaped; the link clickable).
//!
//! The link is `state.base_url`: `[http] public_url` when set, else the inviter's own
//! request's host, as for room invitations (`pages/room_invite.rs`).

use super::Mail;
use super::message::escape;
use crate::i18n::programme::ProgrammeStrings;

/// What the invitation says.
#[derive(Debug, Clone)]
pub struct StaffInvitation<'a> {
    pub to: &'a str,
    pub title: &'a str,
    /// The slot in words, in the session's zone (`programme_time::slot_in_words`).
    pub when: &'a str,
    pub moderator: bool,
    pub inviter: &'a str,
    /// `{base_url}/s/{slug}/backstage`.
    pub backstage_link: &'a str,
    /// Sign-in by code is offered (the server sends mail).
    pub codes: bool,
}

/// The invitation mail in the language of `s`.
pub fn staff_invitation_mail(s: &ProgrammeStrings, inv: &StaffInvitation<'_>) -> Mail {
    let role = s.role(inv.moderator).to_lowercase();
    let signin = if inv.codes {
        s.mail_signin_code
    } else {
        s.mail_signin_password
    };
    // `{link}` last, so that text typed by people (title, inviter) cannot smuggle a
    // placeholder in: each is filled once, in this order, and never re-read.
    let fill = |template: &str, link: &str, esc: fn(&str) -> String| {
        let mut out = String::with_capacity(template.len() + 200);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&esc(&rest[..start]));
            let Some(len) = rest[start..].find('}') else {
                out.push_str(&esc(&rest[start..]));
                rest = "";
                break;
            };
            let key = &rest[start + 1..start + len];
            let value = match key {
                "title" => esc(inv.title),
                "role" => esc(&role),
                "inviter" => esc(inv.inviter),
                "when" => esc(inv.when),
                "email" => esc(inv.to),
                "signin" => esc(signin),
                "link" => link.to_owned(),
                _ => esc(&rest[start..=start + len]),
            };
            out.push_str(&value);
            rest = &rest[start + len + 1..];
        }
        out.push_str(&esc(rest));
        out
    };
    let plain = |t: &str| t.to_owned();
    let subject = fill(s.mail_subject, inv.backstage_link, plain);
    let text = fill(s.mail_text, inv.backstage_link, plain);
    let link_html = format!("<a href=\"{0}\">{0}</a>", escape(inv.backstage_link));
    let body = fill(s.mail_text, &link_html, escape);
    let mut html = String::from("<!doctype html><html><head><meta charset=\"utf-8\"></head><body>");
    for paragraph in body.split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        html.push_str(&paragraph.trim_matches('\n').replace('\n', "<br>\n"));
        html.push_str("</p>\n");
    }
    html.push_str("</body></html>");
    Mail {
        to: vec![inv.to.to_owned()],
        // One line: a title cannot carry a line break (the form refuses it), but be sure.
        subject: subject.replace(['\r', '\n'], " "),
        text,
        html: Some(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::programme::{EN, FR};

    fn invitation<'a>(codes: bool, moderator: bool) -> StaffInvitation<'a> {
        StaffInvitation {
            to: "sam@example.org",
            title: "Q&A <live> {link}",
            when: "Saturday 21 November 2026, 14:30 – 15:30 (Europe/Paris)",
            moderator,
            inviter: "Olivia",
            backstage_link: "https://amphi.example/s/q-a/backstage",
            codes,
        }
    }

    #[test]
    fn says_everything_in_each_language() {
        for (s, role) in [(&EN, "moderator"), (&FR, "modérateur")] {
            let m = staff_invitation_mail(s, &invitation(true, true));
            assert_eq!(m.to, ["sam@example.org"]);
            for part in [
                "Q&A <live> {link}",
                "Saturday 21 November 2026",
                "(Europe/Paris)",
                role,
                "Olivia",
                "https://amphi.example/s/q-a/backstage",
                "sam@example.org",
                s.mail_signin_code,
            ] {
                assert!(m.text.contains(part), "{part:?} missing in {}", m.text);
            }
            assert!(m.subject.contains("Q&A <live>") && m.subject.contains(role));
            assert_eq!(
                m.text.matches("https://amphi.example").count(),
                1,
                "a {{link}} in the title stays text: {}",
                m.text
            );
            let html = m.html.expect("an HTML part");
            assert!(html.contains("Q&amp;A &lt;live&gt;"), "{html}");
            assert!(!html.contains("<live>"));
            assert!(html.contains(
                "<a href=\"https://amphi.example/s/q-a/backstage\">https://amphi.example/s/q-a/backstage</a>"
            ));
        }
    }

    #[test]
    fn without_mail_it_says_to_use_a_password() {
        let m = staff_invitation_mail(&EN, &invitation(false, false));
        assert!(m.text.contains(EN.mail_signin_password), "{}", m.text);
        assert!(!m.text.contains(EN.mail_signin_code));
        assert!(m.text.contains("speaker"));
    }
}
