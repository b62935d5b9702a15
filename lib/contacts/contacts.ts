import { and, asc, desc, eq, ilike, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { idField } from "@/lib/http/id";
import type { DbOrTx } from "@/db";
import { contacts, listMemberships, lists, type ContactStatus } from "@/db/schema";
import { AppError, isUniqueViolation, notFound } from "@/lib/errors";
import { enqueueContactUnsubscribed } from "@/lib/outbound-webhooks/outbox";
import { uuidArray } from "@/lib/http/id";
import { FIELD_NAME_PATTERN, FIELD_NAME_RULE } from "./import-mapping";

export type Contact = typeof contacts.$inferSelect;
export type List = typeof lists.$inferSelect;

/** Custom field names are what `{{fields.x}}` can reach: identifiers only. */
export const fieldNameSchema = z.string().regex(FIELD_NAME_PATTERN, FIELD_NAME_RULE);

/** Custom fields: each key is checked with a message naming it (zod's own record-key error says only "Invalid key in record"). */
export const fieldsSchema = z.record(z.string(), z.string().max(2000, "Field values are at most 2,000 characters")).superRefine((fields, ctx) => {
  for (const key of Object.keys(fields)) {
    const check = fieldNameSchema.safeParse(key);
    if (!check.success) ctx.addIssue({ code: "custom", path: [key], message: `"${key.slice(0, 64)}": ${check.error.issues[0].message}` });
  }
});

export const emailSchema = z.string().trim().max(320, "Addresses are at most 320 characters").email("Not a valid email address");

export const contactInputSchema = z.strictObject({
  email: emailSchema,
  name: z.string().trim().max(200).optional(),
  fields: fieldsSchema.optional(),
  list_ids: z.array(idField("Not a list id")).max(100).optional(),
});
export type ContactInput = z.infer<typeof contactInputSchema>;

/** Refuses (`unknown_list`) when any of the list ids names no list. */
export async function assertListsExist(db: DbOrTx, listIds: string[]): Promise<void> {
  if (listIds.length === 0) return;
  const found = await db.select({ id: lists.id }).from(lists).where(inArray(lists.id, listIds));
  const missing = listIds.filter((id) => !found.some((f) => f.id === id));
  if (missing.length) throw new AppError("unknown_list", `Unknown list id: ${missing.join(", ")}`);
}

/**
 * Adds a contact. An address that is already a contact is `contact_exists`, unless lists are given:
 * then the existing contact joins those lists (its name and fields stay as they are), which is what
 * "add this address to the list" means to someone who does not know it is already a contact.
 */
export async function addContact(db: DbOrTx, input: ContactInput): Promise<{ contact: Contact; created: boolean }> {
  const listIds = [...new Set(input.list_ids ?? [])];
  await assertListsExist(db, listIds);
  const [inserted] = await db
    .insert(contacts)
    .values({ email: input.email, name: input.name ?? "", fields: input.fields ?? {} })
    .onConflictDoNothing()
    .returning();
  const contact = inserted ?? (await db.select().from(contacts).where(sql`lower(${contacts.email}) = lower(${input.email})`).limit(1))[0];
  if (!contact) throw new AppError("conflict", `${input.email} changed while it was being added; try again`);
  if (!inserted && listIds.length === 0) throw new AppError("contact_exists", `A contact with the address ${input.email} already exists`);
  if (listIds.length) {
    await db.insert(listMemberships).values(listIds.map((listId) => ({ listId, contactId: contact.id }))).onConflictDoNothing();
  }
  return { contact, created: Boolean(inserted) };
}

/** Adds a contact; an existing address is `contact_exists` unless lists are given (see addContact). */
export async function createContact(db: DbOrTx, input: ContactInput): Promise<Contact> {
  return (await addContact(db, input)).contact;
}

/**
 * What a marketer may change on a contact. `fields` replaces the whole set (the form edits them all).
 * Status moves only between subscribed and unsubscribed: a bounce or spam complaint is Postmark's
 * suppression, lifted there (its SubscriptionChange webhook then reactivates the contact here).
 */
export const contactPatchSchema = z
  .strictObject({
    name: z.string().trim().max(200).optional(),
    fields: fieldsSchema.optional(),
    status: z.enum(["subscribed", "unsubscribed"]).optional(),
  })
  .strict();
export type ContactPatch = z.infer<typeof contactPatchSchema>;

/**
 * Applies a patch; the contacts trigger announces the change (Contact.Updated) in the same transaction.
 * `actor` names who changed the status in its reason ("Unsubscribed by mia@…"); `now` stamps the change.
 */
export async function updateContact(db: DbOrTx, input: { id: string; patch: ContactPatch; actor: string }, now: Date): Promise<Contact> {
  const { id, patch, actor } = input;
  return db.transaction(async (tx) => {
    // Read and write under one row lock, so the status checked is the status changed.
    const [current] = await tx.select().from(contacts).where(eq(contacts.id, id)).for("update");
    if (!current) throw notFound("Contact");
    if (patch.status && patch.status !== current.status && (current.status === "bounced" || current.status === "complained")) {
      throw new AppError(
        "contact_suppressed",
        `${current.email} is suppressed after a ${current.status === "bounced" ? "hard bounce" : "spam complaint"}; reactivate the address in Postmark first`,
      );
    }
    // Only the person can confirm a form signup: subscribing a pending contact by hand would skip the
    // consent double opt-in exists to record. Unsubscribing one (dropping the signup) is allowed.
    if (patch.status === "subscribed" && current.status === "pending") {
      throw new AppError("contact_pending", `${current.email} has not confirmed the signup yet; the link in the confirmation email subscribes it`);
    }
    const statusChange =
      patch.status && patch.status !== current.status
        ? { status: patch.status, statusReason: patch.status === "unsubscribed" ? `Unsubscribed by ${actor}` : `Resubscribed by ${actor}`, statusChangedAt: now }
        : {};
    const [updated] = await tx
      .update(contacts)
      .set({ ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.fields !== undefined ? { fields: patch.fields } : {}), ...statusChange, updatedAt: now })
      .where(eq(contacts.id, id))
      .returning();
    if (statusChange.status === "unsubscribed") {
      await enqueueContactUnsubscribed(tx, { contactId: id, email: updated.email, reason: statusChange.statusReason, messageId: null, at: now });
    }
    return updated;
  });
}

/**
 * Unsubscribes many contacts at once (the contacts table's bulk action). Only subscribed ones change:
 * a bounced or complained contact keeps that stronger status. Each change is announced like one made
 * on the contact's page (Contact.Unsubscribed, and Contact.Updated from the trigger).
 */
export async function unsubscribeContacts(db: DbOrTx, input: { contactIds: string[]; actor: string }, now: Date): Promise<{ unsubscribed: number }> {
  return db.transaction(async (tx) => {
    const reason = `Unsubscribed by ${input.actor}`;
    const changed = await tx
      .update(contacts)
      .set({ status: "unsubscribed", statusReason: reason, statusChangedAt: now, updatedAt: now })
      .where(and(sql`${contacts.id} = any(${uuidArray(input.contactIds)})`, eq(contacts.status, "subscribed")))
      .returning({ id: contacts.id, email: contacts.email });
    for (const c of changed) await enqueueContactUnsubscribed(tx, { contactId: c.id, email: c.email, reason, messageId: null, at: now });
    return { unsubscribed: changed.length };
  });
}

export interface UpsertRow {
  email: string;
  name?: string;
  fields?: Record<string, string>;
}

/**
 * Inserts or updates many contacts in one statement per chunk. Existing contacts keep their status
 * (an import never resubscribes someone who unsubscribed); a non-empty name replaces the old one and
 * fields are merged. Rows must have distinct addresses (callers dedupe and report duplicates).
 */
export async function upsertContacts(
  db: DbOrTx,
  input: { rows: UpsertRow[]; listIds?: string[] },
): Promise<{ created: number; updated: number; ids: string[] }> {
  const { rows, listIds = [] } = input;
  if (rows.length === 0) return { created: 0, updated: 0, ids: [] };
  // Rows travel as one JSON parameter: one round trip and one statement whatever the chunk size.
  const payload = JSON.stringify(rows.map((r) => ({ email: r.email, name: r.name ?? "", fields: r.fields ?? {} })));
  const result = await db.execute<{ id: string; inserted: boolean }>(sql`
    insert into contacts (email, name, fields)
    select t.email, t.name, t.fields from jsonb_to_recordset(${payload}::jsonb) as t(email text, name text, fields jsonb)
    on conflict ((lower(email))) do update
      set name = case when excluded.name <> '' then excluded.name else contacts.name end,
          fields = contacts.fields || excluded.fields,
          updated_at = now()
    returning id, (xmax = 0) as inserted`);
  const ids = result.rows.map((r) => r.id);
  for (const listId of listIds) {
    await db.execute(sql`
      insert into list_memberships (list_id, contact_id)
      select ${listId}::uuid, id::uuid from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as id
      on conflict do nothing`);
  }
  const created = result.rows.filter((r) => r.inserted).length;
  return { created, updated: rows.length - created, ids };
}

/** Bulk create from the API: every row validated first; valid rows written in one transaction. */
export async function createContactsBulk(
  db: DbOrTx,
  inputs: unknown[],
): Promise<{ created: number; updated: number; errors: { index: number; code: string; message: string }[] }> {
  const errors: { index: number; code: string; message: string }[] = [];
  const seen = new Map<string, number>();
  const byLists = new Map<string, UpsertRow[]>();
  inputs.forEach((raw, index) => {
    const parsed = contactInputSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      errors.push({ index, code: "validation_failed", message: `${issue.path.join(".") || "contact"}: ${issue.message}` });
      return;
    }
    const key = parsed.data.email.toLowerCase();
    if (seen.has(key)) {
      errors.push({ index, code: "duplicate", message: `Same address as item ${seen.get(key)}` });
      return;
    }
    seen.set(key, index);
    const listKey = [...new Set(parsed.data.list_ids ?? [])].sort().join(",");
    const group = byLists.get(listKey) ?? [];
    group.push({ email: parsed.data.email, name: parsed.data.name, fields: parsed.data.fields });
    byLists.set(listKey, group);
  });
  const allListIds = [...new Set([...byLists.keys()].flatMap((k) => (k ? k.split(",") : [])))];
  await assertListsExist(db, allListIds);
  let created = 0;
  let updated = 0;
  for (const [listKey, rows] of byLists) {
    for (let i = 0; i < rows.length; i += 1000) {
      const r = await upsertContacts(db, { rows: rows.slice(i, i + 1000), listIds: listKey ? listKey.split(",") : [] });
      created += r.created;
      updated += r.updated;
    }
  }
  return { created, updated, errors };
}

export async function getContact(db: DbOrTx, id: string): Promise<Contact | null> {
  const [row] = await db.select().from(contacts).where(eq(contacts.id, id)).limit(1);
  return row ?? null;
}

export async function countContacts(db: DbOrTx): Promise<{ total: number; subscribed: number }> {
  const [row] = await db
    .select({ total: sql<number>`count(*)::int`, subscribed: sql<number>`count(*) filter (where ${contacts.status} = 'subscribed')::int` })
    .from(contacts);
  return row;
}

// Lists

export const listInputSchema = z.strictObject({ name: z.string().trim().min(1, "Name the list").max(200) });

export async function createList(db: DbOrTx, input: { name: string }): Promise<List> {
  try {
    const [list] = await db.insert(lists).values({ name: input.name.trim() }).returning();
    return list;
  } catch (error) {
    if (isUniqueViolation(error, "lists_name_lower_key")) throw new AppError("list_exists", `A list named "${input.name}" already exists`);
    throw error;
  }
}

export async function listLists(db: DbOrTx): Promise<(List & { memberCount: number; subscribedCount: number })[]> {
  return db
    .select({
      id: lists.id,
      name: lists.name,
      createdAt: lists.createdAt,
      // Written out as lists.id: drizzle leaves columns unqualified here, and c.id would shadow it.
      memberCount: sql<number>`(select count(*)::int from list_memberships m where m.list_id = lists.id)`,
      subscribedCount: sql<number>`(select count(*)::int from list_memberships m join contacts c on c.id = m.contact_id where m.list_id = lists.id and c.status = 'subscribed')`,
    })
    .from(lists)
    .orderBy(asc(lists.name));
}

export async function getListOrThrow(db: DbOrTx, id: string): Promise<List> {
  const [row] = await db.select().from(lists).where(eq(lists.id, id)).limit(1);
  if (!row) throw notFound("List");
  return row;
}

