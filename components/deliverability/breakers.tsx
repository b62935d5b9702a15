import Link from "next/link";
import { Badge } from "@/components/ui/card";
import { DataTable, type DataTableColumn } from "@/components/ui/data-table";
import { formatNumber, formatRate } from "@/components/ui/format";
import { Time } from "@/components/ui/time";
import { describeTrip, type BreakerOverviewRow, type BreakerThresholds, type BreakerView } from "@/lib/deliverability/breakers";

/** Why a breaker paused this campaign or sequence, what was seen, and who may resume it. */
export function BreakerBanner({ view, isAdmin, zone, what }: { view: BreakerView; isAdmin: boolean; zone: string; what: "campaign" | "sequence" }) {
  const trip = view.pausedBy;
  if (!trip) return null;
  return (
    <section role="alert" aria-labelledby="breaker-heading" className="mb-6 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800" data-testid="breaker-banner">
      <h2 id="breaker-heading" className="font-semibold">
        Paused by a circuit breaker <span className="font-normal">· <Time value={trip.trippedAt} zone={zone} /></span>
      </h2>
      <p className="mt-1 wrap-anywhere">{describeTrip(trip)}.</p>
      <p className="mt-1">
        {isAdmin
          ? `Find out why before resuming (a bought or old list, a misleading subject, a missing unsubscribe link). Resuming accepts what was seen: the ${what}'s rates are judged again from then on.`
          : `Only an admin can resume this ${what}.`}
      </p>
    </section>
  );
}

function Gauge({ label, rate, thresholds, testId }: { label: string; rate: number; thresholds: { value: number; name: string }[]; testId: string }) {
  const over = thresholds.filter((t) => rate > t.value).at(-1);
  return (
    <div className="min-w-0 rounded-lg border border-slate-200 bg-white px-4 py-3" data-testid={testId}>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</p>
      <p className="mt-1 flex flex-wrap items-center gap-2 text-xl font-semibold tabular-nums text-slate-900">
        {formatRate(rate, 2)}
        {over ? <Badge tone={over.name === "pause" ? "red" : "amber"}>above {over.name} threshold</Badge> : null}
      </p>
      <p className="mt-1 text-xs text-slate-600">{thresholds.map((t) => `${t.name} above ${formatRate(t.value, 2)}`).join(" · ")}</p>
    </div>
  );
}

/** The rates the breakers judge for one campaign or sequence, against the thresholds. */
export function BreakerRates({ view }: { view: BreakerView }) {
  const t = view.thresholds;
  const w = view.window;
  return (
    <div className="space-y-3" data-testid="breaker-rates">
      <div className="grid gap-3 sm:grid-cols-2">
        <Gauge
          label="Spam complaint rate"
          rate={view.complaintRate}
          testId="breaker-complaint-rate"
          thresholds={[
            { value: t.complaintAlertRate, name: "alert" },
            { value: t.complaintPauseRate, name: "pause" },
          ]}
        />
        <Gauge label="Hard-bounce rate" rate={view.hardBounceRate} testId="breaker-bounce-rate" thresholds={[{ value: t.hardBouncePauseRate, name: "pause" }]} />
      </div>
      <p className="text-xs text-slate-600">
        {formatNumber(w.complaints)} {w.complaints === 1 ? "complaint" : "complaints"} and {formatNumber(w.hardBounces)} hard {w.hardBounces === 1 ? "bounce" : "bounces"} of {formatNumber(w.delivered)} delivered
        {view.judged ? "." : `; judged from ${formatNumber(t.minDeliveries)} delivered.`}
        {view.openTrips.some((x) => x.level === "alert") && !view.pausedBy ? " Admins were alerted." : ""}
      </p>
    </div>
  );
}

const columns: DataTableColumn[] = [
  { id: "name", header: "Campaign or sequence", className: "min-w-40 font-medium" },
  { id: "state", header: "State" },
  { id: "delivered", header: "Delivered", align: "right" },
  { id: "complaint", header: "Complaint %", align: "right" },
  { id: "bounce", header: "Hard bounce %", align: "right" },
];

/** The home page's view: what the breakers watch now, worst first, and the thresholds in force. */
export function WatchedRates({ rows, thresholds }: { rows: BreakerOverviewRow[]; thresholds: BreakerThresholds }) {
  const tone = (rate: number, pause: number, alert?: number) => (rate > pause ? "font-semibold text-red-700" : alert !== undefined && rate > alert ? "text-amber-800" : "");
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-600" data-testid="breaker-thresholds">
        Admins are alerted above {formatRate(thresholds.complaintAlertRate, 2)} complaints; sending pauses above {formatRate(thresholds.complaintPauseRate, 2)} complaints or {formatRate(thresholds.hardBouncePauseRate, 1)} hard bounces, once{" "}
        {formatNumber(thresholds.minDeliveries)} are delivered.
      </p>
      <DataTable
        label="Watched by the circuit breakers"
        columns={columns}
        rowTestId="breaker-row"
        rows={rows.map((r) => ({
          id: r.id,
          cells: {
            name: (
              <Link href={`/${r.kind === "campaign" ? "campaigns" : "sequences"}/${r.id}`} className="text-brand-700 hover:underline">
                {r.name}
              </Link>
            ),
            state: r.pausedBy ? <Badge tone="red">paused by breaker</Badge> : <span className="text-slate-600">{r.kind} · {r.status}</span>,
            delivered: formatNumber(r.delivered),
            complaint: <span className={r.judged ? tone(r.complaintRate, thresholds.complaintPauseRate, thresholds.complaintAlertRate) : ""}>{formatRate(r.complaintRate, 2)}</span>,
            bounce: <span className={r.judged ? tone(r.hardBounceRate, thresholds.hardBouncePauseRate) : ""}>{formatRate(r.hardBounceRate, 2)}</span>,
          },
        }))}
        empty={{ title: "Nothing sending or recently sent" }}
      />
    </div>
  );
}
