import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { freePort } from "@/lib/local/launcher/ports";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@/lib/local/launcher/postgres";
import { createIngestBatcher, type IngestBatcher } from "./batcher";
import { handlePostmarkWebhook } from "./webhook";

const SECRET = "r".repeat(40);
let dir: string;
let port: number;
let server: EmbeddedPostgresHandle;
let db: Db;
let batcher: IngestBatcher;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "postline-restart-"));
  port = await freePort();
  server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port, password: "pw" });
  await migrateDatabase(server.url);
  db = createDb(server.url, { max: 5, connectionTimeoutMillis: 2500 });
  // As in the app: concurrent posts share transactions (group commit).
  batcher = createIngestBatcher(db);
}, 120_000);

const within = (ms: number, p: Promise<unknown>) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, ms))]);

afterAll(async () => {
  // A pool whose server was restarted under it can take a while to close its last socket; cleanup
  // must not hang the suite.
  await within(5_000, db.$client.end());
  await within(40_000, server.stop());
  fs.rmSync(dir, { recursive: true, force: true });
});

function delivery(i: number) {
  return JSON.stringify({ RecordType: "Delivery", MessageID: `restart-${i}`, Recipient: `r${i}@restart.test`, DeliveredAt: "2026-01-01T00:00:00Z", ServerID: 1, Tag: "", Metadata: {}, MessageStream: "broadcast", Details: "" });
}

async function post(i: number): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const req = new Request("http://127.0.0.1/api/webhooks/postmark", { method: "POST", body: delivery(i), headers: { "content-type": "application/json", "x-webhook-secret": SECRET } });
  const res = await handlePostmarkWebhook(req, { db, config: { secret: SECRET }, ip: "127.0.0.1", now: () => new Date(), ingest: batcher.ingest });
  return { status: res.status, ms: Date.now() - started };
}

describe("webhook ingestion across a PostgreSQL restart (real server stopped and started)", () => {
  it("answers 503 within 3 s while the database is down, never 2xx without a row, and stores every retried event once", async () => {
    const results = new Map<number, number>();
    const slowest = { ms: 0 };
    let i = 0;
    let stop = false;
    // Postmark-like traffic: eight posters at once (so batches form); each 503 is retried later.
    const traffic = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!stop) {
          const n = i++;
          const r = await post(n);
          results.set(n, r.status);
          if (r.status === 503) slowest.ms = Math.max(slowest.ms, r.ms);
          await new Promise((res) => setTimeout(res, 5));
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    await server.stop(); // fast shutdown while posts are in flight
    await new Promise((r) => setTimeout(r, 3000));
    server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port, password: "pw" });
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await traffic;

    const statuses = [...results.values()];
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(slowest.ms).toBeLessThan(3000);

    // Postmark retries what got 503 (and sometimes what got 200): everything ends stored once.
    for (const [n, status] of results) if (status !== 200) expect((await post(n)).status).toBe(200);
    for (let n = 0; n < 20; n++) expect((await post(n)).status).toBe(200);
    const rows = await db.execute<{ key: string; n: number }>(`select postmark_message_id as key, count(*)::int as n from message_events group by 1`);
    expect(rows.rows.length).toBe(results.size);
    expect(rows.rows.every((r) => r.n === 1)).toBe(true);
  }, 120_000);
});
