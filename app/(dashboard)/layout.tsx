import Link from "next/link";
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
    <div className="flex min-h-screen">
      <aside className="flex w-60 shrink-0 flex-col border-r border-slate-200 bg-white px-3 py-5">
        <Link href="/campaigns" className="mb-6 px-3 text-xl font-bold tracking-tight text-brand-600">
          Postline
        </Link>
        <nav aria-label="Main" className="flex-1">
          <NavLinks items={items} />
        </nav>
        <div className="space-y-3 border-t border-slate-100 px-3 pt-4">
          <div className="text-sm">
            <p className="truncate font-medium text-slate-800" title={user.email}>
              {user.email}
            </p>
            <Badge tone={isAdmin ? "blue" : "slate"}>{user.role}</Badge>
          </div>
          <SignOutButton />
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-8 py-8">{children}</main>
    </div>
  );
}
