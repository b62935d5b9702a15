import Link from "next/link";
import { CollapsibleNav } from "@/components/layout/collapsible-nav";
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
    { href: "/forms", label: "Forms" },
    { href: "/sequences", label: "Sequences" },
    { href: "/segments", label: "Segments" },
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
    // Below md the sidebar becomes a bar with a Menu button, so the content keeps the whole width.
    <div className="flex min-h-screen flex-col md:flex-row">
      <CollapsibleNav alerts={openAlerts}>
        <nav aria-label="Main" className="md:flex-1">
          <NavLinks items={items} />
        </nav>
        <div className="flex min-w-0 items-center justify-between gap-3 border-t border-slate-100 px-3 pt-3 md:block md:space-y-3 md:pt-4">
          <div className="min-w-0 text-sm">
            <Link href="/profile" className="block truncate font-medium text-slate-800 hover:text-brand-700 hover:underline" title={`${user.email}: your profile`}>
              {user.email}
            </Link>
            <Badge tone={isAdmin ? "blue" : "slate"}>{user.role}</Badge>
          </div>
          <SignOutButton />
        </div>
      </CollapsibleNav>
      <BrowserTimeZone known={viewer.browserCookie} rendered={viewer.zone} followsBrowser={viewer.source !== "profile"} />
      <main className="min-w-0 flex-1 px-4 py-6 md:px-8 md:py-8">{children}</main>
    </div>
  );
}
