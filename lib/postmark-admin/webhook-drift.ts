import type { ServerClient } from "postmark";
import type { Db } from "@/db";
import { raiseAndNotify, type AlertEmailer } from "@/lib/alerts/alerts";
import { logUnexpected } from "@/lib/errors";
import { inspectWebhooks, isConfigurationFailure, type PostlineWebhookConfig, type WebhookProblemCode } from "./webhooks";

export const DRIFT_ALERT_KIND = "postmark_webhooks";

// Problems that lose or refuse events; the others (a rotation not pushed yet, first-open-only) lose
// engagement detail or need a click, and are warnings.
const LOSES_EVENTS = new Set<WebhookProblemCode>(["url", "secret_missing", "secret_wrong", "basic_auth", "trigger_off"]);

/**
 * The reconcile cron's webhook step: reads each stream's webhook from Postmark and raises an admin
 * alert per stream whose webhook is missing or differs (edited in Postmark's UI, the URL changed, a
 * trigger switched off), or that Postmark refuses to show (a wrong token, an unknown stream). A passing
 * outage (5xx, 429, no answer) raises nothing: the next run looks again. Never throws, so the run's
 * other work is unaffected; returns the alert keys raised.
 */
export async function checkWebhookDrift(
  db: Db,
  deps: { postmark: ServerClient; webhooks: PostlineWebhookConfig; emailer?: AlertEmailer | null; now: Date },
): Promise<string[]> {
  try {
    const raised: string[] = [];
    for (const s of await inspectWebhooks(deps.postmark, deps.webhooks)) {
      if (s.state === "ok") continue;
      if (s.state === "unavailable") {
        if (!s.error || !isConfigurationFailure(s.error)) continue;
        raised.push(`unavailable:${s.stream}`);
        await raiseAndNotify(db, {
          kind: DRIFT_ALERT_KIND,
          dedupeKey: `unavailable:${s.stream}`,
          severity: "critical",
          title: `Postline cannot read the Postmark webhook of stream "${s.stream}"`,
          body: `${s.error.message}. Check POSTMARK_SERVER_TOKEN and the stream names (POSTMARK_MESSAGE_STREAM, POSTMARK_BROADCAST_STREAM).`,
        }, { emailer: deps.emailer ?? null, now: deps.now });
        continue;
      }
      const key = `drift:${s.stream}`;
      raised.push(key);
      await raiseAndNotify(db, {
        kind: DRIFT_ALERT_KIND,
        dedupeKey: key,
        severity: s.problems.some((p) => LOSES_EVENTS.has(p.code)) ? "critical" : "warning",
        title: s.state === "missing" ? `Postmark has no Postline webhook on stream "${s.stream}"` : `The Postmark webhook of stream "${s.stream}" was changed`,
        body: `${s.problems.map((p) => p.message).join(". ")}. Settings → Postmark → Connect (or POST /api/v1/postmark/webhooks/sync) puts it right; reconciliation recovers statuses meanwhile.`,
      }, { emailer: deps.emailer ?? null, now: deps.now });
    }
    return raised;
  } catch (error) {
    logUnexpected("webhook-drift", error);
    return [];
  }
}
