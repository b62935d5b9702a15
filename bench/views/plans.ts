/** A sequential scan of the events that reads more rows than this is flagged (an empty month's partition is not). */
export const SEQ_SCAN_ROWS = 1_000;

/**
 * Rows that sequential scans of message_events (or any of its partitions) read in an EXPLAIN ANALYZE
 * plan: each scan's rows returned plus rows removed by its filter, times its loops. The planner scans
 * an empty or tiny partition sequentially, which is right and reads nothing.
 */
export function seqScannedEventRows(plan: string): number {
  const lines = plan.split("\n");
  let total = 0;
  lines.forEach((line, i) => {
    if (!/Seq Scan on message_events/.test(line)) return;
    const actual = /actual time=[\d.]+\.\.[\d.]+ rows=([\d.]+) loops=(\d+)/.exec(line);
    let removed = 0;
    for (const next of lines.slice(i + 1)) {
      if (/->/.test(next)) break;
      const m = /Rows Removed by Filter: (\d+)/.exec(next);
      if (m) removed = Number(m[1]);
    }
    const loops = actual ? Number(actual[2]) : 1;
    total += ((actual ? Number(actual[1]) : 0) + removed) * loops;
  });
  return total;
}
