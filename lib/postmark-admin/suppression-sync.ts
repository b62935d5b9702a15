import { eq, sql } from "drizzle-orm";
import type { ServerClient } from "postmark";
import type { Db } from "@/db";
import { postmarkSuppressionSyncs } from "@/db/schema";
import { logUnexpected } from "@/lib/errors";
import { enqueueContactUnsubscribed } from "@/lib/outbound-webhooks/outbox";

/**
 * Suppressions in step, both ways (the reconcile cron's step, lib/reconcile/run.ts):
 * 1. Postmark → Postline: each stream's suppression list (the dump API) replaces its mirror in
 *    postmark_suppressions, and a subscribed contact on it takes the suppression's status, with
 *    Postmark's reason and origin in its status reason. Not when the contact's status changed after
 *    the suppression was made: the contact was reactivated in Postline since (and Postmark's lift
 *    may not be applied yet, it takes up to a minute); that is shown as a disagreement instead.
 * 2. Postline → Postmark: contacts unsubscribed in Postline (a link, a hand change) that the broadcast
 *    stream does not suppress yet are suppressed there, at most `pushLimit` per run.
 * Webhooks already carry most of this as it happens (SubscriptionChange); the sync catches what they
 * missed and what was done in Postmark's UI, which sends no webhook.
 */
export interface SuppressionSyncDeps {
  postmark: ServerClient;
  /** The streams Postline sends on (POSTMARK_MESSAGE_STREAM, POSTMARK_BROADCAST_STREAM). */
  streams: string[];
  /** Where Postline's unsubscribes are pushed (campaign mail's stream). */
  broadcastStream: string;
  now: () => Date;
  /** Addresses pushed per run at most (default 1,000: 20 calls of 50). */
  pushLimit?: number;
}

export interface SuppressionSyncSummary {
  syncId: number;
  pulled: Record<string, number>;
  applied: number;
  pushed: number;
  pushFailed: number;
  error: string | null;
}

const PUSH_CHUNK = 50; // Postmark's limit per create request

/** What a Postmark suppression makes of a contact (a spam complaint outranks a bounce outranks an unsubscribe). */
const STATUS_SQL = sql`case p.reason when 'SpamComplaint' then 'complained' when 'HardBounce' then 'bounced' else 'unsubscribed' end::contact_status`;

export async function syncSuppressions(db: Db, deps: SuppressionSyncDeps): Promise<SuppressionSyncSummary> {
  const [run] = await db.insert(postmarkSuppressionSyncs).values({ startedAt: deps.now() }).returning({ id: postmarkSuppressionSyncs.id });
  const summary: SuppressionSyncSummary = { syncId: run.id, pulled: {}, applied: 0, pushed: 0, pushFailed: 0, error: null };
  try {
    for (const stream of [...new Set(deps.streams)]) {
      const dump = await deps.postmark.getSuppressions(stream);
      summary.pulled[stream] = dump.Suppressions.length;
      await replaceMirror(db, stream, dump.Suppressions, deps.now());
    }
    summary.applied = await applyToContacts(db, deps.now());
    Object.assign(summary, await pushUnsubscribes(db, deps));
  } catch (error) {
    // A Postmark error (401, 500…) ends this run; the next cron run tries again. Its status and
    // message are kept for GET /api/v1/postmark/status, never a driver's text.
    const status = (error as { statusCode?: number }).statusCode;
    summary.error = status ? `Postmark answered HTTP ${status}${status === 401 ? " (check POSTMARK_SERVER_TOKEN)" : ""}` : logUnexpected("suppression-sync", error).message;
  }
  await db
    .update(postmarkSuppressionSyncs)
    .set({ finishedAt: deps.now(), status: summary.error ? "failed" : "done", pulled: summary.pulled, applied: summary.applied, pushed: summary.pushed, pushFailed: summary.pushFailed, error: summary.error })
    .where(eq(postmarkSuppressionSyncs.id, run.id));
  return summary;
}

async function replaceMirror(db: Db, stream: string, list: { EmailAddress: string; SuppressionReason: string; Origin: string; CreatedAt: string }[], now: Date): Promise<void> {
  const rows = JSON.stringify(list.map((s) => ({ email: s.EmailAddress.toLowerCase(), reason: s.SuppressionReason, origin: s.Origin, at: s.CreatedAt })));
  await db.transaction(async (tx) => {
    await tx.execute(sql`delete from postmark_suppressions where stream = ${stream}`);
    await tx.execute(sql`
      insert into postmark_suppressions (stream, email, reason, origin, suppressed_at, seen_at)
      select ${stream}, r.email, r.reason, r.origin, r.at, ${now.toISOString()}::timestamptz
      from jsonb_to_recordset(${rows}::jsonb) as r(email text, reason text, origin text, at timestamptz)
      on conflict do nothing`);
  });
}

async function applyToContacts(db: Db, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const changed = await tx.execute<{ id: string; email: string; status: string; reason: string }>(sql`
      with p as (
        select distinct on (email) email, stream, reason, origin, suppressed_at
        from postmark_suppressions
        order by email, case reason when 'SpamComplaint' then 0 when 'HardBounce' then 1 else 2 end, suppressed_at
      )
      update contacts c
      set status = ${STATUS_SQL},
          status_reason = 'Suppressed in Postmark (' || p.stream || ' stream): ' ||
            case p.reason when 'SpamComplaint' then 'spam complaint' when 'HardBounce' then 'hard bounce' else 'manual suppression' end ||
            ', origin ' || p.origin,
          status_changed_at = ${now.toISOString()}::timestamptz,
          updated_at = ${now.toISOString()}::timestamptz
      from p
      where lower(c.email) = p.email and c.status = 'subscribed'
        and (c.status_changed_at is null or c.status_changed_at < p.suppressed_at)
      returning c.id, c.email, c.status::text as status, c.status_reason as reason`);
    // An unsubscribe is announced like any other (Contact.Unsubscribed); the contacts trigger announces the update.
    for (const c of changed.rows) {
      if (c.status === "unsubscribed") await enqueueContactUnsubscribed(tx, { contactId: c.id, email: c.email, reason: c.reason, messageId: null, at: now });
    }
    return changed.rows.length;
  });
}

async function pushUnsubscribes(db: Db, deps: SuppressionSyncDeps): Promise<{ pushed: number; pushFailed: number }> {
  const pending = await db.execute<{ email: string }>(sql`
    select lower(c.email) as email from contacts c
    where c.status = 'unsubscribed'
      and not exists (select 1 from postmark_suppressions p where p.stream = ${deps.broadcastStream} and p.email = lower(c.email))
    order by c.status_changed_at nulls first, c.id
    limit ${deps.pushLimit ?? 1_000}`);
  let pushed = 0;
  let pushFailed = 0;
  const emails = pending.rows.map((r) => r.email);
  for (let i = 0; i < emails.length; i += PUSH_CHUNK) {
    const chunk = emails.slice(i, i + PUSH_CHUNK);
    const result = await deps.postmark.createSuppressions(deps.broadcastStream, { Suppressions: chunk.map((EmailAddress) => ({ EmailAddress })) });
    const accepted = result.Suppressions.filter((s) => s.Status === "Suppressed").map((s) => s.EmailAddress.toLowerCase());
    pushed += accepted.length;
    pushFailed += result.Suppressions.length - accepted.length;
    // Mirrored as Postmark will list it (Customer, manual), so the next run neither pushes it again nor
    // reports it as a disagreement while Postmark applies it.
    if (accepted.length) {
      await db.execute(sql`
        insert into postmark_suppressions (stream, email, reason, origin, suppressed_at, seen_at)
        select ${deps.broadcastStream}, e, 'ManualSuppression', 'Customer', ${deps.now().toISOString()}::timestamptz, ${deps.now().toISOString()}::timestamptz
        from unnest(${`{${accepted.map((e) => `"${e.replace(/(["\\])/g, "\\$1")}"`).join(",")}}`}::text[]) as e
        on conflict do nothing`);
    }
  }
  return { pushed, pushFailed };
}
