"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { TIME_ZONE_COOKIE, ZONE_NAME } from "@/components/ui/time";

/**
 * Tells the server the browser's time zone (a cookie), since a server render cannot know it. When the
 * viewer follows the browser's zone and the page was rendered in another one (the first visit renders
 * UTC; or the zone changed, e.g. travel), the page is rendered again once, in the right zone.
 */
export function BrowserTimeZone({ known, rendered, followsBrowser }: { known: string | null; rendered: string; followsBrowser: boolean }) {
  const router = useRouter();
  useEffect(() => {
    let zone: string | undefined;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch {
      return;
    }
    if (!zone || !ZONE_NAME.test(zone)) return;
    if (zone !== known) document.cookie = `${TIME_ZONE_COOKIE}=${zone}; path=/; max-age=31536000; samesite=lax`;
    if (followsBrowser && !sameZone(zone, rendered)) router.refresh();
  }, [known, rendered, followsBrowser, router]);
  return null;
}

/** Two names of one zone (UTC and Etc/UTC) compare equal: the browser resolves both to its canonical name. */
function sameZone(a: string, b: string): boolean {
  try {
    const canonical = (z: string) => new Intl.DateTimeFormat("en-US", { timeZone: z }).resolvedOptions().timeZone;
    return canonical(a) === canonical(b);
  } catch {
    return a === b;
  }
}
