import { formatNumber } from "@/components/ui/format";
import { formatRate } from "@/components/ui/format";
import { complaintTone, SPAM_RATE_LIMIT, SPAM_RATE_TARGET, type CampaignWithRates } from "@/lib/campaigns/rates";

const FILL = { good: "#059669", warning: "#d97706", bad: "#dc2626" } as const;

/**
 * Each campaign of the window as a bar of its spam complaint rate, against Gmail's and Yahoo's two
 * lines: the 0.1% target (amber, dashed) and the 0.3% never-reach (red). Plain SVG rendered on the
 * server; every bar has a <title>, and the figure says in words what it shows.
 */
export function ComplaintChart({ campaigns, label }: { campaigns: CampaignWithRates[]; label: (c: CampaignWithRates) => string }) {
  const width = 640;
  const height = 160;
  const pad = { left: 40, right: 8, top: 14, bottom: 8 };
  // A fixed scale keeps both lines readable; a bar above it is cut at the top and says its value.
  const max = SPAM_RATE_LIMIT * 2;
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - Math.min(v, max) / max);
  const slot = (width - pad.left - pad.right) / Math.max(campaigns.length, 1);
  const bar = Math.min(28, Math.max(2, slot - 4));
  const lines = [
    { value: SPAM_RATE_TARGET, color: "#b45309", dash: "4 3", text: "0.1% target" },
    { value: SPAM_RATE_LIMIT, color: "#b91c1c", dash: undefined, text: "0.3% limit" },
  ];
  return (
    <figure className="space-y-2">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Spam complaint rate of each campaign sent in the last 30 days, against the 0.1% target and the 0.3% limit`} className="h-40 w-full">
        <line x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} stroke="#cbd5e1" />
        {campaigns.map((c, i) => {
          const rate = c.rates.complaint;
          const x = pad.left + i * slot + (slot - bar) / 2;
          return rate === null ? null : (
            <g key={c.id}>
              <rect x={x} width={bar} y={y(rate)} height={Math.max(1, y(0) - y(rate))} fill={FILL[complaintTone(rate)]}>
                <title>{`${label(c)}: ${formatRate(rate, 2)} (${formatNumber(c.spamComplaints)} of ${formatNumber(c.delivered)} delivered)`}</title>
              </rect>
              {rate > max ? (
                <text x={x + bar / 2} y={pad.top - 3} textAnchor="middle" fontSize="10" fill="#b91c1c">
                  {formatRate(rate, 1)}
                </text>
              ) : null}
            </g>
          );
        })}
        {lines.map((l) => (
          <g key={l.text}>
            <line x1={pad.left} x2={width - pad.right} y1={y(l.value)} y2={y(l.value)} stroke={l.color} strokeWidth={1.5} strokeDasharray={l.dash} />
            <text x={pad.left - 4} y={y(l.value) + 3} textAnchor="end" fontSize="10" fill={l.color}>
              {formatRate(l.value, 1)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        <span>
          <span aria-hidden className="mr-1 inline-block w-4 border-t-2 border-dashed border-amber-700 align-middle" />
          0.1%: Gmail&apos;s and Yahoo&apos;s target
        </span>
        <span>
          <span aria-hidden className="mr-1 inline-block w-4 border-t-2 border-red-700 align-middle" />
          0.3%: never reach
        </span>
        <span>One bar per campaign, oldest first.</span>
      </figcaption>
    </figure>
  );
}
