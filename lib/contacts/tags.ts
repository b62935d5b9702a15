import { asc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db";
import { tags } from "@/db/schema";
import { AppError, isUniqueViolation, notFound } from "@/lib/errors";
import { uuidArray } from "@/lib/http/id";

export type Tag = typeof tags.$inferSelect;
export type TagRef = Pick<Tag, "id" | "name">;

export const TAG_NAME_MAX = 100;

export const tagNameSchema = z
  .string({ error: "A tag name is text" })
  .trim()
  .min(1, "Name the tag")
  .max(TAG_NAME_MAX, `Tag names are at most ${TAG_NAME_MAX} characters`);

export const tagInputSchema = z.strictObject({ name: tagNameSchema });

/** Tags by name, a contact's tags by their names (`POST /api/v1/contacts/{id}/tags`). */
export const tagNamesSchema = z.array(tagNameSchema, { error: "tags is a list of tag names" }).max(100, "At most 100 tags at once");

function tagExists(name: string) {
  return new AppError("tag_exists", `A tag named "${name}" already exists`);
}

/** Every tag by name, with how many contacts carry it. */
export async function listTags(db: DbOrTx): Promise<(Tag & { contactCount: number })[]> {
  return db
    .select({
      id: tags.id,
      name: tags.name,
      createdAt: tags.createdAt,
      updatedAt: tags.updatedAt,
      // Written out as tags.id: drizzle leaves columns unqualified here. Served by contact_tags_tag_contact_idx.
      contactCount: sql<number>`(select count(*)::int from contact_tags ct where ct.tag_id = tags.id)`,
    })
    .from(tags)
    .orderBy(asc(sql`lower(${tags.name})`), asc(tags.id));
}

export async function getTag(db: DbOrTx, id: string): Promise<Tag | null> {
  const [tag] = await db.select().from(tags).where(sql`${tags.id} = any(${uuidArray([id])})`).limit(1);
  return tag ?? null;
}

/** Creates a tag; names stay unique whatever their case (`tag_exists`). */
export async function createTag(db: DbOrTx, input: { name: string }): Promise<Tag> {
  const name = tagNameSchema.parse(input.name);
  try {
    const [tag] = await db.insert(tags).values({ name }).returning();
    return tag;
  } catch (error) {
    if (isUniqueViolation(error, "tags_name_lower_key")) throw tagExists(name);
    throw error;
  }
}

/** Renames a tag (its contacts keep it); a name another tag has is `tag_exists`. */
export async function renameTag(db: DbOrTx, input: { id: string; name: string }, now: Date): Promise<Tag> {
  const name = tagNameSchema.parse(input.name);
  try {
    const [tag] = await db.update(tags).set({ name, updatedAt: now }).where(sql`${tags.id} = any(${uuidArray([input.id])})`).returning();
    if (!tag) throw notFound("Tag");
    return tag;
  } catch (error) {
    if (isUniqueViolation(error, "tags_name_lower_key")) throw tagExists(name);
    throw error;
  }
}

/**
 * Deletes a tag. Each contact that carried it is untagged, and announced so (Contact.Untagged): to a
 * subscriber, a deleted tag is the same change on every contact as removing it one by one.
 */
export async function deleteTag(db: DbOrTx, input: { id: string }, now: Date): Promise<{ name: string; contacts: number }> {
  return db.transaction(async (tx) => {
    const [tag] = await tx.select().from(tags).where(sql`${tags.id} = any(${uuidArray([input.id])})`).for("update");
    if (!tag) throw notFound("Tag");
    // Like a list (lib/contacts/lists.ts deleteList): a campaign not sent yet that targets or excludes
    // the tag keeps it, or its audience would change unseen; sent ones let it go.
    const waiting = await tx.execute<{ name: string }>(sql`
      select c.name from campaign_tags ct join campaigns c on c.id = ct.campaign_id
      where ct.tag_id = ${tag.id}::uuid and c.status in ('draft', 'scheduled') order by c.name limit 5`);
    if (waiting.rows.length) {
      throw new AppError("tag_in_use", `"${tag.name}" is in the audience of ${waiting.rows.map((r) => `"${r.name}"`).join(", ")}, not sent yet: change their audience first`);
    }
    await tx.execute(sql`delete from campaign_tags where tag_id = ${tag.id}::uuid`);
    const { changed } = await changeWithEvents(
      tx,
      "Contact.Untagged",
      sql`delete from contact_tags where tag_id = ${tag.id}::uuid returning contact_id, tag_id`,
      now,
    );
    await tx.delete(tags).where(eq(tags.id, tag.id));
    return { name: tag.name, contacts: changed };
  });
}

/**
 * The tags named by `names` (case-insensitively) and `ids`, in one list. Missing names are created
 * when `createMissing`, else they are `unknown_tag`, like unknown ids. Names are checked here too, so
 * every caller (API, CSV import, later forms) gets the same rules.
 */
export async function resolveTags(db: DbOrTx, input: { names?: readonly string[]; ids?: readonly string[]; createMissing?: boolean }): Promise<Tag[]> {
  const names = dedupeNames(input.names ?? []);
  const ids = [...new Set(input.ids ?? [])];
  const found: Tag[] = [];
  if (names.length) {
    const array = sql`${`{${names.map(pgArrayItem).join(",")}}`}::text[]`;
    if (input.createMissing) {
      // A concurrent creation of the same name is not an error: it is the tag to use.
      await db.execute(sql`insert into tags (name) select unnest(${array}) on conflict do nothing`);
    }
    const byName = await db.select().from(tags).where(sql`lower(${tags.name}) = any(select lower(n) from unnest(${array}) n)`);
    const missing = names.filter((n) => !byName.some((t) => t.name.toLowerCase() === n.toLowerCase()));
    if (missing.length) throw new AppError("unknown_tag", `Unknown tag: ${missing.map((n) => `"${n}"`).join(", ")}`);
    found.push(...byName);
  }
  if (ids.length) {
    const byId = await db.select().from(tags).where(sql`${tags.id} = any(${uuidArray(ids)})`);
    const missing = ids.filter((id) => !byId.some((t) => t.id === id.toLowerCase()));
    if (missing.length) throw new AppError("unknown_tag", `Unknown tag id: ${missing.join(", ")}`);
    found.push(...byId);
  }
  return [...new Map(found.map((t) => [t.id, t])).values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Validated, trimmed names, the first spelling of each kept (names are one whatever their case). */
function dedupeNames(raw: readonly string[]): string[] {
  const names = new Map<string, string>();
  for (const value of raw) {
    const name = tagNameSchema.parse(value);
    if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
  }
  return [...names.values()];
}

/** One element of a PostgreSQL array literal, quoted so commas, quotes and braces in names survive. */
function pgArrayItem(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * Tags contacts (a bulk selection, one contact, an import chunk): every pair not there yet is added,
 * in one statement, and each addition is announced (Contact.Tagged) in the same statement. Pairs
 * already there announce nothing. Unknown contact ids are ignored (like lists' bulk add).
 */
export async function tagContacts(
  db: DbOrTx,
  input: { contactIds: readonly string[]; tagNames?: readonly string[]; tagIds?: readonly string[]; createMissing?: boolean },
  now: Date,
): Promise<{ tags: Tag[]; added: number }> {
  return db.transaction(async (tx) => {
    const resolved = await resolveTags(tx, { names: input.tagNames, ids: input.tagIds, createMissing: input.createMissing });
    if (resolved.length === 0 || input.contactIds.length === 0) return { tags: resolved, added: 0 };
    const { changed } = await changeWithEvents(
      tx,
      "Contact.Tagged",
      sql`insert into contact_tags (contact_id, tag_id)
          select c.id, t.id from contacts c cross join unnest(${uuidArray(resolved.map((t) => t.id))}) t(id)
          where c.id = any(${uuidArray([...input.contactIds])})
          order by c.id, t.id
          on conflict do nothing
          returning contact_id, tag_id`,
      now,
    );
    return { tags: resolved, added: changed };
  });
}

/**
 * The CSV import's tagging: (address, tag id) pairs for one chunk of upserted contacts, written in one
 * statement (announcing Contact.Tagged for new pairs). Addresses match whatever their case, through
 * the contacts' unique lower(email) index. Returns how many taggings were added.
 */
export async function tagContactsByEmail(db: DbOrTx, input: { pairs: readonly { email: string; tagId: string }[] }, now: Date): Promise<number> {
  if (input.pairs.length === 0) return 0;
  const payload = JSON.stringify(input.pairs.map((p) => ({ email: p.email, tag_id: p.tagId })));
  const { changed } = await changeWithEvents(
    db,
    "Contact.Tagged",
    sql`insert into contact_tags (contact_id, tag_id)
        select c.id, p.tag_id from jsonb_to_recordset(${payload}::jsonb) as p(email text, tag_id uuid)
        join contacts c on lower(c.email) = lower(p.email)
        order by c.id, p.tag_id
        on conflict do nothing
        returning contact_id, tag_id`,
    now,
  );
  return changed;
}

/** Removes tags from contacts; each removal is announced (Contact.Untagged), a pair that was not there is not. */
export async function untagContacts(db: DbOrTx, input: { contactIds: readonly string[]; tagIds: readonly string[] }, now: Date): Promise<{ tags: Tag[]; removed: number }> {
  return db.transaction(async (tx) => {
    const resolved = await resolveTags(tx, { ids: input.tagIds });
    if (resolved.length === 0 || input.contactIds.length === 0) return { tags: resolved, removed: 0 };
    const { changed } = await changeWithEvents(
      tx,
      "Contact.Untagged",
      sql`delete from contact_tags
          where tag_id = any(${uuidArray(resolved.map((t) => t.id))}) and contact_id = any(${uuidArray([...input.contactIds])})
          returning contact_id, tag_id`,
      now,
    );
    return { tags: resolved, removed: changed };
  });
}

/** Adds tags to one contact by name, creating missing ones: the contact's tags after (`not_found` for an unknown contact). */
export async function tagContact(db: DbOrTx, input: { contactId: string; tagNames: readonly string[] }, now: Date): Promise<TagRef[]> {
  return db.transaction(async (tx) => {
    await lockContact(tx, input.contactId);
    await tagContacts(tx, { contactIds: [input.contactId], tagNames: input.tagNames, createMissing: true }, now);
    return listContactTags(tx, input.contactId);
  });
}

/** Removes one tag from one contact: the contact's tags after. An unknown contact or tag is `not_found`; a tag it did not carry changes nothing. */
export async function untagContact(db: DbOrTx, input: { contactId: string; tagId: string }, now: Date): Promise<TagRef[]> {
  return db.transaction(async (tx) => {
    await lockContact(tx, input.contactId);
    if (!(await getTag(tx, input.tagId))) throw notFound("Tag");
    await untagContacts(tx, { contactIds: [input.contactId], tagIds: [input.tagId] }, now);
    return listContactTags(tx, input.contactId);
  });
}

async function lockContact(tx: DbOrTx, contactId: string): Promise<void> {
  const found = await tx.execute(sql`select id from contacts where id = any(${uuidArray([contactId])}) for update`);
  if (found.rows.length === 0) throw notFound("Contact");
}

/** A contact's tags by name. */
export async function listContactTags(db: DbOrTx, contactId: string): Promise<TagRef[]> {
  return (await tagsOfContacts(db, [contactId])).get(contactId.toLowerCase()) ?? [];
}

/** The tags of a page of contacts, in one query: contact id → its tags by name (contacts without tags are absent). */
export async function tagsOfContacts(db: DbOrTx, contactIds: readonly string[]): Promise<Map<string, TagRef[]>> {
  const byContact = new Map<string, TagRef[]>();
  if (contactIds.length === 0) return byContact;
  const rows = await db.execute<{ contact_id: string; id: string; name: string }>(sql`
    select ct.contact_id, t.id, t.name from contact_tags ct join tags t on t.id = ct.tag_id
    where ct.contact_id = any(${uuidArray([...contactIds])})
    order by lower(t.name), t.id`);
  for (const r of rows.rows) {
    const list = byContact.get(r.contact_id) ?? [];
    list.push({ id: r.id, name: r.name });
    byContact.set(r.contact_id, list);
  }
  return byContact;
}

/**
 * Runs a statement that adds or removes taggings (`returning contact_id, tag_id`) and announces each
 * changed pair in the same statement: {contact_id, email, tag: {id, name}, tagged_at | untagged_at}.
 * Payloads are built only when some active endpoint subscribes, so a bulk change with no subscriber
 * costs one scan of webhook_endpoints. The tags and contacts joined are those before the statement
 * (one snapshot), so a tag deleted by `change` still gives its name.
 */
async function changeWithEvents(tx: DbOrTx, event: "Contact.Tagged" | "Contact.Untagged", change: SQL, now: Date): Promise<{ changed: number; queued: number }> {
  const at = now.toISOString();
  const atKey = event === "Contact.Tagged" ? "tagged_at" : "untagged_at";
  const result = await tx.execute<{ changed: number; queued: number }>(sql`
    with changed as (${change})
    select (select count(*)::int from changed) as changed,
           postline_enqueue_outbound((
             select jsonb_agg(jsonb_build_object(
                      'event', ${event}::text,
                      'occurred_at', ${at}::text,
                      'data', jsonb_build_object('contact_id', c.id, 'email', c.email,
                                                 'tag', jsonb_build_object('id', t.id, 'name', t.name),
                                                 ${atKey}::text, ${at}::text))
                    order by c.id, t.id)
             from changed ch join contacts c on c.id = ch.contact_id join tags t on t.id = ch.tag_id
             where exists (select 1 from webhook_endpoints where status = 'active' and ${event}::text = any(events)))) as queued`);
  return result.rows[0];
}
