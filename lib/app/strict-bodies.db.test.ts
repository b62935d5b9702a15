/**
 * Every API body is parsed strictly (issue 13.16): an unknown field is a 422 that names it, and nothing
 * is written. A campaign with `segment_ids` (a field Postline does not know) was sent to everyone.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaigns, contacts, webhookEndpoints } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createContact } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { routeTestEnv } from "@/lib/tooling/testing/route-env";

const ROOT = path.resolve(import.meta.dirname, "../..");
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

let t: TestDatabase;
let key: string;
const saved = { ...process.env };
beforeAll(async () => {
  t = await createTestDatabase();
  Object.assign(process.env, routeTestEnv(t.url));
  key = (await createApiKey(t.db, { name: "strict bodies", role: "admin" })).key;
});
afterAll(async () => {
  process.env = saved;
  await t?.drop();
});

async function call(route: string, method: string, body: unknown, params: Record<string, string> = {}) {
  const mod = (await import(/* @vite-ignore */ path.join(ROOT, "app", route, "route.ts"))) as Record<string, Handler>;
  const res = await mod[method](
    new Request(`http://127.0.0.1/${route}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) }),
    { params: Promise.resolve(params) },
  );
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string }; data?: { errors?: { message: string }[] } } };
}

describe("strict API bodies", () => {
  it("refuses a campaign with segment_ids, naming the field, and creates nothing", async () => {
    const r = await call("api/v1/campaigns", "POST", { name: "Launch", subject: "Hi", html: "<p>Hi</p>", segment_ids: ["vip"] });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("segment_ids") });
    expect(await t.db.$count(campaigns)).toBe(0);
  });

  it("refuses a contact with a misspelt field, alone or in a bulk upsert", async () => {
    const one = await call("api/v1/contacts", "POST", { email: "ann@strict.test", nmae: "Ann" });
    expect(one.status).toBe(422);
    expect(one.body.error?.message).toContain("nmae");
    const bulk = await call("api/v1/contacts", "POST", [{ email: "bob@strict.test", lists: ["x"] }]);
    expect(bulk.status).toBe(422);
    expect(bulk.body.data?.errors?.[0].message).toContain("lists");
    expect(await t.db.$count(contacts)).toBe(0);
  });

  it("refuses an unknown field in a contact's PATCH", async () => {
    const contact = await createContact(t.db, { email: "cy@strict.test" });
    const r = await call("api/v1/contacts/[contactId]", "PATCH", { name: "Cy", unsubscribed: true }, { contactId: contact.id });
    expect(r.status).toBe(422);
    expect(r.body.error?.message).toContain("unsubscribed");
  });

  it("refuses a webhook endpoint with an unknown field, before its URL is looked at", async () => {
    const r = await call("api/v1/webhooks", "POST", { url: "https://example.com/hook", events: ["Email.Bounced"], secret: "mine" });
    expect(r.status).toBe(422);
    expect(r.body.error?.message).toContain("secret");
    expect(await t.db.$count(webhookEndpoints)).toBe(0);
  });

  it("refuses an unknown option when sending a campaign", async () => {
    const r = await call("api/v1/campaigns/[campaignId]/send", "POST", { scheduledAt: "2030-01-01T00:00:00Z" }, { campaignId: "00000000-0000-4000-8000-000000000000" });
    expect(r.status).toBe(422);
    expect(r.body.error?.message).toContain("scheduledAt");
  });
});
