import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { breakerTrips, campaigns, sequences } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { createSequence } from "@/lib/sequences/sequences";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { POST as activateSequence } from "@/app/api/v1/sequences/[sequenceId]/activate/route";
import { POST as resume } from "./route";

// The routes run for real against the file's PostgreSQL; only the wiring from env is replaced.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => t.db }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ APP_URL: "https://app.test", POSTMARK_FROM_EMAIL: "news@postline.test" }) }));
vi.mock("@/lib/app/continue-sending", () => ({ advanceSendingAfterResponse: () => {} }));

const keys: Partial<Record<"admin" | "marketer", string>> = {};
async function call(role: "admin" | "marketer", handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>, path: string, params: object) {
  keys[role] ??= (await createApiKey(t.db, { name: `breaker ${role}`, role })).key;
  const res = await handler(new Request(`https://app.test${path}`, { method: "POST", headers: { authorization: `Bearer ${keys[role]}` } }), { params: Promise.resolve(params as never) });
  return { status: res.status, json: await res.json() };
}

const trip = { reason: "complaint_rate" as const, level: "pause" as const, paused: true, delivered: 2000, complaints: 9, hardBounces: 0, rate: 0.0045, threshold: 0.003, trippedAt: new Date() };

describe("resuming after a circuit breaker (real PostgreSQL)", () => {
  it("POST /api/v1/campaigns/{id}/resume: 403 forbidden for a marketer, saying what was seen; 200 for an admin, the trip closed", async () => {
    const c = await createCampaign(t.db, { name: "Tripped", subject: "s", html: "<p>h</p>" }, { defaultFrom: "news@postline.test" });
    await t.db.update(campaigns).set({ status: "paused", pausedAt: new Date() }).where(eq(campaigns.id, c.id));
    await t.db.insert(breakerTrips).values({ ...trip, campaignId: c.id });
    const refused = await call("marketer", resume, `/api/v1/campaigns/${c.id}/resume`, { campaignId: c.id });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toEqual({ code: "forbidden", message: expect.stringContaining("Spam complaint rate 0.45% (9 complaints of 2,000 delivered) is above 0.30%") });
    const ok = await call("admin", resume, `/api/v1/campaigns/${c.id}/resume`, { campaignId: c.id });
    expect(ok.status).toBe(200);
    expect(ok.json.data.status).toBe("sending");
    expect((await t.db.select().from(breakerTrips).where(eq(breakerTrips.campaignId, c.id)))[0].resumedAt).not.toBeNull();
  });

  it("POST /api/v1/sequences/{id}/activate: the same rule for a sequence a breaker paused", async () => {
    const s = await createSequence(t.db, { name: "drip", emails: [{ subject: "One", html: "<p>1</p>", delay: { amount: 1, unit: "days" } }] }, { defaultFrom: "drip@postline.test" }, new Date());
    await t.db.update(sequences).set({ status: "paused", pausedAt: new Date() }).where(eq(sequences.id, s.id));
    await t.db.insert(breakerTrips).values({ ...trip, sequenceId: s.id });
    expect((await call("marketer", activateSequence, `/api/v1/sequences/${s.id}/activate`, { sequenceId: s.id })).status).toBe(403);
    const ok = await call("admin", activateSequence, `/api/v1/sequences/${s.id}/activate`, { sequenceId: s.id });
    expect(ok.status).toBe(200);
    expect(ok.json.data.status).toBe("active");
  });
});
