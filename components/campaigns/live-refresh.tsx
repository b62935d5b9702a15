"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useTransition } from "react";
import { useHydrated } from "@/components/ui/use-hydrated";

/**
 * Keeps a server-rendered page current while its numbers can still change: every `pollMs` it asks
 * the server to render the page again (router.refresh(): the new numbers replace the old in place;
 * scroll, typed input and open menus stay). It waits while the tab is hidden and refreshes at once
 * when it is shown again. The server decides `pollMs` on each render (lib/campaigns/live.ts), so the
 * page stops asking by itself once it is final (null).
 *
 * It shows "Live · updated 14:05:03" (the time of the render on screen, in the viewer's time zone).
 */
export function LiveRefresh({ pollMs, renderedAt, timeZone }: { pollMs: number | null; renderedAt: string; timeZone?: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const pendingRef = useRef(false);
  useEffect(() => {
    pendingRef.current = pending;
  }, [pending]);

  useEffect(() => {
    if (!pollMs) return;
    let timer: ReturnType<typeof setInterval> | undefined;
    const refresh = () => {
      // One refresh at a time: a slow render is not stacked behind new ones.
      if (pendingRef.current || document.visibilityState !== "visible") return;
      startTransition(() => router.refresh());
    };
    const stop = () => {
      if (timer) clearInterval(timer);
      timer = undefined;
    };
    const start = () => {
      stop();
      timer = setInterval(refresh, pollMs);
    };
    const onVisibility = () => {
      if (document.visibilityState === "visible") {
        refresh();
        start();
      } else stop();
    };
    if (document.visibilityState === "visible") start();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stop();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [pollMs, router]);

  const hydrated = useHydrated();
  if (!pollMs) return null;
  const time = hydrated || timeZone ? new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(new Date(renderedAt)) : null;
  return (
    <span data-testid="live-indicator" className="inline-flex items-center gap-1.5 text-xs text-slate-600" title="This page updates itself while new events can arrive.">
      <span aria-hidden className="inline-block h-2 w-2 rounded-full bg-emerald-500" />
      <span>
        Live
        {time ? (
          <>
            {" · updated "}
            <time dateTime={renderedAt} className="tabular-nums">
              {time}
            </time>
          </>
        ) : null}
      </span>
    </span>
  );
}
