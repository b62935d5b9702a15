import Link from "next/link";
import { notFound } from "next/navigation";
import { Card, PageHeader } from "@/components/ui/card";
import { InlineAction } from "@/components/ui/inline-action";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { Time } from "@/components/ui/time";
import { keysetPaging, parseCursor, parseTrail } from "@/components/ui/keyset-paging";
import { EndpointForm } from "@/components/webhooks/endpoint-form";
import { ReceiverDocs } from "@/components/webhooks/receiver-docs";
import { ReplayRangeForm } from "@/components/webhooks/replay-forms";
import { SecretPanel } from "@/components/webhooks/secret-panel";
import { WebhookStatusBadge } from "@/components/webhooks/status-badge";
import { TestTool } from "@/components/webhooks/test-tool";
import { VerifyPanel } from "@/components/webhooks/verify-panel";
import { requireAdmin } from "@/lib/app/session";
import { listDeliveries, type DeliveryWithAttempts } from "@/lib/outbound-webhooks/delivery-log";
import { getEndpoint, listSecretReveals, verificationFileName, verificationFileUrl } from "@/lib/outbound-webhooks/endpoints";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { archiveEndpointAction, replayDeliveryAction, retryDeliveryNowAction } from "../actions";
import { parseId } from "@/lib/http/id";

export const metadata = { title: "Webhook endpoint" };
export const dynamic = "force-dynamic";

const STATUSES = ["pending", "succeeded", "failed", "cancelled"] as const;

const PAGE = 50;

// Newest first, keyset-paged by delivery id: no column sorts (see DataTable).
const deliveryColumns: DataTableColumn[] = [
  { id: "id", header: "#", className: "tabular-nums" },
  { id: "event", header: "Event", className: "font-mono text-xs" },
  { id: "status", header: "Status" },
  { id: "attempts", header: "Attempts" },
  { id: "created", header: "Created", className: "whitespace-nowrap" },
  { id: "actions", header: "Actions", hideHeader: true },
];

/** A failed attempt behind it and the next one not started: what "Retry now" applies to (the server checks again). */
const waitingForRetry = (d: DeliveryWithAttempts) => d.status === "pending" && d.attempts > 0 && d.attemptLog.at(-1)?.status !== "in_flight";

export default async function WebhookEndpointPage({ params, searchParams }: { params: Promise<{ webhookId: string }>; searchParams: Promise<{ status?: string; before?: string; trail?: string }> }) {
  await requireAdmin();
  const { zone } = await getViewerTimeZone();
  const webhookId = parseId((await params).webhookId) ?? notFound();
  const { status, ...search } = await searchParams;
  const cursor = parseCursor(search.before);
  const trail = parseTrail(search.trail);
  const db = getAppDb();
  const endpoint = await getEndpoint(db, webhookId);
  if (!endpoint) notFound();
  const filter = STATUSES.find((s) => s === status);
  const [found, reveals] = await Promise.all([
    listDeliveries(db, { endpointId: endpoint.id, filter: { status: filter, before: cursor && /^\d{1,15}$/.test(cursor) ? Number(cursor) : undefined, limit: PAGE + 1 } }),
    listSecretReveals(db, { endpointId: endpoint.id, limit: 10 }),
  ]);
  const deliveries = found.slice(0, PAGE);
  const next = found.length > PAGE ? String(deliveries[deliveries.length - 1].id) : null;
  const path = `/webhooks/${endpoint.id}`;
  const archived = endpoint.status === "archived";
  const now = Date.now();
  const local = (ms: number) => new Date(ms).toISOString().slice(0, 16);
  const deliveryRows: DataTableRow[] = deliveries.map((d) => ({
    id: String(d.id),
    cells: {
      id: (
        <>
          {d.id}
          {d.replayOfId ? <span className="block text-xs text-slate-500">replay of #{d.replayOfId}</span> : null}
        </>
      ),
      event: (
        <>
          {d.event}
          {d.isTest ? <span className="ml-1 font-sans text-slate-500">(test)</span> : null}
        </>
      ),
      status: (
        <>
          <WebhookStatusBadge status={d.status} />
          {d.status === "pending" && d.attemptLog.at(-1)?.status === "in_flight" ? (
            <span className="block text-xs text-slate-500">attempting now</span>
          ) : d.status === "pending" && d.attempts > 0 ? (
            <span className="block text-xs text-slate-500">
              next try <Time value={d.nextAttemptAt} zone={zone} />
            </span>
          ) : null}
        </>
      ),
      attempts:
        d.attemptLog.length === 0 ? (
          <span className="text-xs text-slate-500">none yet</span>
        ) : (
          <ol className="space-y-1 text-xs">
            {d.attemptLog.map((a) => (
              <li key={a.id}>
                <Time value={a.startedAt} zone={zone} className="tabular-nums" />{" "}
                <span className={a.status === "succeeded" ? "text-emerald-700" : a.status === "in_flight" ? "text-slate-500" : "text-red-700"}>{a.statusCode ? `HTTP ${a.statusCode}` : a.status}</span>
                {a.latencyMs !== null ? <span className="text-slate-500"> · {a.latencyMs} ms</span> : null}
                {a.error && !a.statusCode ? <span className="block text-red-700">{a.error}</span> : null}
                {a.responseExcerpt ? <code className="block max-w-md truncate text-slate-500">{a.responseExcerpt.slice(0, 200)}</code> : null}
              </li>
            ))}
          </ol>
        ),
      created: <Time value={d.createdAt} zone={zone} />,
      actions: archived ? null : d.status !== "pending" ? (
        <InlineAction action={replayDeliveryAction} fields={{ endpointId: endpoint.id, deliveryId: String(d.id) }} label="Replay" />
      ) : waitingForRetry(d) && endpoint.status === "active" ? (
        <InlineAction action={retryDeliveryNowAction} fields={{ endpointId: endpoint.id, deliveryId: String(d.id) }} label="Retry now" />
      ) : null,
    },
  }));
  return (
    <>
      <PageHeader
        title="Webhook endpoint"
        description={endpoint.url}
        actions={
          archived ? null : (
            <InlineAction action={archiveEndpointAction} fields={{ endpointId: endpoint.id }} label="Archive" variant="danger" confirm="Archive this endpoint? Nothing more is sent to it, and waiting deliveries are cancelled." />
          )
        }
      />
      <p className="-mt-4 mb-6 flex flex-wrap items-center gap-3 text-sm text-slate-600">
        <Link href="/webhooks" className="text-brand-700 hover:underline">
          ← All endpoints
        </Link>
        <span data-testid="endpoint-status">
          <WebhookStatusBadge status={endpoint.status} />
        </span>
        {endpoint.disabledReason && endpoint.status === "disabled" ? <span className="text-red-700">{endpoint.disabledReason}</span> : null}
        {endpoint.archivedAt ? <span>Archived <Time value={endpoint.archivedAt} zone={zone} /></span> : null}
      </p>
      <div className="space-y-8">
        {archived ? null : (
          <Card title="Ownership" description="Postline fetches the file from the endpoint's folder before it sends anything.">
            <VerifyPanel
              endpointId={endpoint.id}
              fileName={verificationFileName(endpoint.verificationToken)}
              fileUrl={verificationFileUrl(endpoint.url, endpoint.verificationToken)}
              token={endpoint.verificationToken}
              lastError={endpoint.lastVerificationError}
              verified={Boolean(endpoint.verifiedAt)}
            />
          </Card>
        )}

        <Card title="Test" description="Send a Webhook.Test, or a sample of any event, now: see exactly what was sent, what was signed and what came back.">
          <TestTool endpointId={endpoint.id} disabled={archived ? "Archived endpoints receive nothing." : endpoint.verifiedAt ? undefined : "Verify ownership first."} />
        </Card>

        <Card title="Delivery log" description="Every attempt: time, status, latency and the start of the answer.">
          <div className="space-y-4">
            <nav className="flex flex-wrap gap-2 text-sm" aria-label="Filter deliveries">
              {[undefined, ...STATUSES].map((s) => (
                <Link key={s ?? "all"} href={s ? `?status=${s}` : "?"} className={`rounded px-2 py-1 ${s === filter ? "bg-brand-100 text-brand-700" : "text-slate-600 hover:bg-slate-100"}`}>
                  {s ?? "all"}
                </Link>
              ))}
            </nav>
            <DataTable
              label="Deliveries"
              columns={deliveryColumns}
              rows={deliveryRows}
              empty={{ title: `No deliveries${filter ? ` ${filter}` : ""} yet`, description: "Send a test above, or wait for the first event." }}
              paging={{ ...keysetPaging({ path, params: { status: filter }, cursorParam: "before", cursor, trail, next }), labels: { first: "« Newest", previous: "← Newer", next: "Older →" } }}
            />
            {archived ? null : <ReplayRangeForm endpointId={endpoint.id} defaultFrom={local(now - 24 * 3_600_000)} defaultTo={local(now + 60_000)} />}
          </div>
        </Card>

        {archived ? null : (
          <Card title="Settings">
            <EndpointForm initial={{ id: endpoint.id, url: endpoint.url, events: endpoint.events, rateLimit: endpoint.rateLimit, rateLimitPeriod: endpoint.rateLimitPeriod, description: endpoint.description }} />
          </Card>
        )}

        <Card title="Signing secret" description="Both signatures use it. Every reveal is recorded below.">
          <div className="space-y-4">
            <SecretPanel endpointId={endpoint.id} canRotate={!archived} />
            {endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now ? (
              <p className="text-sm text-amber-800">The previous secret still signs until <Time value={endpoint.previousSecretExpiresAt} zone={zone} />.</p>
            ) : null}
            <div>
              <h3 className="mb-2 text-sm font-semibold text-slate-800">Recent reveals</h3>
              {reveals.length === 0 ? (
                <p className="text-sm text-slate-500">The secret has not been revealed yet.</p>
              ) : (
                <ul className="space-y-1 text-sm text-slate-600">
                  {reveals.map((r) => (
                    <li key={r.id}>
                      <Time value={r.revealedAt} zone={zone} />: {r.reason === "rotate" ? "rotated" : "revealed"} via {r.via}
                      {r.userEmail ? ` by ${r.userEmail}` : r.apiKeyName ? ` with the API key "${r.apiKeyName}"` : ""}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
        </Card>

        <Card title="Receiving Postline webhooks">
          <ReceiverDocs />
        </Card>
      </div>
    </>
  );
}
