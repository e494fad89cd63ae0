// A session's scheduled time in words: in the visitor's own time, and in the session's time
// zone (its IANA name, as the organiser chose it) when that reads differently.

/** A time attribute (Unix ms as digits, or an ISO date) as a Date, or null. */
export function parseTime(value) {
  if (value === undefined || value === null || value === '') return null;
  const n = /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  return Number.isFinite(n) ? new Date(n) : null;
}

/**
 * {iso, local, zoned, zone} for a session's start (and end, when given): `local` in the
 * browser's zone; `zoned` in `timeZone`, or null when the zone is unknown or reads the same.
 */
export function formatSchedule({ startsAt, endsAt, timeZone, lang = 'en' }) {
  const start = parseTime(startsAt);
  if (!start) return null;
  const end = parseTime(endsAt);
  const range = (opts) => {
    const f = new Intl.DateTimeFormat(lang, { dateStyle: 'full', timeStyle: 'short', ...opts });
    if (!end || end <= start) return f.format(start);
    return typeof f.formatRange === 'function' ? f.formatRange(start, end) : `${f.format(start)} – ${f.format(end)}`;
  };
  const local = range({});
  let zoned = null;
  if (timeZone) {
    try {
      zoned = range({ timeZone });
      if (zoned === local && Intl.DateTimeFormat().resolvedOptions().timeZone === timeZone) zoned = null;
    } catch {
      zoned = null; // a zone this browser does not know: the local time alone
    }
  }
  return { iso: start.toISOString(), local, zoned, zone: timeZone || null };
}
