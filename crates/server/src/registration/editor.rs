//! The organiser's registration settings form (G1, G2, G4, G5): require registration, approve
//! automatically, the cap, the landing URL, and the custom fields editor. The editor works
//! without JavaScript: each field is a group of inputs numbered in display order
//! (`label_3`, `kind_3`, `required_3`, `choices_3`, `key_3`), and the buttons "Add a field",
//! "Move up", "Move down", "Remove" post the form with `action` = `add`, `up:3`, `down:3`,
//! `remove:3`: the page comes back with the change and nothing is stored until "Save".
//!
//! Keys are the fields' stable names (answers are stored under them): kept through edits and
//! reorders, a new field gets the next free `qN`.

use amphi_store::{FieldKind, FormField, RegistrationSettings};

use super::landing::{LandingProblem, landing_url};

/// The most custom fields a form may have.
pub const MAX_FIELDS: usize = 30;
/// The most choices a choice field may offer.
pub const MAX_CHOICES: usize = 50;
/// The longest label or choice, in characters.
pub const LABEL_MAX: usize = 200;
/// The largest cap.
pub const CAP_MAX: u32 = 100_000;

/// A field's kind as the form names it.
pub const KINDS: [&str; 5] = [
    "short_text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "checkbox",
];

/// A field as typed (maybe invalid), for the page to show back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DraftField {
    pub key: String,
    pub label: String,
    /// One of [`KINDS`] (anything else is refused on save).
    pub kind: String,
    pub required: bool,
    /// One choice per line.
    pub choices: String,
}

/// The whole form as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    pub enabled: bool,
    pub auto_approve: bool,
    pub cap: String,
    pub landing_url: String,
    pub fields: Vec<DraftField>,
}

/// What the button pressed asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Save,
    Add,
    Remove(usize),
    Up(usize),
    Down(usize),
}

/// What is wrong with the settings; `Field(i, ..)` names the field by its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingProblem {
    Cap,
    Landing(LandingProblem),
    TooManyFields,
    LabelMissing(usize),
    LabelTooLong(usize),
    Kind(usize),
    ChoicesMissing(usize),
    ChoiceTooLong(usize),
    ChoiceRepeated(usize),
    TooManyChoices(usize),
    Key(usize),
}

impl Draft {
    /// The form showing stored settings.
    pub fn of(settings: &RegistrationSettings) -> Draft {
        Draft {
            enabled: settings.enabled,
            auto_approve: settings.auto_approve,
            cap: settings.cap.map(|c| c.to_string()).unwrap_or_default(),
            landing_url: settings.landing_url.clone().unwrap_or_default(),
            fields: settings
                .fields
                .iter()
                .map(|f| {
                    let (kind, choices) = match &f.kind {
                        FieldKind::ShortText => ("short_text", Vec::new()),
                        FieldKind::LongText => ("long_text", Vec::new()),
                        FieldKind::SingleChoice(c) => ("single_choice", c.clone()),
                        FieldKind::MultipleChoice(c) => ("multiple_choice", c.clone()),
                        FieldKind::Checkbox => ("checkbox", Vec::new()),
                    };
                    DraftField {
                        key: f.key.clone(),
                        label: f.label.clone(),
                        kind: kind.to_owned(),
                        required: f.required,
                        choices: choices.join("\n"),
                    }
                })
                .collect(),
        }
    }

    /// The form as posted, and the button pressed.
    pub fn read(pairs: &[(String, String)]) -> (Draft, Action) {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let count = get("count")
            .and_then(|c| c.trim().parse::<usize>().ok())
            .unwrap_or(0)
            .min(MAX_FIELDS + 1);
        let fields = (0..count)
            .map(|i| DraftField {
                key: get(&format!("key_{i}")).unwrap_or("").trim().to_owned(),
                label: get(&format!("label_{i}")).unwrap_or("").to_owned(),
                kind: get(&format!("kind_{i}")).unwrap_or("").to_owned(),
                required: get(&format!("required_{i}")).is_some(),
                choices: get(&format!("choices_{i}")).unwrap_or("").to_owned(),
            })
            .collect();
        let draft = Draft {
            enabled: get("enabled").is_some(),
            auto_approve: get("auto_approve").is_some(),
            cap: get("cap").unwrap_or("").to_owned(),
            landing_url: get("landing_url").unwrap_or("").to_owned(),
            fields,
        };
        let action = match get("action").unwrap_or("save").split_once(':') {
            Some(("remove", i)) => i.parse().map_or(Action::Save, Action::Remove),
            Some(("up", i)) => i.parse().map_or(Action::Save, Action::Up),
            Some(("down", i)) => i.parse().map_or(Action::Save, Action::Down),
            _ if get("action") == Some("add") => Action::Add,
            _ => Action::Save,
        };
        (draft, action)
    }

    /// Applies an editing button (not `Save`): add, remove or move a field.
    pub fn apply(&mut self, action: Action) {
        let n = self.fields.len();
        match action {
            Action::Save => {}
            Action::Add if n < MAX_FIELDS => {
                let key = self.next_key();
                self.fields.push(DraftField {
                    key,
                    kind: "short_text".to_owned(),
                    ..DraftField::default()
                });
            }
            Action::Add => {}
            Action::Remove(i) if i < n => {
                self.fields.remove(i);
            }
            Action::Up(i) if i > 0 && i < n => self.fields.swap(i - 1, i),
            Action::Down(i) if i + 1 < n => self.fields.swap(i, i + 1),
            Action::Remove(_) | Action::Up(_) | Action::Down(_) => {}
        }
    }

    /// The first `qN` no field uses.
    fn next_key(&self) -> String {
        (1..)
            .map(|n| format!("q{n}"))
            .find(|k| !self.fields.iter().any(|f| &f.key == k))
            .unwrap_or_else(|| "q0".to_owned())
    }

    /// The settings, if every part is valid; else every problem.
    pub fn validate(
        &self,
        domains: &[String],
    ) -> Result<RegistrationSettings, Vec<SettingProblem>> {
        let mut problems = Vec::new();
        let cap = match self.cap.trim() {
            "" => None,
            c => match c.parse::<u32>() {
                Ok(n) if (1..=CAP_MAX).contains(&n) => Some(n),
                _ => {
                    problems.push(SettingProblem::Cap);
                    None
                }
            },
        };
        let landing = landing_url(&self.landing_url, domains).unwrap_or_else(|p| {
            problems.push(SettingProblem::Landing(p));
            None
        });
        if self.fields.len() > MAX_FIELDS {
            problems.push(SettingProblem::TooManyFields);
        }
        let mut fields = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            match field(i, f, &self.fields[..i]) {
                Ok(field) => fields.push(field),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(RegistrationSettings {
            enabled: self.enabled,
            auto_approve: self.auto_approve,
            cap,
            landing_url: landing,
            fields,
        })
    }
}

/// One field checked; `before` are the fields above it (keys must differ).
fn field(i: usize, f: &DraftField, before: &[DraftField]) -> Result<FormField, SettingProblem> {
    let label = f.label.trim();
    if label.is_empty() {
        return Err(SettingProblem::LabelMissing(i));
    }
    if label.chars().count() > LABEL_MAX || label.chars().any(char::is_control) {
        return Err(SettingProblem::LabelTooLong(i));
    }
    let key_ok = !f.key.is_empty()
        && f.key.len() <= 32
        && f.key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !before.iter().any(|b| b.key == f.key);
    if !key_ok {
        return Err(SettingProblem::Key(i));
    }
    let choices = || -> Result<Vec<String>, SettingProblem> {
        let mut list: Vec<String> = Vec::new();
        for choice in f.choices.lines().map(str::trim).filter(|c| !c.is_empty()) {
            if choice.chars().count() > LABEL_MAX || choice.chars().any(char::is_control) {
                return Err(SettingProblem::ChoiceTooLong(i));
            }
            if list.iter().any(|c| c == choice) {
                return Err(SettingProblem::ChoiceRepeated(i));
            }
            list.push(choice.to_owned());
        }
        if list.is_empty() {
            return Err(SettingProblem::ChoicesMissing(i));
        }
        if list.len() > MAX_CHOICES {
            return Err(SettingProblem::TooManyChoices(i));
        }
        Ok(list)
    };
    let kind = match f.kind.as_str() {
        "short_text" => FieldKind::ShortText,
        "long_text" => FieldKind::LongText,
        "single_choice" => FieldKind::SingleChoice(choices()?),
        "multiple_choice" => FieldKind::MultipleChoice(choices()?),
        "checkbox" => FieldKind::Checkbox,
        _ => return Err(SettingProblem::Kind(i)),
    };
    Ok(FormField {
        key: f.key.clone(),
        label: label.to_owned(),
        kind,
        required: f.required,
    })
}

#[cfg(test)]
#[path = "editor_tests.rs"]
mod tests;
