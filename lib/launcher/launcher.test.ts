import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { LauncherError } from "./errors";
import { acquireLauncherLock } from "./lock";
import { freePort } from "./ports";
import { startEmbeddedPostgres } from "./postgres";
import { loadOrCreateAdminPassword, loadOrCreateSecrets } from "./secrets";

const dirs: string[] = [];
function tempDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "postline-launcher-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("launcher pieces", () => {
  it("keeps generated secrets across starts, with the environment winning, in a 0600 file", () => {
    const dir = tempDir();
    const first = loadOrCreateSecrets(dir, {});
    const again = loadOrCreateSecrets(dir, {});
    expect(again).toEqual(first);
    expect(first.AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(loadOrCreateSecrets(dir, { CRON_SECRET: "from-env-0123456789" }).CRON_SECRET).toBe("from-env-0123456789");
    expect(fs.statSync(path.join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
    const admin = loadOrCreateAdminPassword(dir, undefined, () => "generated-password");
    expect(loadOrCreateAdminPassword(dir, undefined, () => "other")).toEqual(admin);
    expect(loadOrCreateAdminPassword(dir, "given", () => "x")).toEqual({ password: "given", file: null });
  });

  it("refuses a second launcher on the same data and takes over a dead one's lock", async () => {
    const dir = tempDir();
    const lock = acquireLauncherLock(dir);
    // A live process holding the lock: refused with a one-line reason.
    const other = spawn(process.execPath, ["-e", "setTimeout(()=>{}, 30000)"]);
    fs.writeFileSync(path.join(dir, "launcher.pid"), String(other.pid));
    expect(() => acquireLauncherLock(dir)).toThrow(LauncherError);
    expect(() => acquireLauncherLock(dir)).toThrow(`another launcher (pid ${other.pid}) is using ${dir} — stop it first`);
    other.kill("SIGKILL");
    await new Promise((r) => other.once("exit", r));
    const taken = acquireLauncherLock(dir);
    expect(taken.tookOverFrom).toBe(other.pid);
    taken.release();
    lock.release();
    expect(fs.existsSync(path.join(dir, "launcher.pid"))).toBe(false);
  });

  it("starts PostgreSQL, and after a launcher died leaving it running, stops the orphan and starts again", async () => {
    const dir = tempDir();
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port, password: "pw-1", settings: { fsync: "off" } });
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    await client.query("create table kept (v int); insert into kept values (42)");
    await client.end();
    // No stop(): as if the launcher had been SIGKILLed.
    const second = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port, password: "pw-1" });
    const again = new pg.Client({ connectionString: second.url });
    await again.connect();
    expect((await again.query("select v from kept")).rows).toEqual([{ v: 42 }]);
    await again.end();
    await second.stop();
    expect(fs.existsSync(path.join(dir, "pg", "postmaster.pid"))).toBe(false);
  }, 120_000);

  it("says which port is taken", async () => {
    const dir = tempDir();
    const net = await import("node:net");
    const server = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as { port: number }).port;
    await expect(startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port, password: "x" })).rejects.toThrow(`port ${port} is in use (PostgreSQL); set POSTGRES_PORT or DATABASE_URL`);
    server.close();
  });
});
