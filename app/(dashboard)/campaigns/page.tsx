import Link from "next/link";
import { Rate } from "@/components/campaigns/rate";
import { buttonClass } from "@/components/ui/button";
import { Badge, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { formatNumber } from "@/components/ui/format";
import { keysetPaging, parseCursor, parseTrail } from "@/components/ui/keyset-paging";
import { Time } from "@/components/ui/time";
import { requireUser } from "@/lib/app/session";
import { campaignSortSchema, listCampaignsWithRates, type CampaignSort } from "@/lib/campaigns/rates";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";

export const metadata = { title: "Campaigns" };

const PAGE = 50;

const columns: DataTableColumn[] = [
  { id: "name", header: "Name", className: "min-w-40 font-medium text-slate-900" },
  { id: "status", header: "Status" },
  { id: "recipients", header: "Recipients", align: "right" },
  { id: "delivered", header: "Delivered %", align: "right" },
  { id: "open", header: "Open %", align: "right" },
  { id: "click", header: "Click %", align: "right" },
  { id: "bounce", header: "Bounce %", align: "right" },
  { id: "complaint", header: "Complaint %", align: "right" },
  { id: "created", header: "Created" },
];

/** The sortable columns and the direction their first click asks for: rates and times largest first, names A→Z. */
const FIRST_ORDER: Record<string, CampaignSort> = { name: "name", delivered: "-delivered", open: "-open", click: "-click", bounce: "-bounce", complaint: "-complaint", created: "-created" };

const STATUS_TONE = { draft: "slate", scheduled: "amber", sending: "blue", paused: "amber", sent: "green", cancelled: "red" } as const;

const pct = (n: number, of: number, what: string) => `${formatNumber(n)} of ${formatNumber(of)} ${what}`;

export default async function CampaignsPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await requireUser("marketer");
  const { zone } = await getViewerTimeZone();
  const search = await searchParams;
  const sort = campaignSortSchema.parse(search.sort);
  const cursor = parseCursor(search.after);
  const trail = parseTrail(search.trail);
  // Sorted and paged in the query over every campaign (keyset), so an order is the order of them all.
  const { rows: campaigns, next } = await listCampaignsWithRates(getAppDb(), { sort, after: cursor, limit: PAGE });
  const current = { id: sort.replace(/^-/, ""), desc: sort.startsWith("-") };
  const sortParam = (s: CampaignSort) => (s === "-created" ? null : s);
  const hrefs = Object.fromEntries(
    Object.entries(FIRST_ORDER).map(([id, first]) => {
      const flipped = (current.desc ? current.id : `-${current.id}`) as CampaignSort;
      const to = current.id === id ? flipped : first;
      const qs = sortParam(to);
      return [id, qs ? `/campaigns?sort=${qs}` : "/campaigns"];
    }),
  );
  const rows: DataTableRow[] = campaigns.map((c) => ({
    id: c.id,
    cells: {
      name: (
        <Link href={`/campaigns/${c.id}`} className="text-brand-700 hover:underline">
          {c.name}
        </Link>
      ),
      status: (
        <>
          <Badge tone={STATUS_TONE[c.status]}>{c.status}</Badge>
          {c.status === "scheduled" && c.scheduledAt ? (
            <span className="mt-0.5 block text-xs text-slate-500" data-testid="campaign-scheduled-at">
              for <Time value={c.scheduledAt} zone={zone} />
            </span>
          ) : null}
        </>
      ),
      recipients: formatNumber(c.recipientCount),
      delivered: <Rate value={c.rates.delivered} of={pct(c.delivered, c.sentCount, "sent")} />,
      open: <Rate value={c.rates.open} of={pct(c.opened, c.delivered, "delivered")} />,
      click: <Rate value={c.rates.click} of={pct(c.clicked, c.delivered, "delivered")} />,
      bounce: <Rate value={c.rates.bounce} digits={2} of={pct(c.bounced, c.sentCount, "sent")} />,
      complaint: <Rate value={c.rates.complaint} digits={2} complaint of={pct(c.spamComplaints, c.delivered, "delivered")} />,
      created: <Time value={c.createdAt} zone={zone} />,
    },
  }));
  const paging = keysetPaging({ path: "/campaigns", params: { sort: sortParam(sort) }, cursorParam: "after", cursor, trail, next });
  return (
    <>
      <PageHeader title="Campaigns" description="Compose, send and follow your campaigns." actions={
          <div className="flex flex-wrap gap-2">
            <Link href="/campaigns/templates" className={buttonClass("secondary")}>
              Templates
            </Link>
            <Link href="/campaigns/new" className={buttonClass()}>
              New campaign
            </Link>
          </div>
        } />
      <DataTable
        label="Campaigns"
        columns={columns}
        rows={rows}
        rowTestId="campaign-row"
        sort={{ kind: "url", current, hrefs }}
        paging={paging}
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
      <p className="mt-3 text-xs text-slate-500">
        Delivered and bounced are shares of what was sent; opened, clicked and spam complaints are shares of what was delivered. Gmail and Yahoo ask bulk senders to keep spam complaints under 0.1% and never reach 0.3%.
      </p>
    </>
  );
}
