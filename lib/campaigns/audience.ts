import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db";
import { AppError } from "@/lib/errors";
import { idField } from "@/lib/http/id";
import { compileSegment } from "@/lib/segments/compile";
import { segmentDefinitionSchema } from "@/lib/segments/definition";
import { uuidArray } from "@/lib/http/id";

/**
 * Who a campaign targets: the union of its included lists, tags and segments, minus the contacts of
 * its excluded ones. Nothing included means every contact (as before targeting existed). Pending
 * contacts (signed up, not yet confirmed) are never part of an audience.
 */
export interface CampaignTargets {
  listIds: string[];
  tagIds: string[];
  segmentIds: string[];
  excludeListIds: string[];
  excludeTagIds: string[];
  excludeSegmentIds: string[];
}

export const NO_TARGETS: CampaignTargets = { listIds: [], tagIds: [], segmentIds: [], excludeListIds: [], excludeTagIds: [], excludeSegmentIds: [] };

const ids = (what: string) => z.array(idField(`Not a ${what} id`)).max(100, `At most 100 ${what}s`).optional();

/** The targeting fields of the campaign API (snake_case), merged into campaignInputSchema. */
export const targetFieldsSchema = {
  list_ids: ids("list"),
  tag_ids: ids("tag"),
  segment_ids: ids("segment"),
  exclude_list_ids: ids("list"),
  exclude_tag_ids: ids("tag"),
  exclude_segment_ids: ids("segment"),
};
export type TargetFields = { [K in keyof typeof targetFieldsSchema]?: string[] };

export function targetsFromFields(f: TargetFields): CampaignTargets {
  const u = (v?: string[]) => [...new Set(v ?? [])];
  return {
    listIds: u(f.list_ids),
    tagIds: u(f.tag_ids),
    segmentIds: u(f.segment_ids),
    excludeListIds: u(f.exclude_list_ids),
    excludeTagIds: u(f.exclude_tag_ids),
    excludeSegmentIds: u(f.exclude_segment_ids),
  };
}

export function targetsToFields(t: CampaignTargets) {
  return {
    list_ids: t.listIds,
    tag_ids: t.tagIds,
    segment_ids: t.segmentIds,
    exclude_list_ids: t.excludeListIds,
    exclude_tag_ids: t.excludeTagIds,
    exclude_segment_ids: t.excludeSegmentIds,
  };
}

export const hasIncludes = (t: CampaignTargets) => t.listIds.length + t.tagIds.length + t.segmentIds.length > 0;

async function assertExist(db: DbOrTx, table: "lists" | "tags" | "segments", wanted: string[]) {
  if (!wanted.length) return;
  const found = new Set((await db.execute<{ id: string }>(sql`select id from ${sql.identifier(table)} where id = any(${uuidArray(wanted)})`)).rows.map((r) => r.id));
  const missing = wanted.filter((id) => !found.has(id));
  if (missing.length) {
    const code = ({ lists: "unknown_list", tags: "unknown_tag", segments: "unknown_segment" } as const)[table];
    throw new AppError(code, `Unknown ${table.slice(0, -1)} id: ${missing.join(", ")}`);
  }
}

/** Replaces a campaign's targets (in the caller's transaction), refusing unknown ids and a target both included and excluded. */
export async function setCampaignTargets(db: DbOrTx, campaignId: string, t: CampaignTargets): Promise<void> {
  for (const [what, inc, exc] of [
    ["list", t.listIds, t.excludeListIds],
    ["tag", t.tagIds, t.excludeTagIds],
    ["segment", t.segmentIds, t.excludeSegmentIds],
  ] as const) {
    const both = inc.filter((id) => exc.includes(id));
    if (both.length) throw new AppError("validation_failed", `A ${what} cannot be both targeted and excluded: ${both.join(", ")}`);
  }
  await assertExist(db, "lists", [...t.listIds, ...t.excludeListIds]);
  await assertExist(db, "tags", [...t.tagIds, ...t.excludeTagIds]);
  await assertExist(db, "segments", [...t.segmentIds, ...t.excludeSegmentIds]);
  await db.execute(sql`delete from campaign_lists where campaign_id = ${campaignId}::uuid`);
  await db.execute(sql`delete from campaign_tags where campaign_id = ${campaignId}::uuid`);
  await db.execute(sql`delete from campaign_segments where campaign_id = ${campaignId}::uuid`);
  const rows = (table: "campaign_lists" | "campaign_tags" | "campaign_segments", column: string, inc: string[], exc: string[]) =>
    inc.length + exc.length
      ? db.execute(sql`insert into ${sql.identifier(table)} (campaign_id, ${sql.identifier(column)}, exclude)
          select ${campaignId}::uuid, x.id, false from unnest(${uuidArray(inc)}) as x(id)
          union all select ${campaignId}::uuid, x.id, true from unnest(${uuidArray(exc)}) as x(id)`)
      : null;
  await rows("campaign_lists", "list_id", t.listIds, t.excludeListIds);
  await rows("campaign_tags", "tag_id", t.tagIds, t.excludeTagIds);
  await rows("campaign_segments", "segment_id", t.segmentIds, t.excludeSegmentIds);
}

export async function getCampaignTargets(db: DbOrTx, campaignId: string): Promise<CampaignTargets> {
  const rows = await db.execute<{ kind: "list" | "tag" | "segment"; id: string; exclude: boolean }>(sql`
    select 'list' as kind, list_id as id, exclude from campaign_lists where campaign_id = ${campaignId}::uuid
    union all select 'tag', tag_id, exclude from campaign_tags where campaign_id = ${campaignId}::uuid
    union all select 'segment', segment_id, exclude from campaign_segments where campaign_id = ${campaignId}::uuid
    order by 1, 2`);
  const pick = (kind: string, exclude: boolean) => rows.rows.filter((r) => r.kind === kind && r.exclude === exclude).map((r) => r.id);
  return {
    listIds: pick("list", false),
    tagIds: pick("tag", false),
    segmentIds: pick("segment", false),
    excludeListIds: pick("list", true),
    excludeTagIds: pick("tag", true),
    excludeSegmentIds: pick("segment", true),
  };
}

/** Targets of several campaigns at once (the campaigns list of the API), one query per kind. */
export async function getCampaignsTargets(db: DbOrTx, campaignIds: string[]): Promise<Map<string, CampaignTargets>> {
  const map = new Map(campaignIds.map((id) => [id, structuredClone(NO_TARGETS)]));
  if (!campaignIds.length) return map;
  const rows = await db.execute<{ campaign_id: string; kind: "list" | "tag" | "segment"; id: string; exclude: boolean }>(sql`
    select campaign_id, 'list' as kind, list_id as id, exclude from campaign_lists where campaign_id = any(${uuidArray(campaignIds)})
    union all select campaign_id, 'tag', tag_id, exclude from campaign_tags where campaign_id = any(${uuidArray(campaignIds)})
    union all select campaign_id, 'segment', segment_id, exclude from campaign_segments where campaign_id = any(${uuidArray(campaignIds)})
    order by 1, 2, 3`);
  for (const r of rows.rows) {
    const t = map.get(r.campaign_id);
    if (!t) continue;
    const key = `${r.exclude ? "exclude" + r.kind[0].toUpperCase() + r.kind.slice(1) : r.kind}Ids` as keyof CampaignTargets;
    t[key].push(r.id);
  }
  return map;
}

/** Copies a campaign's targets to another (duplicate). */
export async function copyCampaignTargets(db: DbOrTx, input: { fromId: string; toId: string }): Promise<void> {
  const { fromId, toId } = input;
  await db.execute(sql`insert into campaign_lists (campaign_id, list_id, exclude) select ${toId}::uuid, list_id, exclude from campaign_lists where campaign_id = ${fromId}::uuid`);
  await db.execute(sql`insert into campaign_tags (campaign_id, tag_id, exclude) select ${toId}::uuid, tag_id, exclude from campaign_tags where campaign_id = ${fromId}::uuid`);
  await db.execute(sql`insert into campaign_segments (campaign_id, segment_id, exclude) select ${toId}::uuid, segment_id, exclude from campaign_segments where campaign_id = ${fromId}::uuid`);
}

/** The condition on `c` (contacts c) that targets define; shared by a saved campaign and the form's live count. */
export async function targetsConditionSql(db: DbOrTx, t: CampaignTargets, now: Date): Promise<SQL> {
  const segmentIds = [...t.segmentIds, ...t.excludeSegmentIds];
  const defs = new Map<string, SQL>();
  if (segmentIds.length) {
    const rows = await db.execute<{ id: string; definition: unknown }>(sql`select id, definition from segments where id = any(${uuidArray(segmentIds)})`);
    for (const r of rows.rows) defs.set(r.id, compileSegment(segmentDefinitionSchema.parse(r.definition), { now }));
  }
  const any = (lists: string[], tags: string[], segs: string[]): SQL[] => [
    ...(lists.length ? [sql`exists (select 1 from list_memberships m where m.contact_id = c.id and m.list_id = any(${uuidArray(lists)}))`] : []),
    ...(tags.length ? [sql`exists (select 1 from contact_tags ct where ct.contact_id = c.id and ct.tag_id = any(${uuidArray(tags)}))`] : []),
    // A segment deleted meanwhile (only possible once no draft uses it) selects nobody.
    ...segs.map((id) => defs.get(id) ?? sql`false`),
  ];
  const include = any(t.listIds, t.tagIds, t.segmentIds);
  const exclude = any(t.excludeListIds, t.excludeTagIds, t.excludeSegmentIds);
  return sql`c.status <> 'pending'
    and ${include.length ? sql`(${sql.join(include, sql` or `)})` : sql`true`}
    ${exclude.length ? sql`and not (${sql.join(exclude, sql` or `)})` : sql``}`;
}

/**
 * THE one place that says who a campaign targets: `(select c.id, c.email, c.status …)` over its
 * targets as stored now. countAudience and startCampaignSend both use it, with the same `now`
 * semantics, so the count shown before sending is the audience frozen at send. `ids` narrows it to
 * one chunk of contact ids (the freeze, lib/campaigns/freeze.ts).
 */
export async function audienceContactsSql(db: DbOrTx, campaignId: string, now: Date, ids?: ContactIdRange): Promise<SQL> {
  const where = await targetsConditionSql(db, await getCampaignTargets(db, campaignId), now);
  const range = ids ? sql`and c.id >= ${ids.from}::uuid ${ids.below ? sql`and c.id < ${ids.below}::uuid` : sql``}` : sql``;
  return sql`(select c.id, c.email, c.status from contacts c where ${where} ${range})`;
}

/** Contact ids from `from` (included) up to `below` (excluded; null: no end): one chunk of a freeze. */
export interface ContactIdRange {
  from: string;
  below: string | null;
}

/** Who targets would reach now, and who would be skipped as suppressed (the campaign form's live count). */
export async function countTargets(db: DbOrTx, t: CampaignTargets, now: Date): Promise<{ recipients: number; suppressed: number }> {
  const where = await targetsConditionSql(db, t, now);
  const result = await db.execute<{ recipients: number; suppressed: number }>(sql`
    select count(*) filter (where c.status = 'subscribed')::int as recipients,
           count(*) filter (where c.status <> 'subscribed')::int as suppressed
    from contacts c where ${where}`);
  return result.rows[0];
}

