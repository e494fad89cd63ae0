//! Session times: typed as a date and a time in an IANA zone, stored as UTC milliseconds,
//! shown in words in that zone with its name. The zones are jiff's bundled tz database
//! (`tzdb-bundle-always`, pinned in the workspace), so every machine knows the same ones.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::{self, TimeZone};

use crate::i18n::programme::ProgrammeStrings;

/// The zone a new session's form proposes.
pub const DEFAULT_ZONE: &str = "Europe/Paris";

/// The zone named `name` (any case), with its canonical IANA name; `None` if unknown.
pub fn zone(name: &str) -> Option<(TimeZone, String)> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    let tz = tz::db().get(name).ok()?;
    let canonical = tz.iana_name().unwrap_or(name).to_owned();
    Some((tz, canonical))
}

/// Every zone of the bundled database, sorted (the form's list).
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = tz::db()
        .available()
        .map(|n| n.as_str().to_owned())
        // Legacy aliases ("EST5EDT", "Etc/GMT+3"...) confuse more than they help; keep UTC.
        .filter(|n| n.contains('/') && !n.starts_with("Etc/") || n == "UTC")
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `YYYY-MM-DD` (what `<input type="date">` sends).
fn parse_date(input: &str) -> Option<Date> {
    let mut parts = input.trim().splitn(3, '-');
    let year: i16 = parts.next()?.parse().ok()?;
    let month: i8 = parts.next()?.parse().ok()?;
    let day: i8 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) {
        return None;
    }
    Date::new(year, month, day).ok()
}

/// `HH:MM` or `HH:MM:SS` (what `<input type="time">` sends); seconds are dropped.
fn parse_time(input: &str) -> Option<Time> {
    let mut parts = input.trim().splitn(3, ':');
    let hour: i8 = parts.next()?.parse().ok()?;
    let minute: i8 = parts.next()?.parse().ok()?;
    if let Some(seconds) = parts.next() {
        seconds.parse::<u8>().ok().filter(|s| *s < 60)?;
    }
    Time::new(hour, minute, 0, 0).ok()
}

/// A date and time typed in `tz` as UTC milliseconds. A time the zone skips (the spring
/// change) moves forward by the gap; a time it repeats takes the earlier one.
pub fn to_ms(date: &str, time: &str, tz: &TimeZone) -> Option<i64> {
    let at = parse_date(date)?.to_datetime(parse_time(time)?);
    Some(at.to_zoned(tz.clone()).ok()?.timestamp().as_millisecond())
}

/// `(YYYY-MM-DD, HH:MM)` of `ms` in `tz`, for filling the form again.
pub fn form_values(ms: i64, tz: &TimeZone) -> (String, String) {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => {
            let z = ts.to_zoned(tz.clone());
            (
                z.strftime("%Y-%m-%d").to_string(),
                z.strftime("%H:%M").to_string(),
            )
        }
        Err(_) => (String::new(), String::new()),
    }
}

/// A session's slot in words in its own zone, with the zone's name:
/// "Saturday 21 November 2026, 14:30 – 15:30 (Europe/Paris)"; the end's date is written
/// only when it differs. An unknown zone (cannot happen: the form checks it) reads as UTC.
pub fn slot_in_words(
    s: &ProgrammeStrings,
    starts_at: i64,
    ends_at: i64,
    zone_name: &str,
) -> String {
    let tz = zone(zone_name).map_or(TimeZone::UTC, |(tz, _)| tz);
    let (Ok(start), Ok(end)) = (
        Timestamp::from_millisecond(starts_at),
        Timestamp::from_millisecond(ends_at),
    ) else {
        return String::new();
    };
    let (start, end) = (start.to_zoned(tz.clone()), end.to_zoned(tz));
    let day = |z: &jiff::Zoned| {
        let weekday = usize::try_from(z.weekday().to_monday_zero_offset()).unwrap_or(0);
        let month = usize::try_from(z.month() - 1).unwrap_or(0);
        format!(
            "{} {} {} {}",
            s.weekdays.get(weekday).copied().unwrap_or(""),
            z.day(),
            s.months.get(month).copied().unwrap_or(""),
            z.year()
        )
    };
    let hm = |z: &jiff::Zoned| z.strftime("%H:%M").to_string();
    let end_text = if start.date() == end.date() {
        hm(&end)
    } else {
        format!("{}, {}", day(&end), hm(&end))
    };
    format!(
        "{}, {} – {} ({zone_name})",
        day(&start),
        hm(&start),
        end_text
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::programme::{EN, FR};

    #[test]
    fn zones_are_known_by_name_in_any_case() {
        let (_, name) = zone("europe/paris").expect("known");
        assert_eq!(name, "Europe/Paris");
        assert!(zone("Mars/Olympus").is_none());
        assert!(zone("").is_none());
        let names = zone_names();
        assert!(names.iter().any(|n| n == "America/New_York"));
        assert!(names.iter().any(|n| n == "UTC"));
        assert!(names.len() > 300, "{}", names.len());
    }

    #[test]
    fn typed_times_become_utc_milliseconds() {
        let (paris, _) = zone("Europe/Paris").expect("known");
        // 21 November 2026 14:30 in Paris (UTC+1) = 13:30 UTC.
        assert_eq!(
            to_ms("2026-11-21", "14:30", &paris),
            Some(1_795_267_800_000)
        );
        assert_eq!(
            to_ms("2026-11-21", "14:30:59", &paris),
            Some(1_795_267_800_000)
        );
        // Summer: UTC+2.
        let (ny, _) = zone("America/New_York").expect("known");
        assert_eq!(
            to_ms("2026-07-01", "09:00", &ny),
            Some(1_782_910_800_000),
            "13:00 UTC"
        );
        for (d, t) in [
            ("2026-02-30", "10:00"),
            ("2026-11-21", "24:00"),
            ("21/11/2026", "10:00"),
            ("2026-11-21", ""),
            ("", "10:00"),
            ("1969-12-31", "10:00"),
        ] {
            assert_eq!(to_ms(d, t, &paris), None, "{d} {t}");
        }
        assert_eq!(
            form_values(1_795_267_800_000, &paris),
            ("2026-11-21".to_owned(), "14:30".to_owned())
        );
    }

    #[test]
    fn slots_in_words_in_the_sessions_zone() {
        let start = 1_795_267_800_000; // Sat 21 Nov 2026 14:30 Paris
        assert_eq!(
            slot_in_words(&EN, start, start + 3_600_000, "Europe/Paris"),
            "Saturday 21 November 2026, 14:30 – 15:30 (Europe/Paris)"
        );
        assert_eq!(
            slot_in_words(&FR, start, start + 3_600_000, "Europe/Paris"),
            "samedi 21 novembre 2026, 14:30 – 15:30 (Europe/Paris)"
        );
        assert_eq!(
            slot_in_words(&EN, start, start + 3_600_000, "America/New_York"),
            "Saturday 21 November 2026, 08:30 – 09:30 (America/New_York)"
        );
        assert_eq!(
            slot_in_words(&EN, start, start + 12 * 3_600_000, "Europe/Paris"),
            "Saturday 21 November 2026, 14:30 – Sunday 22 November 2026, 02:30 (Europe/Paris)"
        );
    }
}
