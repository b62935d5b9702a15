/**
 * bench:reconcile — 50,000 campaign messages through the Postmark sandbox while it drops 5% of webhook
 * posts and every post for 200 `.silent` recipients; webhooks go through the real ingestion function
 * (served by node:http on 127.0.0.1); then reconciliation runs until nothing is left, and every
 * message's status is compared with the sandbox's own record of what happened.
 *
 *   npm run bench:reconcile              # -- --messages 10000 for a quicker run
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { createDb } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { messages } from "@/db/schema";
import { createCampaign, startCampaignSend } from "@/lib/campaigns/campaigns";
import { createContactsBulk } from "@/lib/contacts/contacts";
import { handlePostmarkWebhook } from "@/lib/ingest/webhook";
import { freePort } from "@/lib/local/launcher/ports";
import { startEmbeddedPostgres } from "@/lib/local/launcher/postgres";
import { createPostmarkClient } from "@/lib/postmark/client";
import { seededRandom } from "@/lib/local/postmark-sandbox/outcomes";
import { startPostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import { sandboxTruth as truth } from "@/lib/local/postmark-sandbox/test-support";
import { reconcile } from "@/lib/reconcile/run";
import { advanceSending } from "@/lib/sending/advance-sending";
import { unsubscribeKey } from "@/lib/sending/unsubscribe-token";
import { machine, table } from "../support";

const args = process.argv.slice(2);
const N = Number(args[args.indexOf("--messages") + 1]) || 50_000;
const SILENT = 200;
const SECRET = "bench-webhook-secret-0123456789";
const TOKEN = "bench-reconcile-token";

async function main() {
  console.log(`bench:reconcile on ${machine()}\n${N.toLocaleString("en")} messages, 5% of webhook posts dropped, ${SILENT} silent recipients\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "postline-bench-reconcile-"));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: await freePort(), password: "bench" });
  await migrateDatabase(pg.url);
  const db = createDb(pg.url, { max: 20 });

  // The webhook route's own function behind a plain HTTP server.
  const receiver = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = new Request(`http://127.0.0.1${req.url}`, { method: "POST", headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
    const response = await handlePostmarkWebhook(request, { db, config: { secret: SECRET }, ip: "127.0.0.1", now: () => new Date() });
    res.writeHead(response.status, { "content-type": "application/json" }).end(await response.text());
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/postmark`;

  const sandbox = await startPostmarkSandbox({
    host: "127.0.0.1",
    port: 0,
    serverToken: TOKEN,
    keepBodies: false,
    webhook: { url: receiverUrl, headers: { "X-Webhook-Secret": SECRET } },
    rates: { open: 0.45, click: 0.1, hardbounce: 0.01, softbounce: 0.01, spam: 0.002, unsubscribe: 0.005 },
    dropRate: 0.05,
    delayMs: 5,
    webhookConcurrency: 16,
    random: seededRandom(42),
    log: () => {},
  });
  const postmark = createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 30 });
  const deps = { postmark, appUrl: "http://127.0.0.1:9", unsubscribeKey: unsubscribeKey("b".repeat(32)), broadcastStream: "broadcast", messageStream: "outbound", now: () => new Date() };

  try {
    const emails = Array.from({ length: N }, (_, i) => (i < SILENT ? `click.silent+${i}@rec.bench.test` : `r${i}@rec.bench.test`));
    for (let i = 0; i < N; i += 10_000) await createContactsBulk(db, emails.slice(i, i + 10_000).map((email) => ({ email })));
    const campaign = await createCampaign(db, { name: "reconcile bench", subject: "s", html: '<p><a href="https://example.com/x">x</a></p>' }, { defaultFrom: "news@bench.test" });
    await startCampaignSend(db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    const sendStarted = performance.now();
    while ((await advanceSending(db, { budgetMs: 60_000 }, deps)).stoppedBy === "budget");
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    await sandbox.flushWebhooks({ timeoutMs: 600_000 });
    const stats = sandbox.stats();

    const expected = new Map(sandbox.messages().map((m) => [m.messageId, truth(m)]));
    const compare = async () => {
      const rows = await db.select({ pm: messages.postmarkMessageId, status: messages.status }).from(messages).where(eq(messages.campaignId, campaign.id));
      return rows.filter((r) => expected.get(r.pm!) === r.status).length;
    };
    const before = await compare();

    // Reconciliation as the cron would run it, 15 minutes later, until its work list is empty.
    const later = () => new Date(Date.now() + 15 * 60_000);
    const started = performance.now();
    let checked = 0;
    let apiCalls = 0;
    let recovered = 0;
    let runs = 0;
    for (;;) {
      const r = await reconcile(db, { trigger: "cron" }, { postmark, now: later, budgetMs: 50_000, concurrency: 8 });
      runs++;
      checked += r.checked;
      apiCalls += r.apiCalls;
      recovered += r.recovered;
      if (r.remaining === 0) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const after = await compare();

    console.log(
      table([
        {
          messages: N,
          "send (s)": sendSeconds.toFixed(1),
          "webhook posts": stats.webhookPosts,
          dropped: stats.dropped,
          silenced: stats.silenced,
          "match before": `${((before / N) * 100).toFixed(2)}%`,
          runs,
          checked,
          recovered,
          "API calls": apiCalls,
          "s per 10k checked": ((seconds / checked) * 10_000).toFixed(1),
          "match after": `${((after / N) * 100).toFixed(2)}%`,
        },
      ]),
    );
    if (after !== N) process.exitCode = 1;
  } finally {
    await sandbox.close();
    receiver.close();
    await db.$client.end();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
