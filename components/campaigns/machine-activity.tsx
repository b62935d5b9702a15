import { formatNumber, formatPercent } from "@/components/ui/format";
import type { CampaignTotals } from "@/lib/campaigns/stats";

/**
 * What machines did to a campaign, beside the people's numbers (issue 15): a bar of every recipient
 * with an open, split into those a person opened and those only machines did (Apple's proxy
 * prefetching, scanners, uncertain fetches), then the recipients per fetcher class. Pure CSS, server
 * rendered. The counters say how many recipients saw each class, not which recipients saw only that
 * class, so the bar has two parts and the classes are listed below it (one recipient can be in several).
 */
export function MachineActivity({ totals }: { totals: CampaignTotals }) {
  const opened = Math.max(totals.opened, totals.openedHuman + totals.openedMachineOnly);
  const m = totals.machine;
  const parts: [string, number][] = [
    ["Apple proxy opened", m.opened.apple_mpp],
    ["image proxies", m.opened.image_proxy],
    ["scanners opened", m.opened.link_scanner],
    ["scanners clicked", m.clicked.link_scanner],
    ["uncertain opens", m.opened.unknown],
    ["uncertain clicks", m.clicked.unknown],
  ];
  const shown = parts.filter(([, n]) => n > 0);
  if (opened === 0 && shown.length === 0) return null;
  const segments = [
    { label: "People", value: totals.openedHuman, className: "bg-brand-600" },
    { label: "Machines only", value: totals.openedMachineOnly, className: "bg-slate-300" },
  ];
  const title = `Recipients with an open: ${formatNumber(opened)}; a person opened ${formatNumber(totals.openedHuman)} (${formatPercent(totals.openedHuman, opened)}), only machines ${formatNumber(totals.openedMachineOnly)} (${formatPercent(totals.openedMachineOnly, opened)})`;
  return (
    <div className="space-y-2 border-t border-slate-100 pt-3" data-testid="machine-activity-summary">
      <p className="text-sm font-medium text-slate-700">Who opened</p>
      {opened > 0 ? (
        <>
          <div role="img" aria-label={title} title={title} className="flex h-3 w-full overflow-hidden rounded-full bg-slate-100">
            {segments.map((s) =>
              s.value > 0 ? <div key={s.label} className={`h-full ${s.className}`} style={{ width: `${(s.value / opened) * 100}%` }} /> : null,
            )}
          </div>
          <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
            {segments.map((s) => (
              <li key={s.label} className="flex items-center gap-1.5">
                <span aria-hidden className={`inline-block h-2.5 w-2.5 rounded-sm ${s.className}`} />
                {s.label} <span className="tabular-nums">{formatNumber(s.value)}</span>
                <span className="tabular-nums text-slate-500">({formatPercent(s.value, opened)})</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <p className="text-xs text-slate-500" data-testid="machine-classes">
        {shown.length
          ? shown.map(([label, n], i) => (
              <span key={label}>
                {i ? " · " : ""}
                {label} <span className="tabular-nums">{formatNumber(n)}</span>
              </span>
            ))
          : "No machine opens or clicks"}
        .{" "}
        Image-proxy opens (Gmail, Yahoo) count as people: the proxy fetches when the person opens.
      </p>
    </div>
  );
}
