/**
 * Single emails (the transactional stream): the row is written, claimed into a batch of one and sent
 * with `sendEmail`; one throttled or unanswered earlier is picked up again by advance-sending.ts.
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { Models } from "postmark";
import type { Db, DbOrTx } from "@/db";
import { contacts, messages } from "@/db/schema";
import { compileTemplate, htmlToText, renderTemplate, TemplateError, type CompiledTemplate, type Recipient } from "@/lib/campaigns/template";
import { AppError } from "@/lib/errors";
import { handleCallFailure } from "./call-failure";
import { checkAfterClaim, METADATA_BATCH_ID, METADATA_MESSAGE_ID, unsubscribeUrl, type SendingDeps } from "./deps";
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
  /**
   * Render `{{ name }}`, `{{ fields.x }}`, `{{ email }}`, `{{ unsubscribe_url }}` in subject and bodies
   * (see `renderSingleEmail`). Off unless asked: the form and the API ask; internal senders (alerts,
   * campaign test sends) pass text that is final and may contain braces.
   */
  personalize?: boolean;
  /** Postmark's TrackOpens; default true, like campaign mail. */
  trackOpens?: boolean;
  /** Postmark's TrackLinks "HtmlAndText" (or "None" when false); default true, like campaign mail. */
  trackLinks?: boolean;
}

/** The recipient's contact, when one has the address. */
export interface SingleEmailContact {
  name: string;
  fields: Record<string, string>;
}

type Part = "subject" | "html" | "text";

/** Same error as a campaign's template (`invalid_template`, naming the part and the variable). */
/** One part compiled, or `invalid_template` naming the part and the variable. */
export function compilePart(part: Part, source: string): CompiledTemplate {
  try {
    return compileTemplate(source);
  } catch (error) {
    if (error instanceof TemplateError) throw new AppError("invalid_template", `${part}: ${error.message}`, { part, variable: error.variable });
    throw error;
  }
}

/**
 * Personalizes a single email with the campaign template engine. With a contact, every variable works
 * as in a campaign. Without one (nobody in Contacts has the address), `{{ email }}` and
 * `{{ unsubscribe_url }}` still render, and `{{ name }}` / `{{ fields.x }}` render their default; one
 * without a (non-empty) default is refused rather than sent as "Hello ,".
 */
export function renderSingleEmail({
  email: input,
  contact,
  unsubscribeUrl: unsubscribe,
}: {
  email: Pick<SingleEmailInput, "to" | "subject" | "html" | "text">;
  contact: SingleEmailContact | null;
  unsubscribeUrl: string;
}): { subject: string; html?: string; text?: string } {
  const recipient: Recipient = { email: input.to, name: contact?.name ?? "", fields: contact?.fields ?? {}, unsubscribeUrl: unsubscribe };
  const render = (part: Part, source: string | undefined, mode: "html" | "text") => {
    if (source === undefined) return undefined;
    const template = compilePart(part, source);
    if (!contact) {
      for (const p of template.parts) {
        if (typeof p === "string" || p.fallback || p.variable === "email" || p.variable === "unsubscribe_url") continue;
        throw new AppError(
          "invalid_template",
          `${part}: {{ ${p.variable} }} needs a contact, and no contact has the address ${input.to}: add the contact, or give a default such as {{ ${p.variable} | default: "there" }}`,
          { part, variable: p.variable },
        );
      }
    }
    return renderTemplate({ template, recipient, mode });
  };
  return { subject: render("subject", input.subject, "text")!, html: render("html", input.html, "html"), text: render("text", input.text, "text") };
}

/** Claims one queued single email (created earlier, or released after a 429) into its own batch. */
async function claimSingle(db: Db, { messageId }: { messageId?: string }, deps: SendingDeps) {
  const now = deps.now();
  const checkAfter = checkAfterClaim(deps, now);
  const rows = await db.execute<{ id: string; batch_id: string }>(sql`
    with picked as (
      select id from messages
      where campaign_id is null and sequence_id is null and status = 'queued'
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
async function sendClaimedSingle(db: Db, claim: { id: string; batch_id: string }, deps: SendingDeps) {
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
      TrackOpens: m.trackOpens,
      TrackLinks: m.trackLinks ? Models.LinkTrackingOptions.HtmlAndText : Models.LinkTrackingOptions.None,
      Metadata: { ...m.metadata, [METADATA_MESSAGE_ID]: m.id, [METADATA_BATCH_ID]: claim.batch_id },
    });
    await recordBatchResults(
      db,
      {
        batchId: claim.batch_id,
        campaignId: null,
        results: [{ messageId: m.id, toEmail: m.toEmail, postmarkMessageId: r.MessageID, submittedAt: r.SubmittedAt ? new Date(r.SubmittedAt) : undefined }],
      },
      deps,
    );
  } catch (error) {
    const failure = classifyPostmarkError(error);
    if (failure.kind === "rejected") {
      await recordBatchResults(
        db,
        { batchId: claim.batch_id, campaignId: null, results: [{ messageId: m.id, toEmail: m.toEmail, errorCode: failure.code, errorMessage: failure.message }] },
        deps,
      );
    } else {
      await handleCallFailure(db, { batch: { batchId: claim.batch_id, campaignId: null, messages: [m] }, error }, deps);
    }
  }
}

/** Sends the oldest queued single email, if any (one released after a 429, or one never claimed). */
export async function sendNextQueuedSingle(db: Db, deps: SendingDeps): Promise<boolean> {
  const claim = await claimSingle(db, {}, deps);
  if (!claim) return false;
  await sendClaimedSingle(db, claim, deps);
  return true;
}

export type SingleEmailResult = typeof messages.$inferSelect;

/**
 * Records a single email (transactional stream) and sends it at once. The row exists before Postmark
 * is called, so a crash mid-call is resolved like any open batch. Returns the message as it stands:
 * sent, failed (with Postmark's code), or still queued/sending when Postmark throttled or did not answer.
 * When personalized, the row keeps the rendered subject and bodies (what was sent; a later attempt
 * sends the same); a template error is an `invalid_template` AppError and nothing is stored.
 */
export async function sendSingleEmail(db: Db, input: SingleEmailInput, deps: SendingDeps): Promise<SingleEmailResult> {
  const row = await queueSingleEmail(db, input, deps);
  return sendQueuedSingleEmail(db, { messageId: row.id }, deps);
}

/**
 * Writes a single email as queued without calling Postmark, in the caller's transaction: for senders
 * whose email must exist exactly when their own change commits (a form's confirmation email). Send it
 * after the commit with `sendQueuedSingleEmail`; if that never happens, advance-sending sends it.
 */
export async function queueSingleEmail(db: DbOrTx, input: SingleEmailInput, deps: Pick<SendingDeps, "appUrl" | "unsubscribeKey" | "messageStream">): Promise<SingleEmailResult> {
  const [contact] = await db
    .select({ id: contacts.id, name: contacts.name, fields: contacts.fields })
    .from(contacts)
    .where(sql`lower(${contacts.email}) = lower(${input.to})`)
    .limit(1);
  // The id is chosen here so `{{ unsubscribe_url }}` can carry it before the row exists.
  const id = randomUUID();
  const content = input.personalize ? renderSingleEmail({ email: input, contact: contact ?? null, unsubscribeUrl: unsubscribeUrl(deps, id) }) : input;
  const [row] = await db
    .insert(messages)
    .values({
      id,
      kind: "single",
      contactId: contact?.id ?? null,
      toEmail: input.to,
      fromEmail: input.from,
      subject: content.subject,
      messageStream: deps.messageStream,
      tag: input.tag ?? null,
      metadata: input.metadata ?? {},
      htmlBody: content.html ?? null,
      textBody: content.text ?? null,
      trackOpens: input.trackOpens ?? true,
      trackLinks: input.trackLinks ?? true,
    })
    .returning();
  return row;
}

/** Sends one queued single email now (unless another worker claimed it first) and returns its row as it stands. */
export async function sendQueuedSingleEmail(db: Db, { messageId }: { messageId: string }, deps: SendingDeps): Promise<SingleEmailResult> {
  const claim = await claimSingle(db, { messageId }, deps);
  if (claim) await sendClaimedSingle(db, claim, deps);
  const [after] = await db.select().from(messages).where(eq(messages.id, messageId));
  return after;
}
