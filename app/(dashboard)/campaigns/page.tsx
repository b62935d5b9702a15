import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { Badge, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { formatDateTime, formatNumber } from "@/components/ui/format";
import { requireUser } from "@/lib/app/session";
import { listCampaigns } from "@/lib/campaigns/campaigns";
import { getOutcomeCounts } from "@/lib/campaigns/stats";
import { getAppDb } from "@/lib/app/deps";

export const metadata = { title: "Campaigns" };

const SHOWN = 50;

const columns: DataTableColumn[] = [
  { id: "name", header: "Name", className: "font-medium text-slate-900" },
  { id: "status", header: "Status" },
  { id: "recipients", header: "Recipients", align: "right" },
  { id: "sent", header: "Sent", align: "right" },
  { id: "delivered", header: "Delivered", align: "right" },
  { id: "opened", header: "Opened", align: "right" },
  { id: "created", header: "Created", className: "whitespace-nowrap" },
];

export default async function CampaignsPage() {
  await requireUser("marketer");
  const db = getAppDb();
  // One more than shown tells whether older campaigns exist. The list has no cursor yet, so it is not
  // sortable: reordering the newest 50 would pass for an order of them all.
  const found = await listCampaigns(db, { limit: SHOWN + 1 });
  const campaigns = found.slice(0, SHOWN);
  const outcomes = await getOutcomeCounts(db, campaigns.map((c) => c.id));
  const rows: DataTableRow[] = campaigns.map((c) => ({
    id: c.id,
    cells: {
      name: (
        <Link href={`/campaigns/${c.id}`} className="text-brand-700 hover:underline">
          {c.name}
        </Link>
      ),
      status: <Badge tone={c.status === "sent" ? "green" : c.status === "sending" ? "blue" : "slate"}>{c.status}</Badge>,
      recipients: formatNumber(c.recipientCount),
      sent: formatNumber(c.sentCount),
      delivered: formatNumber(outcomes.get(c.id)!.delivered),
      opened: formatNumber(outcomes.get(c.id)!.opened),
      created: formatDateTime(c.createdAt),
    },
  }));
  return (
    <>
      <PageHeader title="Campaigns" description="Compose, send and follow your campaigns." actions={<Link href="/campaigns/new" className={buttonClass()}>New campaign</Link>} />
      <DataTable
        label="Campaigns"
        columns={columns}
        rows={rows}
        empty={{
          title: "No campaigns yet",
          description: "A campaign goes to a list, or to every subscribed contact. Add contacts first, then compose your first campaign.",
          action: (
            <Link href="/campaigns/new" className={buttonClass()}>
              Compose your first campaign
            </Link>
          ),
        }}
      />
      {found.length > SHOWN ? <p className="mt-3 text-sm text-slate-500">The newest {SHOWN} campaigns are shown.</p> : null}
    </>
  );
}
