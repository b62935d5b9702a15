/**
 * The system a drill runs against. Two ways to start it, one interface:
 * - "launcher": the whole system as `npm start` runs it (bench/support's startLauncher: the launcher in
 *   its own process, embedded PostgreSQL, `next start`), for `npm run drill`;
 * - "routes": embedded PostgreSQL plus the app's route handlers behind route-server.ts, for the short
 *   drills in `npm test` (no production build needed).
 * In both, the Postmark sandbox runs in the drill's own process (the launcher is given its URL and token,
 * as with a real Postmark), so a drill can set its faults and read its records directly, and the drill
 * holds its own connection to the app's database to check what was stored.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ServerClient } from "postmark";
import { createDb, type Db } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { ensureBootstrapApiKey } from "@/lib/api-keys/api-keys";
import { freePort } from "@/lib/local/launcher/ports";
import { startEmbeddedPostgres } from "@/lib/local/launcher/postgres";
import { parseIdentity } from "@/lib/local/launcher/processes";
import { createPostmarkClient } from "@/lib/postmark/client";
import { startPostmarkSandbox, type PostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import type { SendingDeps } from "@/lib/sending/deps";
import { unsubscribeKey } from "@/lib/sending/unsubscribe-token";
import { ensureFirstAdmin } from "@/lib/users/users";
import { startLauncher, stopLauncher, type LauncherProcess } from "../../../bench/support";
import { stopIfRunning } from "./postgres-control";
import { startWire, type Wire } from "./wire";

export const ROOT = path.resolve(import.meta.dirname, "../../..");
export const ADMIN_EMAIL = "admin@postline.local";

export interface DrillSystem {
  kind: "launcher" | "routes";
  baseUrl: string;
  /** The drill's own connection to the app's database (checks, and "another instance" with a clock ahead). */
  db: Db;
  sandbox: PostmarkSandbox;
  /** The app reaches the sandbox through this recording proxy. */
  wire: Wire;
  /** The official client pointed at the sandbox, and sending deps as the app builds them. */
  postmark: ServerClient;
  sending: SendingDeps;
  apiKey: string;
  webhookSecret: string;
  cronSecret: string;
  /** The app's AUTH_SECRET: the drills sign their own dashboard session with it (support.ts). */
  authSecret: string;
  /** The PostgreSQL cluster's directory and port (for pg_ctl). */
  postgres: { dataDir: string; port: number };
  /** The app's process id (the `next start` or route-server process), or null when it is not running. */
  appPid(): number | null;
  /** SIGKILLs the app (and, for the launcher, the launcher too: a machine lost at once). */
  killApp(): Promise<void>;
  /** Starts the app again on the same data after killApp. */
  restartApp(): Promise<void>;
  stop(): Promise<void>;
}

export interface SystemOptions {
  kind: "launcher" | "routes";
  /** Data directory under the repository, e.g. `.data/drill-flood`; wiped first. */
  dataDir: string;
  port?: number;
  postgresPort?: number;
  log?: (m: string) => void;
  /** Keep the data directory (and the app's log in it) after stop. */
  keep?: boolean;
}

const SANDBOX_TOKEN = "drill-sandbox-token";

async function startSandbox() {
  return startPostmarkSandbox({
    host: "127.0.0.1",
    port: 0,
    serverToken: SANDBOX_TOKEN,
    keepBodies: false,
    // Postmark retries after minutes; the drills keep its order but shorten the waits.
    retryScheduleMs: [1_000, 2_000, 5_000, 10_000, 20_000, 30_000],
    log: () => {},
  });
}

function sendingDepsFor(sandbox: PostmarkSandbox, baseUrl: string, authSecret: string): { postmark: ServerClient; sending: SendingDeps } {
  const postmark = createPostmarkClient({ serverToken: SANDBOX_TOKEN, apiUrl: sandbox.url, timeoutSeconds: 30 });
  return {
    postmark,
    sending: { postmark, appUrl: baseUrl, unsubscribeKey: unsubscribeKey(authSecret), broadcastStream: "broadcast", messageStream: "outbound", now: () => new Date(), log: () => {} },
  };
}

async function waitForHealth(baseUrl: string, alive: () => boolean, output: () => string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`the app exited while starting:\n${output()}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`the app did not become healthy:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startDrillSystem(options: SystemOptions): Promise<DrillSystem> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(ROOT, options.dataDir);
  await stopIfRunning(path.join(dataDir, "postgres"));
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const secrets = {
    apiKey: `pl_drill_${randomBytes(16).toString("hex")}`,
    webhookSecret: `drill-webhook-${randomBytes(16).toString("hex")}`,
    cronSecret: `drill-cron-${randomBytes(16).toString("hex")}`,
    authSecret: randomBytes(32).toString("base64url"),
    adminPassword: `drill-admin-${randomBytes(8).toString("hex")}`,
  };
  const sandbox = await startSandbox();
  const wire = await startWire(sandbox.url);
  const port = options.port ?? (await freePort());
  const postgresPort = options.postgresPort ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  sandbox.configureWebhook({ url: `${baseUrl}/api/webhooks/postmark`, headers: { "X-Webhook-Secret": secrets.webhookSecret } });
  const { postmark, sending } = sendingDepsFor(sandbox, baseUrl, secrets.authSecret);
  const appEnv = {
    POSTMARK_SERVER_TOKEN: SANDBOX_TOKEN,
    POSTMARK_API_URL: wire.url,
    POSTMARK_WEBHOOK_SECRET: secrets.webhookSecret,
    CRON_SECRET: secrets.cronSecret,
    AUTH_SECRET: secrets.authSecret,
    BOOTSTRAP_API_KEY: secrets.apiKey,
    ADMIN_EMAIL,
    ADMIN_PASSWORD: secrets.adminPassword,
    ALLOW_PRIVATE_WEBHOOK_URLS: "127.0.0.1",
    // The drills drive the cron routes themselves, at their own pace.
    POSTLINE_CRON: "off",
    // The sandbox's sender (postline.local) has no DMARC record: the sender check would refuse the
    // drills' campaigns of 1,500+ (the launcher sets this itself against a sandbox; the route server does not).
    SENDER_CHECK_MIN_RECIPIENTS: "100000000",
  };
  const common = { ...secrets, baseUrl, sandbox, wire, postmark, sending, postgres: { dataDir: path.join(dataDir, "postgres"), port: postgresPort } };

  if (options.kind === "launcher") {
    const launch = () => startLauncher({ dataDir: options.dataDir, port, postgresPort, env: appEnv });
    let launcher: LauncherProcess = await launch();
    const stored = JSON.parse(fs.readFileSync(path.join(dataDir, "secrets.json"), "utf8")) as { POSTGRES_PASSWORD: string };
    const databaseUrl = `postgres://postgres:${encodeURIComponent(stored.POSTGRES_PASSWORD)}@127.0.0.1:${postgresPort}/postline`;
    const db = createDb(databaseUrl, { max: 10, applicationName: "postline-drill" });
    const appPid = () => {
      try {
        const id = parseIdentity(fs.readFileSync(path.join(dataDir, "app.pid"), "utf8"));
        return id && launcher.child.exitCode === null ? id.pid : null;
      } catch {
        return null;
      }
    };
    return {
      kind: "launcher",
      ...common,
      db,
      appPid,
      async killApp() {
        const pid = appPid();
        if (pid) process.kill(pid, "SIGKILL");
        launcher.child.kill("SIGKILL");
        await launcher.exited;
        log("SIGKILLed the app and its launcher");
      },
      async restartApp() {
        launcher = await launch();
      },
      async stop() {
        await stopLauncher(launcher);
        await db.$client.end().catch(() => {});
        // A PostgreSQL restarted by a drill is not the launcher's child: stop it ourselves.
        await stopIfRunning(path.join(dataDir, "postgres"));
        await wire.close();
        await sandbox.close();
      },
    };
  }

  const pgServer = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "postgres"), port: postgresPort, password: "drill", settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } });
  await migrateDatabase(pgServer.url);
  const db = createDb(pgServer.url, { max: 10, applicationName: "postline-drill" });
  await ensureFirstAdmin(db, { email: ADMIN_EMAIL, password: secrets.adminPassword });
  await ensureBootstrapApiKey(db, secrets.apiKey);
  let app: ChildProcess | null = null;
  const output: string[] = [];
  const startApp = async () => {
    output.length = 0;
    const child = spawn(process.execPath, ["--import", "tsx", "--require", path.join(ROOT, "lib/local/launcher/exit-with-parent.cjs"), path.join(ROOT, "lib/tooling/drills/route-server.ts"), String(port)], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "production", PORT: String(port), DATABASE_URL: pgServer.url, APP_URL: baseUrl, ...appEnv },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const keep = (b: Buffer) => {
      fs.appendFileSync(path.join(dataDir, "app.log"), b);
      output.push(...b.toString().split("\n").filter(Boolean));
      if (output.length > 100) output.splice(0, output.length - 100);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    app = child;
    await waitForHealth(baseUrl, () => child.exitCode === null && child.signalCode === null, () => output.slice(-20).join("\n"));
  };
  await startApp();
  const appPid = () => (app && app.exitCode === null && app.signalCode === null ? (app.pid ?? null) : null);
  return {
    kind: "routes",
    ...common,
    db,
    appPid,
    async killApp() {
      const child = app;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
      log("SIGKILLed the app");
    },
    restartApp: startApp,
    async stop() {
      const child = app;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      await db.$client.end().catch(() => {});
      await pgServer.stop();
      await stopIfRunning(path.join(dataDir, "postgres"));
      await wire.close();
      await sandbox.close();
      if (!options.keep) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
