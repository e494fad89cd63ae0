//! Registrants as CSV (G8), made safe for spreadsheets by [`crate::csv`].

use amphi_store::{Answer, FormField, Registration, RegistrationTarget, Store, StoreError};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::csv::Csv;
use crate::i18n::Lang;
use crate::i18n::registration::RegStrings;

/// The download of every registration of `target` (the organiser's page and the API), its
/// titles and statuses in `lang`, saved as `filename`.
pub async fn download(
    store: &Store,
    target: &RegistrationTarget,
    lang: Lang,
    filename: &str,
) -> Result<Response, StoreError> {
    let s = RegStrings::of(lang);
    let fields = store
        .registration_settings(target)
        .await?
        .map(|st| st.fields)
        .unwrap_or_default();
    let registrations = store.registrations(target, None).await?;
    let headings = Headings {
        name: s.col_name,
        email: s.col_email,
        status: s.col_status,
        code: s.col_code,
        registered_at: s.col_registered,
    };
    let body = export(&headings, &fields, &registrations, |r: &Registration| {
        s.status(r.status).to_owned()
    });
    let disposition = format!("attachment; filename=\"{filename}\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
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
    let mut out = Csv::new();
    let mut titles = vec![
        headings.name.to_owned(),
        headings.email.to_owned(),
        headings.status.to_owned(),
        headings.code.to_owned(),
        headings.registered_at.to_owned(),
    ];
    titles.extend(fields.iter().map(|f| f.label.clone()));
    out.row(titles);
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
        out.row(cells);
    }
    out.finish()
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
