import type { Db } from "@/db";

/**
 * One cron tick of sending work: campaigns to advance and outbound webhook deliveries.
 * Each piece registers here as it lands (campaign dispatch, outbound webhooks); until then a tick
 * reports that it had nothing to do rather than pretending work happened.
 */
export async function runDispatchTick(_db: Db): Promise<{ steps: Record<string, unknown> }> {
  return { steps: {} };
}
