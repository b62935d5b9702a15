import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "./ports";

const PRIMARY = path.join(__dirname, "app-processes.cjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "postline-app-processes-"));
// Stands in for `next start`: takes `-p PORT`, serves its pid, and stops on SIGTERM as next does.
const server = path.join(dir, "server.cjs");
fs.writeFileSync(
  server,
  `const port = Number(process.argv[process.argv.indexOf("-p") + 1]);
   const s = require("node:http").createServer((req, res) => res.end(String(process.pid))).listen(port, "127.0.0.1");
   process.on("SIGTERM", () => s.close(() => process.exit(0)));`,
);
const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started) p.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One request on a connection of its own (no keep-alive), so each may go to another process. */
function whoAnswers(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

async function startProcesses(count: number) {
  const port = await freePort();
  const primary = spawn(process.execPath, [PRIMARY, String(count), server, "start", "-p", String(port), "-H", "127.0.0.1"], { stdio: ["ignore", "ignore", "pipe"] });
  started.push(primary);
  let stderr = "";
  primary.stderr!.on("data", (b) => (stderr += b));
  const exited = new Promise<number | null>((resolve) => primary.once("exit", (code) => resolve(code)));
  // Every process has to be listening before each answers in turn.
  const pids = new Set<string>();
  const deadline = Date.now() + 20_000;
  while (pids.size < count && Date.now() < deadline) {
    pids.add(await whoAnswers(port).catch(() => ""));
    pids.delete("");
    if (pids.size < count) await new Promise((r) => setTimeout(r, 50));
  }
  return { port, primary, exited, pids, stderr: () => stderr };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("several app processes on one port", () => {
  it("spreads new connections over every process, and stops them all on SIGTERM", async () => {
    const app = await startProcesses(2);
    expect(app.pids.size).toBe(2);
    expect(app.pids.has(String(app.primary.pid))).toBe(false);
    const answers = await Promise.all(Array.from({ length: 20 }, () => whoAnswers(app.port)));
    expect(new Set(answers)).toEqual(app.pids);
    app.primary.kill("SIGTERM");
    expect(await app.exited).toBe(0);
    for (const pid of app.pids) expect(alive(Number(pid))).toBe(false);
  });

  it("stops the others and exits with the code of a process that died, so the launcher sees the app gone", async () => {
    const app = await startProcesses(3);
    expect(app.pids.size).toBe(3);
    const [victim, ...others] = [...app.pids].map(Number);
    process.kill(victim, "SIGKILL");
    expect(await app.exited).not.toBe(0);
    expect(app.stderr()).toMatch(new RegExp(`app process ${victim} exited \\(SIGKILL\\)`));
    for (const pid of others) expect(alive(pid)).toBe(false);
  });

  it("refuses a count that is not a number of processes", async () => {
    const bad = spawn(process.execPath, [PRIMARY, "none", server], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    bad.stderr!.on("data", (b) => (stderr += b));
    const code = await new Promise((resolve) => bad.once("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage/);
  });
});
