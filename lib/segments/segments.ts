import { desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { contacts, segments } from "@/db/schema";
import { AppError, notFound } from "@/lib/errors";
import { parseId } from "@/lib/http/id";
import { segmentContactsWhere } from "./compile";
import { countSegmentSql } from "./count";
import { segmentDefinitionSchema, type SegmentDefinition } from "./definition";
import { decodeCursor, encodeCursor } from "./sql-helpers";
import { validateSegmentDefinition } from "./validate";

type Contact = typeof contacts.$inferSelect;

export type Segment = Omit<typeof segments.$inferSelect, "definition"> & { definition: SegmentDefinition };

/**
 * A stored definition, read back through the schema: a definition saved by an older Postline (or by
 * hand) that no longer parses is an error here, never SQL built from something unchecked.
 */
function toSegment(row: typeof segments.$inferSelect): Segment {
  return { ...row, definition: segmentDefinitionSchema.parse(row.definition) };
}

export async function listSegments(db: DbOrTx): Promise<Segment[]> {
  const rows = await db.select().from(segments).orderBy(desc(segments.createdAt), desc(segments.id));
  return rows.map(toSegment);
}

export async function getSegment(db: DbOrTx, id: string): Promise<Segment | null> {
  const valid = parseId(id);
  if (!valid) return null;
  const [row] = await db.select().from(segments).where(eq(segments.id, valid)).limit(1);
  return row ? toSegment(row) : null;
}

export async function getSegmentOrThrow(db: DbOrTx, id: string): Promise<Segment> {
  const segment = await getSegment(db, id);
  if (!segment) throw notFound("Segment");
  return segment;
}

export async function createSegment(db: DbOrTx, input: { name: string; definition: SegmentDefinition; createdById?: string | null }, now: Date): Promise<Segment> {
  await validateSegmentDefinition(db, input.definition);
  const [row] = await db
    .insert(segments)
    .values({ name: input.name, definition: input.definition, createdById: input.createdById ?? null, createdAt: now, updatedAt: now })
    .returning();
  return toSegment(row);
}

/** Renames and/or redefines; a campaign targeting it sends to the new definition (audiences are compiled at send). */
export async function updateSegment(db: DbOrTx, input: { id: string; name?: string; definition?: SegmentDefinition }, now: Date): Promise<Segment> {
  const current = await getSegmentOrThrow(db, input.id);
  if (input.definition) await validateSegmentDefinition(db, input.definition);
  const [row] = await db
    .update(segments)
    .set({ name: input.name ?? current.name, definition: input.definition ?? current.definition, updatedAt: now })
    .where(eq(segments.id, current.id))
    .returning();
  return toSegment(row);
}

/**
 * Deletes a segment. A draft or scheduled campaign that targets or excludes it refuses
 * (`segment_in_use`, like lists' `list_in_use`): its audience would change unseen. Campaigns that froze
 * their audience already let it go.
 */
export async function deleteSegment(db: DbOrTx, input: { id: string }): Promise<{ name: string }> {
  const id = parseId(input.id);
  if (!id) throw notFound("Segment");
  return db.transaction(async (tx) => {
    const [segment] = await tx.select().from(segments).where(eq(segments.id, id)).for("update");
    if (!segment) throw notFound("Segment");
    const waiting = await tx.execute<{ name: string }>(sql`
      select c.name from campaign_segments cs join campaigns c on c.id = cs.campaign_id
      where cs.segment_id = ${id}::uuid and c.status in ('draft', 'scheduled') order by c.name limit 5`);
    if (waiting.rows.length) {
      throw new AppError("segment_in_use", `"${segment.name}" is used by ${waiting.rows.map((r) => `"${r.name}"`).join(", ")}, not sent yet: change their audience first`);
    }
    await tx.execute(sql`delete from campaign_segments where segment_id = ${id}::uuid`);
    await tx.delete(segments).where(eq(segments.id, id));
    return { name: segment.name };
  });
}

/** How many contacts match a definition now (one statement, lib/segments/count.ts). */
export async function countSegment(db: DbOrTx, definition: SegmentDefinition, now: Date): Promise<number> {
  const result = await db.execute<{ n: number }>(countSegmentSql(definition, { now }));
  return result.rows[0].n;
}

/** Counts of several segments (the segments page): one statement each, run one after another. */
export async function countSegments(db: DbOrTx, list: Segment[], now: Date): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const s of list) counts.set(s.id, await countSegment(db, s.definition, now));
  return counts;
}

/**
 * One page of a definition's contacts, newest first by keyset on (created_at, id) like the contacts
 * table (lib/contacts/search.ts), with the total. Used for a saved segment's contacts and for the
 * builder's sample of an unsaved definition.
 */
export async function pageSegmentContacts(
  db: DbOrTx,
  input: { definition: SegmentDefinition; after?: string | null; limit?: number },
  now: Date,
): Promise<{ rows: Contact[]; next: string | null; total: number }> {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 500);
  const where = segmentContactsWhere(input.definition, { now });
  const cursor = decodeCursor(input.after);
  const keyset = cursor?.v ? sql`and (c.created_at, c.id) < (${cursor.v}::timestamptz, ${cursor.id}::uuid)` : sql``;
  const [found, total] = await Promise.all([
    db.execute<{ id: string; at: string }>(sql`
      select c.id, to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
      from contacts c where ${where} ${keyset}
      order by c.created_at desc, c.id desc limit ${limit + 1}`),
    countSegment(db, input.definition, now),
  ]);
  const shown = found.rows.slice(0, limit);
  const ids = shown.map((r) => r.id);
  const full = ids.length ? await db.select().from(contacts).where(sql`${contacts.id} = any(${`{${ids.join(",")}}`}::uuid[])`) : [];
  const byId = new Map(full.map((c) => [c.id, c]));
  const last = shown[shown.length - 1];
  return {
    rows: ids.map((id) => byId.get(id)).filter((c): c is Contact => c !== undefined),
    next: found.rows.length > limit ? encodeCursor({ v: last.at, id: last.id }) : null,
    total,
  };
}

/** An unsaved definition, validated like a save: its count and its newest few contacts (the builder). */
export async function previewSegment(db: DbOrTx, input: { definition: SegmentDefinition; sample?: number }, now: Date): Promise<{ count: number; sample: Contact[] }> {
  await validateSegmentDefinition(db, input.definition);
  const sample = input.sample ?? 10;
  if (sample === 0) return { count: await countSegment(db, input.definition, now), sample: [] };
  const page = await pageSegmentContacts(db, { definition: input.definition, limit: sample }, now);
  return { count: page.total, sample: page.rows };
}
