import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { LauncherError } from "./errors";
import { acquireLauncherLock } from "./lock";
import { freePort } from "./ports";
import { findRunningPostmaster, startEmbeddedPostgres } from "./postgres";
import { isRelay } from "./relay";
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

  it("writes only the secrets the environment lacks, and refuses a corrupt secrets file in one line", () => {
    const dir = tempDir();
    const fromEnv = "env-auth-secret-0123456789";
    const secrets = loadOrCreateSecrets(dir, { AUTH_SECRET: fromEnv });
    expect(secrets.AUTH_SECRET).toBe(fromEnv);
    const file = JSON.parse(fs.readFileSync(path.join(dir, "secrets.json"), "utf8"));
    expect(file.AUTH_SECRET).toBeUndefined();
    expect(Object.keys(file).sort()).toEqual(["CRON_SECRET", "POSTGRES_PASSWORD", "POSTMARK_WEBHOOK_SECRET", "SANDBOX_SERVER_TOKEN"]);
    // Later without the variable: generated once, then kept.
    const later = loadOrCreateSecrets(dir, {});
    expect(later.AUTH_SECRET).not.toBe(fromEnv);
    expect(loadOrCreateSecrets(dir, {})).toEqual(later);
    fs.writeFileSync(path.join(dir, "secrets.json"), "{ not json");
    expect(() => loadOrCreateSecrets(dir, {})).toThrow(LauncherError);
    expect(() => loadOrCreateSecrets(dir, {})).toThrow(/secrets\.json is unreadable/);
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

  it("takes over a lock whose pid now belongs to another process (pid reuse after a restart)", async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ["-e", "setTimeout(()=>{}, 30000)"]);
    await new Promise((r) => other.once("spawn", r));
    // A live pid, but not the start time of the launcher that wrote the file: that launcher is gone.
    fs.writeFileSync(path.join(dir, "launcher.pid"), `${other.pid} 1\n`);
    const lock = acquireLauncherLock(dir, ".data");
    expect(lock.tookOverFrom).toBe(other.pid);
    expect(fs.readFileSync(path.join(dir, "launcher.pid"), "utf8").split(" ")[0]).toBe(String(process.pid));
    lock.release();
    other.kill("SIGKILL");
  });

  it("names the data directory as given in the refusal", async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ["-e", "setTimeout(()=>{}, 30000)"]);
    await new Promise((r) => other.once("spawn", r));
    fs.writeFileSync(path.join(dir, "launcher.pid"), `${other.pid}\n`);
    expect(() => acquireLauncherLock(dir, ".data")).toThrow(`another launcher (pid ${other.pid}) is using .data — stop it first`);
    other.kill("SIGKILL");
  });

  it("never takes an unrelated process named by a stale postmaster.pid for PostgreSQL", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "postmaster.pid"), `${process.pid}\n${dir}\n`);
    expect(findRunningPostmaster(dir)).toBeNull();
  });

  it("recognises the relays a launcher may run under", () => {
    expect(isRelay(["/bin/sh", "-c", "node --import tsx lib/local/launcher/cli.ts start"])).toBe(true);
    expect(isRelay(["node", "/usr/lib/node_modules/npm/bin/npm-cli.js", "start"])).toBe(true);
    expect(isRelay(["/usr/bin/node", "/work/main/node_modules/tsx/dist/cli.mjs", "lib/local/launcher/cli.ts"])).toBe(true);
    expect(isRelay(["npm", "run", "dev"])).toBe(true);
    expect(isRelay(["npm start"])).toBe(true); // npm's process.title
    expect(isRelay(["npm run dev"])).toBe(true);
    expect(isRelay(["-bash"])).toBe(false);
    expect(isRelay(["/bin/bash"])).toBe(false);
    expect(isRelay(["node", "node_modules/.bin/playwright", "test"])).toBe(false);
    expect(isRelay(["node", "--import", "tsx", "lib/local/launcher/cli.ts", "start"])).toBe(false);
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

  it("a PostgreSQL whose starter is SIGKILLed is stopped by its watchdog, not left running", async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, "pg");
    const port = await freePort();
    const script = `import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve("lib/local/launcher/postgres.ts"))};
      await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, password: "pw", settings: { fsync: "off" } });
      console.log("ready");
      setInterval(() => {}, 1000);`;
    const starter = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      starter.stdout!.on("data", (b: Buffer) => b.toString().includes("ready") && resolve());
      starter.once("exit", (code) => reject(new Error(`starter exited with ${code}`)));
    });
    const postmaster = findRunningPostmaster(dataDir);
    expect(postmaster).not.toBeNull();
    starter.kill("SIGKILL");
    const deadline = Date.now() + 30_000;
    while (findRunningPostmaster(dataDir) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(findRunningPostmaster(dataDir)).toBeNull();
    expect(fs.existsSync(path.join(dataDir, "postmaster.pid"))).toBe(false); // a clean (fast) shutdown
  }, 120_000);

  it("says which port is taken", async () => {
    const dir = tempDir();
    const net = await import("node:net");
    const server = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as { port: number }).port;
    await expect(startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port, password: "x" })).rejects.toThrow(`port ${port} is in use (set POSTGRES_PORT or DATABASE_URL)`);
    server.close();
  });
});
