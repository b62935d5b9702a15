import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { webhookEndpoints } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createContact } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { GET as getContactOne } from "../contacts/[contactId]/route";
import { DELETE as untagOne } from "../contacts/[contactId]/tags/[tagId]/route";
import { GET as contactTags, POST as tagOne } from "../contacts/[contactId]/tags/route";
import { GET as listContacts } from "../contacts/route";
import { DELETE as deleteOne, PATCH as patchOne } from "./[tagId]/route";
import { GET, POST } from "./route";

// The routes run for real against the file's PostgreSQL; only the wiring from env is replaced.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => t.db }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({}) }));

let key: string;
async function call(handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>, method: string, path: string, params: object = {}, body?: unknown) {
  key ??= (await createApiKey(t.db, { name: "tags route test", role: "marketer" })).key;
  const req = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params as never) });
  return { status: res.status, json: await res.json() };
}

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const tagCount = async () => (await t.db.execute<{ n: number }>(sql`select count(*)::int as n from tags`)).rows[0].n;

describe("/api/v1/tags (real PostgreSQL)", () => {
  it("POST creates (201), GET lists with contact counts, PATCH renames, DELETE deletes; duplicates are 409, bad names 422, unknown ids 404", async () => {
    const created = await call(POST, "POST", "/api/v1/tags", {}, { name: " VIP " });
    expect(created).toMatchObject({ status: 201, json: { data: { name: "VIP", contact_count: 0 } } });
    const id = created.json.data.id;
    expect(await call(POST, "POST", "/api/v1/tags", {}, { name: "vip" })).toMatchObject({ status: 409, json: { error: { code: "tag_exists", message: 'A tag named "vip" already exists' } } });
    expect(await call(POST, "POST", "/api/v1/tags", {}, { name: "" })).toMatchObject({ status: 422, json: { error: { code: "validation_failed", message: "name: Name the tag" } } });
    expect(await call(POST, "POST", "/api/v1/tags", {}, { name: "x".repeat(101) })).toMatchObject({ status: 422, json: { error: { message: "name: Tag names are at most 100 characters" } } });
    expect(await call(POST, "POST", "/api/v1/tags", {}, { name: 42 })).toMatchObject({ status: 422 });
    expect(await call(POST, "POST", "/api/v1/tags", {}, { name: "a", extra: 1 })).toMatchObject({ status: 422 });
    expect(await call(POST, "POST", "/api/v1/tags", {}, "{not json")).toMatchObject({ status: 400, json: { error: { code: "invalid_json" } } });

    const contact = await createContact(t.db, { email: "listed@tags-api.test" });
    await call(tagOne, "POST", `/api/v1/contacts/${contact.id}/tags`, { contactId: contact.id }, { tags: ["vip"] });
    expect((await call(GET, "GET", "/api/v1/tags")).json.data).toEqual([expect.objectContaining({ id, name: "VIP", contact_count: 1 })]);

    expect(await call(patchOne, "PATCH", `/api/v1/tags/${id}`, { tagId: id }, { name: "Very important" })).toMatchObject({ status: 200, json: { data: { id, name: "Very important" } } });
    await call(POST, "POST", "/api/v1/tags", {}, { name: "Other" });
    expect(await call(patchOne, "PATCH", `/api/v1/tags/${id}`, { tagId: id }, { name: "OTHER" })).toMatchObject({ status: 409, json: { error: { code: "tag_exists" } } });
    expect(await call(patchOne, "PATCH", `/api/v1/tags/${UNKNOWN}`, { tagId: UNKNOWN }, { name: "x" })).toMatchObject({ status: 404 });
    expect(await call(patchOne, "PATCH", "/api/v1/tags/nope", { tagId: "nope" }, { name: "x" })).toMatchObject({ status: 404, json: { error: { code: "not_found", message: "Tag not found" } } });

    expect(await call(deleteOne, "DELETE", `/api/v1/tags/${id}`, { tagId: id })).toEqual({ status: 200, json: { data: { id, deleted: true, contacts_untagged: 1 } } });
    expect(await call(deleteOne, "DELETE", `/api/v1/tags/${id}`, { tagId: id })).toMatchObject({ status: 404 });
  });
});

describe("/api/v1/contacts/{id}/tags (real PostgreSQL)", () => {
  it("POST adds tags by name, creating missing ones, idempotently; DELETE removes one; the contact's shape carries its tags", async () => {
    await t.db.insert(webhookEndpoints).values({ url: "https://hooks.example.com/tags", events: ["Contact.Tagged", "Contact.Untagged"], status: "active", rateLimit: 10, rateLimitPeriod: "second", secret: "s".repeat(40), verificationToken: "v" });
    const c = await createContact(t.db, { email: "ada@tags-api.test" });
    const p = { contactId: c.id };
    const first = await call(tagOne, "POST", `/api/v1/contacts/${c.id}/tags`, p, { tags: ["Speakers", "speakers", "Beta"] });
    expect(first.status).toBe(200);
    expect(first.json.data.map((x: { name: string }) => x.name)).toEqual(["Beta", "Speakers"]);
    const again = await call(tagOne, "POST", `/api/v1/contacts/${c.id}/tags`, p, { tags: ["BETA"] });
    expect(again.json.data).toEqual(first.json.data);
    const announced = await t.db.execute(sql`select 1 from webhook_events where event = 'Contact.Tagged' and data->>'contact_id' = ${c.id}`);
    expect(announced.rows).toHaveLength(2);

    expect((await call(getContactOne, "GET", `/api/v1/contacts/${c.id}`, p)).json.data.tags).toEqual(first.json.data);
    const page = await call(listContacts, "GET", "/api/v1/contacts?search=tags-api");
    expect(page.json.data.find((x: { id: string }) => x.id === c.id).tags).toEqual(first.json.data);
    expect(page.json.data.find((x: { id: string }) => x.id !== c.id).tags).toEqual([]);
    expect((await call(contactTags, "GET", `/api/v1/contacts/${c.id}/tags`, p)).json.data).toEqual(first.json.data);

    const beta = first.json.data[0].id;
    const after = await call(untagOne, "DELETE", `/api/v1/contacts/${c.id}/tags/${beta}`, { contactId: c.id, tagId: beta });
    expect(after).toMatchObject({ status: 200, json: { data: [{ name: "Speakers" }] } });
    expect(await call(untagOne, "DELETE", `/api/v1/contacts/${c.id}/tags/${beta}`, { contactId: c.id, tagId: beta })).toMatchObject({ status: 200, json: { data: [{ name: "Speakers" }] } });
    expect(await call(untagOne, "DELETE", `/api/v1/contacts/${c.id}/tags/${UNKNOWN}`, { contactId: c.id, tagId: UNKNOWN })).toMatchObject({ status: 404, json: { error: { message: "Tag not found" } } });
    expect(await call(untagOne, "DELETE", `/api/v1/contacts/${UNKNOWN}/tags/${beta}`, { contactId: UNKNOWN, tagId: beta })).toMatchObject({ status: 404, json: { error: { message: "Contact not found" } } });
  });

  it("refuses bad input with a clear error and writes nothing", async () => {
    const c = await createContact(t.db, { email: "bad@tags-api.test" });
    const p = { contactId: c.id };
    const before = await tagCount();
    expect(await call(tagOne, "POST", `/api/v1/contacts/${c.id}/tags`, p, { tags: "VIP" })).toMatchObject({ status: 422, json: { error: { code: "validation_failed" } } });
    expect(await call(tagOne, "POST", `/api/v1/contacts/${c.id}/tags`, p, { tags: [] })).toMatchObject({ status: 422, json: { error: { message: "tags: Send at least one tag name" } } });
    expect(await call(tagOne, "POST", `/api/v1/contacts/${c.id}/tags`, p, { tags: ["ok", ""] })).toMatchObject({ status: 422, json: { error: { message: "tags.1: Name the tag" } } });
    expect(await call(tagOne, "POST", `/api/v1/contacts/${c.id}/tags`, p, { tags: ["ok", "y".repeat(101)] })).toMatchObject({ status: 422 });
    expect(await call(tagOne, "POST", `/api/v1/contacts/${c.id}/tags`, p, { tags: ["ok", 7] })).toMatchObject({ status: 422 });
    expect(await call(tagOne, "POST", `/api/v1/contacts/${UNKNOWN}/tags`, { contactId: UNKNOWN }, { tags: ["fresh"] })).toMatchObject({ status: 404, json: { error: { message: "Contact not found" } } });
    expect(await call(tagOne, "POST", "/api/v1/contacts/nope/tags", { contactId: "nope" }, { tags: ["fresh"] })).toMatchObject({ status: 404 });
    expect(await tagCount()).toBe(before);
  });
});
