"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { TIME_ZONE_COOKIE, ZONE_NAME } from "@/components/ui/time";

/**
 * Tells the server the browser's time zone (a cookie), since a server render cannot know it. When the
 * page was rendered without it (first visit, or the zone changed, e.g. travel) and the viewer follows
 * the browser's zone, the page is rendered again once with the right zone.
 */
export function BrowserTimeZone({ known, followsBrowser }: { known: string | null; followsBrowser: boolean }) {
  const router = useRouter();
  useEffect(() => {
    let zone: string | undefined;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch {
      return;
    }
    if (!zone || zone === known || !ZONE_NAME.test(zone)) return;
    document.cookie = `${TIME_ZONE_COOKIE}=${zone}; path=/; max-age=31536000; samesite=lax`;
    if (followsBrowser) router.refresh();
  }, [known, followsBrowser, router]);
  return null;
}
