/**
 * A sequence email's test send, as a campaign's (lib/sending/test-send.ts): the email as it stands,
 * from the sequence's sender, tag `sequence-test`, Metadata `sequence_test` = the sequence's id and
 * `sequence_email_test` = the email's; never counted in the sequence (no sequence ids on the message).
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db";
import { sequenceEmails } from "@/db/schema";
import { notFound } from "@/lib/errors";
import type { SendingDeps } from "@/lib/sending/deps";
import type { SingleEmailResult } from "@/lib/sending/single-email";
import { sendTestEmail } from "@/lib/sending/test-send";
import { getSequenceOrThrow } from "./sequences";

export const SEQUENCE_TEST_TAG = "sequence-test";

export async function sendSequenceEmailTest(
  db: Db,
  input: { sequenceId: string; emailId: string; to: string | readonly string[]; contactId?: string | null },
  deps: SendingDeps,
): Promise<SingleEmailResult[]> {
  const sequence = await getSequenceOrThrow(db, input.sequenceId);
  const [email] = await db
    .select()
    .from(sequenceEmails)
    .where(and(eq(sequenceEmails.id, input.emailId), eq(sequenceEmails.sequenceId, sequence.id), isNull(sequenceEmails.deletedAt)));
  if (!email) throw notFound("Sequence email");
  return sendTestEmail(
    db,
    {
      content: { fromEmail: sequence.fromEmail, subject: email.subject, html: email.html, text: email.text },
      to: input.to,
      contactId: input.contactId,
      tag: SEQUENCE_TEST_TAG,
      metadata: { sequence_test: sequence.id, sequence_email_test: email.id },
    },
    deps,
  );
}
