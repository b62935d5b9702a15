/**
 * apiRoute, the wrapper that carries authentication for every /api/v1 route, and readJson, the body
 * reader its routes use: who is let in, and what every refusal and failure answers (status, code, the
 * one error shape), against a real PostgreSQL. Asserted by behaviour only, not by the wrapper's insides.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { suspiciousRequests } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { AppError } from "@/lib/errors";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { apiRoute, readJson } from "./api-route";
import { routeTestEnv } from "@/lib/tooling/testing/route-env";

let t: TestDatabase;
let adminKey: string;
let marketerKey: string;
const saved = { ...process.env };
beforeAll(async () => {
  t = await createTestDatabase();
  // The wrapper reads its database and configuration through lib/env.ts, as in the app.
  Object.assign(process.env, routeTestEnv(t.url));
  adminKey = (await createApiKey(t.db, { name: "admin", role: "admin" })).key;
  marketerKey = (await createApiKey(t.db, { name: "marketer", role: "marketer" })).key;
});
afterAll(async () => {
  process.env = saved;
  await t?.drop();
});

const noParams = { params: Promise.resolve({}) };
const nameSchema = z.object({ name: z.string().min(1) });
const echo = apiRoute({}, async ({ req, principal }) => ({ name: (await readJson(req, nameSchema, 64)).name, role: principal.role }));
const adminOnly = apiRoute({ role: "admin" }, async () => ({ ok: true }));

function request(path: string, init: { key?: string; body?: BodyInit; headers?: Record<string, string>; ip?: string } = {}) {
  return new Request(`http://127.0.0.1${path}`, {
    method: init.body === undefined ? "GET" : "POST",
    headers: {
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      "content-type": "application/json",
      "user-agent": `api-route test ${path}`,
      ...init.headers,
    },
    body: init.body,
    // @ts-expect-error Node's fetch needs duplex for a streamed body
    duplex: "half",
  });
}

async function answer(res: Response) {
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as { data?: unknown; error?: { code: string; message: string } } };
}

/** Every refusal and failure has the one shape `{ error: { code, message } }`. */
function expectErrorShape(json: unknown, code: string) {
  expect(json).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(Object.keys(json as object)).toEqual(["error"]);
}

describe("apiRoute: authentication and role", () => {
  it("answers a request with a valid key with { data }", async () => {
    const res = await answer(await echo(request("/api/v1/echo", { key: marketerKey, body: JSON.stringify({ name: "Ada" }) }), noParams));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: { name: "Ada", role: "marketer" } });
  });

  it("refuses a request without a key with 401 and records the credential failure", async () => {
    const res = await answer(await adminOnly(request("/api/v1/no-key"), noParams));
    expect(res.status).toBe(401);
    expectErrorShape(res.json, "unauthorized");
    const recorded = await t.db.select().from(suspiciousRequests);
    expect(recorded.filter((r) => r.route === "/api/v1/no-key").map((r) => r.reason)).toEqual(["api_key_missing"]);
  });

  it("refuses an unknown key, and a header that is not a Bearer key, with 401, each recorded", async () => {
    const unknown = await answer(await adminOnly(request("/api/v1/bad-key", { key: "pl_not_a_real_key_0123456789" }), noParams));
    expect(unknown.status).toBe(401);
    expectErrorShape(unknown.json, "unauthorized");
    expect(unknown.text).not.toContain("pl_not_a_real_key");
    const basic = await answer(await adminOnly(request("/api/v1/bad-key", { headers: { authorization: `Basic ${adminKey}` } }), noParams));
    expect(basic.status).toBe(401);
    const recorded = await t.db.select().from(suspiciousRequests);
    expect(recorded.filter((r) => r.route === "/api/v1/bad-key").map((r) => r.reason).sort()).toEqual(["api_key_invalid", "api_key_missing"]);
  });

  it("refuses a marketer key on an admin route with 403, and lets an admin key through", async () => {
    const marketer = await answer(await adminOnly(request("/api/v1/admin-only", { key: marketerKey }), noParams));
    expect(marketer.status).toBe(403);
    expectErrorShape(marketer.json, "forbidden");
    const admin = await answer(await adminOnly(request("/api/v1/admin-only", { key: adminKey }), noParams));
    expect(admin).toMatchObject({ status: 200, json: { data: { ok: true } } });
  });

  it("never runs the handler for a refused request", async () => {
    let ran = 0;
    const counted = apiRoute({ role: "admin" }, async () => ++ran);
    await counted(request("/api/v1/counted"), noParams);
    await counted(request("/api/v1/counted", { key: "pl_wrong_0123456789" }), noParams);
    await counted(request("/api/v1/counted", { key: marketerKey }), noParams);
    expect(ran).toBe(0);
  });
});

describe("apiRoute: JSON bodies", () => {
  it("answers a body that is not JSON with 400", async () => {
    const res = await answer(await echo(request("/api/v1/echo", { key: adminKey, body: "{ name: Ada" }), noParams));
    expect(res.status).toBe(400);
    expectErrorShape(res.json, "invalid_json");
  });

  it("answers JSON that fails the schema with 422, naming the field", async () => {
    const res = await answer(await echo(request("/api/v1/echo", { key: adminKey, body: JSON.stringify({ name: "" }) }), noParams));
    expect(res.status).toBe(422);
    expectErrorShape(res.json, "validation_failed");
    expect(res.json.error?.message).toContain("name");
  });

  it("answers a body over the cap with 413, whether its length is declared or only streamed", async () => {
    const declared = await answer(await echo(request("/api/v1/echo", { key: adminKey, body: JSON.stringify({ name: "x".repeat(100) }) }), noParams));
    expect(declared.status).toBe(413);
    expectErrorShape(declared.json, "payload_too_large");
    const chunks = [new TextEncoder().encode('{"name":"'), new TextEncoder().encode("y".repeat(100)), new TextEncoder().encode('"}')];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const streamed = await answer(await echo(request("/api/v1/echo", { key: adminKey, body: stream }), noParams));
    expect(streamed.status).toBe(413);
    expectErrorShape(streamed.json, "payload_too_large");
  });
});

describe("apiRoute: errors map to the one error shape", () => {
  it("answers an AppError with its status and code", async () => {
    const route = apiRoute({}, async () => {
      throw new AppError("conflict", "This campaign is already sending");
    });
    const res = await answer(await route(request("/api/v1/conflict", { key: adminKey }), noParams));
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ error: { code: expect.any(String), message: "This campaign is already sending" } });
  });

  it("answers a zod error thrown by the handler with 422", async () => {
    const route = apiRoute<{ id: string }>({}, async ({ params }) => z.object({ id: z.string().uuid() }).parse(params));
    const res = await answer(await route(request("/api/v1/zod", { key: adminKey }), { params: Promise.resolve({ id: "nope" }) }));
    expect(res.status).toBe(422);
    expectErrorShape(res.json, "validation_failed");
  });

  it("answers an unexpected error with 500 and nothing of its internals", async () => {
    const thrown = apiRoute({}, async () => {
      throw new Error("secret internals: password=hunter2");
    });
    const res = await answer(await thrown(request("/api/v1/boom", { key: adminKey }), noParams));
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(res.text).not.toContain("hunter2");
    expect(res.text).not.toContain("secret internals");
  });

  it("answers a database error with 500 and neither the driver's message nor the query", async () => {
    const failing = apiRoute({}, async ({ db }) => db.execute(sql`select * from no_such_table_s3cr3t where id = ${"param-s3cr3t"}`));
    const res = await answer(await failing(request("/api/v1/db-error", { key: adminKey }), noParams));
    expect(res.status).toBe(500);
    expect(res.text).not.toMatch(/no_such_table|s3cr3t|relation|select/i);
  });
});
