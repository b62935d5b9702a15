/**
 * The sequence engine: due enrollments become sent emails, exactly once, through the same crash-safe
 * path campaign batches take (lib/sending: a send_batches row and message rows committed BEFORE
 * Postmark is called, our ids in Metadata, `sendEmailBatch`, recordBatchResults; a batch whose outcome
 * is unknown is resolved by recover-batches.ts's outbound search, and what Postmark never got is put
 * back in the queue and claimed again by claimQueuedSequenceBatch).
 *
 * One claim, one transaction: up to 500 due enrollments of active sequences are locked (SKIP LOCKED:
 * any number of workers and instances share them), each is checked (a contact no longer subscribed
 * exits with its status as the reason; one outside the sending window is moved to the window's next
 * opening), and the rest become message rows of a new batch while their enrollments move on to the
 * next email (due its delay from now) or complete. The unique key (enrollment, email) on messages makes
 * a second message for the same step impossible, whatever happens.
 *
 * The clock is `deps.now()`: tests run a week of a sequence in seconds.
 */
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db";
import type { SequenceDelayUnit } from "@/db/schema";
import { compileTemplate, htmlToText } from "@/lib/campaigns/template";
import { uuidArray } from "@/lib/http/id";
import { claimQueuedSequenceBatch, type ClaimedBatch, type ClaimedMessage } from "@/lib/sending/claim-batch";
import { checkAfterClaim, POSTMARK_BATCH_LIMIT, sendingDefaults, type SendingDeps } from "@/lib/sending/deps";
import { newMessageId } from "@/lib/sending/message-id";
import { buildBroadcastEmail, sendBroadcastBatch, type BroadcastMail } from "@/lib/sending/send-batch";
import { delayMs, nextWindowTime, recipientTimeZone } from "./schedule";
import { sequenceWindow } from "./sequences";

type DueRow = {
  id: string;
  sequence_id: string;
  contact_id: string;
  next_email_id: string | null;
  email: string;
  name: string;
  fields: Record<string, string>;
  contact_status: string;
  window_days: number[] | null;
  window_start_hour: number | null;
  window_end_hour: number | null;
  time_zone: string;
};

type LiveEmail = {
  id: string;
  sequence_id: string;
  position: number;
  delay_amount: number;
  delay_unit: SequenceDelayUnit;
};

/** What a claim did besides the batch (for tests and the bench's counts). */
export interface SequenceClaim {
  batch: ClaimedBatch<null> | null;
  exited: number;
  deferred: number;
  completed: number;
}

/**
 * Claims up to one batch of due sequence steps (see the file's comment). Returns null when nothing
 * was due; a claim whose rows all exited or moved to their window has `batch: null`.
 */
export async function claimDueSequenceSteps(db: Db, deps: SendingDeps): Promise<SequenceClaim | null> {
  const now = deps.now();
  const at = now.toISOString();
  const size = Math.min(deps.batchSize ?? sendingDefaults.batchSize, POSTMARK_BATCH_LIMIT);
  return db.transaction(async (tx) => {
    // The batch's enrollments are picked first, alone, in due order through the due index, and only
    // they meet their contacts. Joined in one query (or with the sequence as a join or EXISTS), the
    // planner read every due enrollment, with its contact, and sorted them all to keep 500: 400 ms a
    // claim with 100,000 due, so a burst's claims cost the square of its size. Active sequences as an
    // array keep the index's order: under 10 ms.
    const due = await tx.execute<DueRow>(sql`
      with picked as (
        select e.id, e.sequence_id, e.contact_id, e.next_email_id, e.next_due_at
        from sequence_enrollments e
        where e.status = 'active' and e.next_due_at <= ${at}::timestamptz
          and e.sequence_id = any (array(select s.id from sequences s where s.status = 'active'))
        order by e.next_due_at
        limit ${size}
        for update of e skip locked
      )
      select p.id, p.sequence_id, p.contact_id, p.next_email_id, c.email, c.name, c.fields, c.status::text as contact_status,
             s.window_days, s.window_start_hour, s.window_end_hour, s.time_zone
      from picked p
      join sequences s on s.id = p.sequence_id
      -- The contacts by index too (as a plain join the planner may hash all of them against 500).
      join contacts c on c.id = p.contact_id and c.id = any (array(select contact_id from picked))
      order by p.next_due_at`);
    if (due.rows.length === 0) return null;
    const sequenceIds = [...new Set(due.rows.map((r) => r.sequence_id))];
    const live = await tx.execute<LiveEmail>(sql`
      select id, sequence_id, position, delay_amount, delay_unit from sequence_emails
      where sequence_id = any(${uuidArray(sequenceIds)}) and deleted_at is null
      order by sequence_id, position`);
    const emailsOf = new Map<string, LiveEmail[]>();
    for (const e of live.rows) emailsOf.set(e.sequence_id, [...(emailsOf.get(e.sequence_id) ?? []), e]);

    const exits = new Map<string, string[]>();
    const deferred: { id: string; at: string }[] = [];
    const sends: { enrollment: DueRow; emailId: string; messageId: string }[] = [];
    const advances: { id: string; next: string | null; due: string | null; status: "active" | "completed"; sent: boolean }[] = [];
    for (const row of due.rows) {
      if (row.contact_status !== "subscribed") {
        exits.set(row.contact_status, [...(exits.get(row.contact_status) ?? []), row.id]);
        continue;
      }
      const emails = emailsOf.get(row.sequence_id) ?? [];
      const index = emails.findIndex((e) => e.id === row.next_email_id);
      if (index < 0) {
        // Its email is gone (the editing rules move enrollments off deleted emails; this is the guard).
        advances.push({ id: row.id, next: null, due: null, status: "completed", sent: false });
        continue;
      }
      const window = sequenceWindow({ windowDays: row.window_days, windowStartHour: row.window_start_hour, windowEndHour: row.window_end_hour });
      if (window) {
        const opens = nextWindowTime(now, window, recipientTimeZone(row.fields, row.time_zone));
        if (opens > now) {
          deferred.push({ id: row.id, at: opens.toISOString() });
          continue;
        }
      }
      sends.push({ enrollment: row, emailId: emails[index].id, messageId: newMessageId() });
      const following = emails[index + 1];
      advances.push(
        following
          ? { id: row.id, next: following.id, due: new Date(now.getTime() + delayMs({ amount: following.delay_amount, unit: following.delay_unit })).toISOString(), status: "active", sent: true }
          : { id: row.id, next: null, due: null, status: "completed", sent: true },
      );
    }

    let batch: ClaimedBatch<null> | null = null;
    if (sends.length) {
      const values = sends.map((s) => ({ id: s.messageId, sequence_id: s.enrollment.sequence_id, email_id: s.emailId, enrollment_id: s.enrollment.id, contact_id: s.enrollment.contact_id, to_email: s.enrollment.email }));
      const inserted = await tx.execute<{ batch_id: string; ids: string[] }>(sql`
        with batch as (
          insert into send_batches (campaign_id, message_count, claimed_at, check_after, message_ids)
          values (null, ${sends.length}, ${at}::timestamptz, ${checkAfterClaim(deps, now).toISOString()}::timestamptz,
                  ${uuidArray(sends.map((s) => s.messageId))})
          returning id
        ),
        ins as (
          insert into messages (id, kind, sequence_id, sequence_email_id, enrollment_id, contact_id, to_email, from_email, subject, message_stream, tag,
                                status, batch_id, attempts, created_at, updated_at)
          select v.id, 'sequence', v.sequence_id, v.email_id, v.enrollment_id, v.contact_id, v.to_email, s.from_email, se.subject, ${deps.broadcastStream},
                 'sequence-' || v.sequence_id, 'sending', batch.id, 1, ${at}::timestamptz, ${at}::timestamptz
          from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(id uuid, sequence_id uuid, email_id uuid, enrollment_id uuid, contact_id uuid, to_email text)
          join sequences s on s.id = v.sequence_id
          join sequence_emails se on se.id = v.email_id
          cross join batch
          on conflict (enrollment_id, sequence_email_id) where enrollment_id is not null do nothing
          returning messages.id
        )
        select (select id from batch) as batch_id, array(select id from ins) as ids`);
      const { batch_id: batchId, ids } = inserted.rows[0];
      const fresh = new Set(ids);
      // A step that already has its message (it can only be a step sent before) is not sent again.
      if (fresh.size !== sends.length) await tx.execute(sql`update send_batches set message_count = ${fresh.size}${fresh.size === 0 ? sql`, status = 'done', completed_at = ${at}::timestamptz` : sql``} where id = ${batchId}::uuid`);
      const messages: ClaimedMessage[] = sends
        .filter((s) => fresh.has(s.messageId))
        .map((s) => ({ id: s.messageId, contactId: s.enrollment.contact_id, toEmail: s.enrollment.email, name: s.enrollment.name, fields: s.enrollment.fields, sequenceEmailId: s.emailId }));
      batch = { batchId, campaignId: null, messages };
    }
    if (advances.length) {
      await tx.execute(sql`
        update sequence_enrollments e
        set next_email_id = v.next, anchor_at = ${at}::timestamptz, next_due_at = v.due, status = v.status,
            completed_at = case when v.status = 'completed' then ${at}::timestamptz end,
            emails_sent = e.emails_sent + case when v.sent then 1 else 0 end, updated_at = ${at}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(advances)}::jsonb)
          as v(id uuid, next uuid, due timestamptz, status enrollment_status, sent boolean)
        where e.id = v.id`);
      const completed = advances.filter((a) => a.status === "completed").map((a) => a.id);
      if (completed.length) await tx.execute(sql`select postline_sequence_events('Sequence.Completed', ${uuidArray(completed)}, ${at}::timestamptz)`);
    }
    if (deferred.length) {
      await tx.execute(sql`
        update sequence_enrollments e set next_due_at = v.at, updated_at = ${at}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(deferred)}::jsonb) as v(id uuid, at timestamptz) where e.id = v.id`);
    }
    for (const [reason, ids] of exits) {
      await tx.execute(sql`select postline_sequences_exit(${uuidArray(ids)}, ${reason}, ${at}::timestamptz)`);
    }
    return { batch, exited: [...exits.values()].reduce((n, ids) => n + ids.length, 0), deferred: deferred.length, completed: advances.filter((a) => a.status === "completed").length };
  });
}

/** Compiled sequence emails, kept for a sending run; an edited email (new updated_at) is compiled again. */
export type SequenceMailCache = Map<string, BroadcastMail>;

async function mailsFor(db: DbOrTx, emailIds: string[], cache: SequenceMailCache): Promise<Map<string, BroadcastMail>> {
  const rows = await db.execute<{ id: string; sequence_id: string; subject: string; html: string; text: string | null; from_email: string; updated_at: string }>(sql`
    select se.id, se.sequence_id, se.subject, se.html, se.text, s.from_email, se.updated_at::text || s.updated_at::text as updated_at
    from sequence_emails se join sequences s on s.id = se.sequence_id
    where se.id = any(${uuidArray(emailIds)})`);
  const out = new Map<string, BroadcastMail>();
  for (const r of rows.rows) {
    const key = `${r.id}@${r.updated_at}`;
    let mail = cache.get(key);
    if (!mail) {
      mail = {
        fromEmail: r.from_email,
        tag: `sequence-${r.sequence_id}`,
        subject: compileTemplate(r.subject),
        html: compileTemplate(r.html),
        text: compileTemplate(r.text?.trim() ? r.text : htmlToText(r.html)),
      };
      cache.set(key, mail);
    }
    out.set(r.id, mail);
  }
  return out;
}

/** Sends one claimed batch of sequence mail (each message rendered from its own sequence email). */
export async function sendSequenceBatch(db: Db, { batch, cache }: { batch: ClaimedBatch<null>; cache: SequenceMailCache }, deps: SendingDeps) {
  if (batch.messages.length === 0) return { sent: 0, failed: 0 };
  const mails = await mailsFor(db, batch.messages.map((m) => m.sequenceEmailId!), cache);
  return sendBroadcastBatch(db, { batch, build: (message) => buildBroadcastEmail({ mail: mails.get(message.sequenceEmailId!)!, batchId: batch.batchId, message }, deps) }, deps);
}

/**
 * One step of sequence work for a sending worker: a batch put back in the queue (a retry) first, else
 * due enrollments. Null when there is nothing to do.
 */
export async function advanceSequenceStep(db: Db, cache: SequenceMailCache, deps: SendingDeps): Promise<{ sent: number; failed: number; batch: boolean } | null> {
  const retry = await claimQueuedSequenceBatch(db, deps);
  if (retry) return { ...(await sendSequenceBatch(db, { batch: retry, cache }, deps)), batch: true };
  const claim = await claimDueSequenceSteps(db, deps);
  if (!claim) return null;
  if (!claim.batch || claim.batch.messages.length === 0) return { sent: 0, failed: 0, batch: false };
  return { ...(await sendSequenceBatch(db, { batch: claim.batch, cache }, deps)), batch: true };
}
