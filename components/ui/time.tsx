/**
 * The one way the dashboard shows a time: in the viewer's zone (lib/app/viewer-time-zone.ts decides
 * which), with the zone named, and the UTC time on hover. Pure (no hooks, no "use client"): a server
 * page and a client component render the same text for the same zone, so hydration never disagrees.
 */

/** The cookie a client component sets to the browser's zone, for server renders (see BrowserTimeZone). */
export const TIME_ZONE_COOKIE = "postline_tz";

/** What a zone name may look like in a cookie or a form: IANA names only ("Europe/Berlin", "Etc/GMT+5"). */
export const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" });
    formatters.set(zone, f);
  }
  return f;
}

function parts(instant: Date, zone: string) {
  const p: Record<string, string> = {};
  for (const part of formatterFor(zone).formatToParts(instant)) if (part.type !== "literal") p[part.type] = part.value;
  // Some runtimes write midnight as 24 with h23; it is 00.
  if (p.hour === "24") p.hour = "00";
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, seconds: p.second, zone: p.timeZoneName };
}

export interface FormattedTime {
  /** "2026-03-14 09:30 GMT+1": the wall clock in the zone, and the zone's short name. */
  text: string;
  /** "2026-03-14 08:30:00 UTC", for the hover. */
  utc: string;
  /** The instant, for `<time dateTime>`. */
  iso: string;
}

/** Formats an instant in `zone` (an IANA name the runtime knows; callers resolve the viewer's zone first). */
export function formatTime(value: Date | string, zone: string): FormattedTime {
  const instant = typeof value === "string" ? new Date(value) : value;
  const local = parts(instant, zone);
  const utc = parts(instant, "UTC");
  return { text: `${local.date} ${local.time} ${local.zone}`, utc: `${utc.date} ${utc.time}:${utc.seconds} UTC`, iso: instant.toISOString() };
}

/** The calendar day ("2026-03-14") an instant falls on in `zone`. */
export function dayInZone(value: Date, zone: string): string {
  return parts(value, zone).date;
}

/** A time in the viewer's zone with the UTC time on hover; "—" when there is none. */
export function Time({ value, zone, className }: { value: Date | string | null | undefined; zone: string; className?: string }) {
  if (!value) return <span className={className}>—</span>;
  const f = formatTime(value, zone);
  return (
    <time dateTime={f.iso} title={f.utc} className={`whitespace-nowrap ${className ?? ""}`}>
      {f.text}
    </time>
  );
}
