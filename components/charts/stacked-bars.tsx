/**
 * A stacked bar chart as plain SVG, rendered on the server: one bar per bucket, one colour per series.
 * No client JavaScript; each bar carries a <title> so hovering (or a screen reader) gives the numbers.
 */
const PALETTE = ["#2f6fed", "#e11d48", "#f59e0b", "#10b981", "#8b5cf6", "#0ea5e9", "#64748b", "#ec4899"];

export interface StackedBarsProps {
  title: string;
  buckets: string[];
  series: string[];
  value: (bucket: string, series: string) => number;
  bucketLabel?: (bucket: string) => string;
}

export function StackedBars({ title, buckets, series, value, bucketLabel = (b) => b }: StackedBarsProps) {
  const width = 720;
  const height = 180;
  const pad = { left: 36, right: 8, top: 8, bottom: 22 };
  const totals = buckets.map((b) => series.reduce((n, s) => n + value(b, s), 0));
  const max = Math.max(1, ...totals);
  const bw = (width - pad.left - pad.right) / Math.max(1, buckets.length);
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  const labelEvery = Math.ceil(buckets.length / 8);
  return (
    <figure className="space-y-2">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} className="h-48 w-full">
        <title>{title}</title>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={pad.left} x2={width - pad.right} y1={y(max * f)} y2={y(max * f)} stroke="#e2e8f0" />
            <text x={pad.left - 4} y={y(max * f) + 3} textAnchor="end" fontSize="9" fill="#64748b">
              {Math.round(max * f)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          let acc = 0;
          return (
            <g key={b}>
              {series.map((s, si) => {
                const v = value(b, s);
                if (!v) return null;
                const top = y(acc + v);
                const rect = (
                  <rect key={s} x={pad.left + i * bw + 1} width={Math.max(1, bw - 2)} y={top} height={y(acc) - top} fill={PALETTE[si % PALETTE.length]}>
                    <title>{`${bucketLabel(b)} · ${s}: ${v}`}</title>
                  </rect>
                );
                acc += v;
                return rect;
              })}
              {i % labelEvery === 0 ? (
                <text x={pad.left + i * bw + bw / 2} y={height - 6} textAnchor="middle" fontSize="9" fill="#64748b">
                  {bucketLabel(b)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="flex flex-wrap gap-3 text-xs text-slate-600">
        {series.map((s, si) => (
          <span key={s} className="inline-flex items-center gap-1">
            <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: PALETTE[si % PALETTE.length] }} />
            {s}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
