//! `GET /admin/outbox` (administrators only): the mails kept while no SMTP server is
//! configured, newest first, each readable in full (its plain-text part).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Ctx, Page, render};
use crate::auth::CurrentLogin;
use crate::{AppState, Error};

/// How many mails the page lists (the newest).
const SHOWN: u32 = 200;

pub struct OutboxRow {
    pub id: String,
    pub date: String,
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    page: Page,
    intro: &'static str,
    mails: Vec<OutboxRow>,
}

/// `GET /admin/outbox`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    login: CurrentLogin,
) -> Result<Response, Error> {
    if !login.user.is_admin {
        return Err(Error::Forbidden);
    }
    let t = ctx.t();
    let mails = state
        .store
        .outbox(SHOWN)
        .await?
        .into_iter()
        .map(|m| OutboxRow {
            date: utc_minutes(m.created_at),
            to: m.recipients.join(", "),
            id: m.id,
            subject: m.subject,
            text: m.text,
        })
        .collect();
    let intro = if state.mailer.uses_smtp() {
        t.outbox_intro_smtp
    } else {
        t.outbox_intro_outbox
    };
    let body = OutboxPage {
        page: Page::new(&ctx, t.outbox_title, Some(&login)).current("outbox"),
        intro,
        mails,
    };
    render(StatusCode::OK, &body)
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM` (UTC).
pub fn utc_minutes(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3600,
        (rest % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc_minutes(0), "1970-01-01 00:00");
        assert_eq!(utc_minutes(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(utc_minutes(1_795_000_000_000), "2026-11-18 11:06");
        assert_eq!(utc_minutes(-60_000), "1969-12-31 23:59");
    }
}
