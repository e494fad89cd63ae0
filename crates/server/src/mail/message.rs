//! Building the MIME message of one recipient's copy.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart, header::ContentType};

/// `multipart/alternative`: the text, then the HTML (the caller's, or the text escaped).
pub fn build(
    from: &Mailbox,
    to: &str,
    subject: &str,
    text: &str,
    html: Option<&str>,
) -> Result<Message, String> {
    let to: Mailbox = to
        .parse()
        .map_err(|e| format!("invalid recipient {to:?}: {e}"))?;
    let html = match html {
        Some(h) => h.to_owned(),
        None => text_to_html(text),
    };
    // Header values are single lines: a line break in a subject would start a new header.
    let subject: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject.trim())
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text.to_owned()),
                )
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| e.to_string())
}

/// The text as a small HTML document: every character escaped, paragraphs at blank lines,
/// line breaks kept.
pub fn text_to_html(text: &str) -> String {
    let mut out = String::from("<!doctype html><html><head><meta charset=\"utf-8\"></head><body>");
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str("<p>");
        let lines: Vec<String> = paragraph.trim_matches('\n').lines().map(escape).collect();
        out.push_str(&lines.join("<br>\n"));
        out.push_str("</p>\n");
    }
    out.push_str("</body></html>");
    out
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_text() {
        let html = text_to_html("Hello <img src=x onerror=alert(1)> & \"you\"\nline 2\n\nNext");
        assert!(
            html.contains(
                "Hello &lt;img src=x onerror=alert(1)&gt; &amp; &quot;you&quot;<br>\nline 2</p>"
            ),
            "{html}"
        );
        assert!(html.contains("<p>Next</p>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn message_is_alternative_with_a_text_part() {
        let from: Mailbox = "Amphi <amphi@localhost>".parse().expect("valid");
        let m = build(
            &from,
            "ann@example.org",
            "Hi\r\nBcc: eve@example.org",
            "Text é",
            None,
        )
        .expect("built");
        let raw = String::from_utf8(m.formatted()).expect("utf-8");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain"), "{raw}");
        assert!(raw.contains("text/html"), "{raw}");
        assert!(!raw.contains("\r\nBcc:"), "no header injection: {raw}");
        assert!(build(&from, "not an address", "s", "t", None).is_err());
    }
}
