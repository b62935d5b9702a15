import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { ensureBootstrapApiKey } from "@/lib/api-keys/api-keys";
import { generatePassword } from "@/lib/auth/password";
import type { LauncherEnv } from "@/lib/env";
import { childEnvironment } from "@/lib/env";
import { sandboxOptionsFromEnv } from "@/lib/postmark-sandbox/options";
import { startPostmarkSandbox, type PostmarkSandbox } from "@/lib/postmark-sandbox/server";
import { ensureFirstAdmin } from "@/lib/users/users";
import { ensureBuild } from "./build";
import { startCronRunner, type CronJob } from "./cron";
import { LauncherError } from "./errors";
import { acquireLauncherLock } from "./lock";
import { assertPortFree } from "./ports";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./postgres";
import { loadOrCreateAdminPassword, loadOrCreateSecrets } from "./secrets";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface SystemOptions {
  mode: "start" | "dev";
  env: LauncherEnv;
  /** Extra variables for the app (benchmarks and tests); the launcher's own environment is inherited. */
  appEnv?: Record<string, string>;
  log?: (message: string) => void;
  /** Show the app's own output (the CLI does; tests and benchmarks may not). */
  appOutput?: "inherit" | "ignore";
}

export interface RunningSystem {
  appUrl: string;
  databaseUrl: string;
  sandbox: PostmarkSandbox | null;
  adminEmail: string;
  adminPassword: string;
  adminPasswordFile: string | null;
  secrets: { cronSecret: string; webhookSecret: string; authSecret: string; postmarkToken: string; postmarkApiUrl: string };
  app: ChildProcess;
  /** Resolves with the app's exit code when it exits on its own. */
  appExited: Promise<number | null>;
  stop: () => Promise<void>;
}

async function waitForHealth(url: string, app: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.exitCode !== null || app.signalCode !== null) throw new LauncherError("the app exited while starting (see its output above)");
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new LauncherError(`the app did not answer ${url}/api/health within ${Math.round(timeoutMs / 1000)} s`);
}

function readCronJobs(): CronJob[] {
  const file = path.join(REPO_ROOT, "vercel.json");
  const config = JSON.parse(fs.readFileSync(file, "utf8")) as { crons?: CronJob[] };
  return config.crons ?? [];
}

/**
 * Starts what is not configured (PostgreSQL, the Postmark sandbox), migrates, ensures the first admin,
 * builds if needed, runs the app and the cron schedule. `stop()` undoes all of it in reverse order.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const env = options.env;
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(REPO_ROOT, env.POSTLINE_DATA_DIR);
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    throw new LauncherError(`the data directory ${dataDir} is not readable and writable`);
  }
  const lock = acquireLauncherLock(dataDir);
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  const stop = async () => {
    while (cleanups.length) {
      const step = cleanups.pop()!;
      try {
        await step();
      } catch (error) {
        log(`while stopping: ${(error as Error).message}`);
      }
    }
  };

  try {
    if (lock.tookOverFrom) log(`the previous launcher (pid ${lock.tookOverFrom}) did not stop cleanly; taking over`);
    // Every port is checked before anything starts, so a conflict fails fast with one line.
    await assertPortFree(env.PORT, "the app", "set PORT to another port");
    if (!env.POSTMARK_SERVER_TOKEN) await assertPortFree(env.POSTMARK_SANDBOX_PORT, "the Postmark sandbox", "set POSTMARK_SANDBOX_PORT");

    const appUrl = env.APP_URL ?? `http://${env.HOST === "0.0.0.0" ? "127.0.0.1" : env.HOST}:${env.PORT}`;
    const secrets = loadOrCreateSecrets(dataDir, env);

    let databaseUrl = env.DATABASE_URL;
    let postgres: EmbeddedPostgresHandle | null = null;
    if (!databaseUrl) {
      postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "postgres"), port: env.POSTGRES_PORT, password: secrets.POSTGRES_PASSWORD, log });
      cleanups.push(() => postgres!.stop());
      databaseUrl = postgres.url;
      log(`PostgreSQL on 127.0.0.1:${env.POSTGRES_PORT} (data in ${path.relative(REPO_ROOT, dataDir)}/postgres)`);
    }

    let sandbox: PostmarkSandbox | null = null;
    let postmarkToken = env.POSTMARK_SERVER_TOKEN;
    let postmarkApiUrl = env.POSTMARK_API_URL ?? "https://api.postmarkapp.com";
    if (!postmarkToken) {
      const basicUser = env.POSTMARK_WEBHOOK_BASIC_USER;
      const basicPassword = env.POSTMARK_WEBHOOK_BASIC_PASSWORD;
      sandbox = await startPostmarkSandbox({
        host: "127.0.0.1",
        port: env.POSTMARK_SANDBOX_PORT,
        serverToken: secrets.SANDBOX_SERVER_TOKEN,
        webhook: {
          url: `${appUrl}/api/webhooks/postmark`,
          headers: { "X-Webhook-Secret": secrets.POSTMARK_WEBHOOK_SECRET },
          basicAuth: basicUser && basicPassword ? { username: basicUser, password: basicPassword } : undefined,
        },
        ...sandboxOptionsFromEnv({
          POSTMARK_SANDBOX_RATES: env.POSTMARK_SANDBOX_RATES,
          POSTMARK_SANDBOX_DELAY_MS: env.POSTMARK_SANDBOX_DELAY_MS,
          POSTMARK_SANDBOX_DROP_RATE: env.POSTMARK_SANDBOX_DROP_RATE,
        }),
        dataFile: path.join(dataDir, "sandbox.ndjson"),
        log: (m) => log(`sandbox: ${m}`),
      });
      cleanups.push(() => sandbox!.close());
      postmarkToken = sandbox.serverToken;
      postmarkApiUrl = sandbox.url;
      log(`Postmark sandbox on ${sandbox.url}`);
    }

    await migrateDatabase(databaseUrl);
    const admin = loadOrCreateAdminPassword(dataDir, env.ADMIN_PASSWORD, generatePassword);
    const db = createDb(databaseUrl, { max: 2, applicationName: "postline-launcher" });
    try {
      const { created } = await ensureFirstAdmin(db, { email: env.ADMIN_EMAIL, password: admin.password });
      if (created) log(`created the first admin ${env.ADMIN_EMAIL}`);
      if (env.BOOTSTRAP_API_KEY) await ensureBootstrapApiKey(db, env.BOOTSTRAP_API_KEY);
    } finally {
      await db.$client.end();
    }

    if (options.mode === "start") ensureBuild(REPO_ROOT, log);

    const appEnvironment = childEnvironment({
      ...(options.appEnv ?? {}),
      NODE_ENV: options.mode === "dev" ? "development" : "production",
      NEXT_TELEMETRY_DISABLED: "1",
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
    });
    const app: ChildProcess = spawn(
      process.execPath,
      ["--require", path.join(REPO_ROOT, "lib/launcher/exit-with-parent.cjs"), path.join(REPO_ROOT, "node_modules/next/dist/bin/next"), options.mode, "-p", String(env.PORT), "-H", env.HOST],
      { cwd: REPO_ROOT, env: appEnvironment as NodeJS.ProcessEnv, stdio: ["ignore", options.appOutput ?? "inherit", options.appOutput ?? "inherit", "ipc"] },
    );
    const appExited = new Promise<number | null>((resolve) => app.once("exit", (code) => resolve(code)));
    cleanups.push(async () => {
      if (app.exitCode !== null || app.signalCode !== null) return;
      app.kill("SIGTERM");
      const timer = setTimeout(() => app.kill("SIGKILL"), 10_000);
      await appExited;
      clearTimeout(timer);
    });
    await waitForHealth(appUrl, app, options.mode === "dev" ? 180_000 : 60_000);

    if (env.POSTLINE_CRON === "on") {
      const cron = startCronRunner({ baseUrl: appUrl, secret: secrets.CRON_SECRET, jobs: readCronJobs(), log });
      cleanups.push(() => cron.stop());
    }

    return {
      appUrl,
      databaseUrl,
      sandbox,
      adminEmail: env.ADMIN_EMAIL,
      adminPassword: admin.password,
      adminPasswordFile: admin.file,
      secrets: { cronSecret: secrets.CRON_SECRET, webhookSecret: secrets.POSTMARK_WEBHOOK_SECRET, authSecret: secrets.AUTH_SECRET, postmarkToken, postmarkApiUrl },
      app,
      appExited,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
