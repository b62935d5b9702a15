/**
 * What "in flight" means for a message: in a batch whose Postmark answer is not recorded yet. A claimed
 * row says so by being `queued` with its batch_id set: the claim changes nothing that an index holds,
 * so PostgreSQL rewrites the row in place (HOT) instead of adding an entry to every index of messages
 * (bench:dispatch, 2026-11-26). A row written already in flight (a sequence step's first attempt,
 * lib/sequences/engine.ts) is `sending`, which keeps it out of the sequence queue's partial index.
 * A batch lists its messages (send_batches.message_ids), so finding them needs no index on batch_id.
 */
import { sql, type SQL } from "drizzle-orm";
import { messages } from "@/db/schema";

/** The messages of a batch still in flight in it (listed on the batch, queued, still carrying its id). */
export function inFlightIn(batchId: string): SQL {
  return sql`${messages.id} = any(select unnest(message_ids) from send_batches where id = ${batchId}::uuid)
    and ${messages.status} in ('queued', 'sending') and ${messages.batchId} = ${batchId}::uuid`;
}

/** The status to show for a message: "sending" while in flight, else the row's. */
export function shownStatus<S extends string>(m: { status: S; batchId?: string | null }): S | "sending" {
  return m.status === "queued" && m.batchId ? "sending" : m.status;
}
