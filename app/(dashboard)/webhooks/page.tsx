import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { formatNumber } from "@/components/ui/format";
import { Time } from "@/components/ui/time";
import { EndpointForm } from "@/components/webhooks/endpoint-form";
import { ReceiverDocs } from "@/components/webhooks/receiver-docs";
import { WebhookStatusBadge } from "@/components/webhooks/status-badge";
import type { WebhookRatePeriod } from "@/db/schema";
import { requireAdmin } from "@/lib/app/session";
import { listEndpoints, type EndpointListFilter } from "@/lib/outbound-webhooks/endpoints";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";

export const metadata = { title: "Webhooks" };
export const dynamic = "force-dynamic";

const columns: DataTableColumn[] = [
  { id: "endpoint", header: "Endpoint", className: "max-w-xs wrap-anywhere font-medium text-slate-900", sortable: true },
  { id: "status", header: "Status", sortable: true },
  { id: "events", header: "Events", className: "font-mono text-xs" },
  { id: "rateLimit", header: "Rate limit", className: "whitespace-nowrap", sortable: true },
  { id: "pending", header: "Waiting", align: "right", sortable: true },
  { id: "failed", header: "Failed", align: "right", sortable: true },
  { id: "lastAttempt", header: "Last attempt", className: "whitespace-nowrap", sortable: true },
];

/** Rate limits compare per second, whatever period each was set in. */
const PER_SECOND: Record<WebhookRatePeriod, number> = { second: 1, minute: 1 / 60, hour: 1 / 3600, day: 1 / 86_400 };

const FILTERS: { show: EndpointListFilter; label: string }[] = [
  { show: "active", label: "Active" },
  { show: "archived", label: "Archived" },
  { show: "all", label: "All" },
];

export default async function WebhooksPage({ searchParams }: { searchParams: Promise<{ show?: string }> }) {
  await requireAdmin();
  const { zone } = await getViewerTimeZone();
  const requested = (await searchParams).show;
  const show = FILTERS.find((f) => f.show === requested)?.show ?? "active";
  // Every endpoint the filter selects is on this page, so sorting in the browser sorts them all.
  const endpoints = await listEndpoints(getAppDb(), { show });
  const rows: DataTableRow[] = endpoints.map((e) => ({
    id: e.id,
    cells: {
      endpoint: (
        <>
          <Link href={`/webhooks/${e.id}`} className="text-brand-700 hover:underline">
            {e.url}
          </Link>
          {e.description ? <span className="block text-xs text-slate-500">{e.description}</span> : null}
        </>
      ),
      status: <WebhookStatusBadge status={e.status} />,
      events: e.events.join(", "),
      rateLimit: `${formatNumber(e.rateLimit)} / ${e.rateLimitPeriod}`,
      pending: formatNumber(e.pending),
      failed: formatNumber(e.failed),
      lastAttempt: (
        <>
          <Time value={e.lastAttemptAt} zone={zone} />
          {e.lastStatusCode ? <span className="ml-1 text-xs text-slate-500">HTTP {e.lastStatusCode}</span> : null}
        </>
      ),
    },
    sort: {
      endpoint: e.url,
      status: e.status,
      rateLimit: e.rateLimit * PER_SECOND[e.rateLimitPeriod],
      pending: e.pending,
      failed: e.failed,
      lastAttempt: e.lastAttemptAt?.getTime() ?? null,
    },
  }));
  return (
    <>
      <PageHeader title="Webhooks" description="Signed HTTP callbacks that tell your systems what happens in Postline." />
      <div className="space-y-8">
        <div className="space-y-3">
          <nav aria-label="Show endpoints" className="flex flex-wrap gap-2 text-sm">
            {FILTERS.map((f) => (
              <Link
                key={f.show}
                href={f.show === "active" ? "/webhooks" : `/webhooks?show=${f.show}`}
                aria-current={f.show === show ? "page" : undefined}
                className={`rounded px-2 py-1 ${f.show === show ? "bg-brand-100 font-medium text-brand-700" : "text-slate-600 hover:bg-slate-100"}`}
              >
                {f.label}
              </Link>
            ))}
          </nav>
          <DataTable
            label="Webhook endpoints"
            columns={columns}
            rows={rows}
            sort={{ kind: "client" }}
            empty={
              show === "archived"
                ? { title: "No archived endpoints", description: "Archived endpoints receive nothing more; their pages and delivery logs stay reachable here." }
                : {
                    title: "No webhook endpoints yet",
                    description: "Endpoints subscribe to events such as Email.Delivered or Contact.Unsubscribed and receive signed JSON posts. Create one below, publish its verification file, and events start flowing.",
                    action: (
                      <a href="#add-endpoint" className={buttonClass()}>
                        Add an endpoint
                      </a>
                    ),
                  }
            }
          />
        </div>
        <Card id="add-endpoint" title="Add an endpoint" description="Pick the events it receives and how many requests it can take. It stays pending until you verify ownership.">
          <EndpointForm />
        </Card>
        <Card title="Receiving Postline webhooks" description="For the developers of your receiver.">
          <ReceiverDocs />
        </Card>
      </div>
    </>
  );
}
