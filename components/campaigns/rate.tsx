import { complaintTone, type RateTone } from "@/lib/campaigns/rates";

import { formatRate } from "@/components/ui/format";

const TONE_CLASS: Record<RateTone, string> = { good: "text-emerald-700", warning: "text-amber-700", bad: "font-semibold text-red-700" };

/**
 * One rate in a table or a card; `of` says what it counts ("380 of 950 delivered") on hover. A spam
 * complaint rate is coloured against Gmail's and Yahoo's thresholds (0.1%, 0.3%).
 */
export function Rate({ value, digits = 1, of, complaint = false }: { value: number | null; digits?: number; of?: string; complaint?: boolean }) {
  if (value === null) return <span title="No data yet: nothing to divide by">—</span>;
  const tone = complaint ? TONE_CLASS[complaintTone(value)] : "";
  return (
    <span className={`tabular-nums ${tone}`} title={of}>
      {formatRate(value, digits)}
    </span>
  );
}
