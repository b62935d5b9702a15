/**
 * Human engagement through the routes (issue 15): `GET /api/v1/campaigns/{id}` stats carry any, human,
 * machine-only and per-class counts; the recipients CSV's status is the human one with the new columns
 * appended, and `machine=1` gives its filters the any-open meaning. Rows are seeded as ingestion leaves them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { campaignEventCounters, messages } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { actionContext } from "@/lib/tooling/testing/server-actions";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { routeTestEnv } from "@/lib/tooling/testing/route-env";
import { createUser } from "@/lib/users/users";

vi.mock("@/lib/app/session", async () => (await import("@/lib/tooling/testing/server-actions")).sessionStandIn);

let t: TestDatabase;
let key: string;
let campaignId: string;
const saved = { ...process.env };
const T = (s: number) => new Date(Date.UTC(2026, 2, 1, 9, 0, s));

beforeAll(async () => {
  t = await createTestDatabase();
  Object.assign(process.env, routeTestEnv(t.url));
  actionContext.user = await createUser(t.db, { email: "m@routes.test", password: "correct horse battery", role: "marketer", name: "M" });
  actionContext.db = t.db;
  key = (await createApiKey(t.db, { name: "engagement", role: "marketer" })).key;
  campaignId = (await createCampaign(t.db, { name: "Spring sale", subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" })).id;
  const base = { kind: "campaign" as const, campaignId, fromEmail: "f@postline.test", subject: "s", messageStream: "broadcast", sentAt: T(0), deliveredAt: T(1) };
  await t.db.insert(messages).values([
    { ...base, toEmail: "person@r.test", status: "clicked", firstOpenedAt: T(2), firstHumanOpenedAt: T(2), firstClickedAt: T(3), firstHumanClickedAt: T(3), openClasses: ["human"], clickClasses: ["human"] },
    { ...base, toEmail: "mpp@r.test", status: "opened", firstOpenedAt: T(2), openClasses: ["apple_mpp"] },
    { ...base, toEmail: "scanner@r.test", status: "clicked", firstOpenedAt: T(2), firstClickedAt: T(2), openClasses: ["link_scanner"], clickClasses: ["link_scanner"] },
    { ...base, toEmail: "plain@r.test", status: "delivered" },
  ]);
  await t.db.insert(campaignEventCounters).values({
    campaignId,
    shard: 3,
    delivered: 4,
    opened: 3,
    clicked: 2,
    openedHuman: 1,
    clickedHuman: 1,
    openedMachineOnly: 2,
    openedAppleMpp: 1,
    openedLinkScanner: 1,
    clickedLinkScanner: 1,
  });
});
afterAll(async () => {
  process.env = saved;
  await t?.drop();
});

describe("GET /api/v1/campaigns/{id}", () => {
  it("keeps the existing stats and adds human, machine-only and per-class counts; unopened counts people", async () => {
    const { GET } = await import("@/app/api/v1/campaigns/[campaignId]/route");
    const res = await GET(new Request(`http://127.0.0.1/api/v1/campaigns/${campaignId}`, { headers: { authorization: `Bearer ${key}` } }), { params: Promise.resolve({ campaignId }) });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { stats: Record<string, unknown> } };
    expect(data.stats).toEqual({
      recipients: 0,
      sent: 0,
      delivered: 4,
      opened: 3,
      opened_human: 1,
      opened_machine_only: 2,
      clicked: 2,
      clicked_human: 1,
      unopened: 3,
      bounced: 0,
      spam_complaints: 0,
      unsubscribed: 0,
      failed: 0,
      suppressed: 0,
      machine: { opened: { apple_mpp: 1, image_proxy: 0, link_scanner: 1, unknown: 0 }, clicked: { link_scanner: 1, unknown: 0 } },
    });
  });

  it("the list carries the same stats", async () => {
    const { GET } = await import("@/app/api/v1/campaigns/route");
    const res = await GET(new Request("http://127.0.0.1/api/v1/campaigns", { headers: { authorization: `Bearer ${key}` } }), { params: Promise.resolve({}) });
    const { data } = (await res.json()) as { data: { id: string; stats: Record<string, unknown> }[] };
    expect(data.find((c) => c.id === campaignId)!.stats).toMatchObject({ opened: 3, opened_human: 1, clicked_human: 1, machine: { clicked: { link_scanner: 1 } } });
  });
});

describe("GET /campaigns/{id}/export", () => {
  const csv = async (query: string) => {
    const { GET } = await import("@/app/(dashboard)/campaigns/[campaignId]/export/route");
    const res = await GET(new Request(`http://127.0.0.1/campaigns/${campaignId}/export?${query}`), { params: Promise.resolve({ campaignId }) });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trimEnd().split("\r\n");
    return { header: lines[0].split(","), rows: lines.slice(1).map((l) => l.split(",")) };
  };

  it("writes the human status, the first human open and click, and the machine classes after the existing columns", async () => {
    const { header, rows } = await csv("");
    expect(header).toEqual(["email", "status", "postmark_message_id", "sent_at", "delivered_at", "first_opened_at", "opens", "first_clicked_at", "clicks", "bounced_at", "error", "first_human_opened_at", "first_human_clicked_at", "machine_open_classes", "machine_click_classes", "status_including_machines"]);
    const by = Object.fromEntries(rows.map((r) => [r[0], r]));
    expect([by["person@r.test"][1], by["person@r.test"][11], by["person@r.test"][12]]).toEqual(["clicked", T(2).toISOString(), T(3).toISOString()]);
    expect([by["mpp@r.test"][1], by["mpp@r.test"][13], by["mpp@r.test"][15]]).toEqual(["delivered", "apple_mpp", "opened"]);
    expect([by["scanner@r.test"][1], by["scanner@r.test"][13], by["scanner@r.test"][14], by["scanner@r.test"][15]]).toEqual(["delivered", "link_scanner", "link_scanner", "clicked"]);
  });

  it("filters as the page does: Unopened counts machine-only opens unless machine=1", async () => {
    expect((await csv("filter=unopened")).rows.map((r) => r[0])).toEqual(["mpp@r.test", "plain@r.test", "scanner@r.test"]);
    expect((await csv("filter=unopened&machine=1")).rows.map((r) => r[0])).toEqual(["plain@r.test"]);
    expect((await csv("filter=clicked")).rows.map((r) => r[0])).toEqual(["person@r.test"]);
  });
});
