import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb } from "../../../db";
import { migrateDatabase } from "../../../db/migrate";
import { ensureBootstrapApiKey } from "../../api-keys/api-keys";
import { generatePassword } from "../../security/password";
import { childEnvironment, type LauncherEnv } from "../../env";
import { sandboxOptionsFromEnv, type SandboxEnvOptions } from "../postmark-sandbox/options";
import { startPostmarkSandbox, type PostmarkSandbox } from "../postmark-sandbox/server";
import { ensureFirstAdmin } from "../../users/users";
import { ensureBuild } from "./build";
import { startCronRunner, type CronJob } from "./cron";
import { LauncherError } from "./errors";
import { acquireLauncherLock } from "./lock";
import { assertPortFree, isPortInUse } from "./ports";
import { findRunningPostmaster, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./postgres";
import { formatIdentity, identify, isSameProcessAlive, parseIdentity, terminate, waitForExit } from "./processes";
import { loadOrCreateAdminPassword, loadOrCreateSecrets } from "./secrets";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface SystemOptions {
  mode: "start" | "dev";
  /** The launcher's configuration, e.g. `getLauncherEnv({ POSTLINE_DATA_DIR: tmp, PORT: "3100", … })`. */
  env: LauncherEnv;
  /** Extra variables for the app; they win over everything else. The launcher's own environment is inherited. */
  appEnv?: Record<string, string>;
  log?: (message: string) => void;
  /** The output of the app and of `next build`: the CLI shows it; tests and benchmarks may drop it. Default inherit. */
  appOutput?: "inherit" | "ignore";
  /** Build when stale before `start` (default true). Tests that built once may skip the check. */
  build?: boolean;
  /** Aborting while starting stops what has started and rejects with "stopped while starting". */
  signal?: AbortSignal;
  /** How long the app may take to answer /api/health (default 120 s for start, 300 s for dev). */
  healthTimeoutMs?: number;
}

export interface RunningSystem {
  /** The app's public base URL (APP_URL). */
  appUrl: string;
  /** Where the launcher itself reaches the app (health, cron): http://127.0.0.1:PORT unless HOST says otherwise. */
  localUrl: string;
  databaseUrl: string;
  /** The in-process Postmark sandbox, or null when POSTMARK_SERVER_TOKEN is set. */
  sandbox: PostmarkSandbox | null;
  adminEmail: string;
  adminPassword: string;
  /** The file holding a generated admin password, or null when ADMIN_PASSWORD was given. */
  adminPasswordFile: string | null;
  dataDir: string;
  secrets: { cronSecret: string; webhookSecret: string; authSecret: string; postmarkToken: string; postmarkApiUrl: string };
  app: ChildProcess;
  /** Resolves when the app exits, for whatever reason (after stop() too). */
  appExited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops cron, the app, the sandbox and PostgreSQL, then releases the lock. Safe to call twice. */
  stop: () => Promise<void>;
}

const APP_STOP_GRACE_MS = 10_000;
/**
 * The embedded PostgreSQL's checkpoints: a campaign rewrites its message rows at random places (uuid
 * keys), and the first change to a page after a checkpoint writes the whole page to the WAL. With
 * PostgreSQL's defaults (1GB, 5 minutes) a large send checkpoints every minute or so; these are the
 * usual settings for a write-heavy primary (bench:dispatch at 1,000,000 recipients: BENCHMARKS.md). The
 * WAL may then take up to max_wal_size on disk between checkpoints.
 */
const EMBEDDED_POSTGRES_SETTINGS = { max_wal_size: "4GB", checkpoint_timeout: "15min" };

function stoppedWhileStarting(): LauncherError {
  return new LauncherError("stopped while starting");
}

async function waitForHealth(url: string, app: ChildProcess, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw stoppedWhileStarting();
    if (app.exitCode !== null || app.signalCode !== null) {
      throw new LauncherError(`the app exited while starting (${app.signalCode ?? `code ${app.exitCode}`}; see its output above)`);
    }
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer().catch(() => {});
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new LauncherError(`the app did not answer ${url}/api/health with 200 within ${Math.round(timeoutMs / 1000)} s`);
}

export function readCronJobs(root = REPO_ROOT): CronJob[] {
  const file = path.join(root, "vercel.json");
  let config: { crons?: unknown };
  try {
    config = JSON.parse(fs.readFileSync(file, "utf8")) as { crons?: unknown };
  } catch (error) {
    throw new LauncherError(`cannot read the cron schedule in ${file}: ${(error as Error).message}`);
  }
  const crons = config.crons ?? [];
  if (!Array.isArray(crons) || !crons.every((c) => c && typeof c.path === "string" && typeof c.schedule === "string")) {
    throw new LauncherError(`${file}: "crons" must be a list of { "path", "schedule" }`);
  }
  return crons as CronJob[];
}

/** 0.0.0.0 and :: listen everywhere; the launcher itself talks to the app over loopback. */
function connectHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * The app of a launcher that was SIGKILLed exits on its own (its IPC channel closes), but it may still
 * hold the port for a moment when a new launcher starts right away: wait for it, then insist.
 */
async function reapPreviousApp(pidFile: string, log: (m: string) => void): Promise<void> {
  let text: string;
  try {
    text = fs.readFileSync(pidFile, "utf8");
  } catch {
    return;
  }
  const previous = parseIdentity(text);
  if (previous && isSameProcessAlive(previous)) {
    if (!(await waitForExit(previous.pid, 5_000))) {
      log(`stopping the app (pid ${previous.pid}) left running by a previous launcher`);
      await terminate(previous.pid, "SIGTERM", APP_STOP_GRACE_MS);
    }
  }
  fs.rmSync(pidFile, { force: true });
}

/** What `npm start`'s sandbox does with campaign mail when POSTMARK_SANDBOX_RATES is not set. */
export const DEMO_RATES = { open: 0.45, click: 0.1, hardbounce: 0.01, softbounce: 0.005, spam: 0.001, unsubscribe: 0.003, mpp: 0.5, scanner: 0.05, proxy: 0.2 };

function sandboxEnvOptions(env: LauncherEnv): SandboxEnvOptions {
  try {
    return {
      // `npm start` is someone trying the product: people read within a minute or two, not hours,
      // and the mail meets the world's machines (Apple's proxy, webmail proxies, link scanners) at
      // realistic rates unless POSTMARK_SANDBOX_RATES says otherwise.
      pace: "demo",
      rates: DEMO_RATES,
      ...sandboxOptionsFromEnv({
        POSTMARK_SANDBOX_RATES: env.POSTMARK_SANDBOX_RATES,
        POSTMARK_SANDBOX_DELAY_MS: env.POSTMARK_SANDBOX_DELAY_MS,
        POSTMARK_SANDBOX_DROP_RATE: env.POSTMARK_SANDBOX_DROP_RATE,
        POSTMARK_SANDBOX_RETRY_MS: env.POSTMARK_SANDBOX_RETRY_MS,
        POSTMARK_SANDBOX_PACE: env.POSTMARK_SANDBOX_PACE,
      }),
    };
  } catch (error) {
    throw new LauncherError((error as Error).message);
  }
}

function describeError(what: string, error: unknown): LauncherError {
  if (error instanceof LauncherError) return error;
  return new LauncherError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Starts what is not configured (PostgreSQL, the Postmark sandbox), migrates, ensures the first admin,
 * builds if needed, runs the app and the cron schedule. `stop()` undoes all of it in reverse order;
 * a failure while starting undoes what had started before rejecting.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { env, signal } = options;
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(REPO_ROOT, env.POSTLINE_DATA_DIR);
  const checkAborted = () => {
    if (signal?.aborted) throw stoppedWhileStarting();
  };
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    if (!fs.statSync(dataDir).isDirectory()) throw new Error("not a directory");
    fs.accessSync(dataDir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LauncherError(`the data directory ${env.POSTLINE_DATA_DIR} (${dataDir}) is not a readable and writable directory${code ? ` (${code})` : ""}`);
  }
  const lock = acquireLauncherLock(dataDir, env.POSTLINE_DATA_DIR);
  const appPidFile = path.join(dataDir, "app.pid");

  // Undo steps, run last-in first-out; a step that fails is reported and the rest still run.
  const cleanups: { name: string; run: () => Promise<void> | void }[] = [{ name: "lock", run: () => lock.release() }];
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      while (cleanups.length) {
        const step = cleanups.pop()!;
        try {
          await step.run();
        } catch (error) {
          log(`while stopping ${step.name}: ${(error as Error).message}`);
        }
      }
    })();
    return stopping;
  };

  try {
    if (lock.tookOverFrom) log(`the previous launcher (pid ${lock.tookOverFrom}) did not stop cleanly; taking over`);
    await reapPreviousApp(appPidFile, log);

    // Every port is checked before anything starts, so a conflict fails fast with one line.
    const host = connectHost(env.HOST);
    await assertPortFree(env.PORT, "set PORT", host.replace(/^\[|\]$/g, ""));
    const embeddedPostgresDir = path.join(dataDir, "postgres");
    // Our own PostgreSQL left running by a killed launcher holds its port; startEmbeddedPostgres stops it.
    if (!env.DATABASE_URL && findRunningPostmaster(embeddedPostgresDir) === null && (await isPortInUse(env.POSTGRES_PORT))) {
      throw new LauncherError(`port ${env.POSTGRES_PORT} is in use (set POSTGRES_PORT or DATABASE_URL)`);
    }
    if (!env.POSTMARK_SERVER_TOKEN && env.POSTMARK_SANDBOX_PORT !== 0) {
      await assertPortFree(env.POSTMARK_SANDBOX_PORT, "set POSTMARK_SANDBOX_PORT or POSTMARK_SERVER_TOKEN");
    }
    const sandboxSettings = env.POSTMARK_SERVER_TOKEN ? null : sandboxEnvOptions(env);

    const localUrl = `http://${host}:${env.PORT}`;
    const appUrl = (env.APP_URL ?? localUrl).replace(/\/+$/, "");
    const secrets = loadOrCreateSecrets(dataDir, env);
    checkAborted();

    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const postgres: EmbeddedPostgresHandle = await startEmbeddedPostgres({
        dataDir: embeddedPostgresDir,
        port: env.POSTGRES_PORT,
        password: secrets.POSTGRES_PASSWORD,
        log,
        settings: { ...EMBEDDED_POSTGRES_SETTINGS, ...(env.POSTGRES_SHARED_BUFFERS ? { shared_buffers: env.POSTGRES_SHARED_BUFFERS } : {}) },
      });
      cleanups.push({ name: "PostgreSQL", run: () => postgres.stop() });
      databaseUrl = postgres.url;
      log(`PostgreSQL on 127.0.0.1:${env.POSTGRES_PORT} (data in ${path.relative(process.cwd(), embeddedPostgresDir) || embeddedPostgresDir})`);
      checkAborted();
    }

    let sandbox: PostmarkSandbox | null = null;
    let postmarkToken = env.POSTMARK_SERVER_TOKEN;
    let postmarkApiUrl = env.POSTMARK_API_URL ?? "https://api.postmarkapp.com";
    if (!postmarkToken) {
      const basicUser = env.POSTMARK_WEBHOOK_BASIC_USER;
      const basicPassword = env.POSTMARK_WEBHOOK_BASIC_PASSWORD;
      try {
        sandbox = await startPostmarkSandbox({
          host: "127.0.0.1",
          port: env.POSTMARK_SANDBOX_PORT,
          serverToken: secrets.SANDBOX_SERVER_TOKEN,
          // The sandbox is local, so it posts to the app where it listens, even when APP_URL is public.
          webhook: {
            url: `${localUrl}/api/webhooks/postmark`,
            headers: { "X-Webhook-Secret": secrets.POSTMARK_WEBHOOK_SECRET },
            basicAuth: basicUser && basicPassword ? { username: basicUser, password: basicPassword } : undefined,
          },
          ...sandboxSettings,
          dataFile: path.join(dataDir, "sandbox.ndjson"),
          log: (m) => log(`sandbox: ${m}`),
        });
      } catch (error) {
        throw describeError("the Postmark sandbox did not start", error);
      }
      const running = sandbox;
      cleanups.push({ name: "the Postmark sandbox", run: () => running.close() });
      postmarkToken = sandbox.serverToken;
      postmarkApiUrl = sandbox.url;
      log(`Postmark sandbox on ${sandbox.url}`);
      checkAborted();
    }

    try {
      await migrateDatabase(databaseUrl);
    } catch (error) {
      throw describeError("migrating the database failed", error);
    }
    checkAborted();
    const admin = loadOrCreateAdminPassword(dataDir, env.ADMIN_PASSWORD, generatePassword);
    const db = createDb(databaseUrl, { max: 2, applicationName: "postline-launcher" });
    try {
      const { created } = await ensureFirstAdmin(db, { email: env.ADMIN_EMAIL, password: admin.password });
      if (created) log(`created the first admin ${env.ADMIN_EMAIL}`);
      if (env.BOOTSTRAP_API_KEY) await ensureBootstrapApiKey(db, env.BOOTSTRAP_API_KEY);
    } catch (error) {
      throw describeError("preparing the first admin failed", error);
    } finally {
      await db.$client.end().catch(() => {});
    }
    checkAborted();

    const appEnvironment = childEnvironment({
      NODE_ENV: options.mode === "dev" ? "development" : "production",
      PORT: String(env.PORT),
      DATABASE_URL: databaseUrl,
      POSTMARK_SERVER_TOKEN: postmarkToken,
      POSTMARK_API_URL: postmarkApiUrl,
      POSTMARK_WEBHOOK_SECRET: secrets.POSTMARK_WEBHOOK_SECRET,
      CRON_SECRET: secrets.CRON_SECRET,
      AUTH_SECRET: secrets.AUTH_SECRET,
      NEXTAUTH_SECRET: secrets.AUTH_SECRET,
      APP_URL: appUrl,
      NEXTAUTH_URL: appUrl,
      NEXT_TELEMETRY_DISABLED: "1",
      // Against a sandbox (ours, or a drill's or benchmark's) there is no real domain to check
      // (hello@postline.local has no DMARC record), so the sender check holds back no campaign unless
      // SENDER_CHECK_MIN_RECIPIENTS is set (e2e sets it).
      ...(new URL(postmarkApiUrl).hostname !== "api.postmarkapp.com" && !process.env.SENDER_CHECK_MIN_RECIPIENTS ? { SENDER_CHECK_MIN_RECIPIENTS: "100000000" } : {}),
      ...(options.appEnv ?? {}),
    });

    if (options.mode === "start" && options.build !== false) {
      await ensureBuild(REPO_ROOT, { log, env: appEnvironment, signal, output: options.appOutput });
      checkAborted();
    }

    // Detached: a terminal's Ctrl-C reaches only the launcher, which stops the app in order. The IPC
    // channel plus the preload make the app exit when the launcher is gone, even after a SIGKILL.
    const app: ChildProcess = spawn(
      process.execPath,
      [
        "--require",
        path.join(REPO_ROOT, "lib/local/launcher/exit-with-parent.cjs"),
        // The socket's address, appended to X-Forwarded-For: see the file.
        "--require",
        path.join(REPO_ROOT, "lib/local/launcher/forwarded-for.cjs"),
        // Several processes on one port (POSTLINE_APP_PROCESSES, `next start` only): see the file.
        ...(options.mode === "start" && env.POSTLINE_APP_PROCESSES > 1
          ? [path.join(REPO_ROOT, "lib/local/launcher/app-processes.cjs"), String(env.POSTLINE_APP_PROCESSES)]
          : []),
        path.join(REPO_ROOT, "node_modules/next/dist/bin/next"),
        options.mode,
        "-p",
        String(env.PORT),
        "-H",
        env.HOST,
      ],
      {
        cwd: REPO_ROOT,
        env: appEnvironment as NodeJS.ProcessEnv,
        stdio: ["ignore", options.appOutput ?? "inherit", options.appOutput ?? "inherit", "ipc"],
        detached: true,
      },
    );
    const appExited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      app.once("exit", (code, sig) => resolve({ code, signal: sig }));
      app.once("error", () => resolve({ code: 1, signal: null }));
    });
    if (app.pid) fs.writeFileSync(appPidFile, formatIdentity(identify(app.pid)));
    cleanups.push({
      name: "the app",
      run: async () => {
        if (app.exitCode === null && app.signalCode === null) {
          app.kill("SIGTERM");
          const timer = setTimeout(() => app.kill("SIGKILL"), APP_STOP_GRACE_MS);
          await appExited;
          clearTimeout(timer);
        }
        fs.rmSync(appPidFile, { force: true });
      },
    });
    await waitForHealth(localUrl, app, options.healthTimeoutMs ?? (options.mode === "dev" ? 300_000 : 120_000), signal);
    checkAborted();

    if (env.POSTLINE_CRON === "on") {
      let cron: { stop: () => Promise<void> };
      try {
        cron = startCronRunner({ baseUrl: localUrl, secret: secrets.CRON_SECRET, jobs: readCronJobs(), log });
      } catch (error) {
        throw describeError("cron", error);
      }
      cleanups.push({ name: "cron", run: () => cron.stop() });
    }

    return {
      appUrl,
      localUrl,
      databaseUrl,
      sandbox,
      adminEmail: env.ADMIN_EMAIL,
      adminPassword: admin.password,
      adminPasswordFile: admin.file,
      dataDir,
      secrets: { cronSecret: secrets.CRON_SECRET, webhookSecret: secrets.POSTMARK_WEBHOOK_SECRET, authSecret: secrets.AUTH_SECRET, postmarkToken, postmarkApiUrl },
      app,
      appExited,
      stop,
    };
  } catch (error) {
    await stop();
    throw signal?.aborted ? stoppedWhileStarting() : error;
  }
}
