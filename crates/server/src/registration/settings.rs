//! The organiser's registration settings page (`{base}/registration`, GET and POST) and the
//! series choice of a session (`/programme/sessions/{slug}/registration/series`). Saving with
//! "Require registration" unticked, while it is on, goes to the confirmation (G7) and stores
//! nothing. The fields editor is `editor.rs`.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::editor::{Action, Draft, KINDS, SettingProblem};
use super::landing::LandingProblem;
use super::organiser::Organiser;
use super::scope::Scope;
use crate::auth::csrf;
use crate::i18n::registration::RegStrings;
use crate::pages::{Ctx, Page, render, see_other};
use crate::{AppState, Error};

/// One custom field's row in the editor.
pub struct FieldRow {
    pub i: usize,
    pub n: usize,
    pub key: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub choices: String,
    pub invalid: bool,
    pub last: bool,
}

/// A series a session may be put in.
pub struct SeriesOption {
    pub id: String,
    pub title: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "registration_settings.html")]
struct SettingsPage {
    page: Page,
    s: &'static RegStrings,
    base: String,
    public_path: Option<String>,
    /// The form as stored is on (the "turn off" button shows).
    stored_enabled: bool,
    draft: Draft,
    rows: Vec<FieldRow>,
    kinds: Vec<(&'static str, &'static str)>,
    cap_invalid: bool,
    landing_invalid: bool,
    landing_hint: String,
    /// This session is in a series: its title and the series' registration page.
    in_series: Option<(String, String)>,
    /// For a session: the organiser's series to choose from.
    series_options: Option<Vec<SeriesOption>>,
    is_room: bool,
    /// Registrations (every status) of this scope.
    count: usize,
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    #[serde(default)]
    notice: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    org: &Organiser,
    draft: Draft,
    problems: &[SettingProblem],
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, Error> {
    let s = RegStrings::of(ctx.lang);
    let scope = &org.scope;
    let store = &state.store;
    let target = scope.target();
    let stored = store.registration_settings(&target).await?;
    let domains = store.landing_domains().await?;
    let mut page = Page::new(
        ctx,
        &format!("{} {}", s.settings_of, scope.title()),
        Some(&org.login),
    )
    .current(scope.nav())
    .notice(notice);
    page.errors = problems.iter().map(|p| problem_text(s, *p)).collect();
    let (in_series, series_options) = match scope {
        Scope::Session(session) => {
            let current = store.session_series(&session.id).await?;
            let in_series = match &current {
                Some(id) => store.series(id).await?.map(|series| {
                    (
                        s.in_series.replace("{series}", &series.title),
                        format!("/programme/series/{}/registration", series.id),
                    )
                }),
                None => None,
            };
            let options = store
                .series_of_owner(&org.login.user.id)
                .await?
                .into_iter()
                .map(|series| SeriesOption {
                    selected: current.as_ref() == Some(&series.id),
                    id: series.id.to_string(),
                    title: series.title,
                })
                .collect();
            (in_series, Some(options))
        }
        _ => (None, None),
    };
    let n = draft.fields.len();
    let rows = draft
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| FieldRow {
            i,
            n: i + 1,
            key: f.key.clone(),
            label: f.label.clone(),
            kind: f.kind.clone(),
            required: f.required,
            choices: f.choices.clone(),
            invalid: problems.iter().any(|p| field_of(*p) == Some(i)),
            last: i + 1 == n,
        })
        .collect();
    let landing_hint = if domains.is_empty() {
        s.landing_none.to_owned()
    } else {
        s.landing_hint.replace("{domains}", &domains.join(", "))
    };
    let count = store.registrations(&target, None).await?.len();
    render(
        status,
        &SettingsPage {
            page,
            s,
            base: scope.admin_base(),
            public_path: scope.public_path(),
            stored_enabled: stored.is_some_and(|st| st.enabled),
            rows,
            kinds: KINDS.iter().map(|k| (*k, s.kind(k))).collect(),
            cap_invalid: problems.contains(&SettingProblem::Cap),
            landing_invalid: problems
                .iter()
                .any(|p| matches!(p, SettingProblem::Landing(_))),
            landing_hint,
            in_series,
            series_options,
            is_room: matches!(scope, Scope::Room(_)),
            count,
            draft,
        },
    )
}

/// `GET {base}/registration`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    org: Organiser,
    Query(q): Query<Notice>,
) -> Result<Response, Error> {
    let s = RegStrings::of(ctx.lang);
    let stored = state
        .store
        .registration_settings(&org.scope.target())
        .await?;
    let draft = stored.as_ref().map(Draft::of).unwrap_or_default();
    let notice = match q.notice.as_str() {
        "saved" => Some(s.saved),
        "disabled" => Some(s.disabled_notice),
        "series" => Some(s.series_changed),
        _ => None,
    };
    page(&state, &ctx, &org, draft, &[], notice, StatusCode::OK).await
}

/// `POST {base}/registration`: an editing button shows the form changed; "Save" stores.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    org: Organiser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let given = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    csrf::check(org.login.csrf(), given)?;
    let (mut draft, action) = Draft::read(&pairs);
    if action != Action::Save {
        draft.apply(action);
        return page(&state, &ctx, &org, draft, &[], None, StatusCode::OK).await;
    }
    let target = org.scope.target();
    let base = org.scope.admin_base();
    let stored = state.store.registration_settings(&target).await?;
    if !draft.enabled {
        // Turning it off deletes registrations: only after the confirmation (G7).
        return Ok(if stored.is_some_and(|st| st.enabled) {
            see_other(&format!("{base}/registration/disable"))
        } else {
            see_other(&format!("{base}/registration"))
        });
    }
    let domains = state.store.landing_domains().await?;
    match draft.validate(&domains) {
        Ok(settings) => {
            state
                .store
                .set_registration_settings(&target, &settings)
                .await?;
            tracing::info!(target = ?target, fields = settings.fields.len(), "registration settings saved");
            Ok(see_other(&format!("{base}/registration?notice=saved")))
        }
        Err(problems) => {
            page(
                &state,
                &ctx,
                &org,
                draft,
                &problems,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SeriesForm {
    series: String,
    csrf: String,
}

/// `POST /programme/sessions/{slug}/registration/series`: puts the session in one of the
/// organiser's series, or takes it out (empty). Its own registrations are kept (G6).
pub async fn set_series(
    State(state): State<AppState>,
    org: Organiser,
    Form(form): Form<SeriesForm>,
) -> Result<Response, Error> {
    csrf::check(org.login.csrf(), &form.csrf)?;
    let Scope::Session(session) = &org.scope else {
        return Err(Error::NotFound);
    };
    let series = match form.series.trim() {
        "" => None,
        id => Some(
            super::scope::owned_series(&state, id, &org.login.user)
                .await?
                .id,
        ),
    };
    state
        .store
        .set_session_series(&session.id, series.as_ref())
        .await?;
    tracing::info!(session = %session.id, series = ?series, "session's series changed");
    Ok(see_other(&format!(
        "{}/registration?notice=series",
        org.scope.admin_base()
    )))
}

/// The field a problem is about, if any.
fn field_of(p: SettingProblem) -> Option<usize> {
    use SettingProblem as P;
    match p {
        P::LabelMissing(i)
        | P::LabelTooLong(i)
        | P::Kind(i)
        | P::ChoicesMissing(i)
        | P::ChoiceTooLong(i)
        | P::ChoiceRepeated(i)
        | P::TooManyChoices(i)
        | P::Key(i) => Some(i),
        P::Cap | P::Landing(_) | P::TooManyFields => None,
    }
}

/// A problem in words.
fn problem_text(s: &RegStrings, p: SettingProblem) -> String {
    use SettingProblem as P;
    let field = |text: &str, i: usize| text.replace("{n}", &(i + 1).to_string());
    match p {
        P::Cap => s.err_cap.to_owned(),
        P::Landing(LandingProblem::NotAllowed) => s.err_landing_not_allowed.to_owned(),
        P::Landing(LandingProblem::NotHttp) => s.err_landing_not_http.to_owned(),
        P::Landing(LandingProblem::Credentials) => s.err_landing_credentials.to_owned(),
        P::Landing(LandingProblem::TooLong) => s.err_landing_too_long.to_owned(),
        P::TooManyFields => s.err_too_many_fields.to_owned(),
        P::LabelMissing(i) => field(s.err_label_missing, i),
        P::LabelTooLong(i) => field(s.err_label_too_long, i),
        P::Kind(i) => field(s.err_kind, i),
        P::ChoicesMissing(i) => field(s.err_choices_missing, i),
        P::ChoiceTooLong(i) => field(s.err_choice_too_long, i),
        P::ChoiceRepeated(i) => field(s.err_choice_repeated, i),
        P::TooManyChoices(i) => field(s.err_too_many_choices, i),
        P::Key(i) => field(s.err_key, i),
    }
}
