import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { contactErasures } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createList } from "@/lib/contacts/contacts";
import { tagContacts } from "@/lib/contacts/tags";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { DELETE as deleteOne, GET as getOne, PATCH as patchOne } from "./[contactId]/route";
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
  key ??= (await createApiKey(t.db, { name: "contacts route test", role: "marketer" })).key;
  const req = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params as never) });
  return { status: res.status, json: res.status === 204 ? null : await res.json() };
}

describe("/api/v1/contacts (real PostgreSQL)", () => {
  it("GET pages by `after` with `next` and `total`, searching and filtering", async () => {
    const list = await createList(t.db, { name: "API list" });
    const created = await call(POST, "POST", "/api/v1/contacts", {}, Array.from({ length: 7 }, (_, i) => ({ email: `p${i}@api-page.test`, fields: { team: i % 2 ? "odd" : "even" }, list_ids: i < 5 ? [list.id] : [] })));
    expect(created).toMatchObject({ status: 200, json: { data: { created: 7 } } });
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page = await call(GET, "GET", `/api/v1/contacts?search=api-page&limit=3${next ? `&after=${next}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.json.total).toBe(7);
      seen.push(...page.json.data.map((c: { email: string }) => c.email));
      next = page.json.next;
    } while (next);
    expect(new Set(seen).size).toBe(7);
    const odd = await call(GET, "GET", `/api/v1/contacts?search=odd&list_id=${list.id}`);
    expect(odd.json.data.map((c: { email: string }) => c.email).sort()).toEqual(["p1@api-page.test", "p3@api-page.test"]);
    expect(await call(GET, "GET", "/api/v1/contacts?list_id=nope")).toMatchObject({ status: 422 });
    const p1 = (await call(GET, "GET", "/api/v1/contacts?search=p1@api-page")).json.data[0].id;
    const { tags } = await tagContacts(t.db, { contactIds: [p1], tagNames: ["Paged"], createMissing: true }, new Date());
    const tagged = await call(GET, "GET", `/api/v1/contacts?tag_id=${tags[0].id}`);
    expect(tagged.json).toMatchObject({ total: 1, data: [{ email: "p1@api-page.test" }] });
    expect(await call(GET, "GET", "/api/v1/contacts?tag_id=nope")).toMatchObject({ status: 422 });
  });

  it("POST with list_ids for an existing address adds it to the lists (200); without lists it stays a 409", async () => {
    const list = await createList(t.db, { name: "Join" });
    const first = await call(POST, "POST", "/api/v1/contacts", {}, { email: "twice@api.test", name: "Twice" });
    expect(first.status).toBe(201);
    const again = await call(POST, "POST", "/api/v1/contacts", {}, { email: "TWICE@api.test", list_ids: [list.id] });
    expect(again).toMatchObject({ status: 200, json: { data: { id: first.json.data.id, name: "Twice" } } });
    expect((await call(GET, "GET", `/api/v1/contacts?list_id=${list.id}`)).json.data.map((c: { id: string }) => c.id)).toEqual([first.json.data.id]);
    expect(await call(POST, "POST", "/api/v1/contacts", {}, { email: "twice@api.test" })).toMatchObject({ status: 409, json: { error: { code: "contact_exists" } } });
  });

  it("DELETE erases the contact (200 with a small body, logged); unknown and malformed ids are 404", async () => {
    const { json } = await call(POST, "POST", "/api/v1/contacts", {}, { email: "bye@api.test" });
    const id = json.data.id;
    const gone = await call(deleteOne, "DELETE", `/api/v1/contacts/${id}`, { contactId: id });
    expect(gone).toEqual({ status: 200, json: { data: { id, erased: true, suppressed: false, messages_erased: 0 } } });
    expect(await call(getOne, "GET", `/api/v1/contacts/${id}`, { contactId: id })).toMatchObject({ status: 404 });
    expect(await call(deleteOne, "DELETE", `/api/v1/contacts/${id}`, { contactId: id })).toMatchObject({ status: 404, json: { error: { code: "not_found" } } });
    expect(await call(deleteOne, "DELETE", "/api/v1/contacts/nope", { contactId: "nope" })).toMatchObject({ status: 404 });
    const log = await t.db.select().from(contactErasures);
    expect(log).toMatchObject([{ contactId: id, erasedBy: expect.stringMatching(/^API key [0-9a-f-]{36}$/), suppressed: false }]);
  });

  it("an erased unsubscribed address created again through the API comes back unsubscribed", async () => {
    const { json } = await call(POST, "POST", "/api/v1/contacts", {}, { email: "optout@api.test" });
    await call(patchOne as never, "PATCH", `/api/v1/contacts/${json.data.id}`, { contactId: json.data.id }, { status: "unsubscribed" });
    await call(deleteOne, "DELETE", `/api/v1/contacts/${json.data.id}`, { contactId: json.data.id });
    const back = await call(POST, "POST", "/api/v1/contacts", {}, { email: "optout@api.test" });
    expect(back).toMatchObject({ status: 201, json: { data: { status: "unsubscribed" } } });
  });
});
