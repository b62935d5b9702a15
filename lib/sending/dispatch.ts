import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { Models, type ServerClient } from "postmark";
import type { Db } from "@/db";
import { campaigns, contacts, messages, sendBatches } from "@/db/schema";
import { getCampaignOrThrow, startCampaignSend, type Campaign } from "@/lib/campaigns/campaigns";
import { compileTemplate, htmlToText, renderTemplate, type CompiledTemplate } from "@/lib/campaigns/template";
import { linkOrphanEvents, lockPostmarkIdsForWrite } from "@/lib/ingest/ingest";
import { enqueueCampaignsSent, enqueueEmailsSent } from "@/lib/outbound-webhooks/outbox";
import { backoffMs, classifyPostmarkError, INACTIVE_RECIPIENT, type CallFailure } from "./postmark-outcome";
import { createUnsubscribeToken } from "./unsubscribe-token";

/**
 * Campaign dispatch as a durable job in PostgreSQL.
 *
 * A message moves queued → sending (claimed into a send_batch, committed BEFORE Postmark is called)
 * → sent | failed. Every message carries `postline_message_id` and `postline_batch_id` in Postmark
 * Metadata. If we never learn a batch's outcome (crash, timeout, 5xx), the batch stays open until its
 * `check_after`, then Postmark's outbound search by `metadata_postline_batch_id` tells which messages
 * were accepted: those are adopted, only the rest go back to the queue. So a crash at any point can
 * neither send a recipient twice nor forget one. All coordination is in rows (SKIP LOCKED claims,
 * conditional updates), so any number of workers and app instances can run this at once.
 */

export interface SendingDeps {
  postmark: ServerClient;
  appUrl: string;
  unsubscribeKey: Buffer;
  broadcastStream: string;
  messageStream: string;
  now?: () => Date;
  random?: () => number;
  batchSize?: number;
  /** How long a claimed batch may stay unanswered before it is checked against Postmark. */
  inFlightTimeoutMs?: number;
  /** After a 5xx/timeout, how long to wait before searching (Postmark's search may lag acceptance). */
  uncertainRecheckMs?: number;
  log?: (message: string) => void;
}

export const POSTMARK_BATCH_LIMIT = 500;
export const METADATA_MESSAGE_ID = "postline_message_id";
export const METADATA_BATCH_ID = "postline_batch_id";

const defaults = {
  batchSize: POSTMARK_BATCH_LIMIT,
  inFlightTimeoutMs: 60_000,
  uncertainRecheckMs: 30_000,
};

function clock(deps: SendingDeps): Date {
  return deps.now?.() ?? new Date();
}

export function unsubscribeUrl(deps: Pick<SendingDeps, "appUrl" | "unsubscribeKey">, messageId: string): string {
  return `${deps.appUrl}/u/${createUnsubscribeToken(deps.unsubscribeKey, messageId)}`;
}

interface ClaimedMessage {
  id: string;
  contactId: string | null;
  toEmail: string;
  name: string;
  fields: Record<string, string>;
}

interface ClaimedBatch {
  batchId: string;
  campaignId: string;
  messages: ClaimedMessage[];
}

/**
 * Claims up to `batchSize` queued messages of one sending campaign into a new batch, in one
 * transaction. Contacts suppressed since the audience was frozen (an unsubscribe a minute ago) are
 * marked suppressed here instead of being sent.
 */
export async function claimCampaignBatch(db: Db, deps: SendingDeps, campaignId: string): Promise<ClaimedBatch | null> {
  const now = clock(deps);
  const size = Math.min(deps.batchSize ?? defaults.batchSize, POSTMARK_BATCH_LIMIT);
  const checkAfter = new Date(now.getTime() + (deps.inFlightTimeoutMs ?? defaults.inFlightTimeoutMs));
  return db.transaction(async (tx) => {
    const claimed = await tx.execute<{ id: string; contact_id: string | null; to_email: string; batch_id: string }>(sql`
      with picked as (
        select m.id from messages m
        where m.campaign_id = ${campaignId}::uuid and m.status = 'queued'
          and (m.next_attempt_at is null or m.next_attempt_at <= ${now.toISOString()}::timestamptz)
          and exists (select 1 from campaigns c where c.id = ${campaignId}::uuid and c.status = 'sending')
        order by m.id
        limit ${size}
        for update of m skip locked
      ),
      batch as (
        insert into send_batches (campaign_id, message_count, claimed_at, check_after)
        select ${campaignId}::uuid, count(*), ${now.toISOString()}::timestamptz, ${checkAfter.toISOString()}::timestamptz
        from picked having count(*) > 0
        returning id
      )
      update messages m
      set status = 'sending', batch_id = batch.id, attempts = m.attempts + 1, updated_at = ${now.toISOString()}::timestamptz
      from picked, batch
      where m.id = picked.id
      returning m.id, m.contact_id, m.to_email, batch.id as batch_id`);
    if (claimed.rows.length === 0) return null;
    const batchId = claimed.rows[0].batch_id;
    const contactIds = claimed.rows.map((r) => r.contact_id).filter((id): id is string => id !== null);
    const people = contactIds.length
      ? await tx
          .select({ id: contacts.id, name: contacts.name, fields: contacts.fields, status: contacts.status })
          .from(contacts)
          .where(inArray(contacts.id, contactIds))
      : [];
    const byId = new Map(people.map((p) => [p.id, p]));
    const suppressed = claimed.rows.filter((r) => {
      const p = r.contact_id ? byId.get(r.contact_id) : undefined;
      return !p || p.status !== "subscribed";
    });
    if (suppressed.length) {
      await tx
        .update(messages)
        .set({
          status: "suppressed",
          errorMessage: sql`'Contact became ' || coalesce((select c.status::text from contacts c where c.id = messages.contact_id), 'deleted') || ' before sending'`,
          batchId: null,
          updatedAt: now,
        })
        .where(inArray(messages.id, suppressed.map((r) => r.id)));
      await tx
        .update(campaigns)
        .set({ suppressedCount: sql`${campaigns.suppressedCount} + ${suppressed.length}` })
        .where(eq(campaigns.id, campaignId));
      await tx.update(sendBatches).set({ messageCount: claimed.rows.length - suppressed.length }).where(eq(sendBatches.id, batchId));
    }
    const skip = new Set(suppressed.map((r) => r.id));
    const list = claimed.rows
      .filter((r) => !skip.has(r.id))
      .map((r) => {
        const p = byId.get(r.contact_id!)!;
        return { id: r.id, contactId: r.contact_id, toEmail: r.to_email, name: p.name, fields: p.fields };
      });
    if (list.length === 0) {
      await tx.update(sendBatches).set({ status: "done", completedAt: now }).where(eq(sendBatches.id, batchId));
      return { batchId, campaignId, messages: [] };
    }
    return { batchId, campaignId, messages: list };
  });
}

interface CompiledCampaign {
  campaign: Campaign;
  subject: CompiledTemplate;
  html: CompiledTemplate;
  text: CompiledTemplate;
}

export function compileCampaign(campaign: Campaign): CompiledCampaign {
  return {
    campaign,
    subject: compileTemplate(campaign.subject),
    html: compileTemplate(campaign.html),
    text: compileTemplate(campaign.text?.trim() ? campaign.text : htmlToText(campaign.html)),
  };
}

/** The Postmark message for one recipient: personalized parts, unsubscribe headers and our ids. */
export function buildCampaignEmail(deps: SendingDeps, compiled: CompiledCampaign, batchId: string, m: ClaimedMessage) {
  const url = unsubscribeUrl(deps, m.id);
  const recipient = { email: m.toEmail, name: m.name, fields: m.fields, unsubscribeUrl: url };
  let html = renderTemplate(compiled.html, recipient, "html");
  let text = renderTemplate(compiled.text, recipient, "text");
  // A visible link in every campaign mail, unless the author placed {{ unsubscribe_url }} themselves.
  if (!compiled.html.variables.includes("unsubscribe_url")) {
    const link = `<p style="font-size:12px;color:#64748b">Don't want these emails? <a href="${url}">Unsubscribe</a>.</p>`;
    html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${link}</body>`) : html + link;
  }
  if (!compiled.text.variables.includes("unsubscribe_url")) text += `\n\nUnsubscribe: ${url}`;
  return {
    From: compiled.campaign.fromEmail,
    To: m.toEmail,
    Subject: renderTemplate(compiled.subject, recipient, "text"),
    HtmlBody: html,
    TextBody: text,
    Tag: `campaign-${compiled.campaign.id}`.slice(0, 1000),
    MessageStream: deps.broadcastStream,
    TrackOpens: true,
    TrackLinks: Models.LinkTrackingOptions.HtmlAndText,
    Headers: [
      { Name: "List-Unsubscribe", Value: `<${url}>` },
      { Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" },
    ],
    Metadata: { [METADATA_MESSAGE_ID]: m.id, [METADATA_BATCH_ID]: batchId },
  };
}

interface EntryResult {
  messageId: string;
  toEmail: string;
  postmarkMessageId?: string;
  submittedAt?: Date;
  errorCode?: number;
  errorMessage?: string;
}

/**
 * Writes a batch's answer: every message still `sending` in this batch becomes sent or failed, the
 * campaign's totals move by the same amounts, 406 suppresses the contact, and the batch closes — one
 * transaction, so totals never disagree with rows.
 */
export async function recordBatchResults(db: Db, deps: SendingDeps, batchId: string, campaignId: string | null, results: EntryResult[]) {
  const now = clock(deps);
  if (results.length === 0) return { sent: 0, failed: 0 };
  return db.transaction(async (tx) => {
    // Webhooks for these ids wait until this commits, or are already stored and linked below.
    await lockPostmarkIdsForWrite(
      tx,
      results.flatMap((r) => (r.postmarkMessageId ? [r.postmarkMessageId] : [])),
    );
    const values = sql.join(
      results.map(
        (r) =>
          sql`(${r.messageId}::uuid, ${r.postmarkMessageId ?? null}::text, ${r.errorCode ?? null}::int, ${r.errorMessage ?? null}::text, ${(r.submittedAt ?? now).toISOString()}::timestamptz)`,
      ),
      sql`, `,
    );
    const updated = await tx.execute<{ status: string; postmark_message_id: string | null }>(sql`
      update messages m
      set status = case when v.pm_id is not null then 'sent'::message_status else 'failed'::message_status end,
          postmark_message_id = v.pm_id,
          error_code = v.code,
          error_message = v.msg,
          sent_at = case when v.pm_id is not null then v.at else m.sent_at end,
          next_attempt_at = null,
          updated_at = ${now.toISOString()}::timestamptz
      from (values ${values}) as v(id, pm_id, code, msg, at)
      where m.id = v.id and m.batch_id = ${batchId}::uuid and m.status = 'sending'
      returning m.status, m.postmark_message_id`);
    // A webhook may have beaten this write (Postmark is fast): apply what it brought now. One that
    // arrives while this transaction is open waits for its commit (the id locks above) and then finds
    // its message.
    await enqueueEmailsSent(tx, updated.rows);
    await linkOrphanEvents(tx, updated.rows.map((r) => r.postmark_message_id).filter((id): id is string => Boolean(id)));
    const sent = updated.rows.filter((r) => r.status === "sent").length;
    const failed = updated.rows.length - sent;
    if (campaignId && updated.rows.length) {
      await tx
        .update(campaigns)
        .set({ sentCount: sql`${campaigns.sentCount} + ${sent}`, failedCount: sql`${campaigns.failedCount} + ${failed}` })
        .where(eq(campaigns.id, campaignId));
    }
    const inactive = results.filter((r) => r.errorCode === INACTIVE_RECIPIENT).map((r) => r.toEmail.toLowerCase());
    if (inactive.length) {
      await tx.execute(sql`
        update contacts set status = 'bounced', status_reason = 'Postmark reports the address inactive (406)',
          status_changed_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
        where lower(email) in (select jsonb_array_elements_text(${JSON.stringify(inactive)}::jsonb)) and status = 'subscribed'`);
    }
    await tx.update(sendBatches).set({ status: "done", completedAt: now }).where(eq(sendBatches.id, batchId));
    return { sent, failed };
  });
}

/** 429: nothing was accepted; the messages wait (backoff with jitter) and go out in a later batch. */
async function releaseBatch(db: Db, deps: SendingDeps, batchId: string, failure: CallFailure, delay: boolean) {
  const now = clock(deps);
  const random = deps.random ?? Math.random;
  await db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: messages.id, attempts: messages.attempts })
      .from(messages)
      .where(and(eq(messages.batchId, batchId), eq(messages.status, "sending")));
    // Each message waits according to its own attempt count; one statement for the whole batch.
    const waits = rows.map((r) => ({ id: r.id, at: delay ? new Date(now.getTime() + backoffMs(r.attempts, random)).toISOString() : null }));
    if (waits.length) {
      await tx.execute(sql`
        update messages m set status = 'queued', batch_id = null, next_attempt_at = w.at, updated_at = ${now.toISOString()}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(waits)}::jsonb) as w(id uuid, at timestamptz)
        where m.id = w.id and m.status = 'sending'`);
    }
    await tx.update(sendBatches).set({ status: "released", completedAt: now, error: failure.message }).where(eq(sendBatches.id, batchId));
  });
}

async function markUncertain(db: Db, deps: SendingDeps, batchId: string, failure: CallFailure) {
  const now = clock(deps);
  await db
    .update(sendBatches)
    .set({ status: "uncertain", error: failure.message, checkAfter: new Date(now.getTime() + (deps.uncertainRecheckMs ?? defaults.uncertainRecheckMs)) })
    .where(and(eq(sendBatches.id, batchId), eq(sendBatches.status, "in_flight")));
}

async function handleCallFailure(db: Db, deps: SendingDeps, batch: { batchId: string; campaignId: string | null; messages: { id: string; toEmail: string }[] }, error: unknown) {
  const failure = classifyPostmarkError(error);
  deps.log?.(`postmark call for batch ${batch.batchId} failed (${failure.kind}): ${failure.message}`);
  switch (failure.kind) {
    case "throttled":
      return releaseBatch(db, deps, batch.batchId, failure, true);
    case "unauthorized":
      // Every later batch would fail the same way: stop the campaign until someone fixes the token.
      await releaseBatch(db, deps, batch.batchId, failure, false);
      if (batch.campaignId) {
        await db
          .update(campaigns)
          .set({ status: "paused", pausedAt: clock(deps), lastError: `Postmark refused the server token: ${failure.message}` })
          .where(and(eq(campaigns.id, batch.campaignId), eq(campaigns.status, "sending")));
      }
      return;
    case "rejected":
      return recordBatchResults(
        db,
        deps,
        batch.batchId,
        batch.campaignId,
        batch.messages.map((m) => ({ messageId: m.id, toEmail: m.toEmail, errorCode: failure.code, errorMessage: failure.message })),
      );
    case "uncertain":
      return markUncertain(db, deps, batch.batchId, failure);
  }
}

/** Sends one claimed campaign batch through `sendEmailBatch` and records what Postmark answered. */
export async function sendCampaignBatch(db: Db, deps: SendingDeps, batch: ClaimedBatch, compiled: CompiledCampaign) {
  if (batch.messages.length === 0) return { sent: 0, failed: 0 };
  const emails = batch.messages.map((m) => buildCampaignEmail(deps, compiled, batch.batchId, m));
  let responses: Awaited<ReturnType<ServerClient["sendEmailBatch"]>>;
  try {
    responses = await deps.postmark.sendEmailBatch(emails);
  } catch (error) {
    await handleCallFailure(db, deps, batch, error);
    return { sent: 0, failed: 0 };
  }
  // Postmark answers in request order, one entry per message.
  const results: EntryResult[] = batch.messages.map((m, i) => {
    const r = responses[i];
    if (r && r.ErrorCode === 0 && r.MessageID) {
      return { messageId: m.id, toEmail: m.toEmail, postmarkMessageId: r.MessageID, submittedAt: r.SubmittedAt ? new Date(r.SubmittedAt) : undefined };
    }
    return { messageId: m.id, toEmail: m.toEmail, errorCode: r?.ErrorCode ?? -1, errorMessage: r?.Message ?? "No answer for this message" };
  });
  return recordBatchResults(db, deps, batch.batchId, batch.campaignId, results);
}

/**
 * Resolves batches whose outcome is unknown: asks Postmark which of their messages it accepted
 * (by our batch id in Metadata), adopts those, and puts only the others back in the queue.
 */
export async function recoverOpenBatches(db: Db, deps: SendingDeps, limit = 20): Promise<{ batches: number; adopted: number; requeued: number }> {
  const now = clock(deps);
  const due = await db
    .select()
    .from(sendBatches)
    .where(and(inArray(sendBatches.status, ["in_flight", "uncertain"]), lte(sendBatches.checkAfter, now)))
    .limit(limit);
  let adopted = 0;
  let requeued = 0;
  let batches = 0;
  for (const batch of due) {
    // Claim the check itself: another worker seeing the same batch skips it.
    const [mine] = await db
      .update(sendBatches)
      .set({ checkAfter: new Date(now.getTime() + 60_000) })
      .where(and(eq(sendBatches.id, batch.id), inArray(sendBatches.status, ["in_flight", "uncertain"]), lte(sendBatches.checkAfter, now)))
      .returning({ id: sendBatches.id });
    if (!mine) continue;
    let found: { MessageID: string; ReceivedAt?: string; Metadata?: Record<string, string> }[];
    try {
      found = await searchBatch(deps, batch.id);
    } catch (error) {
      deps.log?.(`outbound search for batch ${batch.id} failed: ${String(error)}`);
      continue;
    }
    const open = await db
      .select({ id: messages.id, toEmail: messages.toEmail })
      .from(messages)
      .where(and(eq(messages.batchId, batch.id), eq(messages.status, "sending")));
    const accepted = new Map(found.map((f) => [f.Metadata?.[METADATA_MESSAGE_ID], f]));
    const results: EntryResult[] = [];
    const missing: string[] = [];
    for (const m of open) {
      const hit = accepted.get(m.id);
      if (hit) results.push({ messageId: m.id, toEmail: m.toEmail, postmarkMessageId: hit.MessageID, submittedAt: hit.ReceivedAt ? new Date(hit.ReceivedAt) : undefined });
      else missing.push(m.id);
    }
    if (missing.length) {
      await db
        .update(messages)
        .set({ status: "queued", batchId: null, updatedAt: now })
        .where(and(inArray(messages.id, missing), eq(messages.status, "sending"), eq(messages.batchId, batch.id)));
    }
    if (results.length) await recordBatchResults(db, deps, batch.id, batch.campaignId, results);
    await db.update(sendBatches).set({ status: "done", completedAt: now, error: `recovered: ${results.length} accepted by Postmark, ${missing.length} queued again` }).where(eq(sendBatches.id, batch.id));
    adopted += results.length;
    requeued += missing.length;
    batches++;
    deps.log?.(`batch ${batch.id}: ${results.length} adopted from Postmark, ${missing.length} queued again`);
  }
  return { batches, adopted, requeued };
}

async function searchBatch(deps: SendingDeps, batchId: string) {
  const out: { MessageID: string; ReceivedAt?: string; Metadata?: Record<string, string> }[] = [];
  // A batch holds at most 500 messages, so one page normally answers; page anyway for safety.
  for (let offset = 0; offset < 10_000; offset += 500) {
    const page = await deps.postmark.getOutboundMessages({ count: 500, offset, [`metadata_${METADATA_BATCH_ID}`]: batchId });
    out.push(...(page.Messages as unknown as typeof out));
    // postmark.js types TotalCount as a string though Postmark sends a number.
    if (page.Messages.length < 500 || out.length >= Number(page.TotalCount)) break;
  }
  return out;
}

/** Sending campaigns with nothing left queued or in flight are complete. */
export async function completeFinishedCampaigns(db: Db, deps: SendingDeps): Promise<string[]> {
  const now = clock(deps);
  return db.transaction(async (tx) => {
    const rows = await tx.execute<{ id: string }>(sql`
      update campaigns c set status = 'sent', completed_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
      where c.status = 'sending'
        and not exists (select 1 from messages m where m.campaign_id = c.id and m.status in ('queued', 'sending'))
      returning c.id`);
    await enqueueCampaignsSent(tx, rows.rows.map((r) => r.id));
    return rows.rows.map((r) => r.id);
  });
}

/** Scheduled campaigns whose time has come start sending (the same freeze as "send now"). */
export async function startDueCampaigns(db: Db, deps: SendingDeps): Promise<string[]> {
  const now = clock(deps);
  const due = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.status, "scheduled"), lte(campaigns.scheduledAt, now)));
  const started: string[] = [];
  for (const { id } of due) {
    try {
      await startCampaignSend(db, id, { stream: deps.broadcastStream, now, fromStatuses: ["scheduled"] });
      started.push(id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // An audience that emptied out since scheduling: say so on the campaign instead of retrying forever.
      await db
        .update(campaigns)
        .set({ status: "draft", scheduledAt: null, lastError: `Scheduled send did not start: ${message}` })
        .where(and(eq(campaigns.id, id), eq(campaigns.status, "scheduled")));
    }
  }
  return started;
}

export interface AdvanceResult {
  batches: number;
  sent: number;
  failed: number;
  recovered: { batches: number; adopted: number; requeued: number };
  started: string[];
  completed: string[];
  singles: number;
  stoppedBy: "idle" | "budget";
}

/**
 * Makes as much sending progress as the time budget allows: starts due campaigns, resolves open
 * batches, then runs `concurrency` workers that claim and send batches until nothing is left.
 * Safe to call from any number of places at once (the send action, cron, a restart).
 */
export async function advanceSending(
  db: Db,
  deps: SendingDeps,
  options: { budgetMs?: number; concurrency?: number } = {},
): Promise<AdvanceResult> {
  const deadline = Date.now() + (options.budgetMs ?? 50_000);
  const result: AdvanceResult = { batches: 0, sent: 0, failed: 0, recovered: { batches: 0, adopted: 0, requeued: 0 }, started: [], completed: [], singles: 0, stoppedBy: "idle" };
  result.started = await startDueCampaigns(db, deps);
  result.recovered = await recoverOpenBatches(db, deps);
  const compiled = new Map<string, CompiledCampaign>();

  async function worker() {
    while (Date.now() < deadline) {
      const single = await sendNextQueuedSingle(db, deps);
      if (single) {
        result.singles++;
        continue;
      }
      const sending = await db
        .select({ id: campaigns.id })
        .from(campaigns)
        .where(eq(campaigns.status, "sending"))
        .orderBy(campaigns.startedAt)
        .limit(20);
      let claimed: ClaimedBatch | null = null;
      for (const { id } of sending) {
        claimed = await claimCampaignBatch(db, deps, id);
        if (claimed) break;
      }
      if (!claimed) return;
      let c = compiled.get(claimed.campaignId);
      if (!c) {
        c = compileCampaign(await getCampaignOrThrow(db, claimed.campaignId));
        compiled.set(claimed.campaignId, c);
      }
      const r = await sendCampaignBatch(db, deps, claimed, c);
      result.batches++;
      result.sent += r.sent;
      result.failed += r.failed;
    }
    result.stoppedBy = "budget";
  }

  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  result.completed = await completeFinishedCampaigns(db, deps);
  return result;
}

// Single emails ---------------------------------------------------------------------------------

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
  const checkAfter = new Date(now.getTime() + (deps.inFlightTimeoutMs ?? defaults.inFlightTimeoutMs));
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

async function sendNextQueuedSingle(db: Db, deps: SendingDeps): Promise<boolean> {
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
