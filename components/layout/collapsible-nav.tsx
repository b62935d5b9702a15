"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";

/**
 * The app's navigation: a sidebar from md up; below it a bar with the name and a Menu button that
 * opens the links and the account panel over the page's top. The menu closes when a link is followed,
 * on Escape (focus returns to the button) and when the window grows past md.
 */
export function CollapsibleNav({ children, alerts }: { children: React.ReactNode; alerts: number }) {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  const button = useRef<HTMLButtonElement>(null);

  // Following a link closes the menu (the layout stays mounted across pages).
  useEffect(() => setOpen(false), [pathname]);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const wide = window.matchMedia("(min-width: 48rem)");
    const onWide = () => wide.matches && setOpen(false);
    document.addEventListener("keydown", onKey);
    wide.addEventListener("change", onWide);
    return () => {
      document.removeEventListener("keydown", onKey);
      wide.removeEventListener("change", onWide);
    };
  }, [open]);

  return (
    <aside className="sticky top-0 z-20 border-b border-slate-200 bg-white md:static md:flex md:min-h-screen md:w-60 md:shrink-0 md:flex-col md:border-b-0 md:border-r md:py-5">
      <div className="flex items-center justify-between px-3 py-2 md:mb-6 md:py-0">
        <Link href="/" className="px-3 text-xl font-bold tracking-tight text-brand-600">
          Postline
        </Link>
        <button
          ref={button}
          type="button"
          className="relative inline-flex items-center gap-2 rounded-md border border-slate-300 px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 md:hidden"
          aria-expanded={open}
          aria-controls="main-menu"
          onClick={() => setOpen((was) => !was)}
        >
          <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="currentColor">
            {open ? (
              <path d="M5.3 4.3a1 1 0 0 1 1.4 0L10 7.6l3.3-3.3a1 1 0 1 1 1.4 1.4L11.4 9l3.3 3.3a1 1 0 0 1-1.4 1.4L10 10.4l-3.3 3.3a1 1 0 0 1-1.4-1.4L8.6 9 5.3 5.7a1 1 0 0 1 0-1.4Z" />
            ) : (
              <path d="M3 5a1 1 0 0 1 1-1h12a1 1 0 1 1 0 2H4a1 1 0 0 1-1-1Zm0 5a1 1 0 0 1 1-1h12a1 1 0 1 1 0 2H4a1 1 0 0 1-1-1Zm1 4a1 1 0 1 0 0 2h12a1 1 0 1 0 0-2H4Z" />
            )}
          </svg>
          Menu
          {alerts > 0 && !open ? (
            <span className="rounded-full bg-red-600 px-1.5 text-xs font-semibold text-white">
              {alerts > 99 ? "99+" : alerts}
              <span className="sr-only"> open alerts</span>
            </span>
          ) : null}
        </button>
      </div>
      <div id="main-menu" className={`${open ? "flex" : "hidden"} flex-col gap-3 border-t border-slate-100 px-3 pb-4 pt-3 md:flex md:flex-1 md:border-t-0 md:p-0 md:px-3`}>
        {children}
      </div>
    </aside>
  );
}
