/**
 * What "in flight" means for a message: claimed into a batch whose Postmark answer is not recorded
 * yet. The row says so by being `queued` with its batch_id set; the claim changes nothing else that an
 * index holds, so PostgreSQL rewrites the row in place (HOT) instead of adding an entry to every index
 * of messages (bench:dispatch, 2026-11-26). A batch lists its messages (send_batches.message_ids), so
 * finding them needs no index on batch_id.
 */
import { sql, type SQL } from "drizzle-orm";
import { messages } from "@/db/schema";

/** The messages of a batch still in flight in it (listed on the batch, queued, still carrying its id). */
export function inFlightIn(batchId: string): SQL {
  return sql`${messages.id} = any(select unnest(message_ids) from send_batches where id = ${batchId}::uuid)
    and ${messages.status} = 'queued' and ${messages.batchId} = ${batchId}::uuid`;
}

/** The status to show for a message: "sending" while in flight, else the row's. */
export function shownStatus<S extends string>(m: { status: S; batchId?: string | null }): S | "sending" {
  return m.status === "queued" && m.batchId ? "sending" : m.status;
}
