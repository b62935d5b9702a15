/**
 * Every route handler with an id in its path (app/api/v1/** and the dashboard's CSV export), walked with
 * a malformed id that a loose pattern lets through (36 dashes) and a well-formed id that does not
 * exist: each answers 404 `not_found` (or a 4xx about its body), never a 500 from PostgreSQL's uuid cast.
 * Issue 13.10. The pages do the same through lib/http/id.ts's parseId and notFound().
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { actionContext } from "@/lib/tooling/testing/server-actions";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createUser } from "@/lib/users/users";
import { routeTestEnv } from "@/lib/tooling/testing/route-env";

vi.mock("@/lib/app/session", async () => (await import("@/lib/tooling/testing/server-actions")).sessionStandIn);

const ROOT = path.resolve(import.meta.dirname, "../..");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every app/**\/route.ts with a `[somethingId]` segment, as its URL path and parameter names. */
function routesWithIds(dir = path.join(ROOT, "app"), segments: string[] = []): { file: string; url: string; names: string[] }[] {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const next = /^\(.*\)$/.test(entry.name) ? segments : [...segments, entry.name];
    if (entry.isDirectory()) found.push(...routesWithIds(path.join(dir, entry.name), next));
    else if (entry.name === "route.ts" && segments.some((s) => /^\[\w+Id\]$/.test(s))) {
      found.push({ file: path.join(dir, entry.name), url: "/" + segments.join("/"), names: segments.filter((s) => s.startsWith("[")).map((s) => s.slice(1, -1)) });
    }
  }
  return found;
}

// Except the honeypot link's landing (app/h/[campaignId]): it reads no id and answers every path with
// the same empty 200 page, by design (app/h/[campaignId]/route.test.ts), so an id cannot reach a database.
const routes = routesWithIds().filter((r) => r.url !== "/h/[campaignId]");
let t: TestDatabase;
let key: string;
const saved = { ...process.env };

beforeAll(async () => {
  t = await createTestDatabase();
  Object.assign(process.env, routeTestEnv(t.url));
  const admin = await createUser(t.db, { email: "admin@path-ids.test", password: "correct horse battery", role: "admin", name: "Admin" });
  actionContext.user = admin;
  actionContext.db = t.db;
  key = (await createApiKey(t.db, { name: "path ids", role: "admin" })).key;
});
afterAll(async () => {
  process.env = saved;
  await t?.drop();
});

describe("ids in paths", () => {
  it("finds the API's and the dashboard's routes with ids", () => {
    expect(routes.map((r) => r.url)).toEqual(expect.arrayContaining(["/api/v1/campaigns/[campaignId]", "/api/v1/webhooks/[webhookId]/deliveries/[deliveryId]/replay", "/campaigns/[campaignId]/export"]));
    expect(routes.length).toBeGreaterThanOrEqual(18);
  });

  it.each(["------------------------------------", "not-an-id", randomUUID(), "12345678-1234-1234-1234-1234567890ab"])("answers %s with 404 on every route and method, never 500", async (bad) => {
    const answers: string[] = [];
    for (const route of routes) {
      const mod = (await import(/* @vite-ignore */ route.file)) as Record<string, (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>>;
      for (const method of METHODS) {
        const handler = mod[method];
        if (!handler) continue;
        const params = Object.fromEntries(route.names.map((n) => [n, bad]));
        const url = `http://127.0.0.1${route.names.reduce((u, n) => u.replace(`[${n}]`, encodeURIComponent(bad)), route.url)}`;
        const hasBody = method !== "GET" && method !== "DELETE";
        const res = await handler(
          new Request(url, { method, headers: { authorization: `Bearer ${key}`, ...(hasBody ? { "content-type": "application/json" } : {}) }, body: hasBody ? "{}" : undefined }),
          { params: Promise.resolve(params) },
        );
        const body = (await res.json().catch(() => null)) as { error?: { code: string } } | null;
        answers.push(`${method} ${route.url} → ${res.status} ${body?.error?.code ?? ""}`);
      }
    }
    // A body that is wrong on its own may be refused first (422); an id is never a 500. The public
    // form pages (/f/…) answer people with a 404 page rather than the JSON shape.
    const isPage = (a: string) => / \/f\//.test(a) && a.endsWith(" → 404 ");
    expect(answers.filter((a) => !isPage(a) && !/→ (404 not_found|422 validation_failed)$/.test(a))).toEqual([]);
    expect(answers.filter((a) => a.startsWith("GET ") && !isPage(a)).every((a) => a.endsWith("404 not_found"))).toBe(true);
  });
});
