/**
 * A stacked bar chart as plain SVG, rendered on the server: one bar per bucket, one colour per series.
 * Each bar carries a <title> so hovering (or a screen reader) gives the numbers. Time buckets
 * (`bucketMs`) are labelled in the viewer's time zone by a small client component; everything else is
 * server-rendered, so a refresh of the page redraws the bars without a flash.
 */
import { BucketTime } from "./bucket-time";
import { formatNumber } from "@/components/ui/format";

const PALETTE = ["#2f6fed", "#e11d48", "#f59e0b", "#10b981", "#8b5cf6", "#0ea5e9", "#64748b", "#ec4899"];
/** Fewer bars than this are drawn at this width from the left: a young campaign's chart fills as time passes. */
const MIN_SLOTS = 24;

export interface StackedBarsProps {
  title: string;
  buckets: string[];
  series: string[];
  value: (bucket: string, series: string) => number;
  /** Buckets are ISO instants, each this long: labels and tooltips are times in the viewer's zone. */
  bucketMs?: number;
  /** The viewer's IANA time zone when known (a profile setting); else the browser's. */
  timeZone?: string;
  /** Labels for buckets that are not times (ignored with `bucketMs`). */
  bucketLabel?: (bucket: string) => string;
}

export function StackedBars({ title, buckets, series, value, bucketMs, timeZone, bucketLabel = (b) => b }: StackedBarsProps) {
  const width = 720;
  const height = 180;
  const pad = { left: 40, right: 8, top: 8, bottom: 22 };
  const totals = buckets.map((b) => series.reduce((n, s) => n + value(b, s), 0));
  const max = Math.max(1, ...totals);
  const slots = bucketMs ? Math.max(MIN_SLOTS, buckets.length) : Math.max(1, buckets.length);
  const bw = (width - pad.left - pad.right) / slots;
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  const labelEvery = Math.ceil(buckets.length / 8);
  const spanMs = bucketMs ? buckets.length * bucketMs : 0;
  const label = (b: string, range = false) => (bucketMs ? <BucketTime at={b} bucketMs={bucketMs} spanMs={spanMs} timeZone={timeZone} range={range} /> : bucketLabel(b));
  // Round ticks: 0, half and the top, as whole numbers.
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  return (
    <figure className="space-y-2" data-bucket-ms={bucketMs}>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} className="h-48 w-full">
        <title>{title}</title>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} stroke="#e2e8f0" />
            <text x={pad.left - 4} y={y(v) + 3} textAnchor="end" fontSize="9" fill="#64748b">
              {formatNumber(v)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          let acc = 0;
          return (
            <g key={b} data-bucket={b}>
              {series.map((s, si) => {
                const v = value(b, s);
                if (!v) return null;
                const top = y(acc + v);
                const rect = (
                  <rect key={s} x={pad.left + i * bw + 1} width={Math.max(1, bw - 2)} y={top} height={y(acc) - top} fill={PALETTE[si % PALETTE.length]}>
                    <title>
                      {label(b, true)}
                      {` · ${s}: ${formatNumber(v)}`}
                    </title>
                  </rect>
                );
                acc += v;
                return rect;
              })}
              {i % labelEvery === 0 ? (
                <text x={pad.left + i * bw + bw / 2} y={height - 6} textAnchor={i === 0 ? "start" : "middle"} dx={i === 0 ? -bw / 2 : 0} fontSize="9" fill="#475569">
                  {label(b)}
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
