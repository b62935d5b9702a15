import { describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createCampaign, scheduleCampaign } from "@/lib/campaigns/campaigns";
import { useSendingTestbed } from "@/lib/tooling/testing/sending";
import { POST as duplicate } from "../campaigns/[campaignId]/duplicate/route";
import { POST as test } from "../campaigns/[campaignId]/test/route";
import { POST as unschedule } from "../campaigns/[campaignId]/unschedule/route";
import { DELETE as deleteOne, GET as getOne } from "./[templateId]/route";
import { GET as list, POST as create } from "./route";

// The composition routes run for real against the file's PostgreSQL and sandbox; only the env wiring is replaced.
const bed = useSendingTestbed();
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => bed.t.db, getSendingDeps: () => bed.fixture.deps }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ POSTMARK_FROM_EMAIL: "app@postline.test" }) }));

type Handler<P> = (req: Request, ctx: { params: Promise<P> }) => Promise<Response>;
async function call<P>(handler: Handler<P>, params: P, init: { method?: string; body?: unknown } = {}) {
  const { key } = await createApiKey(bed.t.db, { name: "route test", role: "marketer" });
  const req = new Request("http://127.0.0.1/api/v1/x", {
    method: init.method ?? "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const res = await handler(req, { params: Promise.resolve(params) });
  return { status: res.status, json: await res.json() };
}

const draft = (name = "Routes") => createCampaign(bed.t.db, { name, subject: "Hi {{ name }}", html: "<p>Hi {{ name }}</p>" }, { defaultFrom: "app@postline.test" });

describe("composition routes (real PostgreSQL + Postmark sandbox)", () => {
  it("POST /campaigns/{id}/duplicate answers 201 with the draft copy; an unknown or malformed id is 404", async () => {
    const c = await draft("Dup me");
    const { status, json } = await call(duplicate, { campaignId: c.id });
    expect(status).toBe(201);
    expect(json.data).toMatchObject({ name: "Copy of Dup me", status: "draft", subject: "Hi {{ name }}", list_ids: [] });
    expect(await call(duplicate, { campaignId: "nope" })).toMatchObject({ status: 404, json: { error: { code: "not_found" } } });
  });

  it("POST /campaigns/{id}/unschedule: a scheduled campaign is a draft again; a draft is 409", async () => {
    const c = await draft("Unsched");
    await scheduleCampaign(bed.t.db, { campaignId: c.id, at: new Date(Date.now() + 86_400_000) }, new Date());
    expect(await call(unschedule, { campaignId: c.id })).toMatchObject({ status: 200, json: { data: { status: "draft", scheduled_at: null } } });
    expect(await call(unschedule, { campaignId: c.id })).toMatchObject({ status: 409, json: { error: { code: "invalid_state" } } });
  });

  it("POST /campaigns/{id}/test sends to each address; more than five, a bad address or an unknown field is 422", async () => {
    const c = await draft("Tested");
    const ok = await call(test, { campaignId: c.id }, { body: { to: ["a@route.test", "b@route.test"] } });
    expect(ok.status).toBe(200);
    expect(ok.json.data.map((m: { to: string; subject: string; status: string; campaign_id: string | null }) => [m.to, m.subject, m.status, m.campaign_id])).toEqual([
      ["a@route.test", "[Test] Hi Ada Lovelace", "sent", null],
      ["b@route.test", "[Test] Hi Ada Lovelace", "sent", null],
    ]);
    const six = Array.from({ length: 6 }, (_, i) => `${i}@route.test`);
    expect(await call(test, { campaignId: c.id }, { body: { to: six } })).toMatchObject({ status: 422, json: { error: { code: "validation_failed", message: "to: A test goes to at most 5 addresses" } } });
    expect(await call(test, { campaignId: c.id }, { body: { to: ["not an address"] } })).toMatchObject({ status: 422, json: { error: { code: "validation_failed", message: expect.stringContaining("not an address") } } });
    expect(await call(test, { campaignId: c.id }, { body: { to: ["a@route.test"], cc: "x" } })).toMatchObject({ status: 422 });
    expect(await call(test, { campaignId: c.id }, { body: { to: "a@route.test" } })).toMatchObject({ status: 422 });
    expect(await call(test, { campaignId: c.id }, { body: { to: ["a@route.test"], contact_id: "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10" } })).toMatchObject({ status: 404 });
  });

  it("templates: create from content or from a campaign, list, get, delete; duplicates 409; unknown 404", async () => {
    const created = await call(create, {}, { body: { name: "Welcome", subject: "Welcome {{ name }}", html: "<p>Hi</p>" } });
    expect(created).toMatchObject({ status: 201, json: { data: { name: "Welcome", subject: "Welcome {{ name }}", text: null } } });
    const c = await draft("Source");
    const fromCampaign = await call(create, {}, { body: { name: "From source", campaign_id: c.id } });
    expect(fromCampaign).toMatchObject({ status: 201, json: { data: { name: "From source", html: "<p>Hi {{ name }}</p>" } } });
    expect(await call(create, {}, { body: { name: "welcome", subject: "S", html: "<p>x</p>" } })).toMatchObject({ status: 409, json: { error: { code: "template_exists" } } });
    expect(await call(create, {}, { body: { name: "Bad", subject: "S", html: "<p>x</p>", colour: "red" } })).toMatchObject({ status: 422 });
    expect(await call(create, {}, { body: { name: "Bad", campaign_id: "not-an-id" } })).toMatchObject({ status: 422 });

    const listed = await call(list, {}, { method: "GET" });
    expect(listed.json.data.map((t: { name: string }) => t.name)).toEqual(["From source", "Welcome"]);
    const id = created.json.data.id;
    expect(await call(getOne, { templateId: id }, { method: "GET" })).toMatchObject({ status: 200, json: { data: { id, name: "Welcome" } } });
    expect(await call(deleteOne, { templateId: id }, { method: "DELETE" })).toMatchObject({ status: 200, json: { data: { id, deleted: true } } });
    expect(await call(deleteOne, { templateId: id }, { method: "DELETE" })).toMatchObject({ status: 404 });
    expect(await call(getOne, { templateId: "x" }, { method: "GET" })).toMatchObject({ status: 404 });
  });
});
