"use client";

import { useHydrated } from "@/components/ui/use-hydrated";

const DAY = 86_400_000;

function format(at: Date, parts: "date" | "time" | "both", timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = { timeZone, hourCycle: "h23" };
  if (parts !== "time") Object.assign(options, { month: "short", day: "numeric" });
  if (parts !== "date") Object.assign(options, { hour: "2-digit", minute: "2-digit" });
  return new Intl.DateTimeFormat("en-US", options).format(at);
}

/**
 * A chart bar's time in the viewer's time zone (the browser's, or `timeZone` when the page knows the
 * viewer's): day bars by date, shorter bars by clock time, with the date when the chart spans days.
 * Without `timeZone` the server cannot know the zone, so the text appears once the page is hydrated.
 */
export function BucketTime({ at, bucketMs, spanMs, timeZone, range = false }: { at: string; bucketMs: number; spanMs: number; timeZone?: string; range?: boolean }) {
  const hydrated = useHydrated();
  if (!hydrated && !timeZone) return null;
  const start = new Date(at);
  if (range) {
    // A tooltip: the bar's whole interval, "Mar 3, 14:05 – 14:10".
    if (bucketMs >= DAY) return <>{bucketMs === DAY ? format(start, "date", timeZone) : `${format(start, "date", timeZone)} – ${format(new Date(start.getTime() + bucketMs - DAY), "date", timeZone)}`}</>;
    return <>{`${format(start, "both", timeZone)} – ${format(new Date(start.getTime() + bucketMs), "time", timeZone)}`}</>;
  }
  return <>{format(start, bucketMs >= DAY ? "date" : spanMs > DAY ? "both" : "time", timeZone)}</>;
}
