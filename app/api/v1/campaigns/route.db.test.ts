import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createList } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { GET as getOne, PATCH as patchOne } from "./[campaignId]/route";
import { GET, POST } from "./route";

// The routes run for real against the file's PostgreSQL; only the wiring from env is replaced.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => t.db }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ POSTMARK_FROM_EMAIL: "news@postline.test" }) }));

let key: string;
async function call(handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>, method: string, path: string, params: object = {}, body?: unknown) {
  key ??= (await createApiKey(t.db, { name: "campaigns route test", role: "marketer" })).key;
  const req = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params as never) });
  return { status: res.status, json: await res.json() };
}

const base = { name: "Launch", subject: "Hi", html: "<p>Hello {{ name }}</p>" };

describe("/api/v1/campaigns honeypot (real PostgreSQL)", () => {
  it("POST takes `honeypot` (on when left out), GET one and the list return it", async () => {
    const on = await call(POST, "POST", "/api/v1/campaigns", {}, base);
    expect(on).toMatchObject({ status: 201, json: { data: { honeypot: true } } });
    const off = await call(POST, "POST", "/api/v1/campaigns", {}, { ...base, name: "Quiet", honeypot: false });
    expect(off).toMatchObject({ status: 201, json: { data: { honeypot: false } } });
    const id = off.json.data.id;
    expect(await call(getOne, "GET", `/api/v1/campaigns/${id}`, { campaignId: id })).toMatchObject({ status: 200, json: { data: { id, honeypot: false } } });
    const list = await call(GET, "GET", "/api/v1/campaigns");
    expect(list.json.data.map((c: { name: string; honeypot: boolean }) => [c.name, c.honeypot]).sort()).toEqual([["Launch", true], ["Quiet", false]]);
  });

  it("refuses a honeypot that is not a boolean with the usual 422, storing nothing", async () => {
    for (const bad of ["true", 1, null, "off"]) {
      const r = await call(POST, "POST", "/api/v1/campaigns", {}, { ...base, name: "Bad", honeypot: bad });
      expect(r).toMatchObject({ status: 422, json: { error: { code: "validation_failed" } } });
      expect(JSON.stringify(r.json)).toContain("honeypot");
    }
    const names = (await call(GET, "GET", "/api/v1/campaigns")).json.data.map((c: { name: string }) => c.name);
    expect(names).not.toContain("Bad");
  });

  it("PATCH changes only the fields given: honeypot off and on again, lists and content kept; bad types are 422", async () => {
    const list = await createList(t.db, { name: "Patch me" });
    const created = await call(POST, "POST", "/api/v1/campaigns", {}, { ...base, name: "Patched", text: "Hello", list_ids: [list.id] });
    const id = created.json.data.id;
    const off = await call(patchOne, "PATCH", `/api/v1/campaigns/${id}`, { campaignId: id }, { honeypot: false });
    expect(off).toMatchObject({ status: 200, json: { data: { id, honeypot: false, name: "Patched", subject: "Hi", html: base.html, text: "Hello", list_ids: [list.id], status: "draft" } } });
    expect((await call(patchOne, "PATCH", `/api/v1/campaigns/${id}`, { campaignId: id }, { honeypot: true, name: "Renamed" })).json.data).toMatchObject({ honeypot: true, name: "Renamed", list_ids: [list.id] });
    expect(await call(patchOne, "PATCH", `/api/v1/campaigns/${id}`, { campaignId: id }, { honeypot: "no" })).toMatchObject({ status: 422, json: { error: { code: "validation_failed" } } });
    expect(await call(patchOne, "PATCH", `/api/v1/campaigns/${id}`, { campaignId: id }, { segment: "vip" })).toMatchObject({ status: 422 });
    expect((await call(getOne, "GET", `/api/v1/campaigns/${id}`, { campaignId: id })).json.data).toMatchObject({ honeypot: true, name: "Renamed" });
  });
});
