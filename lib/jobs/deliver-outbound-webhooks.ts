/**
 * The outbound webhook job (`/api/cron/deliver-webhooks`, every minute): delivers the outbox's due
 * deliveries to users' endpoints. With `lingerMs` (the cron route) it keeps polling for new events
 * while any endpoint is active, so most deliveries leave within a moment of their event rather than at
 * the next minute's run. Stopped by the budget with work waiting, the caller chains another run.
 */
import type { Db } from "@/db";
import { runOutboundDelivery, type DeliveryRunResult } from "@/lib/outbound-webhooks/delivery-loop";
import type { OutboundDeps } from "@/lib/outbound-webhooks/deps";

export async function runDeliverOutboundWebhooks(
  db: Db,
  options: { budgetMs?: number; lingerMs?: number },
  deps: OutboundDeps,
): Promise<{ outboundWebhooks: DeliveryRunResult }> {
  return { outboundWebhooks: await runOutboundDelivery(db, { budgetMs: options.budgetMs ?? 40_000, lingerMs: options.lingerMs }, deps) };
}
