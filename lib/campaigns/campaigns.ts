import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { idField } from "@/lib/http/id";
import type { Db, DbOrTx } from "@/db";
import { campaignLists, campaigns, type CampaignStatus, type Role } from "@/db/schema";
import { resumeAfterBreaker } from "@/lib/deliverability/breakers";
import { AppError, conflict, notFound } from "@/lib/errors";
import { audienceContactsSql, copyCampaignTargets, getCampaignTargets, setCampaignTargets, targetFieldsSchema, targetsFromFields, targetsToFields } from "./audience";
import { freezeAudience, freezeChunkRowsSql } from "./freeze";
import { canonicalTimeZone } from "./schedule-time";
import { compileTemplate, TemplateError } from "./template";

export type Campaign = typeof campaigns.$inferSelect;

const fromSchema = z
  .string()
  .trim()
  .max(320)
  .refine((v) => /^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(v), "From must be an address, or Name <address>");

export const campaignInputSchema = z.strictObject({
  name: z.string().trim().min(1, "Name the campaign").max(200),
  subject: z.string().trim().min(1, "The subject cannot be empty").max(998, "Subjects are at most 998 characters"),
  html: z.string().trim().min(1, "The HTML body cannot be empty").max(5 * 1024 * 1024, "Bodies are at most 5 MB"),
  text: z.string().max(5 * 1024 * 1024).optional().nullable(),
  from: fromSchema.optional(),
  /** The audience (lib/campaigns/audience.ts): list_ids, tag_ids, segment_ids and their exclude_ twins. */
  ...targetFieldsSchema,
  /** The hidden honeypot link (lib/engagement/honeypot.ts); absent: on for a new campaign, kept on an edit. */
  honeypot: z.boolean({ error: "honeypot must be true or false" }).optional(),
});
export type CampaignInput = z.infer<typeof campaignInputSchema>;

/** A change to a draft: any subset of the fields; those left out keep their value. */
export const campaignPatchSchema = campaignInputSchema.partial();
export type CampaignPatch = z.infer<typeof campaignPatchSchema>;

/** Every template part must compile: an unknown variable is a 422 before anything is stored. */
export function validateCampaignTemplates(input: { subject: string; html: string; text?: string | null }): void {
  for (const [part, source] of [["subject", input.subject], ["html", input.html], ["text", input.text ?? ""]] as const) {
    try {
      compileTemplate(source);
    } catch (error) {
      if (error instanceof TemplateError) throw new AppError("invalid_template", `${part}: ${error.message}`, { part, variable: error.variable });
      throw error;
    }
  }
}

export async function createCampaign(
  db: Db,
  input: CampaignInput,
  options: { defaultFrom: string; createdById?: string | null },
): Promise<Campaign> {
  validateCampaignTemplates(input);
  return db.transaction(async (tx) => {
    const [campaign] = await tx
      .insert(campaigns)
      .values({
        name: input.name,
        subject: input.subject,
        html: input.html,
        text: input.text?.trim() ? input.text : null,
        fromEmail: input.from ?? options.defaultFrom,
        ...(input.honeypot === undefined ? {} : { honeypot: input.honeypot }),
        createdById: options.createdById ?? null,
      })
      .returning();
    await setCampaignTargets(tx, campaign.id, targetsFromFields(input));
    return campaign;
  });
}

/** Only drafts (and scheduled campaigns, which go back to draft) can be edited. */
export async function updateCampaign(db: Db, input: CampaignInput & { id: string }, now: Date): Promise<Campaign> {
  validateCampaignTemplates(input);
  return db.transaction((tx) => applyUpdate(tx, input, now));
}

/**
 * Changes some fields of a draft or scheduled campaign (the API's PATCH): the rest, lists included, keep
 * their value. Like every edit it returns a scheduled campaign to draft.
 */
export async function patchCampaign(db: Db, input: CampaignPatch & { id: string }, now: Date): Promise<Campaign> {
  return db.transaction(async (tx) => {
    // Locked so a concurrent edit cannot interleave between the read and the write.
    const [current] = await tx.select().from(campaigns).where(eq(campaigns.id, input.id)).for("update");
    if (!current) throw notFound("Campaign");
    const merged: CampaignInput & { id: string } = {
      id: input.id,
      name: input.name ?? current.name,
      subject: input.subject ?? current.subject,
      html: input.html ?? current.html,
      text: input.text === undefined ? current.text : input.text,
      from: input.from,
      // Each targeting field left out keeps the campaign's current value.
      ...Object.fromEntries(Object.entries(targetsToFields(await getCampaignTargets(tx, input.id))).map(([k, v]) => [k, input[k as keyof typeof targetFieldsSchema] ?? v])),
      honeypot: input.honeypot,
    };
    validateCampaignTemplates(merged);
    return applyUpdate(tx, merged, now);
  });
}

async function applyUpdate(tx: DbOrTx, input: CampaignInput & { id: string }, now: Date): Promise<Campaign> {
  const { id } = input;
  const [campaign] = await tx
    .update(campaigns)
    .set({
      name: input.name,
      subject: input.subject,
      html: input.html,
      text: input.text?.trim() ? input.text : null,
      ...(input.from ? { fromEmail: input.from } : {}),
      ...(input.honeypot === undefined ? {} : { honeypot: input.honeypot }),
      status: "draft",
      scheduledAt: null,
      scheduleTimeZone: null,
      updatedAt: now,
    })
    .where(and(eq(campaigns.id, id), inArray(campaigns.status, ["draft", "scheduled"])))
    .returning();
  if (!campaign) {
    await getCampaignOrThrow(tx, id);
    throw conflict("Only a draft or scheduled campaign can be edited");
  }
  await setCampaignTargets(tx, id, targetsFromFields(input));
  return campaign;
}

export async function getCampaign(db: DbOrTx, id: string): Promise<Campaign | null> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id)).limit(1);
  return row ?? null;
}

export async function getCampaignOrThrow(db: DbOrTx, id: string): Promise<Campaign> {
  const row = await getCampaign(db, id);
  if (!row) throw notFound("Campaign");
  return row;
}

export async function listCampaigns(db: DbOrTx, { limit = 50 }: { limit?: number } = {}): Promise<Campaign[]> {
  return db.select().from(campaigns).orderBy(desc(campaigns.createdAt)).limit(limit);
}

export async function getCampaignListIds(db: DbOrTx, campaignId: string): Promise<string[]> {
  const rows = await db
    .select({ listId: campaignLists.listId })
    .from(campaignLists)
    .where(and(eq(campaignLists.campaignId, campaignId), eq(campaignLists.exclude, false)));
  return rows.map((r) => r.listId);
}

export { audienceContactsSql };

/** Who would receive the campaign now, and who would be skipped as suppressed. */
export async function countAudience(db: DbOrTx, campaignId: string, now = new Date()): Promise<{ recipients: number; suppressed: number }> {
  const audience = await audienceContactsSql(db, campaignId, now);
  const result = await db.execute<{ recipients: number; suppressed: number }>(sql`
    select count(*) filter (where a.status = 'subscribed')::int as recipients,
           count(*) filter (where a.status <> 'subscribed')::int as suppressed
    from ${audience} a`);
  return result.rows[0];
}

/**
 * Starts sending: marks the campaign sending and freezes its audience into one message row per
 * contact (lib/campaigns/freeze.ts), then returns it with its final counts. Suppressed contacts get a
 * message row too, status 'suppressed' with the reason, so the report says who was skipped and why.
 * The conditional status update makes a second send a 409, however many race; an audience with no
 * subscribed contact is a 422 and leaves the campaign as it was.
 *
 * The freeze runs in chunks of contact ids, each its own transaction, after the start commits: a
 * crash in between leaves the campaign sending and `freezing`, and advanceSending (the cron, a
 * restart) freezes the chunks left, never anyone twice. Its counts are set when the last chunk is
 * done; the count sent is the number of queued rows frozen.
 *
 * Speed (a 1,000,000-contact audience, BENCHMARKS.md "bench:audience"): the cost is writing the rows
 * and their index entries. The claim above means each chunk's insert runs once, so it has no
 * ON CONFLICT (whose per-row speculative check of every unique index cost about a tenth); the
 * (campaign, contact) key still refuses a second row for anyone. Message ids stay random: time-ordered
 * ids (uuidv7) inserted in contact-id order saved about a tenth of the freeze but halved dispatch
 * (bench:dispatch 1,767 instead of 3,348 recipients/s, back to back).
 */
export async function startCampaignSend(
  db: Db,
  input: { campaignId: string; stream: string; fromStatuses?: CampaignStatus[] },
  now: Date,
): Promise<Campaign> {
  await claimCampaignSend(db, input, now);
  await freezeAudience(db, { campaignId: input.campaignId, stream: input.stream });
  return getCampaignOrThrow(db, input.campaignId);
}

/**
 * The first step of startCampaignSend, one transaction: the campaign becomes sending and freezing with
 * its chunks to freeze, or nothing changes (409 already sent, 422 no audience). Exported for the
 * freeze's crash tests (a start that died right after it).
 */
export async function claimCampaignSend(db: Db, input: { campaignId: string; fromStatuses?: CampaignStatus[] }, now: Date): Promise<void> {
  const { campaignId } = input;
  await db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(campaigns)
      .set({ status: "sending", startedAt: now, updatedAt: now, lastError: null, freezing: true, recipientCount: 0, suppressedCount: 0 })
      .where(and(eq(campaigns.id, campaignId), inArray(campaigns.status, input.fromStatuses ?? ["draft", "scheduled"])))
      .returning();
    if (!claimed) {
      const existing = await getCampaignOrThrow(tx, campaignId);
      throw new AppError("already_sent", `This campaign is ${existing.status}; it can be sent only once`);
    }
    const audience = await audienceContactsSql(tx, campaignId, now);
    const [found] = (
      await tx.execute<{ recipient: boolean; anyone: boolean }>(sql`
        select exists (select 1 from ${audience} a where a.status = 'subscribed') as recipient, exists (select 1 from ${audience} a) as anyone`)
    ).rows;
    if (!found.recipient) {
      throw new AppError("no_audience", found.anyone ? "Every contact in this audience is unsubscribed, bounced or complained" : "This campaign has no recipients: add contacts or choose lists with subscribed contacts");
    }
    await tx.execute(freezeChunkRowsSql(campaignId));
  });
}

/**
 * Schedules a draft (or moves a schedule) to the instant `at`. `timeZone` is the zone it was chosen in
 * (see schedule-time.ts), kept only to show the schedule back in it; the instant alone decides when.
 */
export async function scheduleCampaign(
  db: DbOrTx,
  input: { campaignId: string; at: Date; timeZone?: string | null },
  now: Date,
): Promise<Campaign> {
  const { campaignId, at } = input;
  if (Number.isNaN(at.getTime())) throw new AppError("invalid_schedule", "Pick a valid date and time");
  if (at.getTime() <= now.getTime()) throw new AppError("invalid_schedule", "Pick a time in the future");
  const timeZone = input.timeZone ? canonicalTimeZone(input.timeZone) : null;
  const [row] = await db
    .update(campaigns)
    .set({ status: "scheduled", scheduledAt: at, scheduleTimeZone: timeZone, updatedAt: now })
    .where(and(eq(campaigns.id, campaignId), inArray(campaigns.status, ["draft", "scheduled"])))
    .returning();
  if (!row) {
    const existing = await getCampaignOrThrow(db, campaignId);
    throw new AppError("already_sent", `This campaign is ${existing.status}; it cannot be scheduled`);
  }
  return row;
}

async function transition(
  db: DbOrTx,
  { campaignId, from, set, verb }: { campaignId: string; from: CampaignStatus[]; set: Partial<typeof campaigns.$inferInsert>; verb: string },
  now: Date,
) {
  const [row] = await db
    .update(campaigns)
    .set({ ...set, updatedAt: now })
    .where(and(eq(campaigns.id, campaignId), inArray(campaigns.status, from)))
    .returning();
  if (!row) {
    const existing = await getCampaignOrThrow(db, campaignId);
    throw new AppError("invalid_state", `A ${existing.status} campaign cannot be ${verb}`);
  }
  return row;
}

/**
 * A scheduled campaign back to draft, content and audience kept. Only a scheduled one: a campaign the
 * scheduler has already started is sending (409 `invalid_state`, pause or cancel it instead).
 */
export const unscheduleCampaign = (db: DbOrTx, id: string, now: Date) =>
  transition(db, { campaignId: id, from: ["scheduled"], set: { status: "draft", scheduledAt: null, scheduleTimeZone: null }, verb: "unscheduled" }, now);

/**
 * A new draft with a campaign's content, sender and targets (lists, tags, segments, exclusions), named "Copy of …", whatever the source's
 * status: nothing of its sending (schedule, counts, messages) is copied.
 */
export async function duplicateCampaign(db: Db, input: { campaignId: string; createdById?: string | null }, now: Date): Promise<Campaign> {
  return db.transaction(async (tx) => {
    const source = await getCampaignOrThrow(tx, input.campaignId);
    const [copy] = await tx
      .insert(campaigns)
      .values({
        name: `Copy of ${source.name}`.slice(0, 200),
        subject: source.subject,
        html: source.html,
        text: source.text,
        fromEmail: source.fromEmail,
        honeypot: source.honeypot,
        createdById: input.createdById ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await copyCampaignTargets(tx, { fromId: source.id, toId: copy.id });
    return copy;
  });
}

export const pauseCampaign = (db: DbOrTx, id: string, now: Date) =>
  transition(db, { campaignId: id, from: ["sending"], set: { status: "paused", pausedAt: now }, verb: "paused" }, now);
/**
 * Paused → sending. A campaign a circuit breaker paused (lib/deliverability/breakers.ts) is resumed
 * only by an admin (403 `forbidden` for anyone else, saying what was seen); that resume closes the
 * breaker's trips and its window starts again from today's totals.
 */
export async function resumeCampaign(db: Db, id: string, now: Date, by: { role: Role; userId: string | null }): Promise<Campaign> {
  return db.transaction(async (tx) => {
    await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, id)).for("update");
    const row = await transition(tx, { campaignId: id, from: ["paused"], set: { status: "sending", pausedAt: null, lastError: null }, verb: "resumed" }, now);
    await resumeAfterBreaker(tx, { campaignId: id }, by, now);
    return row;
  });
}

/** Cancelling keeps what was sent; messages still waiting are marked cancelled and never sent. */
export async function cancelCampaign(db: Db, id: string, now: Date): Promise<Campaign> {
  return db.transaction(async (tx) => {
    const row = await transition(tx, { campaignId: id, from: ["draft", "scheduled", "sending", "paused"], set: { status: "cancelled", cancelledAt: now }, verb: "cancelled" }, now);
    await tx.execute(sql`update messages set status = 'cancelled', updated_at = ${now.toISOString()}::timestamptz where campaign_id = ${id}::uuid and status = 'queued' and batch_id is null`);
    return row;
  });
}
