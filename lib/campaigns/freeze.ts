/**
 * Freezing a campaign's audience into message rows when sending starts (issue 16 item 5), in chunks.
 *
 * Sending starts by marking the campaign `sending` and `freezing` and writing one campaign_freeze_chunks
 * row per chunk of contact ids (startCampaignSend, one transaction). Each chunk is then frozen in its
 * own transaction: its message rows and its `done` (with its counts) commit together, so a crash
 * leaves every chunk either wholly frozen or untouched, and the (campaign, contact) key refuses a
 * second row for anyone. Whoever resumes (advanceSending: the cron, a restart, the next send) freezes
 * the chunks left; `for update skip locked` lets any number of freezers share the chunks without
 * waiting for each other. The last one sets the campaign's counts from the chunks and clears
 * `freezing`: the count shown is the number of queued rows frozen, and a campaign still freezing is
 * never closed as sent (complete-campaigns.ts). The dispatcher may send the chunks already frozen.
 *
 * Speed (BENCHMARKS.md "bench:audience"): writing a message row costs its index entries and two
 * foreign-key checks, all CPU in the backend that inserts, so one statement used one core of two;
 * two freezers at once use both. Each chunk inserts in contact-id order, which keeps the inserts into
 * the (campaign, contact) key and the contact index in order instead of at random places.
 */
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { audienceContactsSql, type ContactIdRange } from "./audience";

/** Chunks by the first hex digit of the contact id: ids are random uuids, so 16 chunks of about equal size. */
export const FREEZE_CHUNKS = 16;
/** Freezers one start runs at once (connections): the machine's cores are what the freeze uses. */
const FREEZERS = 2;

export function chunkRange(chunk: number): ContactIdRange {
  const start = (i: number) => `${i.toString(16)}0000000-0000-0000-0000-000000000000`;
  return { from: start(chunk), below: chunk + 1 < FREEZE_CHUNKS ? start(chunk + 1) : null };
}

/** The chunk rows of a campaign whose freeze starts, in the transaction that marks it sending. */
export function freezeChunkRowsSql(campaignId: string) {
  return sql`insert into campaign_freeze_chunks (campaign_id, chunk)
    select ${campaignId}::uuid, g from generate_series(0, ${FREEZE_CHUNKS - 1}::int) g`;
}

/**
 * Freezes the chunks of a campaign not frozen yet (several at once), then closes the freeze if every
 * chunk is done. True once the campaign's freeze is complete (here or earlier); false if a chunk is
 * left (another freezer holds it and will close the freeze, or the campaign was cancelled meanwhile).
 */
export async function freezeAudience(db: Db, input: { campaignId: string; stream: string; freezers?: number }): Promise<boolean> {
  const freezer = async () => {
    while (await freezeNextChunk(db, input));
  };
  // Every freezer ends (a failed one stops; the others go on) before a failure is reported.
  const ended = await Promise.allSettled(Array.from({ length: input.freezers ?? FREEZERS }, freezer));
  const failed = ended.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return finishFreeze(db, input.campaignId);
}

/** Freezes one chunk nobody else holds; false when none is left or the campaign no longer sends. */
export async function freezeNextChunk(db: Db, { campaignId, stream }: { campaignId: string; stream: string }): Promise<boolean> {
  return db.transaction(async (tx) => {
    // A share lock on the campaign for the chunk's duration: a cancel waits for the chunk and then
    // cancels its rows too, and finishFreeze (for update) waits for every chunk in flight.
    const [campaign] = (
      await tx.execute<{ status: string; from_email: string; subject: string; started_at: Date | string }>(sql`
        select status, from_email, subject, started_at from campaigns where id = ${campaignId}::uuid and freezing for share`)
    ).rows;
    if (!campaign || !["sending", "paused"].includes(campaign.status)) return false;
    const [next] = (
      await tx.execute<{ chunk: number }>(sql`
        select chunk from campaign_freeze_chunks where campaign_id = ${campaignId}::uuid and not done
        order by chunk limit 1 for update skip locked`)
    ).rows;
    if (!next) return false;
    // The audience as of the start, whoever freezes the chunk and whenever (segments' "last N days").
    const now = new Date(campaign.started_at);
    const audience = await audienceContactsSql(tx, campaignId, now, chunkRange(next.chunk));
    const inserted = await tx.execute<{ recipients: number; suppressed: number }>(sql`
      with ins as (
        insert into messages (kind, campaign_id, contact_id, to_email, from_email, subject, message_stream, status, error_message)
        select 'campaign', ${campaignId}::uuid, a.id, a.email, ${campaign.from_email}, ${campaign.subject}, ${stream},
               case when a.status = 'subscribed' then 'queued'::message_status else 'suppressed'::message_status end,
               case when a.status = 'subscribed' then null else 'Contact is ' || a.status::text end
        from ${audience} a
        order by a.id
        returning status
      )
      select count(*) filter (where status = 'queued')::int as recipients,
             count(*) filter (where status = 'suppressed')::int as suppressed
      from ins`);
    const { recipients, suppressed } = inserted.rows[0];
    await tx.execute(sql`
      update campaign_freeze_chunks set done = true, recipients = ${recipients}, suppressed = ${suppressed}
      where campaign_id = ${campaignId}::uuid and chunk = ${next.chunk}`);
    return true;
  });
}

/** Sets the campaign's counts from its chunks and ends the freeze, if every chunk is done. */
export async function finishFreeze(db: Db, campaignId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Waits for the chunks in flight (they hold a share lock on the campaign until they commit).
    const [campaign] = (await tx.execute<{ freezing: boolean }>(sql`select freezing from campaigns where id = ${campaignId}::uuid for no key update`)).rows;
    if (!campaign) return false;
    if (!campaign.freezing) return true;
    const [chunks] = (
      await tx.execute<{ left: number; recipients: number; suppressed: number }>(sql`
        select count(*) filter (where not done)::int as left,
               coalesce(sum(recipients), 0)::int as recipients, coalesce(sum(suppressed), 0)::int as suppressed
        from campaign_freeze_chunks where campaign_id = ${campaignId}::uuid`)
    ).rows;
    if (chunks.left > 0) return false;
    await tx.execute(sql`
      update campaigns set freezing = false, recipient_count = ${chunks.recipients}, suppressed_count = ${chunks.suppressed}
      where id = ${campaignId}::uuid`);
    return true;
  });
}

/**
 * Finishes the freezes a crash or an error interrupted (or that run elsewhere now: the chunks are
 * shared). A freeze that fails again is logged and left for the next run; the others go on.
 */
export async function resumeFreezes(db: Db, input: { stream: string; log?: (message: string) => void }): Promise<{ frozen: string[]; failed: number }> {
  const rows = await db.execute<{ id: string }>(sql`select id from campaigns where freezing and status in ('sending', 'paused') order by started_at`);
  const result = { frozen: [] as string[], failed: 0 };
  for (const { id } of rows.rows) {
    try {
      if (await freezeAudience(db, { campaignId: id, stream: input.stream })) result.frozen.push(id);
    } catch (error) {
      result.failed++;
      (input.log ?? console.warn)(`the audience freeze of campaign ${id} stopped again; the next run resumes it: ${String(error)}`);
    }
  }
  return result;
}
