import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiMessage } from "@/lib/app/api-shapes";
import { getSendingDeps } from "@/lib/app/deps";
import { MAX_TEST_ADDRESSES } from "@/lib/campaigns/preview-recipients";
import { idField, pathId } from "@/lib/http/id";
import { sendSequenceEmailTest } from "@/lib/sequences/test-send";

export const dynamic = "force-dynamic";

const bodySchema = z.strictObject({
  to: z.array(z.string().max(320)).min(1, "Give at least one address").max(MAX_TEST_ADDRESSES, `A test goes to at most ${MAX_TEST_ADDRESSES} addresses`),
  contact_id: idField("Not a contact id").optional(),
});

/**
 * A test of one email of the sequence as it stands, as a campaign's test (POST /api/v1/campaigns/{id}/test):
 * up to five addresses, personalized as `contact_id` (or sample values), "[Test]" before the subject, on
 * the transactional stream; never counted in the sequence. Answers each message with its status.
 */
export const POST = apiRoute<{ sequenceId: string; emailId: string }>({}, async ({ req, db, params }) => {
  const sequenceId = pathId(params.sequenceId, "Sequence");
  const emailId = pathId(params.emailId, "Sequence email");
  const body = await readJson(req, bodySchema, 64 * 1024);
  const messages = await sendSequenceEmailTest(db, { sequenceId, emailId, to: body.to, contactId: body.contact_id }, getSendingDeps());
  return messages.map(toApiMessage);
});
