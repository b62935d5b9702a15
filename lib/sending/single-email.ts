/**
 * Single emails (the transactional stream): the row is written, claimed into a batch of one and sent
 * with `sendEmail`; one throttled or unanswered earlier is picked up again by advance-sending.ts.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { contacts, messages } from "@/db/schema";
import { htmlToText } from "@/lib/campaigns/template";
import { handleCallFailure } from "./call-failure";
import { checkAfterClaim, clock, METADATA_BATCH_ID, METADATA_MESSAGE_ID, type SendingDeps } from "./deps";
import { classifyPostmarkError } from "./postmark-outcome";
import { recordBatchResults } from "./record-results";

export interface SingleEmailInput {
  to: string;
  subject: string;
  html?: string;
  text?: string;
  from: string;
  tag?: string;
  metadata?: Record<string, string>;
}

/** Claims one queued single email (created earlier, or released after a 429) into its own batch. */
async function claimSingle(db: Db, deps: SendingDeps, messageId?: string) {
  const now = clock(deps);
  const checkAfter = checkAfterClaim(deps, now);
  const rows = await db.execute<{ id: string; batch_id: string }>(sql`
    with picked as (
      select id from messages
      where campaign_id is null and status = 'queued'
        and (next_attempt_at is null or next_attempt_at <= ${now.toISOString()}::timestamptz)
        ${messageId ? sql`and id = ${messageId}::uuid` : sql``}
      order by id limit 1 for update skip locked
    ),
    batch as (
      insert into send_batches (campaign_id, message_count, claimed_at, check_after)
      select null, 1, ${now.toISOString()}::timestamptz, ${checkAfter.toISOString()}::timestamptz from picked
      returning id
    )
    update messages m set status = 'sending', batch_id = batch.id, attempts = m.attempts + 1, updated_at = ${now.toISOString()}::timestamptz
    from picked, batch where m.id = picked.id
    returning m.id, batch.id as batch_id`);
  return rows.rows[0] ?? null;
}

/** Sends one claimed single email via `sendEmail`; its bodies are on the message row. */
async function sendClaimedSingle(db: Db, deps: SendingDeps, claim: { id: string; batch_id: string }) {
  const [m] = await db.select().from(messages).where(eq(messages.id, claim.id));
  const html = m.htmlBody ?? "";
  const text = m.textBody ?? "";
  try {
    const r = await deps.postmark.sendEmail({
      From: m.fromEmail,
      To: m.toEmail,
      Subject: m.subject,
      HtmlBody: html || undefined,
      TextBody: text || (html ? htmlToText(html) : undefined),
      Tag: m.tag ?? undefined,
      MessageStream: m.messageStream,
      TrackOpens: true,
      Metadata: { ...m.metadata, [METADATA_MESSAGE_ID]: m.id, [METADATA_BATCH_ID]: claim.batch_id },
    });
    await recordBatchResults(db, deps, claim.batch_id, null, [
      { messageId: m.id, toEmail: m.toEmail, postmarkMessageId: r.MessageID, submittedAt: r.SubmittedAt ? new Date(r.SubmittedAt) : undefined },
    ]);
  } catch (error) {
    const failure = classifyPostmarkError(error);
    if (failure.kind === "rejected") {
      await recordBatchResults(db, deps, claim.batch_id, null, [{ messageId: m.id, toEmail: m.toEmail, errorCode: failure.code, errorMessage: failure.message }]);
    } else {
      await handleCallFailure(db, deps, { batchId: claim.batch_id, campaignId: null, messages: [m] }, error);
    }
  }
}

/** Sends the oldest queued single email, if any (one released after a 429, or one never claimed). */
export async function sendNextQueuedSingle(db: Db, deps: SendingDeps): Promise<boolean> {
  const claim = await claimSingle(db, deps);
  if (!claim) return false;
  await sendClaimedSingle(db, deps, claim);
  return true;
}

export type SingleEmailResult = typeof messages.$inferSelect;

/**
 * Records a single email (transactional stream) and sends it at once. The row exists before Postmark
 * is called, so a crash mid-call is resolved like any open batch. Returns the message as it stands:
 * sent, failed (with Postmark's code), or still queued/sending when Postmark throttled or did not answer.
 */
export async function sendSingleEmail(db: Db, deps: SendingDeps, input: SingleEmailInput): Promise<SingleEmailResult> {
  const [contact] = await db
    .select({ id: contacts.id, status: contacts.status })
    .from(contacts)
    .where(sql`lower(${contacts.email}) = lower(${input.to})`)
    .limit(1);
  const [row] = await db
    .insert(messages)
    .values({
      kind: "single",
      contactId: contact?.id ?? null,
      toEmail: input.to,
      fromEmail: input.from,
      subject: input.subject,
      messageStream: deps.messageStream,
      tag: input.tag ?? null,
      metadata: input.metadata ?? {},
      htmlBody: input.html ?? null,
      textBody: input.text ?? null,
    })
    .returning();
  const claim = await claimSingle(db, deps, row.id);
  if (claim) await sendClaimedSingle(db, deps, claim);
  const [after] = await db.select().from(messages).where(eq(messages.id, row.id));
  return after;
}
