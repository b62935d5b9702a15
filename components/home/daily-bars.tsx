import { formatNumber } from "@/components/ui/format";
/**
 * A small bar chart of one count per day (plain SVG, server-rendered; each bar's <title> gives its
 * numbers). The labels are HTML below it, so they stay readable when a phone shrinks the drawing.
 */
export function DailyBars({ title, days }: { title: string; days: { day: string; added: number }[] }) {
  const width = 640;
  const height = 100;
  const highest = Math.max(0, ...days.map((d) => d.added));
  const max = Math.max(1, highest);
  const slot = width / Math.max(days.length, 1);
  const y = (v: number) => height * (1 - v / max);
  return (
    <figure className="space-y-1">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} className="h-28 w-full border-b border-slate-300">
        <line x1={0} x2={width} y1={0.5} y2={0.5} stroke="#e2e8f0" />
        {days.map((d, i) =>
          d.added > 0 ? (
            <rect key={d.day} x={i * slot + 1} width={Math.max(1, slot - 2)} y={y(d.added)} height={height - y(d.added)} fill="#2f6fed">
              <title>{`${d.day}: ${formatNumber(d.added)} added`}</title>
            </rect>
          ) : null,
        )}
      </svg>
      <figcaption className="flex justify-between gap-2 text-xs text-slate-600">
        <span>{days[0]?.day}</span>
        <span>most in a day: {formatNumber(highest)}</span>
        <span>{days.at(-1)?.day}</span>
      </figcaption>
    </figure>
  );
}
