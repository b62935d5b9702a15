import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiMessage } from "@/lib/app/api-shapes";
import { getSendingDeps } from "@/lib/app/deps";
import { MAX_TEST_ADDRESSES } from "@/lib/campaigns/preview-recipients";
import { sendCampaignTest } from "@/lib/sending/campaign-test";
import { idField, pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

const bodySchema = z.strictObject({
  to: z.array(z.string().max(320)).min(1, "Give at least one address").max(MAX_TEST_ADDRESSES, `A test goes to at most ${MAX_TEST_ADDRESSES} addresses`),
  contact_id: idField("Not a contact id").optional(),
});

/**
 * A test of the campaign as it stands to up to five addresses, personalized as `contact_id` (or sample
 * values), "[Test]" before the subject, on the transactional stream; never counted in the campaign.
 * Answers each message with its status (sent, or failed with Postmark's reason).
 */
export const POST = apiRoute<{ campaignId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  const body = await readJson(req, bodySchema, 64 * 1024);
  const messages = await sendCampaignTest(db, { campaignId: id, to: body.to, contactId: body.contact_id }, getSendingDeps());
  return messages.map(toApiMessage);
});
