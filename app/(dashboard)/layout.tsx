import { CollapsibleNav } from "@/components/layout/collapsible-nav";
import { NavLinks, type NavItem } from "@/components/layout/nav-links";
import { SignOutButton } from "@/components/layout/sign-out-button";
import { Badge } from "@/components/ui/card";
import { countOpenAlerts } from "@/lib/alerts/alerts";
import { requireUser } from "@/lib/app/session";
import { getAppDb } from "@/lib/app/deps";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const isAdmin = user.role === "admin";
  const openAlerts = isAdmin ? await countOpenAlerts(getAppDb()) : 0;
  const items: NavItem[] = [
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
    // Below md the sidebar becomes a bar with a Menu button, so the content keeps the whole width.
    <div className="flex min-h-screen flex-col md:flex-row">
      <CollapsibleNav alerts={openAlerts}>
        <nav aria-label="Main" className="md:flex-1">
          <NavLinks items={items} />
        </nav>
        <div className="flex min-w-0 items-center justify-between gap-3 border-t border-slate-100 px-3 pt-3 md:block md:space-y-3 md:pt-4">
          <div className="min-w-0 text-sm">
            <p className="truncate font-medium text-slate-800" title={user.email}>
              {user.email}
            </p>
            <Badge tone={isAdmin ? "blue" : "slate"}>{user.role}</Badge>
          </div>
          <SignOutButton />
        </div>
      </CollapsibleNav>
      <main className="min-w-0 flex-1 px-4 py-6 md:px-8 md:py-8">{children}</main>
    </div>
  );
}
