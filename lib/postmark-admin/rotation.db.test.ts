/**
 * Rotating the webhook secret with events in flight: the sandbox posts through Postmark's retry-free
 * path (a 401 drops an event for good) to Postline's real webhook handler on a local HTTP server, while
 * the app's secret changes ("deploy") and sync then moves Postmark's webhook to the new secret. With
 * the old secret kept as POSTMARK_WEBHOOK_SECRET_PREVIOUS no event is refused; without it, events are.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageEvents, suspiciousRequests } from "@/db/schema";
import { handlePostmarkWebhook, type WebhookConfig } from "@/lib/ingest/webhook";
import { startPostmarkSandbox, type PostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import { createPostmarkClient } from "@/lib/postmark/client";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { inspectWebhooks, syncWebhooks, type PostlineWebhookConfig } from "./webhooks";

const TOKEN = "rotation-test";
const OLD = "old-secret-0123456789abcdef";
const NEW = "new-secret-0123456789abcdef";

let t: TestDatabase;
let sandbox: PostmarkSandbox;
let app: http.Server;
let appUrl: string;
/** What the running app accepts: changed by a "deploy". */
let appConfig: WebhookConfig = { secret: OLD };
const answers: { status: number; secret: string }[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  // Postline's webhook route as a plain HTTP server around the same handler the Next route calls.
  app = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const response = await handlePostmarkWebhook(new Request(`http://127.0.0.1${req.url}`, { method: "POST", headers, body: Buffer.concat(chunks) }), {
      db: t.db,
      config: appConfig,
      ip: "127.0.0.1",
      blocked: new Map(),
      now: () => new Date(),
    });
    answers.push({ status: response.status, secret: String(req.headers["x-webhook-secret"]) });
    res.writeHead(response.status, { "content-type": "application/json" });
    res.end(await response.text());
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/webhooks/postmark`;
  // The real clock: opens come 2.5–3.5 s after their delivery, so they are in flight across the rotation.
  sandbox = await startPostmarkSandbox({ serverToken: TOKEN, delayMs: 20 });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((resolve) => {
    app.close(() => resolve());
    app.closeAllConnections();
  });
  await t.drop();
});

/** Waits (no timing in the verdict) until the app has answered this many posts. */
async function answered(n: number) {
  for (let waited = 0; answers.length < n; waited += 10) {
    if (waited > 20_000) throw new Error(`expected ${n} posts, got ${answers.length}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rotate(keepPrevious: boolean, tag: string) {
  await sandbox.reset();
  await t.db.delete(messageEvents);
  await t.db.delete(suspiciousRequests);
  answers.length = 0;
  appConfig = { secret: OLD };
  const postmark = createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 5 });
  const before: PostlineWebhookConfig = { url: appUrl, secret: OLD, streams: ["outbound"] };
  expect((await syncWebhooks(postmark, before)).ok).toBe(true);

  const send = async (n: number, phase: string) => {
    for (let i = 0; i < n; i++) await postmark.sendEmail({ From: "news@postline.test", To: `open+${tag}-${phase}-${i}@rotation.test`, Subject: "s", TextBody: "t" });
  };
  // 1. Mail goes out; deliveries arrive with the old secret, opens are still to come.
  await send(10, "a");
  await answered(10);
  // 2. Deploy: the app now has the new secret (and the old one as previous, or not).
  appConfig = keepPrevious ? { secret: NEW, previousSecret: OLD } : { secret: NEW };
  // Postmark still sends the old one until sync: these are posted with it.
  await send(10, "b");
  await answered(20);
  // 3. Sync moves Postmark's webhook to the new secret; opens of the earlier mail are posted after it.
  const after: PostlineWebhookConfig = { url: appUrl, secret: NEW, previousSecret: keepPrevious ? OLD : undefined, streams: ["outbound"] };
  expect((await syncWebhooks(postmark, after)).ok).toBe(true);
  await send(10, "c");
  await sandbox.flushWebhooks({ timeoutMs: 30_000 });
  const events = sandbox.messages().flatMap((m) => m.events);
  return { events, postmark, after };
}

describe("webhook secret rotation with events in flight (real PostgreSQL)", () => {
  it("with POSTMARK_WEBHOOK_SECRET_PREVIOUS no event is refused: every event is stored, whichever secret it carried", async () => {
    const { events, postmark, after } = await rotate(true, "kept");
    expect(events).toHaveLength(60); // 30 deliveries, 30 opens
    const bySecret = (s: string) => answers.filter((a) => a.secret === s);
    // Both secrets were really in flight after the deploy.
    expect(bySecret(OLD).length).toBeGreaterThan(0);
    expect(bySecret(NEW).length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers).toHaveLength(60);
    expect(await t.db.$count(messageEvents)).toBe(60);
    expect(await t.db.$count(suspiciousRequests)).toBe(0);
    expect(events.every((e) => e.webhook === "posted")).toBe(true);
    expect((await inspectWebhooks(postmark, after))[0].state).toBe("ok");

    // 4. Once Postmark sends the new secret, the previous one is dropped: the old secret stops working.
    appConfig = { secret: NEW };
    const [old, current] = await Promise.all(
      [OLD, NEW].map((secret) =>
        fetch(appUrl, { method: "POST", headers: { "content-type": "application/json", "x-webhook-secret": secret }, body: JSON.stringify({ RecordType: "Nope" }) }),
      ),
    );
    expect(old.status).toBe(401);
    expect(current.status).toBe(422); // past the credentials, refused for its payload
  });

  it("without it, the same rotation refuses the events posted between the deploy and the sync (the failure the previous secret prevents)", async () => {
    const { events } = await rotate(false, "lost");
    const refused = answers.filter((a) => a.status === 401);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((a) => a.secret === OLD)).toBe(true);
    expect(await t.db.$count(messageEvents)).toBe(events.length - refused.length);
  });
});
