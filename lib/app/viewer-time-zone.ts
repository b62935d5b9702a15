import { cookies } from "next/headers";
import { cache } from "react";
import { TIME_ZONE_COOKIE, ZONE_NAME } from "@/components/ui/time";
import { getCurrentUser } from "@/lib/app/session";
import { canonicalTimeZone } from "@/lib/campaigns/schedule-time";

export interface ViewerTimeZone {
  /** The zone every time on the page is shown in. */
  zone: string;
  /** Where it came from: the user's profile, the browser (its cookie), or neither yet (UTC). */
  source: "profile" | "browser" | "unknown";
  /** The cookie's text as the browser wrote it, for the client component that keeps it current (compared
   * as written: the server may know the zone by another name, Europe/Kyiv and Europe/Kiev). */
  browserCookie: string | null;
  /** The zone when the viewer's is known (profile or browser); undefined until the browser has said, so
   * client-rendered times (charts, the live clock) use the browser's own zone rather than UTC. */
  knownZone: string | undefined;
}

function knownZone(name: string | null | undefined): string | null {
  if (!name || !ZONE_NAME.test(name)) return null;
  try {
    return canonicalTimeZone(name);
  } catch {
    return null;
  }
}

/**
 * The zone of the signed-in viewer, once per request: the profile's choice, else the browser's zone from
 * the cookie `BrowserTimeZone` sets, else UTC (the first page a browser ever renders, before the cookie
 * exists: every time then says "UTC", and the cookie component refreshes the page once it is set).
 */
export const getViewerTimeZone = cache(async (): Promise<ViewerTimeZone> => {
  const [user, jar] = await Promise.all([getCurrentUser(), cookies()]);
  const browserCookie = jar.get(TIME_ZONE_COOKIE)?.value ?? null;
  const browserZone = knownZone(browserCookie);
  const chosen = knownZone(user?.timeZone);
  if (chosen) return { zone: chosen, source: "profile", browserCookie, knownZone: chosen };
  if (browserZone) return { zone: browserZone, source: "browser", browserCookie, knownZone: browserZone };
  return { zone: "UTC", source: "unknown", browserCookie, knownZone: undefined };
});
