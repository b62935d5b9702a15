import Link from "next/link";
import { NavLinks, type NavItem } from "@/components/layout/nav-links";
import { BrowserTimeZone } from "@/components/layout/browser-time-zone";
import { SignOutButton } from "@/components/layout/sign-out-button";
import { Badge } from "@/components/ui/card";
import { countOpenAlerts } from "@/lib/alerts/alerts";
import { requireUser } from "@/lib/app/session";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const isAdmin = user.role === "admin";
  const [openAlerts, viewer] = await Promise.all([isAdmin ? countOpenAlerts(getAppDb()) : 0, getViewerTimeZone()]);
  const items: NavItem[] = [
    { href: "/", label: "Home" },
    { href: "/campaigns", label: "Campaigns" },
    { href: "/contacts", label: "Contacts" },
    { href: "/messages", label: "Messages" },
    ...(isAdmin
      ? [
          { href: "/webhooks", label: "Webhooks" },
          { href: "/security", label: "Security", badge: openAlerts },
          { href: "/settings", label: "Settings" },
        ]
      : []),
  ];
  return (
    // Below md the sidebar becomes a bar above the page, so the content keeps the whole width.
    <div className="flex min-h-screen flex-col md:flex-row">
      <aside className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-slate-200 bg-white px-3 py-3 md:w-60 md:shrink-0 md:flex-col md:flex-nowrap md:items-stretch md:border-b-0 md:border-r md:py-5">
        <Link href="/" className="px-3 text-xl font-bold tracking-tight text-brand-600 md:mb-6">
          Postline
        </Link>
        <nav aria-label="Main" className="order-last w-full md:order-none md:w-auto md:flex-1">
          <NavLinks items={items} />
        </nav>
        <div className="ml-auto flex min-w-0 items-center gap-3 px-3 md:ml-0 md:block md:space-y-3 md:border-t md:border-slate-100 md:pt-4">
          <div className="min-w-0 text-sm">
            <Link href="/profile" className="block truncate font-medium text-slate-800 hover:text-brand-700 hover:underline" title={`${user.email}: your profile`}>
              {user.email}
            </Link>
            <Badge tone={isAdmin ? "blue" : "slate"}>{user.role}</Badge>
          </div>
          <SignOutButton />
        </div>
      </aside>
      <BrowserTimeZone known={viewer.browserCookie} rendered={viewer.zone} followsBrowser={viewer.source !== "profile"} />
      <main className="min-w-0 flex-1 px-4 py-6 md:px-8 md:py-8">{children}</main>
    </div>
  );
}
