/**
 * A campaign's test send: the campaign as it stands, personalized as a chosen contact (or sample
 * values), to up to five addresses, each as a single email on the transactional stream with "[Test]"
 * before the subject. Test messages belong to no campaign (campaign_id is null, tag `campaign-test`,
 * Metadata `campaign_test` = the campaign's id), so they never count in the campaign's totals.
 */
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { contacts } from "@/db/schema";
import { getCampaignOrThrow } from "@/lib/campaigns/campaigns";
import { parseTestAddresses, SAMPLE_RECIPIENT } from "@/lib/campaigns/preview-recipients";
import { htmlToText, renderTemplate, type Recipient } from "@/lib/campaigns/template";
import { AppError, notFound } from "@/lib/errors";
import { parseId } from "@/lib/http/id";
import type { SendingDeps } from "./deps";
import { withHoneypot } from "./send-batch";
import { compilePart, sendSingleEmail, type SingleEmailResult } from "./single-email";

export const TEST_SEND_TAG = "campaign-test";
export const TEST_SEND_METADATA_KEY = "campaign_test";

export async function sendCampaignTest(
  db: Db,
  input: { campaignId: string; to: string | readonly string[]; contactId?: string | null },
  deps: SendingDeps,
): Promise<SingleEmailResult[]> {
  const campaign = await getCampaignOrThrow(db, input.campaignId);
  const { addresses, error } = parseTestAddresses(input.to);
  if (error) throw new AppError("validation_failed", error, [{ path: "to", message: error }]);
  let contact: { email: string; name: string; fields: Record<string, string> } | null = null;
  if (input.contactId !== undefined && input.contactId !== null) {
    if (!parseId(input.contactId)) throw notFound("Contact");
    const [row] = await db.select({ email: contacts.email, name: contacts.name, fields: contacts.fields }).from(contacts).where(sql`${contacts.id} = ${input.contactId}::uuid`);
    if (!row) throw notFound("Contact");
    contact = row;
  }
  const subject = compilePart("subject", campaign.subject);
  const html = compilePart("html", campaign.html);
  // As a real send: the text part from the campaign's own HTML when it has none, so the honeypot link
  // added to the HTML below never reaches it (sendSingleEmail would derive it from the final HTML).
  const text = compilePart("text", campaign.text?.trim() ? campaign.text : htmlToText(campaign.html));
  const sent: SingleEmailResult[] = [];
  for (const to of addresses) {
    // A test's unsubscribe link must not unsubscribe anyone: it points at a page that knows no token.
    const recipient: Recipient = { ...(contact ?? { ...SAMPLE_RECIPIENT, email: to }), unsubscribeUrl: `${deps.appUrl}/u/test` };
    sent.push(
      await sendSingleEmail(
        db,
        {
          to,
          from: campaign.fromEmail,
          subject: `[Test] ${renderTemplate({ template: subject, recipient, mode: "text" })}`,
          html: withHoneypot(renderTemplate({ template: html, recipient, mode: "html" }), { campaign, appUrl: deps.appUrl }),
          text: renderTemplate({ template: text, recipient, mode: "text" }),
          tag: TEST_SEND_TAG,
          metadata: { [TEST_SEND_METADATA_KEY]: campaign.id },
        },
        deps,
      ),
    );
  }
  return sent;
}
