/**
 * A campaign's test send (lib/sending/test-send.ts): the campaign as it stands, honeypot link included,
 * tag `campaign-test`, Metadata `campaign_test` = the campaign's id; never counted in the campaign.
 */
import type { Db } from "@/db";
import { getCampaignOrThrow } from "@/lib/campaigns/campaigns";
import type { SendingDeps } from "./deps";
import { withHoneypot } from "./send-batch";
import type { SingleEmailResult } from "./single-email";
import { sendTestEmail } from "./test-send";

export const TEST_SEND_TAG = "campaign-test";
export const TEST_SEND_METADATA_KEY = "campaign_test";

export async function sendCampaignTest(
  db: Db,
  input: { campaignId: string; to: string | readonly string[]; contactId?: string | null },
  deps: SendingDeps,
): Promise<SingleEmailResult[]> {
  const campaign = await getCampaignOrThrow(db, input.campaignId);
  return sendTestEmail(
    db,
    {
      content: { ...campaign, finishHtml: (html) => withHoneypot(html, { campaign, appUrl: deps.appUrl }) },
      to: input.to,
      contactId: input.contactId,
      tag: TEST_SEND_TAG,
      metadata: { [TEST_SEND_METADATA_KEY]: campaign.id },
    },
    deps,
  );
}
