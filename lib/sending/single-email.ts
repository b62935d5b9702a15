/**
 * Single emails (the transactional stream): the row is written, claimed into a batch and sent (one
 * with `sendEmail`, several queued ones with one `sendEmailBatch`); one throttled or unanswered earlier
 * is picked up again by advance-sending.ts.
 */
import { eq, inArray, sql } from "drizzle-orm";
import { Models } from "postmark";
import type { Db, DbOrTx } from "@/db";
import { contacts, messages } from "@/db/schema";
import { compileTemplate, htmlToText, renderTemplate, TemplateError, type CompiledTemplate, type Recipient } from "@/lib/campaigns/template";
import { AppError } from "@/lib/errors";
import { handleCallFailure } from "./call-failure";
import { checkAfterClaim, METADATA_BATCH_ID, METADATA_MESSAGE_ID, POSTMARK_BATCH_LIMIT, unsubscribeUrl, type SendingDeps } from "./deps";
import { newMessageId } from "./message-id";
import { classifyPostmarkError } from "./postmark-outcome";
import { recordBatchResults, type EntryResult } from "./record-results";

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

/**
 * Postmark's batch call takes at most 500 messages and 50 MB; single emails carry their own bodies, so
 * a claim also stops once the bodies add up to this much (the first message always fits).
 */
const SINGLES_BATCH_BYTES = 20 * 1024 * 1024;

/**
 * Claims queued single emails (created earlier, or released after a 429) into one batch: the one named,
 * or up to `limit` of the oldest due ones.
 */
async function claimSingles(db: Db, { messageId, limit }: { messageId?: string; limit: number }, deps: SendingDeps) {
  const now = deps.now();
  const checkAfter = checkAfterClaim(deps, now);
  const rows = await db.execute<{ id: string; batch_id: string }>(sql`
    with due as (
      select id, coalesce(octet_length(html_body), 0) + coalesce(octet_length(text_body), 0) as bytes from messages
      where campaign_id is null and sequence_id is null and status = 'queued' and batch_id is null
        and (next_attempt_at is null or next_attempt_at <= ${now.toISOString()}::timestamptz)
        ${messageId ? sql`and id = ${messageId}::uuid` : sql``}
      order by id limit ${Math.min(limit, POSTMARK_BATCH_LIMIT)} for update skip locked
    ),
    picked as (
      select id from (select id, sum(bytes) over (order by id) as running, row_number() over (order by id) as n from due) d
      where n = 1 or running <= ${SINGLES_BATCH_BYTES}
    ),
    batch as (
      insert into send_batches (campaign_id, message_count, claimed_at, check_after, message_ids)
      select null, count(*), ${now.toISOString()}::timestamptz, ${checkAfter.toISOString()}::timestamptz, array_agg(picked.id) from picked
      having count(*) > 0
      returning id
    )
    update messages m set batch_id = batch.id, attempts = m.attempts + 1, updated_at = ${now.toISOString()}::timestamptz
    from picked, batch where m.id = picked.id
    returning m.id, batch.id as batch_id`);
  if (rows.rows.length === 0) return null;
  return { batchId: rows.rows[0].batch_id, ids: rows.rows.map((r) => r.id) };
}

type SingleRow = typeof messages.$inferSelect;

function singleEmailMessage(m: SingleRow, batchId: string) {
  const html = m.htmlBody ?? "";
  const text = m.textBody ?? "";
  return {
    From: m.fromEmail,
    To: m.toEmail,
    Subject: m.subject,
    HtmlBody: html || undefined,
    TextBody: text || (html ? htmlToText(html) : undefined),
    Tag: m.tag ?? undefined,
    MessageStream: m.messageStream,
    TrackOpens: m.trackOpens,
    TrackLinks: m.trackLinks ? Models.LinkTrackingOptions.HtmlAndText : Models.LinkTrackingOptions.None,
    Metadata: { ...m.metadata, [METADATA_MESSAGE_ID]: m.id, [METADATA_BATCH_ID]: batchId },
  };
}

/**
 * Sends claimed single emails (their bodies are on the rows): one with `sendEmail`, several with one
 * `sendEmailBatch` call whose answer is read entry by entry. A call that fails as a whole is handled
 * like a campaign batch's (retry later, or looked up in Postmark before anything is sent again).
 */
async function sendClaimedSingles(db: Db, claim: { batchId: string; ids: string[] }, deps: SendingDeps): Promise<number> {
  const rows = await db.select().from(messages).where(inArray(messages.id, claim.ids)).orderBy(messages.id);
  if (rows.length === 0) return 0;
  const batch = { batchId: claim.batchId, campaignId: null, messages: rows };
  const emails = rows.map((m) => singleEmailMessage(m, claim.batchId));
  let results: EntryResult[];
  try {
    if (rows.length === 1) {
      const r = await deps.postmark.sendEmail(emails[0]);
      results = [{ messageId: rows[0].id, toEmail: rows[0].toEmail, postmarkMessageId: r.MessageID, submittedAt: r.SubmittedAt ? new Date(r.SubmittedAt) : undefined }];
    } else {
      const answers = await deps.postmark.sendEmailBatch(emails);
      // Postmark answers in request order, one entry per message.
      results = rows.map((m, i) => {
        const r = answers[i];
        if (r && r.ErrorCode === 0 && r.MessageID) return { messageId: m.id, toEmail: m.toEmail, postmarkMessageId: r.MessageID, submittedAt: r.SubmittedAt ? new Date(r.SubmittedAt) : undefined };
        return { messageId: m.id, toEmail: m.toEmail, errorCode: r?.ErrorCode ?? -1, errorMessage: r?.Message ?? "No answer for this message" };
      });
    }
  } catch (error) {
    const failure = classifyPostmarkError(error);
    // One message refused by the single-message endpoint (a bad address, an inactive recipient): its own answer.
    if (failure.kind === "rejected" && rows.length === 1) {
      results = [{ messageId: rows[0].id, toEmail: rows[0].toEmail, errorCode: failure.code, errorMessage: failure.message }];
    } else {
      await handleCallFailure(db, { batch, error }, deps);
      return rows.length;
    }
  }
  await recordBatchResults(db, { batchId: claim.batchId, campaignId: null, results }, deps);
  return rows.length;
}

/**
 * Sends up to `limit` (at most 500) of the oldest due queued single emails in one Postmark call, and
 * answers how many it claimed (0: none was due). Senders that queue many emails (a form's confirmation
 * emails under a rush of signups) call this after their commits instead of one call per email.
 */
export async function sendQueuedSingles(db: Db, { limit }: { limit: number }, deps: SendingDeps): Promise<number> {
  const claim = await claimSingles(db, { limit }, deps);
  return claim ? sendClaimedSingles(db, claim, deps) : 0;
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
 * Writes a single email as queued without calling Postmark (personalized if asked), in the caller's
 * transaction when given one: `sendSingleEmail` writes then sends; a sender whose email must exist
 * exactly when its own change commits queues it here. Send it after the commit with
 * `sendQueuedSingleEmail` (or many at once with `sendQueuedSingles`); if that never happens,
 * advance-sending sends it. (A form's confirmation email is written by its signup's SQL function from
 * `singleEmailRow`.)
 */
export async function queueSingleEmail(db: DbOrTx, input: SingleEmailInput, deps: Pick<SendingDeps, "appUrl" | "unsubscribeKey" | "messageStream">): Promise<SingleEmailResult> {
  const [contact] = await db
    .select({ id: contacts.id, name: contacts.name, fields: contacts.fields })
    .from(contacts)
    .where(sql`lower(${contacts.email}) = lower(${input.to})`)
    .limit(1);
  // The id is chosen here so `{{ unsubscribe_url }}` can carry it before the row exists.
  const id = newMessageId();
  const content = input.personalize ? renderSingleEmail({ email: input, contact: contact ?? null, unsubscribeUrl: unsubscribeUrl(deps, id) }) : input;
  const [row] = await db
    .insert(messages)
    .values(singleEmailRow({ ...input, ...content }, { id, contactId: contact?.id ?? null }, deps))
    .returning();
  return row;
}

/**
 * A queued single email's row as written (its content final: rendered, or not personalized). Also what
 * the form signup's SQL function (db/functions/postline_form_signup.sql) takes as its `confirmation`,
 * so one place says how a single email is stored.
 */
export function singleEmailRow(
  input: Omit<SingleEmailInput, "personalize">,
  { id, contactId }: { id: string; contactId: string | null },
  deps: Pick<SendingDeps, "messageStream">,
) {
  return {
    id,
    kind: "single" as const,
    contactId,
    toEmail: input.to,
    fromEmail: input.from,
    subject: input.subject,
    messageStream: deps.messageStream,
    tag: input.tag ?? null,
    metadata: input.metadata ?? {},
    htmlBody: input.html ?? null,
    textBody: input.text ?? null,
    trackOpens: input.trackOpens ?? true,
    trackLinks: input.trackLinks ?? true,
  };
}

/** Sends one queued single email now (unless another worker claimed it first) and returns its row as it stands. */
export async function sendQueuedSingleEmail(db: Db, { messageId }: { messageId: string }, deps: SendingDeps): Promise<SingleEmailResult> {
  const claim = await claimSingles(db, { messageId, limit: 1 }, deps);
  if (claim) await sendClaimedSingles(db, claim, deps);
  const [after] = await db.select().from(messages).where(eq(messages.id, messageId));
  return after;
}
