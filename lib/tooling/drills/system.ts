/**
 * The system a drill runs against. Two ways to start it, one interface:
 * - "launcher": the whole system as `npm start` runs it (bench/support's startLauncher: the launcher in
 *   its own process, embedded PostgreSQL, `next start`), for `npm run drill`;
 * - "routes": embedded PostgreSQL plus the app's route handlers behind route-server.ts, for the short
 *   drills in `npm test` (no production build needed).
 * With `instances: 2` a second app process (a second launcher given the first one's DATABASE_URL, or a
 * second route server) runs against the same PostgreSQL, and `baseUrl` is a balancer in front of both
 * (balancer.ts): the API calls and Postmark's webhooks are spread across them; `instances` reaches each.
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
import { freeServerPort } from "@/lib/local/launcher/ports";
import { startEmbeddedPostgres } from "@/lib/local/launcher/postgres";
import { parseIdentity } from "@/lib/local/launcher/processes";
import { createPostmarkClient } from "@/lib/postmark/client";
import { startPostmarkSandbox, type PostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import type { SendingDeps } from "@/lib/sending/deps";
import { unsubscribeKey } from "@/lib/sending/unsubscribe-token";
import { ensureFirstAdmin } from "@/lib/users/users";
import { startLauncher, stopLauncher, type LauncherProcess } from "../../../bench/support";
import { stopIfRunning } from "./postgres-control";
import { startBalancer, type Balancer } from "./balancer";
import { startWire, type Wire } from "./wire";

export const ROOT = path.resolve(import.meta.dirname, "../../..");
export const ADMIN_EMAIL = "admin@postline.local";

/** One app process: its own address (a drill calls each one's cron there) and its life. */
export interface AppInstance {
  name: string;
  baseUrl: string;
  pid(): number | null;
  /** SIGKILL: no shutdown, no cleanup (with the launcher, the launcher too). */
  kill(): Promise<void>;
  /** Starts it again on the same data after kill. */
  restart(): Promise<void>;
}

export interface DrillSystem {
  kind: "launcher" | "routes";
  /** Where the app is reached: the app itself, or the balancer in front of every instance. */
  baseUrl: string;
  /** The app processes (one unless SystemOptions.instances says more); the first is the one appPid names. */
  instances: AppInstance[];
  /** With several instances: the balancer in front of them (requests each answered). */
  balancer: Balancer | null;
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
  /** App processes against the one database (default 1); with 2, `secondPort` and `balancerPort` (free ports by default). */
  instances?: 1 | 2;
  secondPort?: number;
  balancerPort?: number;
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
  const port = options.port ?? (await freeServerPort());
  const postgresPort = options.postgresPort ?? (await freeServerPort());
  const ownUrl = `http://127.0.0.1:${port}`;
  const two = options.instances === 2;
  const secondPort = two ? (options.secondPort ?? (await freeServerPort())) : 0;
  const secondUrl = `http://127.0.0.1:${secondPort}`;
  const balancer = two ? await startBalancer([ownUrl, secondUrl], options.balancerPort ?? 0) : null;
  const baseUrl = balancer?.url ?? ownUrl;
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
    // With a balancer, links and the chained cron runs go to it, the public address.
    ...(balancer ? { APP_URL: baseUrl } : {}),
    // The drills drive the cron routes themselves, at their own pace.
    POSTLINE_CRON: "off",
    // The sandbox's sender (postline.local) has no DMARC record: the sender check would refuse the
    // drills' campaigns of 1,500+ (the launcher sets this itself against a sandbox; the route server does not).
    SENDER_CHECK_MIN_RECIPIENTS: "100000000",
  };
  const common = { ...secrets, baseUrl, balancer, sandbox, wire, postmark, sending, postgres: { dataDir: path.join(dataDir, "postgres"), port: postgresPort } };

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
    const killApp = async () => {
      const pid = appPid();
      if (pid) process.kill(pid, "SIGKILL");
      launcher.child.kill("SIGKILL");
      await launcher.exited;
      log("SIGKILLed the app and its launcher");
    };
    const restartApp = async () => {
      launcher = await launch();
    };
    const instances: AppInstance[] = [{ name: "a", baseUrl: ownUrl, pid: appPid, kill: killApp, restart: restartApp }];
    // The second instance: a launcher of its own (its own data directory, no PostgreSQL of its own).
    let second: LauncherProcess | null = null;
    if (two) {
      const secondDir = path.join(options.dataDir, "instance-b");
      const launchSecond = () => startLauncher({ dataDir: secondDir, port: secondPort, postgresPort, env: { ...appEnv, DATABASE_URL: databaseUrl } });
      second = await launchSecond();
      const secondPid = () => {
        try {
          const id = parseIdentity(fs.readFileSync(path.join(ROOT, secondDir, "app.pid"), "utf8"));
          return id && second?.child.exitCode === null ? id.pid : null;
        } catch {
          return null;
        }
      };
      instances.push({
        name: "b",
        baseUrl: secondUrl,
        pid: secondPid,
        async kill() {
          const pid = secondPid();
          if (pid) process.kill(pid, "SIGKILL");
          second!.child.kill("SIGKILL");
          await second!.exited;
          log("SIGKILLed instance b (its app and its launcher)");
        },
        async restart() {
          second = await launchSecond();
        },
      });
    }
    return {
      kind: "launcher",
      ...common,
      instances,
      db,
      appPid,
      killApp,
      restartApp,
      async stop() {
        if (second) await stopLauncher(second);
        await stopLauncher(launcher);
        await db.$client.end().catch(() => {});
        // A PostgreSQL restarted by a drill is not the launcher's child: stop it ourselves.
        await stopIfRunning(path.join(dataDir, "postgres"));
        await wire.close();
        await sandbox.close();
        await balancer?.close();
      },
    };
  }

  const pgServer = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "postgres"), port: postgresPort, password: "drill", settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } });
  await migrateDatabase(pgServer.url);
  const db = createDb(pgServer.url, { max: 10, applicationName: "postline-drill" });
  await ensureFirstAdmin(db, { email: ADMIN_EMAIL, password: secrets.adminPassword });
  await ensureBootstrapApiKey(db, secrets.apiKey);
  const routeServer = (name: string, appPort: number, logFile: string) => {
    let app: ChildProcess | null = null;
    const output: string[] = [];
    const appUrl = `http://127.0.0.1:${appPort}`;
    const start = async () => {
      output.length = 0;
      const child = spawn(process.execPath, ["--import", "tsx", "--require", path.join(ROOT, "lib/local/launcher/exit-with-parent.cjs"), path.join(ROOT, "lib/tooling/drills/route-server.ts"), String(appPort)], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: "production", PORT: String(appPort), DATABASE_URL: pgServer.url, APP_URL: baseUrl, ...appEnv },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      });
      const keep = (b: Buffer) => {
        fs.appendFileSync(path.join(dataDir, logFile), b);
        output.push(...b.toString().split("\n").filter(Boolean));
        if (output.length > 100) output.splice(0, output.length - 100);
      };
      child.stdout!.on("data", keep);
      child.stderr!.on("data", keep);
      app = child;
      await waitForHealth(appUrl, () => child.exitCode === null && child.signalCode === null, () => output.slice(-20).join("\n"));
    };
    const pid = () => (app && app.exitCode === null && app.signalCode === null ? (app.pid ?? null) : null);
    const stopWith = async (signal: NodeJS.Signals) => {
      const child = app;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill(signal);
      await exited;
    };
    const instance: AppInstance = {
      name,
      baseUrl: appUrl,
      pid,
      async kill() {
        await stopWith("SIGKILL");
        log(two ? `SIGKILLed instance ${name}` : "SIGKILLed the app");
      },
      restart: start,
    };
    return { instance, start, stop: () => stopWith("SIGTERM") };
  };
  const servers = [routeServer("a", port, "app.log"), ...(two ? [routeServer("b", secondPort, "app-b.log")] : [])];
  for (const server of servers) await server.start();
  const [first] = servers;
  return {
    kind: "routes",
    ...common,
    instances: servers.map((s) => s.instance),
    db,
    appPid: first.instance.pid,
    killApp: first.instance.kill,
    restartApp: first.instance.restart,
    async stop() {
      for (const server of servers) await server.stop();
      await db.$client.end().catch(() => {});
      await pgServer.stop();
      await stopIfRunning(path.join(dataDir, "postgres"));
      await wire.close();
      await sandbox.close();
      await balancer?.close();
      if (!options.keep) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
