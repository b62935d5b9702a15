/**
 * Every cron route: the ones vercel.json schedules, each with its route file, and the deprecated
 * /api/cron/dispatch that vercel.json no longer names. Each refuses a missing or wrong
 * `Authorization: Bearer $CRON_SECRET` with 401 and a suspicious-request record (the shared cronRoute
 * wrapper), before any work.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { suspiciousRequests } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { routeTestEnv } from "@/lib/tooling/testing/route-env";

const ROOT = path.resolve(import.meta.dirname, "../..");
const scheduled = (JSON.parse(fs.readFileSync(path.join(ROOT, "vercel.json"), "utf8")) as { crons: { path: string }[] }).crons.map((c) => c.path);
const routeFiles = fs
  .readdirSync(path.join(ROOT, "app/api/cron"), { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(ROOT, "app/api/cron", e.name, "route.ts")))
  .map((e) => `/api/cron/${e.name}`);
const DEPRECATED = "/api/cron/dispatch";

let t: TestDatabase;
const saved = { ...process.env };
beforeAll(async () => {
  t = await createTestDatabase();
  // The routes read their configuration through lib/env.ts, as in the app.
  Object.assign(process.env, routeTestEnv(t.url, { CRON_SECRET: "the-right-cron-secret" }));
});
afterAll(async () => {
  process.env = saved;
  await t?.drop();
});

describe("cron routes", () => {
  it("vercel.json schedules every cron route but the deprecated dispatch, and each has its route file", () => {
    expect(scheduled).toEqual(expect.arrayContaining(["/api/cron/send", "/api/cron/deliver-webhooks", "/api/cron/alert-digests", "/api/cron/reconcile"]));
    expect(scheduled).not.toContain(DEPRECATED);
    expect([...scheduled, DEPRECATED].sort()).toEqual([...routeFiles].sort());
  });

  it.each([
    ["/api/cron/send", ["sending"]],
    ["/api/cron/deliver-webhooks", ["outboundWebhooks"]],
    ["/api/cron/alert-digests", ["alertDigests", "pendingContactsErased"]],
    ["/api/cron/reconcile", ["partitions", "reconcile"]],
    [DEPRECATED, ["sending", "alertDigests", "outboundWebhooks"]],
  ])("%s with the right bearer runs its job", async (route, keys) => {
    const file = path.join(ROOT, "app", route, "route.ts");
    const { GET } = (await import(/* @vite-ignore */ file)) as { GET: (req: Request) => Promise<Response> };
    const res = await GET(new Request(`http://127.0.0.1${route}`, { headers: { authorization: "Bearer the-right-cron-secret" } }));
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Record<string, unknown> };
    expect(Object.keys(data).sort()).toEqual(["job", ...keys].sort());
  });

  it.each(["/api/cron/send", DEPRECATED])("%s as a scheduled tick starts no sending run while one is in progress; a chain's link still runs", async (route) => {
    const file = path.join(ROOT, "app", route, "route.ts");
    const { GET } = (await import(/* @vite-ignore */ file)) as { GET: (req: Request) => Promise<Response> };
    const call = async (query = "") => {
      const res = await GET(new Request(`http://127.0.0.1${route}${query}`, { headers: { authorization: "Bearer the-right-cron-secret" } }));
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: { sending: Record<string, unknown> } }).data.sending;
    };
    // A run in progress elsewhere (another process, another instance): its row, kept alive by its heartbeat.
    await t.db.execute(sql`insert into job_runs (token, job, alive_until) values ('elsewhere', 'send', now() + interval '1 minute')`);
    try {
      expect(await call()).toEqual({ skipped: "a sending run is in progress" });
      if (route === "/api/cron/send") expect(await call("?chain=the-chains-token")).toEqual(expect.objectContaining({ stoppedBy: "idle" }));
      // The run died: its row stops being renewed, and the next tick runs.
      await t.db.execute(sql`update job_runs set alive_until = now() - interval '1 second' where token = 'elsewhere'`);
      expect(await call()).toEqual(expect.objectContaining({ stoppedBy: "idle" }));
    } finally {
      await t.db.execute(sql`delete from job_runs where token = 'elsewhere'`);
    }
  });

  it.each([...scheduled, DEPRECATED])("%s refuses a missing or wrong bearer with 401 and records it", async (route) => {
    const file = path.join(ROOT, "app", route, "route.ts");
    const { GET } = (await import(/* @vite-ignore */ file)) as { GET: (req: Request) => Promise<Response> };
    const wrong = await GET(new Request(`http://127.0.0.1${route}`, { headers: { authorization: "Bearer not-the-cron-secret", "user-agent": `wrong ${route}` } }));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("cron_bearer_invalid");
    const missing = await GET(new Request(`http://127.0.0.1${route}`, { headers: { "user-agent": `missing ${route}` } }));
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("cron_bearer_missing");
    const recorded = await t.db.select().from(suspiciousRequests);
    expect(recorded.filter((r) => r.route === route).map((r) => r.reason).sort()).toEqual(["cron_bearer_invalid", "cron_bearer_missing"]);
  });
});
