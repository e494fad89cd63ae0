//! The public form's parsing, field type by field type (issue 6: "form validation per field
//! type; unknown or missing fields refused").

use super::*;

fn field(key: &str, kind: FieldKind, required: bool) -> FormField {
    FormField {
        key: key.to_owned(),
        label: format!("Label {key}"),
        kind,
        required,
    }
}

fn choices(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| (*c).to_owned()).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn base(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all = vec![
        ("csrf", "t"),
        ("name", " Ann Lee "),
        ("email", "Ann@Example.org"),
    ];
    all.extend_from_slice(extra);
    pairs(&all)
}

fn problems(result: Result<Submission, Vec<FieldError>>) -> Vec<(String, Problem)> {
    result
        .expect_err("refused")
        .into_iter()
        .map(|e| (e.field, e.problem))
        .collect()
}

#[test]
fn the_standard_form() {
    let ok = parse(&[], &base(&[])).expect("accepted");
    assert_eq!(ok.name, "Ann Lee");
    assert_eq!(ok.email, "ann@example.org");
    assert!(ok.answers.is_empty());
    assert_eq!(
        problems(parse(&[], &pairs(&[("name", ""), ("email", "nope")]))),
        [
            ("name".to_owned(), Problem::Missing),
            ("email".to_owned(), Problem::BadEmail)
        ]
    );
    assert_eq!(
        problems(parse(&[], &pairs(&[]))),
        [
            ("name".to_owned(), Problem::Missing),
            ("email".to_owned(), Problem::Missing)
        ]
    );
    let long = "x".repeat(NAME_MAX + 1);
    assert_eq!(
        problems(parse(&[], &pairs(&[("name", &long), ("email", "a@b.org")]))),
        [("name".to_owned(), Problem::TooLong)]
    );
    assert_eq!(
        problems(parse(
            &[],
            &pairs(&[("name", "a\nb"), ("email", "a@b.org")])
        )),
        [("name".to_owned(), Problem::BadCharacters)]
    );
    assert_eq!(
        problems(parse(
            &[],
            &pairs(&[("name", "A"), ("name", "B"), ("email", "a@b.org")])
        )),
        [("name".to_owned(), Problem::Repeated)]
    );
}

#[test]
fn unknown_fields_are_refused() {
    let form = [field("org", FieldKind::ShortText, false)];
    assert_eq!(
        problems(parse(&form, &base(&[("f_org", "x"), ("is_admin", "1")]))),
        [("is_admin".to_owned(), Problem::Unknown)]
    );
    assert_eq!(
        problems(parse(&form, &base(&[("f_org", "x"), ("f_other", "1")]))),
        [("f_other".to_owned(), Problem::Unknown)]
    );
}

#[test]
fn short_text() {
    let optional = [field("org", FieldKind::ShortText, false)];
    let required = [field("org", FieldKind::ShortText, true)];
    let ok = parse(&optional, &base(&[("f_org", " ACME ")])).expect("ok");
    assert_eq!(
        ok.answers,
        [("org".to_owned(), Answer::Text("ACME".into()))]
    );
    let empty = parse(&optional, &base(&[("f_org", "")])).expect("ok");
    assert!(empty.answers.is_empty());
    for (form, value, problem) in [
        (&required, "  ", Problem::Missing),
        (&optional, "two\nlines", Problem::BadCharacters),
    ] {
        assert_eq!(
            problems(parse(form, &base(&[("f_org", value)]))),
            [("f_org".to_owned(), problem)]
        );
    }
    let long = "é".repeat(SHORT_TEXT_MAX + 1);
    assert_eq!(
        problems(parse(&optional, &base(&[("f_org", &long)]))),
        [("f_org".to_owned(), Problem::TooLong)]
    );
    // Not sent at all: not from the form.
    assert_eq!(
        problems(parse(&optional, &base(&[]))),
        [("f_org".to_owned(), Problem::Missing)]
    );
}

#[test]
fn long_text() {
    let form = [field("why", FieldKind::LongText, true)];
    let ok = parse(&form, &base(&[("f_why", "one\r\ntwo\tthree")])).expect("ok");
    assert_eq!(
        ok.answers,
        [("why".to_owned(), Answer::Text("one\ntwo\tthree".into()))]
    );
    let long = "a".repeat(LONG_TEXT_MAX + 1);
    for (value, problem) in [
        ("", Problem::Missing),
        ("bell\u{7}", Problem::BadCharacters),
        (long.as_str(), Problem::TooLong),
    ] {
        assert_eq!(
            problems(parse(&form, &base(&[("f_why", value)]))),
            [("f_why".to_owned(), problem)]
        );
    }
}

#[test]
fn single_choice() {
    let kind = FieldKind::SingleChoice(choices(&["Paris", "Lyon"]));
    let required = [field("city", kind.clone(), true)];
    let optional = [field("city", kind, false)];
    let ok = parse(&required, &base(&[("f_city", "Lyon")])).expect("ok");
    assert_eq!(
        ok.answers,
        [("city".to_owned(), Answer::Choice("Lyon".into()))]
    );
    assert!(parse(&optional, &base(&[])).expect("ok").answers.is_empty());
    for (extra, problem) in [
        (vec![], Problem::Missing),
        (vec![("f_city", "")], Problem::Missing),
        (vec![("f_city", "Nice")], Problem::UnknownChoice),
        (
            vec![("f_city", "Paris"), ("f_city", "Lyon")],
            Problem::Repeated,
        ),
    ] {
        assert_eq!(
            problems(parse(&required, &base(&extra))),
            [("f_city".to_owned(), problem)],
            "{extra:?}"
        );
    }
}

#[test]
fn multiple_choice() {
    let kind = FieldKind::MultipleChoice(choices(&["Talks", "Workshops", "Dinner"]));
    let required = [field("days", kind.clone(), true)];
    let optional = [field("days", kind, false)];
    let ok = parse(
        &required,
        &base(&[("f_days", "Dinner"), ("f_days", "Talks")]),
    )
    .expect("ok");
    assert_eq!(
        ok.answers,
        [(
            "days".to_owned(),
            Answer::Choices(choices(&["Talks", "Dinner"]))
        )],
        "in the form's order"
    );
    assert!(parse(&optional, &base(&[])).expect("ok").answers.is_empty());
    for (extra, problem) in [
        (vec![], Problem::Missing),
        (vec![("f_days", "Golf")], Problem::UnknownChoice),
        (
            vec![("f_days", "Talks"), ("f_days", "Talks")],
            Problem::Repeated,
        ),
    ] {
        assert_eq!(
            problems(parse(&required, &base(&extra))),
            [("f_days".to_owned(), problem)],
            "{extra:?}"
        );
    }
}

#[test]
fn checkbox() {
    let required = [field("terms", FieldKind::Checkbox, true)];
    let optional = [field("news", FieldKind::Checkbox, false)];
    let ok = parse(&required, &base(&[("f_terms", "on")])).expect("ok");
    assert_eq!(ok.answers, [("terms".to_owned(), Answer::Checked(true))]);
    let unticked = parse(&optional, &base(&[])).expect("ok");
    assert_eq!(
        unticked.answers,
        [("news".to_owned(), Answer::Checked(false))]
    );
    assert_eq!(
        problems(parse(&required, &base(&[]))),
        [("f_terms".to_owned(), Problem::Missing)]
    );
    assert_eq!(
        problems(parse(&optional, &base(&[("f_news", "yes")]))),
        [("f_news".to_owned(), Problem::UnknownChoice)]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let form = [
        field("org", FieldKind::ShortText, true),
        field("terms", FieldKind::Checkbox, true),
    ];
    let found = problems(parse(&form, &pairs(&[("email", "x"), ("f_org", "")])));
    assert_eq!(
        found,
        [
            ("name".to_owned(), Problem::Missing),
            ("email".to_owned(), Problem::BadEmail),
            ("f_org".to_owned(), Problem::Missing),
            ("f_terms".to_owned(), Problem::Missing),
        ]
    );
}
