import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { primaryReads } from "@/db/reads";
import { formSignups, forms } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createContact } from "@/lib/contacts/contacts";
import { createTag, tagContacts } from "@/lib/contacts/tags";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { POST as createCampaign } from "../campaigns/route";
import { GET as getCampaign, PATCH as patchCampaign } from "../campaigns/[campaignId]/route";
import { GET as segmentContacts } from "./[segmentId]/contacts/route";
import { DELETE as deleteOne, GET as getOne, PATCH as patchOne } from "./[segmentId]/route";
import { POST as countPost } from "./count/route";
import { GET, POST } from "./route";

// The routes run for real against the file's PostgreSQL; only the wiring from env is replaced.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => t.db, getAppReads: () => primaryReads(t.db) }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ POSTMARK_FROM_EMAIL: "news@postline.test" }) }));

let key: string;
async function call(handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>, method: string, path: string, params: object = {}, body?: unknown) {
  key ??= (await createApiKey(t.db, { name: "segments route test", role: "marketer" })).key;
  const req = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params as never) });
  return { status: res.status, json: await res.json() };
}

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const berlin = { match: "all", conditions: [{ type: "field", key: "city", op: "equals", value: "Berlin" }] };

describe("/api/v1/segments (real PostgreSQL)", () => {
  it("POST creates with its count, GET lists and reads one with its count, contacts are keyset paged, PATCH and DELETE", async () => {
    for (let i = 0; i < 5; i++) await createContact(t.db, { email: `b${i}@seg-api.test`, fields: { city: i < 3 ? "Berlin" : "Rome" } });
    const created = await call(POST, "POST", "/api/v1/segments", {}, { name: " Berliners ", definition: berlin });
    expect(created).toMatchObject({ status: 201, json: { data: { name: "Berliners", definition: berlin, count: 3 } } });
    const id = created.json.data.id;
    expect((await call(GET, "GET", "/api/v1/segments")).json.data).toEqual([expect.objectContaining({ id, name: "Berliners" })]);
    expect(await call(getOne, "GET", `/api/v1/segments/${id}`, { segmentId: id })).toMatchObject({ status: 200, json: { data: { id, count: 3 } } });

    const first = await call(segmentContacts, "GET", `/api/v1/segments/${id}/contacts?limit=2`, { segmentId: id });
    expect(first).toMatchObject({ status: 200, json: { total: 3 } });
    expect(first.json.data).toHaveLength(2);
    const second = await call(segmentContacts, "GET", `/api/v1/segments/${id}/contacts?limit=2&after=${first.json.next}`, { segmentId: id });
    expect(second.json).toMatchObject({ next: null, total: 3 });
    expect([...first.json.data, ...second.json.data].map((c: { email: string }) => c.email).sort()).toEqual(["b0@seg-api.test", "b1@seg-api.test", "b2@seg-api.test"]);
    expect(await call(segmentContacts, "GET", `/api/v1/segments/${id}/contacts?limit=0`, { segmentId: id })).toMatchObject({ status: 422 });

    const rome = { match: "all", conditions: [{ type: "field", key: "city", op: "equals", value: "Rome" }] };
    expect(await call(patchOne, "PATCH", `/api/v1/segments/${id}`, { segmentId: id }, { definition: rome })).toMatchObject({ status: 200, json: { data: { name: "Berliners", count: 2 } } });
    expect(await call(deleteOne, "DELETE", `/api/v1/segments/${id}`, { segmentId: id })).toEqual({ status: 200, json: { data: { id, deleted: true } } });
    expect(await call(getOne, "GET", `/api/v1/segments/${id}`, { segmentId: id })).toMatchObject({ status: 404, json: { error: { code: "not_found", message: "Segment not found" } } });
    expect(await call(getOne, "GET", "/api/v1/segments/nope", { segmentId: "nope" })).toMatchObject({ status: 404 });
  });

  it("bad input: each a 4xx with the error shape, nothing stored", async () => {
    const post = (body: unknown) => call(POST, "POST", "/api/v1/segments", {}, body);
    expect(await post("{nope")).toMatchObject({ status: 400, json: { error: { code: "invalid_json" } } });
    expect(await post({ name: "", definition: berlin })).toMatchObject({ status: 422, json: { error: { code: "validation_failed", message: "name: Name the segment" } } });
    expect(await post({ name: "x" })).toMatchObject({ status: 422, json: { error: { code: "validation_failed" } } });
    expect(await post({ name: "x", definition: { match: "all", conditions: [{ type: "shoe_size" }] } })).toMatchObject({ status: 422, json: { error: { message: expect.stringMatching(/^definition\.conditions\.0\.type: Unknown condition type/) } } });
    expect(await post({ name: "x", definition: { match: "all", conditions: [{ type: "field", key: "city", op: "gt", value: "ten" }] } })).toMatchObject({ status: 422, json: { error: { message: "definition.conditions.0.value: value is a number" } } });
    expect(await post({ name: "x", definition: { match: "all", conditions: [{ type: "field", key: "shoe", op: "is_set" }] } })).toMatchObject({ status: 422, json: { error: { code: "unknown_field", details: { conditions: ["conditions.0"] } } } });
    expect(await post({ name: "x", definition: { match: "all", conditions: [{ type: "tags", op: "any", tag_ids: [UNKNOWN] }] } })).toMatchObject({ status: 422, json: { error: { code: "unknown_tag" } } });
    expect(await post({ name: "x", definition: { match: "all", conditions: [{ type: "lists", op: "any", list_ids: [UNKNOWN] }] } })).toMatchObject({ status: 422, json: { error: { code: "unknown_list" } } });
    expect(await post({ name: "x", definition: { match: "all", conditions: [{ type: "created", op: "between", from: "2025-05-01", to: "2025-04-01" }] } })).toMatchObject({
      status: 422,
      json: { error: { code: "contradictory_segment", details: { conditions: [{ paths: ["conditions.0"] }] } } },
    });
    expect(await post({ name: "x", definition: berlin, extra: 1 })).toMatchObject({ status: 422 });
    expect((await t.db.execute<{ n: number }>(sql`select count(*)::int as n from segments`)).rows[0].n).toBe(0);
    expect(await call(patchOne, "PATCH", `/api/v1/segments/${UNKNOWN}`, { segmentId: UNKNOWN }, { name: "y" })).toMatchObject({ status: 404 });
  });

  it("POST /segments/count: count and a sample for an unsaved definition, validated like a save", async () => {
    const tag = await createTag(t.db, { name: "Count me" });
    const c = await createContact(t.db, { email: "counted@seg-api.test", fields: { city: "Berlin" } });
    await tagContacts(t.db, { contactIds: [c.id], tagIds: [tag.id] }, new Date());
    const definition = { match: "all", conditions: [{ type: "tags", op: "any", tag_ids: [tag.id] }, ...berlin.conditions] };
    expect(await call(countPost, "POST", "/api/v1/segments/count", {}, { definition, sample: 5 })).toMatchObject({ status: 200, json: { data: { count: 1, sample: [{ email: "counted@seg-api.test" }] } } });
    expect(await call(countPost, "POST", "/api/v1/segments/count", {}, { definition: { match: "all", conditions: [{ type: "status", op: "is", values: ["subscribed"] }, { type: "status", op: "is", values: ["bounced"] }] } })).toMatchObject({
      status: 422,
      json: { error: { code: "contradictory_segment" } },
    });
    expect(await call(countPost, "POST", "/api/v1/segments/count", {}, { definition, sample: 51 })).toMatchObject({ status: 422 });
  });

  it("the contract's filter shape ({ field, op, value }, tags and lists by name) is accepted and stored in the native shape", async () => {
    const tag = await createTag(t.db, { name: "Contract VIP" });
    const c = await createContact(t.db, { email: "contract@seg-api.test", fields: { city: "Berlin", score: "12" } });
    await tagContacts(t.db, { contactIds: [c.id], tagIds: [tag.id] }, new Date());
    const definition = {
      match: "all",
      conditions: [
        { field: "tag", op: "has", value: "contract vip" },
        { field: "fields.city", op: "is", value: "Berlin" },
        { field: "fields.score", op: "gt", value: 10 },
        { field: "status", op: "is_not", value: "unsubscribed" },
        { match: "any", conditions: [{ field: "opened_within_days", op: "is", value: 30 }, { field: "created_at", op: "gt", value: "2020-01-01" }] },
      ],
    };
    const created = await call(POST, "POST", "/api/v1/segments", {}, { name: "Contract", definition });
    expect(created).toMatchObject({ status: 201, json: { data: { count: 1 } } });
    expect(created.json.data.definition.conditions.slice(0, 4)).toEqual([
      { type: "tags", op: "any", tag_ids: [tag.id] },
      { type: "field", key: "city", op: "equals", value: "Berlin" },
      { type: "field", key: "score", op: "gt", value: 10 },
      { type: "status", op: "is_not", values: ["unsubscribed"] },
    ]);
    const one = (condition: object) => call(countPost, "POST", "/api/v1/segments/count", {}, { definition: { match: "all", conditions: [condition] } });
    expect(await one({ field: "tag", op: "has_not", value: tag.id })).toMatchObject({ status: 200 });
    expect(await one({ field: "tag", op: "has", value: "no such tag" })).toMatchObject({ status: 422, json: { error: { code: "unknown_tag", message: 'Unknown tag: "no such tag"' } } });
    expect(await one({ field: "shoe_size", op: "is", value: 42 })).toMatchObject({ status: 422, json: { error: { code: "validation_failed", message: expect.stringMatching(/^definition\.conditions\.0\.field: Unknown field "shoe_size"/) } } });
    expect(await one({ field: "fields.city", op: "sounds_like", value: "x" })).toMatchObject({ status: 422, json: { error: { message: expect.stringMatching(/^definition\.conditions\.0\.op: /) } } });
    expect(await one({ field: "fields.score", op: "gt", value: "many" })).toMatchObject({ status: 422, json: { error: { message: "definition.conditions.0.value: value is a number" } } });
    expect(await one({ field: "form", op: "is", value: UNKNOWN })).toMatchObject({ status: 422, json: { error: { code: "unknown_form", details: { conditions: ["conditions.0"] } } } });
    expect(await one({ field: "form", op: "is", value: "no such form" })).toMatchObject({ status: 422, json: { error: { code: "unknown_form", message: 'Unknown form: "no such form"' } } });
    expect(await one({ field: "opened_within_days", op: "is_not", value: 7 })).toMatchObject({ status: 200, json: { data: { count: expect.any(Number) } } });
  });

  it("the contract's form condition: by id, by name (every form so named) or a list; only confirmed signups count", async () => {
    const form = (name: string) => ({ name, fields: [{ kind: "email" as const, label: "Email", required: true }], heading: name, confirmationSubject: "Confirm", confirmationHtml: "{{ confirm_url }}", confirmationText: "{{ confirm_url }}", thankYouMessage: "Thanks", confirmedMessage: "Confirmed" });
    const [spring, spring2, fall] = await t.db.insert(forms).values([form("Spring sale"), form("spring sale"), form("Fall")]).returning();
    const signUp = async (email: string, formId: string, confirmed: boolean) => {
      const c = await createContact(t.db, { email });
      await t.db.insert(formSignups).values({ formId, contactId: c.id, submittedAt: new Date(), submittedIp: "192.0.2.1", shownText: "Subscribe", values: { email }, confirmedAt: confirmed ? new Date() : null });
    };
    await signUp("s1@form-seg.test", spring.id, true);
    await signUp("s2@form-seg.test", spring2.id, true);
    await signUp("s3@form-seg.test", spring.id, false);
    await signUp("f1@form-seg.test", fall.id, true);
    const created = await call(POST, "POST", "/api/v1/segments", {}, { name: "Spring", definition: { match: "all", conditions: [{ field: "form", op: "is", value: "SPRING SALE" }] } });
    expect(created).toMatchObject({ status: 201, json: { data: { count: 2, definition: { conditions: [{ type: "form", op: "any", form_ids: [spring.id, spring2.id].sort() }] } } } });
    const count = async (condition: object) => (await call(countPost, "POST", "/api/v1/segments/count", {}, { definition: { match: "all", conditions: [condition] } })).json.data.count;
    expect(await count({ field: "form", op: "is", value: [fall.id, "Spring sale"] })).toBe(3);
    expect(await count({ field: "form", op: "is", value: fall.id })).toBe(1);
    const everyone = (await t.db.execute<{ n: number }>(sql`select count(*)::int as n from contacts where status::text <> 'pending'`)).rows[0].n;
    expect(await count({ field: "form", op: "is_not", value: "Fall" })).toBe(everyone - 1);
    expect(await call(countPost, "POST", "/api/v1/segments/count", {}, { definition: { match: "all", conditions: [{ field: "form", op: "is", value: fall.id }, { type: "form", op: "none", form_ids: [fall.id] }] } })).toMatchObject({
      status: 422,
      json: { error: { code: "contradictory_segment" } },
    });
  });

  it("campaigns accept and return list_ids, tag_ids, segment_ids and exclude_segment_ids; a targeted segment is segment_in_use", async () => {
    const seg = (await call(POST, "POST", "/api/v1/segments", {}, { name: "Targets", definition: berlin })).json.data;
    const tag = await createTag(t.db, { name: "Targeted" });
    const body = { name: "To Berlin", subject: "Hi", html: "<p>Hi</p>", tag_ids: [tag.id], exclude_segment_ids: [seg.id] };
    const created = await call(createCampaign, "POST", "/api/v1/campaigns", {}, body);
    expect(created).toMatchObject({ status: 201, json: { data: { list_ids: [], tag_ids: [tag.id], segment_ids: [], exclude_segment_ids: [seg.id], exclude_list_ids: [], exclude_tag_ids: [] } } });
    const id = created.json.data.id;
    expect((await call(patchCampaign, "PATCH", `/api/v1/campaigns/${id}`, { campaignId: id }, { segment_ids: [seg.id], exclude_segment_ids: [] })).json.data).toMatchObject({ tag_ids: [tag.id], segment_ids: [seg.id], exclude_segment_ids: [] });
    expect((await call(getCampaign, "GET", `/api/v1/campaigns/${id}`, { campaignId: id })).json.data).toMatchObject({ segment_ids: [seg.id] });
    expect(await call(deleteOne, "DELETE", `/api/v1/segments/${seg.id}`, { segmentId: seg.id })).toMatchObject({ status: 409, json: { error: { code: "segment_in_use" } } });
    expect(await call(createCampaign, "POST", "/api/v1/campaigns", {}, { ...body, segment_ids: [UNKNOWN] })).toMatchObject({ status: 422, json: { error: { code: "unknown_segment" } } });
    expect(await call(createCampaign, "POST", "/api/v1/campaigns", {}, { ...body, segment_ids: ["nope"] })).toMatchObject({ status: 422, json: { error: { code: "validation_failed" } } });
  });
});
