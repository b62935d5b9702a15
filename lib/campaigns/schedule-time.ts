import { AppError } from "@/lib/errors";

/**
 * Scheduling in a named IANA time zone. A campaign is scheduled as "09:00 on 1 April in Europe/Berlin":
 * the offset that applies is the one on 1 April, not the one of the day the form was filled in (a
 * browser's `getTimezoneOffset()` in March is an hour off for April in Europe). Everything here is pure
 * and uses the runtime's own time-zone database (Intl), so the server decides, whatever the browser did.
 */

/**
 * The zone a schedule form carries as rendered on the server, before the browser puts its own zone in:
 * a form submitted before hydration (or without JavaScript) still names its zone.
 */
export const SERVER_FORM_TIME_ZONE = "UTC";

/** The zones a form offers: UTC first, then every IANA zone this runtime knows (it converts them). */
export function scheduleTimeZones(): string[] {
  return [SERVER_FORM_TIME_ZONE, ...Intl.supportedValuesOf("timeZone").filter((z) => z !== SERVER_FORM_TIME_ZONE)];
}

/** The zone's canonical IANA name (`europe/berlin` → `Europe/Berlin`), or an `unknown_time_zone` 422. */
export function canonicalTimeZone(timeZone: string): string {
  const name = timeZone.trim();
  // Intl also takes fixed offsets ("+01:00"); those are not zones and would bring back the DST bug.
  if (name && !/^[+-]/.test(name)) {
    try {
      return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      // a RangeError: not a zone this runtime knows
    }
  }
  throw new AppError("unknown_time_zone", `Unknown time zone "${name.slice(0, 64)}": use an IANA name such as Europe/Berlin or UTC`);
}

/** Milliseconds to add to UTC to get the zone's wall clock at `instant`. */
function offsetAt(instant: number, formatter: Intl.DateTimeFormat): number {
  const parts: Record<string, number> = {};
  for (const p of formatter.formatToParts(new Date(instant))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second);
  // The formatter shows whole seconds; compare with the instant's whole second.
  return wall - Math.floor(instant / 1000) * 1000;
}

function zoneFormatter(timeZone: string) {
  return new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` (YYYY-MM-DD) and `time` (HH:MM).
 * Around a daylight-saving change this follows Temporal's "compatible" rule, what calendars do:
 * - a time that happens twice (clocks go back: 02:30 on the last Sunday of October in Berlin) is the
 *   first of the two, still in summer time;
 * - a time that never happens (clocks go forward: 02:30 on the last Sunday of March) moves forward by
 *   the gap, to 03:30 summer time.
 * A malformed or impossible date or time is an `invalid_schedule` 422; an unknown zone `unknown_time_zone`.
 */
export function zonedTimeToInstant(input: { date: string; time: string; timeZone: string }): Date {
  const timeZone = canonicalTimeZone(input.timeZone);
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.date.trim());
  const t = /^(\d{2}):(\d{2})$/.exec(input.time.trim());
  if (!d || !t) throw new AppError("invalid_schedule", "Pick a date (YYYY-MM-DD) and a time (HH:MM)");
  const [year, month, day, hour, minute] = [d[1], d[2], d[3], t[1], t[2]].map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const check = new Date(wall);
  if (year < 1970 || hour > 23 || minute > 59 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new AppError("invalid_schedule", `${input.date} ${input.time} is not a date and time`);
  }
  const formatter = zoneFormatter(timeZone);
  // No zone changes its offset twice within two days: the offsets a day either side are the only
  // candidates, and one of them (or both, in an overlap) gives back the wall time asked for.
  const before = offsetAt(wall - 86_400_000, formatter);
  const after = offsetAt(wall + 86_400_000, formatter);
  const candidates = [...new Set([wall - before, wall - after])].sort((a, b) => a - b);
  const exact = candidates.find((c) => c + offsetAt(c, formatter) === wall);
  // In a gap neither matches: the offset from before the change moves the time forward by the gap.
  return new Date(exact ?? wall - before);
}

/** The wall clock of `timeZone` at `instant`: date "Wed 1 Apr 2026" and time "09:00" (English, 24-hour). */
export function wallClock(instant: Date, timeZone: string): { date: string; time: string } {
  const date = new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric" }).format(instant);
  const time = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(instant);
  return { date, time };
}

/** "Wed 1 Apr 2026, 09:00" on the wall clock of `timeZone`. */
export function formatInTimeZone(instant: Date, timeZone: string): string {
  const { date, time } = wallClock(instant, timeZone);
  return `${date}, ${time}`;
}

/** "YYYY-MM-DDTHH:MM" (what `<input type="datetime-local">` sends) → its date and time parts. */
export function splitLocalDateTime(value: string): { date: string; time: string } {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::00(?:\.0+)?)?$/.exec(value.trim());
  if (!m) throw new AppError("invalid_schedule", "Pick a date and time");
  return { date: m[1], time: m[2] };
}
