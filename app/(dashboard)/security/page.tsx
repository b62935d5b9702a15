import { z } from "zod";
import { StackedBars } from "@/components/charts/stacked-bars";
import { buttonClass } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { inputClass } from "@/components/ui/field";
import { InlineAction } from "@/components/ui/inline-action";
import { formatDecimal, formatNumber } from "@/components/ui/format";
import { Time } from "@/components/ui/time";
import { keysetPaging, parseCursor, parseTrail } from "@/components/ui/keyset-paging";
import { listAlerts } from "@/lib/alerts/alerts";
import { requireAdmin } from "@/lib/app/session";
import { countSuspiciousByHour, listSuspiciousReasons, listSuspiciousRequests, topSuspiciousSources } from "@/lib/security/suspicious-requests";
import { listReconcileRuns } from "@/lib/reconcile/run";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { acknowledgeAlertAction, acknowledgeSuspiciousAction } from "./actions";

export const metadata = { title: "Security" };

const querySchema = z.object({
  reason: z.string().max(100).optional().catch(undefined),
  ip: z.string().max(64).optional().catch(undefined),
  hours: z.coerce.number().int().min(1).max(24 * 30).default(24).catch(24),
});

const PAGE = 100;

// Newest first, keyset-paged by id: no column sorts (see DataTable).
const requestColumns: DataTableColumn[] = [
  { id: "when", header: "When", className: "whitespace-nowrap" },
  { id: "route", header: "Route", className: "font-mono text-xs" },
  { id: "ip", header: "Source IP", className: "font-mono text-xs" },
  { id: "reason", header: "Reason" },
  { id: "userAgent", header: "User agent", className: "max-w-40 truncate text-xs" },
  { id: "headers", header: "Headers sent", className: "max-w-48 truncate text-xs" },
  { id: "body", header: "Body", className: "max-w-56 text-xs" },
];

const sourceColumns: DataTableColumn[] = [
  { id: "ip", header: "Source IP", className: "font-mono text-xs" },
  { id: "reasons", header: "Reasons", className: "text-xs text-slate-500" },
  { id: "count", header: "Requests", align: "right" },
];

const runColumns: DataTableColumn[] = [
  { id: "started", header: "Started", className: "whitespace-nowrap" },
  { id: "trigger", header: "Trigger", className: "text-xs" },
  { id: "status", header: "Status" },
  { id: "took", header: "Took", align: "right" },
  { id: "checked", header: "Checked", align: "right" },
  { id: "recovered", header: "Recovered", align: "right" },
  { id: "apiCalls", header: "API calls", align: "right" },
  { id: "remaining", header: "Left", align: "right" },
  { id: "errors", header: "Errors", className: "max-w-xs truncate text-xs text-red-700" },
];

export default async function SecurityPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await requireAdmin();
  const { zone, knownZone } = await getViewerTimeZone();
  const search = await searchParams;
  const q = querySchema.parse(search);
  const cursor = parseCursor(search.before);
  const trail = parseTrail(search.trail);
  const db = getAppDb();
  const now = new Date();
  const from = new Date(now.getTime() - q.hours * 3_600_000);
  const filter = { reason: q.reason || undefined, ip: q.ip || undefined, from };
  const [found, hourly, sources, reasons, alerts, runs] = await Promise.all([
    listSuspiciousRequests(db, { ...filter, beforeId: cursor && /^\d{1,15}$/.test(cursor) ? Number(cursor) : undefined, limit: PAGE + 1 }),
    countSuspiciousByHour(db, filter),
    topSuspiciousSources(db, { filter }),
    listSuspiciousReasons(db),
    listAlerts(db, { openOnly: true }),
    listReconcileRuns(db, 10),
  ]);
  const rows = found.slice(0, PAGE);
  const next = found.length > PAGE ? String(rows[rows.length - 1].id) : null;
  const requestRows: DataTableRow[] = rows.map((r) => ({
    id: String(r.id),
    muted: Boolean(r.acknowledgedAt),
    cells: {
      when: <Time value={r.createdAt} zone={zone} />,
      route: r.route,
      ip: r.ip,
      reason: <Badge tone={r.acknowledgedAt ? "slate" : "red"}>{r.reason}</Badge>,
      userAgent: r.userAgent ?? "—",
      headers: r.headerNames.join(", "),
      body: (
        <>
          {r.bodyExcerpt ? <code className="block truncate">{r.bodyExcerpt}</code> : "—"}
          {r.bodySha256 ? <span className="font-mono text-[10px] text-slate-500">sha256 {r.bodySha256.slice(0, 12)}… · {r.bodyBytes} B</span> : null}
        </>
      ),
    },
  }));
  const sourceRows: DataTableRow[] = sources.map((s) => ({
    id: s.ip,
    cells: {
      ip: (
        <a className="text-brand-700 hover:underline" href={`/security?ip=${encodeURIComponent(s.ip)}&hours=${q.hours}`}>
          {s.ip}
        </a>
      ),
      reasons: s.reasons.join(", "),
      count: formatNumber(s.n),
    },
  }));
  const runRows: DataTableRow[] = runs.map((r) => ({
    id: String(r.id),
    cells: {
      started: <Time value={r.startedAt} zone={zone} />,
      trigger: r.trigger.startsWith("manual:campaign:") ? "campaign resync" : r.trigger,
      status: <Badge tone={r.status === "done" ? "green" : r.status === "running" ? "blue" : "red"}>{r.status}</Badge>,
      took: r.finishedAt ? `${formatDecimal((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000)} s` : "—",
      checked: formatNumber(r.checked),
      recovered: formatNumber(r.recovered + r.adopted + r.linkedOrphans),
      apiCalls: formatNumber(r.apiCalls),
      remaining: formatNumber(r.remaining),
      errors: <span title={r.errors.join("\n")}>{r.errors.length ? `${r.errors.length}: ${r.errors[0]}` : "—"}</span>,
    },
  }));
  const buckets: string[] = [];
  for (let t = Math.floor(from.getTime() / 3_600_000) * 3_600_000; t <= now.getTime(); t += 3_600_000) buckets.push(new Date(t).toISOString().slice(0, 13) + ":00:00Z");
  const series = [...new Set(hourly.map((h) => h.reason))];
  const counts = new Map(hourly.map((h) => [`${h.hour}|${h.reason}`, h.n]));
  return (
    <>
      <PageHeader title="Security" description="Requests to the Postmark webhook and the cron routes that failed a credential or source check." />
      <div className="space-y-6">
        {alerts.length ? (
          <Card title="Open alerts" description="Acknowledge an alert once you have looked into it; the badge counts the open ones.">
            <ul className="divide-y divide-slate-100">
              {alerts.map((a) => (
                <li key={a.id} className="flex flex-wrap items-center justify-between gap-3 py-2 text-sm">
                  <div>
                    <p className="font-medium text-slate-900">{a.title}</p>
                    <p className="text-xs text-slate-500">
                      {formatNumber(a.occurrences)} occurrence(s), first <Time value={a.createdAt} zone={zone} />, latest <Time value={a.lastSeenAt} zone={zone} />
                    </p>
                  </div>
                  <InlineAction action={acknowledgeAlertAction} fields={{ alertId: String(a.id) }} label="Acknowledge" />
                </li>
              ))}
            </ul>
          </Card>
        ) : null}

        <form className="flex flex-wrap items-end gap-3" aria-label="Filter suspicious requests">
          <label className="text-sm">
            <span className="mb-1 block font-medium text-slate-700">Reason</span>
            <select name="reason" defaultValue={q.reason ?? ""} className={inputClass}>
              <option value="">Any</option>
              {reasons.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label className="text-sm">
            <span className="mb-1 block font-medium text-slate-700">Source IP</span>
            <input name="ip" defaultValue={q.ip} className={inputClass} placeholder="203.0.113.7" />
          </label>
          <label className="text-sm">
            <span className="mb-1 block font-medium text-slate-700">Period</span>
            <select name="hours" defaultValue={String(q.hours)} className={inputClass}>
              <option value="1">Last hour</option>
              <option value="24">Last 24 hours</option>
              <option value="168">Last 7 days</option>
              <option value="720">Last 30 days</option>
            </select>
          </label>
          <button type="submit" className={buttonClass("secondary")}>
            Apply
          </button>
        </form>

        {rows.length ? (
          <>
            <div className="grid gap-6 xl:grid-cols-[2fr_1fr]">
              <Card title="Failed checks per hour">
                <StackedBars title="Suspicious requests per hour by reason" buckets={buckets} series={series} value={(b, s) => counts.get(`${b}|${s}`) ?? 0} bucketMs={3_600_000} timeZone={knownZone} />
              </Card>
              <Card title="Top sources">
                <DataTable label="Top sources" columns={sourceColumns} rows={sourceRows} empty={{ title: "No sources" }} />
              </Card>
            </div>
            <div className="flex justify-end">
              <InlineAction action={acknowledgeSuspiciousAction} fields={{ reason: q.reason ?? "", ip: q.ip ?? "", from: from.toISOString() }} label="Mark all shown as reviewed" />
            </div>
          </>
        ) : null}
        <DataTable
          label="Suspicious requests"
          columns={requestColumns}
          rows={requestRows}
          empty={{ title: "No suspicious requests", description: "Nothing failed a credential check in this period. Postmark's own posts are not listed here." }}
          paging={{ ...keysetPaging({ path: "/security", params: { reason: q.reason, ip: q.ip, hours: q.hours === 24 ? null : String(q.hours) }, cursorParam: "before", cursor, trail, next }), labels: { first: "« Newest", previous: "← Newer", next: "Older →" } }}
        />

        <Card title="Reconciliation runs" description="Each run compares messages with Postmark's Messages API and recovers events the webhooks missed (cron every 5 minutes, or a resync by hand).">
          <DataTable label="Reconciliation runs" columns={runColumns} rows={runRows} empty={{ title: "No run yet", description: "The first one starts with the next cron tick." }} />
        </Card>
      </div>
    </>
  );
}
