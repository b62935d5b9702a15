import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiContact } from "@/lib/app/api-shapes";
import { addContact, contactInputSchema, createContactsBulk } from "@/lib/contacts/contacts";
import { searchContacts } from "@/lib/contacts/search";
import { listContactTags, tagsOfContacts } from "@/lib/contacts/tags";
import { AppError } from "@/lib/errors";
import { idField } from "@/lib/http/id";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  search: z.string().max(320).optional(),
  status: z.enum(["subscribed", "unsubscribed", "bounced", "complained", "pending"]).optional(),
  list_id: idField().optional(),
  tag_id: idField().optional(),
  after: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** Newest first: `{ data, next, total }`; pass `next` back as `after` for the following page. */
export const GET = apiRoute({}, async ({ req, db }) => {
  const q = querySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const page = await searchContacts(db, { search: q.search, status: q.status, listId: q.list_id, tagId: q.tag_id, after: q.after, limit: q.limit });
  const tags = await tagsOfContacts(db, page.rows.map((c) => c.id));
  return Response.json({ data: page.rows.map((c) => toApiContact(c, tags.get(c.id))), next: page.next, total: page.total });
});

const MAX_BULK = 10_000;

/**
 * One contact (201; an existing address is 409, or with `list_ids` joins those lists: 200) or an
 * array (upsert, with per-item errors).
 */
export const POST = apiRoute({}, async ({ req, db }) => {
  const body = await readJson(req, z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]), 5 * 1024 * 1024);
  if (Array.isArray(body)) {
    if (body.length === 0) throw new AppError("validation_failed", "Send at least one contact");
    if (body.length > MAX_BULK) throw new AppError("too_many_items", `At most ${MAX_BULK} contacts per request`);
    const result = await db.transaction((tx) => createContactsBulk(tx, body));
    return Response.json({ data: result }, { status: result.errors.length && !result.created && !result.updated ? 422 : 200 });
  }
  const { contact, created } = await db.transaction((tx) => addContact(tx, contactInputSchema.parse(body)));
  return Response.json({ data: toApiContact(contact, created ? [] : await listContactTags(db, contact.id)) }, { status: created ? 201 : 200 });
});
