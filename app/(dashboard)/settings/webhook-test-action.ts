"use server";

import type { ActionResult } from "@/lib/app/action-result";
import { requireAdmin } from "@/lib/app/session";
import { getEnv } from "@/lib/env";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { getAppDb, getSendingDeps } from "@/lib/app/deps";

/**
 * Sends a message to a sandbox address whose local part forces opens and clicks, so the sandbox posts
 * Delivery, Open and Click webhooks back through the same route Postmark uses. Against real Postmark
 * this would send real mail, so there the admin uses Postmark's own "Send test" button instead.
 */
export async function sendWebhookTestAction(_prev: ActionResult | null): Promise<ActionResult> {
  await requireAdmin();
  const env = getEnv();
  if (new URL(env.POSTMARK_API_URL).hostname === "api.postmarkapp.com") {
    return { ok: false, error: "Connected to the real Postmark: use the \"Send test\" button on the webhook in Postmark's dashboard." };
  }
  const message = await sendSingleEmail(getAppDb(), {
    to: `click+webhook-test-${Date.now()}@postline.test`,
    from: env.POSTMARK_FROM_EMAIL,
    subject: "Postline webhook test",
    html: '<p>Webhook test. <a href="https://postline.test/">A link to click</a>.</p>',
    tag: "webhook-test",
  }, getSendingDeps());
  // Its webhooks may already have moved it past "sent" (delivered, opened): what counts is that Postmark holds it.
  if (!message.postmarkMessageId) return { ok: false, error: `The sandbox did not accept the test message (${message.status}: ${message.errorMessage ?? "no answer"})` };
  return { ok: true, message: `Sent through the sandbox (MessageID ${message.postmarkMessageId}). Delivery, Open and Click events arrive on the webhook within seconds; see Messages.` };
}
