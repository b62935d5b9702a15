/**
 * A stacked bar chart rendered on the server: one bar per bucket, one colour per series. The bars are
 * an SVG stretched to the width of its card; the axis labels are HTML beside and below it, so they stay
 * readable on a phone instead of shrinking with the drawing. Each bar carries a <title> so hovering (or
 * a screen reader) gives the numbers. Time buckets (`bucketMs`) are labelled in the viewer's time zone
 * by a small client component; the rest is server-rendered, so a live refresh redraws without a flash.
 */
import { BucketTime } from "./bucket-time";
import { formatNumber } from "@/components/ui/format";

const PALETTE = ["#2f6fed", "#e11d48", "#f59e0b", "#10b981", "#8b5cf6", "#0ea5e9", "#64748b", "#ec4899"];
/** Fewer bars than this are drawn at this width from the left: a young campaign's chart fills as time passes. */
const MIN_SLOTS = 24;
/** At most this many axis labels (half of them on a phone). */
const LABELS = 8;

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
  // Drawing units: the SVG is stretched to its box (preserveAspectRatio="none"), lines keep 1 px.
  const width = 1000;
  const height = 100;
  const totals = buckets.map((b) => series.reduce((n, s) => n + value(b, s), 0));
  const max = Math.max(1, ...totals);
  const slots = bucketMs ? Math.max(MIN_SLOTS, buckets.length) : Math.max(1, buckets.length);
  const bw = width / slots;
  const gap = Math.min(bw * 0.15, 3);
  const y = (v: number) => height * (1 - v / max);
  const labelEvery = Math.max(1, Math.ceil(slots / LABELS));
  const spanMs = bucketMs ? buckets.length * bucketMs : 0;
  const label = (b: string, range = false) => (bucketMs ? <BucketTime at={b} bucketMs={bucketMs} spanMs={spanMs} timeZone={timeZone} range={range} /> : bucketLabel(b));
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  const labelled = buckets.map((b, i) => ({ b, i })).filter(({ i }) => i % labelEvery === 0);
  return (
    <figure className="space-y-2" data-bucket-ms={bucketMs}>
      <div className="flex gap-1.5">
        <div aria-hidden className="relative h-48 w-8 shrink-0 text-right text-[11px] tabular-nums text-slate-500">
          {ticks.map((v) => (
            <span key={v} className="absolute right-0 -translate-y-1/2 leading-none" style={{ top: `${(y(v) / height) * 100}%` }}>
              {formatNumber(v)}
            </span>
          ))}
        </div>
        <div className="min-w-0 flex-1">
          <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={title} className="block h-48 w-full">
            <title>{title}</title>
            {ticks.map((v) => (
              <line key={v} x1={0} x2={width} y1={y(v)} y2={y(v)} stroke="#e2e8f0" vectorEffect="non-scaling-stroke" />
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
                      <rect key={s} x={i * bw + gap / 2} width={Math.max(0.5, bw - gap)} y={top} height={y(acc) - top} fill={PALETTE[si % PALETTE.length]}>
                        <title>
                          {label(b, true)}
                          {` · ${s}: ${formatNumber(v)}`}
                        </title>
                      </rect>
                    );
                    acc += v;
                    return rect;
                  })}
                </g>
              );
            })}
          </svg>
          <div aria-hidden className="relative mt-1 h-4 whitespace-nowrap text-[11px] tabular-nums text-slate-600">
            {labelled.map(({ b, i }, k) => {
              // The first label starts at the left edge, one near the right edge ends there, the rest
              // are centred under their bar; every other one hides on a phone, so none run together.
              const centre = ((i + 0.5) / slots) * 100;
              const place = k === 0 ? { left: `${(i / slots) * 100}%` } : centre > 90 ? { right: "0%" } : { left: `${centre}%` };
              return (
                <span key={b} data-axis-label className={`absolute top-0 ${k > 0 && centre <= 90 ? "-translate-x-1/2" : ""} ${k % 2 === 1 ? "hidden sm:inline" : ""}`} style={place}>
                  {label(b)}
                </span>
              );
            })}
          </div>
        </div>
      </div>
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
