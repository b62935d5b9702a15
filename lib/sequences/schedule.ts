/**
 * When a sequence email may go out: its delay after the previous one, then the sequence's sending
 * window (days of the week and hours of the day) on the wall clock of the contact's time zone when it
 * is known (a valid IANA name in the custom field `time_zone`), else the sequence's. Pure: the engine
 * passes the instant an email fell due and gets the instant it may be sent.
 */
import type { SequenceDelayUnit } from "@/db/schema";
import { zonedTimeToInstant } from "@/lib/campaigns/schedule-time";

export const DELAY_UNIT_MS: Record<SequenceDelayUnit, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

/** The longest delay between two emails: a year (a longer one is almost surely a typo). */
export const MAX_DELAY_MS = 365 * 86_400_000;

/** A delay in milliseconds (a day is 24 hours, as postline_sequence_delay counts it in SQL). */
export function delayMs(delay: { amount: number; unit: SequenceDelayUnit }): number {
  return delay.amount * DELAY_UNIT_MS[delay.unit];
}

/** ISO weekdays: 1 = Monday … 7 = Sunday; hours [startHour, endHour) with endHour up to 24. */
export interface SendingWindow {
  days: number[];
  startHour: number;
  endHour: number;
}

export const WEEKDAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

const dateFormatters = new Map<string, Intl.DateTimeFormat>();
function localDate(instant: Date, timeZone: string): string {
  let f = dateFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dateFormatters.set(timeZone, f);
  }
  return f.format(instant);
}

const validZones = new Map<string, boolean>();
/** Whether `name` is an IANA zone this runtime knows (a contact's field may hold anything). */
export function isTimeZone(name: string): boolean {
  let ok = validZones.get(name);
  if (ok === undefined) {
    try {
      ok = !/^[+-]/.test(name) && name.length <= 64 && Boolean(new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone);
    } catch {
      ok = false;
    }
    if (validZones.size < 1000) validZones.set(name, ok);
  }
  return ok;
}

/** The zone a contact's window is read in: its `time_zone` field when valid, else the sequence's. */
export function recipientTimeZone(fields: Record<string, string> | null | undefined, fallback: string): string {
  const own = fields?.time_zone?.trim();
  return own && isTimeZone(own) ? own : fallback;
}

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function isoWeekday(date: string): number {
  const [y, m, d] = date.split("-").map(Number);
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
}

const hh = (hour: number) => `${String(hour).padStart(2, "0")}:00`;

/**
 * The first instant at or after `at` inside the window, on the wall clock of `timeZone`. Around a
 * daylight-saving change the window's edges follow zonedTimeToInstant (a 02:00 that never happens is
 * 03:00). A window with no days never opens: `at` is returned (validation refuses one).
 */
export function nextWindowTime(at: Date, window: SendingWindow, timeZone: string): Date {
  const today = localDate(at, timeZone);
  for (let i = 0; i <= 7; i++) {
    const date = addDays(today, i);
    if (!window.days.includes(isoWeekday(date))) continue;
    const open = zonedTimeToInstant({ date, time: hh(window.startHour), timeZone });
    const close = window.endHour >= 24 ? zonedTimeToInstant({ date: addDays(date, 1), time: "00:00", timeZone }) : zonedTimeToInstant({ date, time: hh(window.endHour), timeZone });
    if (at < open) return open;
    if (at < close) return at;
  }
  return at;
}
