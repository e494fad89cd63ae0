//! The settings form: reading, the editing buttons, validation of every part.

use super::*;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn domains() -> Vec<String> {
    vec!["example.org".to_owned()]
}

fn posted(action: &str) -> Vec<(String, String)> {
    pairs(&[
        ("csrf", "x"),
        ("enabled", "on"),
        ("cap", " 10 "),
        ("landing_url", "https://www.example.org/thanks"),
        ("count", "3"),
        ("key_0", "q1"),
        ("label_0", "Organisation"),
        ("kind_0", "short_text"),
        ("key_1", "q2"),
        ("label_1", "Sessions"),
        ("kind_1", "multiple_choice"),
        ("required_1", "on"),
        ("choices_1", "Talks\r\n\r\n Workshops \n"),
        ("key_2", "q5"),
        ("label_2", "I accept the rules"),
        ("kind_2", "checkbox"),
        ("required_2", "on"),
        ("action", action),
    ])
}

#[test]
fn reads_and_validates_a_full_form() {
    let (draft, action) = Draft::read(&posted("save"));
    assert_eq!(action, Action::Save);
    let settings = draft.validate(&domains()).expect("valid");
    assert!(settings.enabled && !settings.auto_approve);
    assert_eq!(settings.cap, Some(10));
    assert_eq!(
        settings.landing_url.as_deref(),
        Some("https://www.example.org/thanks")
    );
    assert_eq!(settings.fields.len(), 3);
    assert_eq!(settings.fields[0].kind, FieldKind::ShortText);
    assert!(!settings.fields[0].required);
    assert_eq!(
        settings.fields[1].kind,
        FieldKind::MultipleChoice(vec!["Talks".into(), "Workshops".into()])
    );
    assert_eq!(settings.fields[2].key, "q5");
    // Back to the form and again: the same settings.
    assert_eq!(Draft::of(&settings).validate(&domains()), Ok(settings));
}

#[test]
fn editing_buttons() {
    let (mut draft, action) = Draft::read(&posted("up:2"));
    assert_eq!(action, Action::Up(2));
    draft.apply(action);
    let keys = |d: &Draft| d.fields.iter().map(|f| f.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&draft), ["q1", "q5", "q2"]);
    draft.apply(Action::Down(0));
    assert_eq!(keys(&draft), ["q5", "q1", "q2"]);
    draft.apply(Action::Remove(1));
    assert_eq!(keys(&draft), ["q5", "q2"]);
    draft.apply(Action::Add);
    assert_eq!(keys(&draft), ["q5", "q2", "q1"], "the first free key");
    assert_eq!(draft.fields[2].kind, "short_text");
    // Out of range: nothing happens.
    for a in [
        Action::Up(0),
        Action::Down(2),
        Action::Remove(9),
        Action::Up(7),
    ] {
        let before = draft.clone();
        draft.apply(a);
        assert_eq!(draft, before, "{a:?}");
    }
    assert_eq!(Draft::read(&posted("add")).1, Action::Add);
    assert_eq!(Draft::read(&posted("remove:1")).1, Action::Remove(1));
    assert_eq!(Draft::read(&posted("down:x")).1, Action::Save);
    let mut full = Draft::default();
    for _ in 0..MAX_FIELDS + 3 {
        full.apply(Action::Add);
    }
    assert_eq!(full.fields.len(), MAX_FIELDS);
}

#[test]
fn refusals_name_their_part() {
    let field = |label: &str, kind: &str, choices: &str, key: &str| DraftField {
        key: key.to_owned(),
        label: label.to_owned(),
        kind: kind.to_owned(),
        required: false,
        choices: choices.to_owned(),
    };
    let draft = Draft {
        enabled: true,
        auto_approve: true,
        cap: "0".to_owned(),
        landing_url: "https://elsewhere.net/".to_owned(),
        fields: vec![
            field("", "short_text", "", "q1"),
            field("City", "single_choice", " \n ", "q2"),
            field("Days", "multiple_choice", "Mon\nMon", "q3"),
            field("What", "slider", "", "q4"),
            field("Dup", "checkbox", "", "q4"),
            field("Bad key", "checkbox", "", "Q!"),
            field(&"x".repeat(LABEL_MAX + 1), "long_text", "", "q7"),
        ],
    };
    assert_eq!(
        draft.validate(&domains()),
        Err(vec![
            SettingProblem::Cap,
            SettingProblem::Landing(LandingProblem::NotAllowed),
            SettingProblem::LabelMissing(0),
            SettingProblem::ChoicesMissing(1),
            SettingProblem::ChoiceRepeated(2),
            SettingProblem::Kind(3),
            SettingProblem::Key(4),
            SettingProblem::Key(5),
            SettingProblem::LabelTooLong(6),
        ])
    );
    for (cap, ok) in [
        ("", true),
        ("1", true),
        ("100000", true),
        ("100001", false),
        ("-1", false),
        ("x", false),
    ] {
        let d = Draft {
            cap: cap.to_owned(),
            ..Draft::default()
        };
        assert_eq!(d.validate(&[]).is_ok(), ok, "{cap:?}");
    }
}
