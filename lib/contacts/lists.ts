import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { campaignLists, listMemberships, lists } from "@/db/schema";
import { AppError, isUniqueViolation, notFound } from "@/lib/errors";
import { assertListsExist, type List } from "./contacts";
import { uuidArray } from "@/lib/http/id";

/** Renames a list; names stay unique whatever their case. */
export async function renameList(db: DbOrTx, input: { id: string; name: string }): Promise<List> {
  const name = input.name.trim();
  try {
    const [list] = await db.update(lists).set({ name }).where(eq(lists.id, input.id)).returning();
    if (!list) throw notFound("List");
    return list;
  } catch (error) {
    if (isUniqueViolation(error, "lists_name_lower_key")) throw new AppError("list_exists", `A list named "${name}" already exists`);
    throw error;
  }
}

/**
 * Deletes a list; its contacts stay (only their memberships go). A draft or scheduled campaign that
 * targets the list refuses it: without the list its audience would change unseen (with no list left,
 * to every subscribed contact). Campaigns that already froze their audience let the list go.
 */
export async function deleteList(db: DbOrTx, input: { id: string }): Promise<{ name: string; members: number }> {
  return db.transaction(async (tx) => {
    const [list] = await tx.select().from(lists).where(eq(lists.id, input.id)).for("update");
    if (!list) throw notFound("List");
    const waiting = await tx.execute<{ name: string }>(sql`
      select c.name from campaign_lists cl join campaigns c on c.id = cl.campaign_id
      where cl.list_id = ${input.id}::uuid and c.status in ('draft', 'scheduled') order by c.name limit 5`);
    if (waiting.rows.length) {
      throw new AppError(
        "list_in_use",
        `"${list.name}" is the audience of ${waiting.rows.map((r) => `"${r.name}"`).join(", ")}, not sent yet: change their audience first`,
      );
    }
    const [{ members }] = (await tx.execute<{ members: number }>(sql`select count(*)::int as members from list_memberships where list_id = ${input.id}::uuid`)).rows;
    await tx.delete(campaignLists).where(eq(campaignLists.listId, input.id));
    await tx.delete(lists).where(eq(lists.id, input.id)); // memberships go with it (on delete cascade)
    return { name: list.name, members };
  });
}

async function assertList(db: DbOrTx, listId: string): Promise<List> {
  const [list] = await db.select().from(lists).where(eq(lists.id, listId)).limit(1);
  if (!list) throw new AppError("unknown_list", `Unknown list id: ${listId}`);
  return list;
}

/** Adds contacts to a list (those already in it stay); unknown contact ids are ignored. Returns how many joined. */
export async function addContactsToList(db: DbOrTx, input: { listId: string; contactIds: string[] }): Promise<{ list: List; added: number }> {
  const list = await assertList(db, input.listId);
  if (input.contactIds.length === 0) return { list, added: 0 };
  const added = await db.execute(sql`
    insert into list_memberships (list_id, contact_id)
    select ${input.listId}::uuid, c.id from contacts c where c.id = any(${uuidArray(input.contactIds)})
    on conflict do nothing`);
  return { list, added: added.rowCount ?? 0 };
}

/** Removes contacts from a list (the contacts stay). Returns how many left it. */
export async function removeContactsFromList(db: DbOrTx, input: { listId: string; contactIds: string[] }): Promise<{ list: List; removed: number }> {
  const list = await assertList(db, input.listId);
  if (input.contactIds.length === 0) return { list, removed: 0 };
  const removed = await db
    .delete(listMemberships)
    .where(and(eq(listMemberships.listId, input.listId), sql`${listMemberships.contactId} = any(${uuidArray(input.contactIds)})`))
    .returning({ id: listMemberships.contactId });
  return { list, removed: removed.length };
}

/** The lists a contact is in, by name. */
export async function listContactLists(db: DbOrTx, contactId: string): Promise<List[]> {
  return db
    .select({ id: lists.id, name: lists.name, createdAt: lists.createdAt })
    .from(lists)
    .innerJoin(listMemberships, eq(listMemberships.listId, lists.id))
    .where(eq(listMemberships.contactId, contactId))
    .orderBy(asc(lists.name));
}

/** Makes a contact's lists exactly `listIds` (the contact page's checkboxes). */
export async function setContactLists(db: DbOrTx, input: { contactId: string; listIds: string[] }): Promise<{ added: number; removed: number }> {
  const listIds = [...new Set(input.listIds)];
  return db.transaction(async (tx) => {
    const [contact] = await tx.execute<{ id: string }>(sql`select id from contacts where id = ${input.contactId}::uuid for update`).then((r) => r.rows);
    if (!contact) throw notFound("Contact");
    await assertListsExist(tx, listIds);
    const removed = await tx
      .delete(listMemberships)
      .where(and(eq(listMemberships.contactId, input.contactId), listIds.length ? sql`${listMemberships.listId} <> all(${uuidArray(listIds)})` : undefined))
      .returning({ id: listMemberships.listId });
    const added = listIds.length
      ? await tx
          .insert(listMemberships)
          .values(listIds.map((listId) => ({ listId, contactId: input.contactId })))
          .onConflictDoNothing()
          .returning({ id: listMemberships.listId })
      : [];
    return { added: added.length, removed: removed.length };
  });
}
