import type { Db } from "@/db";
import { sendAlertDigests, type AlertEmailer } from "@/lib/alerts/alerts";
import { advanceSending, type AdvanceResult } from "@/lib/sending/advance-sending";
import type { SendingDeps } from "@/lib/sending/deps";
import { runOutboundDelivery, type DeliveryRunResult } from "@/lib/outbound-webhooks/delivery-loop";
import type { OutboundDeps } from "@/lib/outbound-webhooks/deps";

/**
 * One cron tick of sending work: campaign batches and single emails, outbound webhook deliveries,
 * then admin alert digests.
 * Stays inside the function time limit; when work remains at the end of the budget the caller may
 * chain another tick (see lib/app/continue-sending.ts).
 */
export async function runDispatchTick(
  db: Db,
  deps: SendingDeps,
  options: { budgetMs?: number; emailer?: AlertEmailer | null; outbound?: OutboundDeps; outboundLingerMs?: number } = {},
): Promise<{ sending: AdvanceResult; alertDigests: number; outboundWebhooks: DeliveryRunResult | null }> {
  // Outbound webhook delivery runs beside sending. With `outboundLingerMs` (the cron route) it keeps
  // polling for new events while any endpoint is active, so most deliveries leave within a moment of
  // their event rather than at the next minute's tick.
  const [sending, outboundWebhooks] = await Promise.all([
    advanceSending(db, deps, { budgetMs: options.budgetMs ?? 45_000 }),
    options.outbound ? runOutboundDelivery(db, options.outbound, { budgetMs: options.budgetMs ?? 40_000, lingerMs: options.outboundLingerMs }) : Promise.resolve(null),
  ]);
  const alertDigests = options.emailer ? await sendAlertDigests(db, options.emailer) : 0;
  return { sending, alertDigests, outboundWebhooks };
}
