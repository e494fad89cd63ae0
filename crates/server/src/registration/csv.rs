//! Registrants as CSV (G8), safe to open in a spreadsheet: a cell whose text starts with `=`,
//! `+`, `-`, `@`, a tab or a carriage return would be read as a formula (CSV injection), so it
//! gets a leading apostrophe, which spreadsheets show as text. RFC 4180 quoting; CRLF line
//! ends; a UTF-8 byte-order mark so that spreadsheets read accents right.

use amphi_store::{Answer, FormField, Registration};

/// The characters that make a spreadsheet evaluate a cell.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One cell: neutralised, then quoted when it holds a comma, a quote or a line break.
pub fn cell(text: &str) -> String {
    let text = if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The column titles of the fixed part, in the page's language.
pub struct Headings<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub status: &'a str,
    pub code: &'a str,
    pub registered_at: &'a str,
}

/// The whole file: the fixed columns, then one column per custom field of `fields` (answers
/// to fields removed since stay out), each registration's status named by `status`.
pub fn export(
    headings: &Headings<'_>,
    fields: &[FormField],
    registrations: &[Registration],
    status: impl Fn(&Registration) -> String,
) -> String {
    let mut out = String::from("\u{feff}");
    let mut row = |cells: Vec<String>| {
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    };
    let mut titles = vec![
        headings.name.to_owned(),
        headings.email.to_owned(),
        headings.status.to_owned(),
        headings.code.to_owned(),
        headings.registered_at.to_owned(),
    ];
    titles.extend(fields.iter().map(|f| f.label.clone()));
    row(titles);
    for r in registrations {
        let mut cells = vec![
            r.name.clone(),
            r.email.clone(),
            status(r),
            r.code.clone(),
            jiff::Timestamp::from_millisecond(r.created_at)
                .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default(),
        ];
        for field in fields {
            let answer = r.answers.iter().find(|(k, _)| *k == field.key);
            cells.push(answer.map(|(_, a)| answer_text(a)).unwrap_or_default());
        }
        row(cells);
    }
    out
}

/// An answer as one cell's text.
pub fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::Text(t) | Answer::Choice(t) => t.clone(),
        Answer::Choices(list) => list.join("; "),
        Answer::Checked(true) => "✓".to_owned(),
        Answer::Checked(false) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(cell("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(cell("+33 1 23"), "'+33 1 23");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@cmd"), "'@cmd");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(
            cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        assert_eq!(cell("Ann"), "Ann");
        assert_eq!(cell("a=b"), "a=b", "only the start counts");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn quoting() {
        assert_eq!(cell("Lee, Ann"), "\"Lee, Ann\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn answers_as_text() {
        assert_eq!(
            answer_text(&Answer::Choices(vec!["a".into(), "b".into()])),
            "a; b"
        );
        assert_eq!(answer_text(&Answer::Checked(true)), "✓");
        assert_eq!(answer_text(&Answer::Checked(false)), "");
        assert_eq!(answer_text(&Answer::Text("x".into())), "x");
    }
}
