// Times are formatted in one place: components/ui/time.tsx (formatTime and <Time>, in the viewer's zone).

/**
 * Numbers are written one way on every page: thousands separated by commas ("1,962"), whatever the
 * server's or the browser's locale, so a count never reads differently between two pages.
 */
const integers = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatNumber(value: number): string {
  return integers.format(value);
}

/** One decimal, separators as formatNumber: "12.5", "1,204.0". */
export function formatDecimal(value: number): string {
  return oneDecimal.format(value);
}

/** `part` of `whole` as a percentage with one decimal ("45.3%"); "—" when there is no whole. */
export function formatPercent(part: number, whole: number): string {
  if (!whole) return "—";
  return `${oneDecimal.format((part / whole) * 100)}%`;
}

const percentDigits = [0, 1, 2, 3].map((d) => new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));

/** A rate (0.4 = 40%) as a percentage with `digits` decimals ("40.0%", "0.12%"); "—" for null. */
export function formatRate(rate: number | null, digits = 1): string {
  return rate === null ? "—" : `${percentDigits[Math.min(3, Math.max(0, digits))].format(rate * 100)}%`;
}
