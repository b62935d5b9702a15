"use client";

import { useEffect, useState } from "react";
import { describe, FieldMessages, inputClass } from "@/components/ui/field";
import { SERVER_FORM_TIME_ZONE, wallClock } from "@/lib/campaigns/schedule-time";

function browserTimeZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

/**
 * The schedule's date, time and time zone. The zone is rendered as UTC on the server and replaced by the
 * browser's own zone after hydration, so the form always carries one; the server converts the wall-clock
 * time in that zone for the target date (lib/campaigns/schedule-time.ts), never an offset from today.
 */
export function ScheduleFields({ timeZones, errors = {} }: { timeZones: string[]; errors?: Record<string, string> }) {
  const [zone, setZone] = useState(SERVER_FORM_TIME_ZONE);
  const [browserZone, setBrowserZone] = useState<string | null>(null);
  useEffect(() => {
    const z = browserTimeZone();
    if (!z) return;
    setBrowserZone(z);
    setZone(z);
  }, []);
  // The server's list comes from Node's ICU; the browser may name its zone differently (Kyiv, Kiev).
  const options = browserZone && !timeZones.includes(browserZone) ? [browserZone, ...timeZones] : timeZones;
  return (
    <>
      <div className="space-y-1 text-sm">
        <label htmlFor="schedule-at" className="block font-medium text-slate-700">
          Send at
        </label>
        <input id="schedule-at" type="datetime-local" name="scheduledAt" required {...describe("schedule-at", errors.scheduledAt).control} className={inputClass} />
        <FieldMessages id="schedule-at" error={errors.scheduledAt} />
      </div>
      <div className="space-y-1 text-sm">
        <label htmlFor="schedule-zone" className="block font-medium text-slate-700">
          Time zone{browserZone === zone ? " (yours)" : ""}
        </label>
        <select id="schedule-zone" name="timeZone" value={zone} onChange={(e) => setZone(e.target.value)} {...describe("schedule-zone", errors.timeZone).control} className={inputClass} data-testid="schedule-time-zone">
          {options.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
        <FieldMessages id="schedule-zone" error={errors.timeZone} />
      </div>
    </>
  );
}

/**
 * A scheduled time as it was chosen ("Wed 1 Apr 2026, 09:00 Europe/Berlin") and, when the viewer's zone
 * (from the server: lib/app/viewer-time-zone.ts; else the browser's, once known) differs, in it too.
 */
export function ScheduledTime({ at, timeZone, viewerZone: serverViewerZone }: { at: string; timeZone: string | null; viewerZone?: string }) {
  const zone = timeZone ?? "UTC";
  const instant = new Date(at);
  // The server's zone wins, and follows it when a refresh brings another (the browser's cookie changed).
  const [browserZone, setBrowserZone] = useState<string | null>(null);
  useEffect(() => setBrowserZone(browserTimeZone()), []);
  const viewerZone = serverViewerZone ?? browserZone;
  const theirs = wallClock(instant, zone);
  const mine = viewerZone ? wallClock(instant, viewerZone) : null;
  const viewer = !mine || (mine.date === theirs.date && mine.time === theirs.time) ? null : mine.date === theirs.date ? mine.time : `${mine.date}, ${mine.time}`;
  return (
    <time dateTime={at} data-testid="scheduled-time">
      {theirs.date}, {theirs.time} {zone}
      {viewer ? ` (${viewer} your time)` : null}
    </time>
  );
}
