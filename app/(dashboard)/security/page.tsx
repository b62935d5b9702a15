import { z } from "zod";
import { StackedBars } from "@/components/charts/stacked-bars";
import { buttonClass } from "@/components/ui/button";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { InlineAction } from "@/components/ui/inline-action";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { listAlerts } from "@/lib/alerts/alerts";
import { requireAdmin } from "@/lib/app/session";
import { countSuspiciousByHour, listSuspiciousReasons, listSuspiciousRequests, topSuspiciousSources } from "@/lib/security/suspicious-requests";
import { listReconcileRuns } from "@/lib/reconcile/run";
import { getAppDb } from "@/lib/app/deps";
import { acknowledgeAlertAction, acknowledgeSuspiciousAction } from "./actions";

export const metadata = { title: "Security" };

const querySchema = z.object({
  reason: z.string().max(100).optional().catch(undefined),
  ip: z.string().max(64).optional().catch(undefined),
  hours: z.coerce.number().int().min(1).max(24 * 30).default(24).catch(24),
});

export default async function SecurityPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await requireAdmin();
  const q = querySchema.parse(await searchParams);
  const db = getAppDb();
  const now = new Date();
  const from = new Date(now.getTime() - q.hours * 3_600_000);
  const filter = { reason: q.reason || undefined, ip: q.ip || undefined, from };
  const [rows, hourly, sources, reasons, alerts, runs] = await Promise.all([
    listSuspiciousRequests(db, { ...filter, limit: 100 }),
    countSuspiciousByHour(db, filter),
    topSuspiciousSources(db, filter),
    listSuspiciousReasons(db),
    listAlerts(db, { openOnly: true }),
    listReconcileRuns(db, 10),
  ]);
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
                      {a.occurrences.toLocaleString("en")} occurrence(s), first {formatDateTime(a.createdAt)}, latest {formatDateTime(a.lastSeenAt)}
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

        {rows.length === 0 ? (
          <EmptyState title="No suspicious requests">Nothing failed a credential check in this period. Postmark's own posts are not listed here.</EmptyState>
        ) : (
          <>
            <div className="grid gap-6 xl:grid-cols-[2fr_1fr]">
              <Card title="Failed checks per hour">
                <StackedBars title="Suspicious requests per hour by reason" buckets={buckets} series={series} value={(b, s) => counts.get(`${b}|${s}`) ?? 0} bucketLabel={(b) => (q.hours > 48 ? b.slice(5, 10) : b.slice(11, 16))} />
              </Card>
              <Card title="Top sources">
                <table className="w-full text-sm" aria-label="Top sources">
                  <tbody className="divide-y divide-slate-100">
                    {sources.map((s) => (
                      <tr key={s.ip}>
                        <td className="py-1.5 font-mono text-xs">
                          <a className="text-brand-700 hover:underline" href={`/security?ip=${encodeURIComponent(s.ip)}&hours=${q.hours}`}>
                            {s.ip}
                          </a>
                        </td>
                        <td className="py-1.5 text-xs text-slate-500">{s.reasons.join(", ")}</td>
                        <td className="py-1.5 text-right tabular-nums">{s.n.toLocaleString("en")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Card>
            </div>
            <div className="flex justify-end">
              <InlineAction action={acknowledgeSuspiciousAction} fields={{ reason: q.reason ?? "", ip: q.ip ?? "", from: from.toISOString() }} label="Mark all shown as reviewed" />
            </div>
            <Table label="Suspicious requests">
              <thead className="bg-slate-50">
                <tr>
                  <Th>When</Th>
                  <Th>Route</Th>
                  <Th>Source IP</Th>
                  <Th>Reason</Th>
                  <Th>User agent</Th>
                  <Th>Headers sent</Th>
                  <Th>Body</Th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((r) => (
                  <tr key={r.id} className={r.acknowledgedAt ? "opacity-60" : ""}>
                    <Td>{formatDateTime(r.createdAt)}</Td>
                    <Td className="font-mono text-xs">{r.route}</Td>
                    <Td className="font-mono text-xs">{r.ip}</Td>
                    <Td>
                      <Badge tone={r.acknowledgedAt ? "slate" : "red"}>{r.reason}</Badge>
                    </Td>
                    <Td className="max-w-40 truncate text-xs" >{r.userAgent ?? "—"}</Td>
                    <Td className="max-w-48 truncate text-xs">{r.headerNames.join(", ")}</Td>
                    <Td className="max-w-56 text-xs">
                      {r.bodyExcerpt ? <code className="block truncate">{r.bodyExcerpt}</code> : "—"}
                      {r.bodySha256 ? <span className="font-mono text-[10px] text-slate-400">sha256 {r.bodySha256.slice(0, 12)}… · {r.bodyBytes} B</span> : null}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </>
        )}

        <Card title="Reconciliation runs" description="Each run compares messages with Postmark's Messages API and recovers events the webhooks missed (cron every 5 minutes, or a resync by hand).">
          {runs.length === 0 ? (
            <p className="text-sm text-slate-500">No run yet. The first one starts with the next cron tick.</p>
          ) : (
            <table className="w-full text-sm" aria-label="Reconciliation runs">
              <thead>
                <tr className="text-left text-xs uppercase text-slate-500">
                  <th className="py-1">Started</th>
                  <th className="py-1">Trigger</th>
                  <th className="py-1">Status</th>
                  <th className="py-1 text-right">Took</th>
                  <th className="py-1 text-right">Checked</th>
                  <th className="py-1 text-right">Recovered</th>
                  <th className="py-1 text-right">API calls</th>
                  <th className="py-1 text-right">Left</th>
                  <th className="py-1">Errors</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {runs.map((r) => (
                  <tr key={r.id}>
                    <td className="py-1.5">{formatDateTime(r.startedAt)}</td>
                    <td className="py-1.5 text-xs">{r.trigger.startsWith("manual:campaign:") ? "campaign resync" : r.trigger}</td>
                    <td className="py-1.5">
                      <Badge tone={r.status === "done" ? "green" : r.status === "running" ? "blue" : "red"}>{r.status}</Badge>
                    </td>
                    <td className="py-1.5 text-right tabular-nums">{r.finishedAt ? `${((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1)} s` : "—"}</td>
                    <td className="py-1.5 text-right tabular-nums">{r.checked}</td>
                    <td className="py-1.5 text-right tabular-nums">{r.recovered + r.adopted + r.linkedOrphans}</td>
                    <td className="py-1.5 text-right tabular-nums">{r.apiCalls}</td>
                    <td className="py-1.5 text-right tabular-nums">{r.remaining}</td>
                    <td className="max-w-xs truncate py-1.5 text-xs text-red-700" title={r.errors.join("\n")}>
                      {r.errors.length ? `${r.errors.length}: ${r.errors[0]}` : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </>
  );
}
