/**
 * bench:audience — segments and forms at scale (issue 16).
 *
 *   npm run bench:audience                          # 1,000,000 contacts, ≈5,000,000 events
 *   npm run bench:audience -- --contacts 100000     # a smaller audience
 *   npm run bench:audience -- --only forms --form-rate 300 --form-seconds 20 --form-recipients 50000
 *   npm run bench:audience -- --only forms --app-processes 2   # two `next start` processes on the port
 *   npm run bench:audience -- --data .data/bench-audience   # keep the seeded database for the next run
 *   npm run bench:audience -- --only freeze --data .data/bench-audience   # only the freeze (no segment counts)
 *
 * Part 1, in an embedded PostgreSQL: seeds the audience (seed.ts), then counts each kind of segment
 * filter (p50/p95 over --iterations runs, with its plan), and freezes a segment of about 1,000,000
 * contacts into a campaign's message rows (the same statement "send now" runs).
 *
 * Part 2 (forms.ts): signup form posts through `next start` at a fixed rate while a campaign sends,
 * against the same app's no-op route at the same rate.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createDb, type Db } from "@/db";
import { countAudience, createCampaign, startCampaignSend } from "@/lib/campaigns/campaigns";
import { migrateDatabase } from "@/db/migrate";
import { freePort } from "@/lib/local/launcher/ports";
import { startEmbeddedPostgres } from "@/lib/local/launcher/postgres";
import { machine, table } from "../support";
import { createSegment } from "@/lib/segments/segments";
import { formsUnderLoad } from "./forms";
import { measureSegments, seedForms } from "./segments";
import { deriveMissingContactEngagement, describeAudience, seedAudience } from "./seed";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const CONTACTS = flag("contacts", 1_000_000);
const CAMPAIGNS = flag("campaigns", 25);
const ONLY = args.includes("--only") ? new Set(args[args.indexOf("--only") + 1].split(",")) : new Set(["segments", "forms"]);
const ITERATIONS = flag("iterations", 20);
// `--pg name=value` (repeatable): a PostgreSQL setting for the segments part, e.g. random_page_cost=1.1.
const PG_SETTINGS = Object.fromEntries(args.flatMap((a, i) => (a === "--pg" ? [args[i + 1].split("=") as [string, string]] : [])));
const FORM_RATE = flag("form-rate", 300);
const FORM_SECONDS = flag("form-seconds", 20);
const FORM_RECIPIENTS = flag("form-recipients", 50_000);
// `--app-processes N`: how many `next start` processes serve the form posts (POSTLINE_APP_PROCESSES).
const APP_PROCESSES = flag("app-processes", 1);
// `--data DIR` keeps the database in DIR between runs (seeded once), for trying changes on one dataset.
// `--pg-port N`: the embedded PostgreSQL's port (a free one by default).
const PG_PORT = flag("pg-port", 0);
const DATA = args.includes("--data") ? path.resolve(args[args.indexOf("--data") + 1]) : null;

/**
 * CPU seconds PostgreSQL used so far (the postmaster and every process it started that is still
 * alive: the pool's backends, the WAL writer, the checkpointer): what the freeze costs whatever else
 * the machine runs, where its wall time depends on the load.
 */
function postgresCpuSeconds(dataDir: string): number {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  let ticks = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ");
      if (Number(entry) === postmaster || Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100; // USER_HZ
}

/**
 * Freezes an audience into message rows the way "send now" does (startCampaignSend: 16 chunks of
 * contact ids, two at once), after counting it the way the campaign page does; the two numbers must agree.
 */
async function freeze(db: Db, label: string, audience: { list_ids?: string[]; segment_ids?: string[] }, dataDir: string) {
  const campaign = await createCampaign(db, { name: `freeze ${label}`, subject: "s", html: "<p>hi</p>", ...audience }, { defaultFrom: "news@bench.test" });
  // The same start every run: no dead message rows left by the last one.
  await db.execute(sql`vacuum messages`);
  const countStarted = performance.now();
  const counted = await countAudience(db, campaign.id);
  const countMs = performance.now() - countStarted;
  const started = performance.now();
  const cpuBefore = postgresCpuSeconds(dataDir);
  const sent = await startCampaignSend(db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
  const seconds = (performance.now() - started) / 1000;
  const cpu = postgresCpuSeconds(dataDir) - cpuBefore;
  const [{ rows }] = (await db.execute<{ rows: number }>(sql`select count(*)::int as rows from messages where campaign_id = ${campaign.id}::uuid and status = 'queued'`)).rows;
  if (rows !== counted.recipients || sent.recipientCount !== counted.recipients) throw new Error(`freeze ${label}: counted ${counted.recipients}, froze ${rows}`);
  // Leave the database as it was for the next measurement.
  await db.execute(sql`delete from messages where campaign_id = ${campaign.id}::uuid`);
  return { measurement: `freeze ${label}`, recipients: counted.recipients.toLocaleString("en"), "count (ms)": countMs.toFixed(0), "freeze (s)": seconds.toFixed(1), "PostgreSQL CPU (s)": cpu.toFixed(1), "load average": os.loadavg()[0].toFixed(1), "rows/s": Math.round(counted.recipients / seconds).toLocaleString("en") };
}

async function main() {
  console.log(`bench:audience on ${machine()}`);
  if (Object.keys(PG_SETTINGS).length) console.log(`PostgreSQL settings: ${JSON.stringify(PG_SETTINGS)}`);
  if (ONLY.has("segments") || ONLY.has("freeze")) await segmentsAtScale();
  if (ONLY.has("forms")) {
    const rows: Record<string, string | number>[] = [];
    await formsUnderLoad({ rate: FORM_RATE, seconds: FORM_SECONDS, recipients: FORM_RECIPIENTS, appProcesses: APP_PROCESSES }, (row) => {
      rows.push(row);
      console.log(`${row.test}: ${row.result}`);
    });
    console.log(table(rows));
  }
}

async function segmentsAtScale() {
  const dir = DATA ?? fs.mkdtempSync(path.join(os.tmpdir(), "postline-bench-audience-"));
  fs.mkdirSync(dir, { recursive: true });
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: PG_PORT || (await freePort()), password: "bench", settings: { shared_buffers: "512MB", work_mem: "16MB", max_wal_size: "4GB", ...PG_SETTINGS } });
  await migrateDatabase(server.url);
  const db = createDb(server.url, { max: 4 });
  try {
    const [{ existing }] = (await db.execute<{ existing: number }>(sql`select count(*)::int as existing from contacts`)).rows;
    const seeded = existing ? await describeAudience(db) : await seedAudience(db, { contacts: CONTACTS, campaigns: CAMPAIGNS });
    const derived = existing ? await deriveMissingContactEngagement(db) : null;
    if (derived !== null) console.log(`the kept database had no contact_engagement rows: derived ${derived.toLocaleString("en")} from its messages`);
    console.log(
      `seeded ${seeded.contacts.toLocaleString("en")} contacts (${seeded.taggings.toLocaleString("en")} taggings, ${seeded.memberships.toLocaleString("en")} list memberships), ` +
        `${seeded.messages.toLocaleString("en")} messages and ${seeded.events.toLocaleString("en")} events in ${seeded.seconds.toFixed(0)} s\n`,
    );
    if (ONLY.has("segments")) {
      await seedForms(db);
      const counts = await measureSegments(db, ITERATIONS, { plans: !args.includes("--no-plans") });
      console.log(`\nsegment counts (${ITERATIONS} runs each):\n${table(counts)}\n`);
    }
    const segment = await createSegment(db, { name: "everyone who signed up in ten years", definition: { match: "all", conditions: [{ type: "created", op: "within_last_days", days: 3650 }] } }, new Date());
    const rows: Record<string, string | number>[] = [];
    if (!args.includes("--skip-freeze")) rows.push(await freeze(db, "a segment of every contact", { segment_ids: [segment.id] }, path.join(dir, "pg")));
    if (rows.length) console.log(table(rows));
  } finally {
    await db.$client.end();
    await server.stop();
    if (!DATA) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
