import { describe, expect, it } from "vitest";
import { seqScannedEventRows } from "./plans";

describe("bench:views: which sequential scans of the events are worth flagging", () => {
  it("counts rows read by scans of message_events and its partitions, not an empty month's", () => {
    const empty = `Append  (cost=0.00..10.00 rows=2 width=8) (actual time=0.010..0.020 rows=1 loops=1)
  ->  Seq Scan on message_events_2026_09 e_1  (cost=0.00..0.00 rows=1 width=8) (actual time=0.001..0.001 rows=0 loops=1)
        Filter: (message_id = '1'::uuid)
  ->  Index Scan using message_events_2026_11_message_idx on message_events_2026_11 e_2  (cost=0.43..8.45 rows=1 width=8) (actual time=0.009..0.010 rows=1 loops=1)`;
    expect(seqScannedEventRows(empty)).toBe(0);
    const real = `Seq Scan on message_events_2026_11 e  (cost=0.00..1000.00 rows=50 width=8) (actual time=0.020..80.000 rows=40 loops=2)
  Filter: (record_type = 'Open'::text)
  Rows Removed by Filter: 499960
Planning Time: 0.1 ms`;
    expect(seqScannedEventRows(real)).toBe((40 + 499_960) * 2);
    expect(seqScannedEventRows("Index Only Scan using messages_pkey on messages m  (actual time=0.01..0.02 rows=1 loops=1)")).toBe(0);
  });
});
