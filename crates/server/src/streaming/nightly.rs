//! The nightly stop (S3): every stream stops when the server's local time reaches
//! `[streaming] nightly_stop_hour`. Checked twice a minute; fires once per crossing.

use std::time::Duration;

use jiff::civil::Date;

/// The local (date, hour) as last seen.
pub type Hour = (Date, i8);

/// The server's local date and hour now (its time zone: `TZ`, else /etc/localtime).
pub fn local_hour() -> Hour {
    let now = jiff::Zoned::now();
    (now.date(), now.hour())
}

/// Whether the stop hour was reached between `before` (the last check; `None` at start-up:
/// a server started during the stop hour does not stop streams that start after it) and `now`.
pub fn crossed(before: Option<Hour>, now: Hour, stop_hour: u8) -> bool {
    let Some(before) = before else {
        return false;
    };
    before != now && i16::from(now.1) == i16::from(stop_hour)
}

/// How often the hour is looked at.
pub const CHECK_EVERY: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn fires_once_when_the_hour_begins() {
        let d = date(2026, 11, 21);
        assert!(!crossed(None, (d, 3), 3), "not at start-up");
        assert!(crossed(Some((d, 2)), (d, 3), 3));
        assert!(!crossed(Some((d, 3)), (d, 3), 3), "once per crossing");
        assert!(!crossed(Some((d, 3)), (d, 4), 3));
        assert!(
            crossed(Some((d, 3)), (date(2026, 11, 22), 3), 3),
            "the next night"
        );
        assert!(crossed(Some((d, 23)), (date(2026, 11, 22), 0), 0));
    }
}
