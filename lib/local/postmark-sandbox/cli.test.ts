import { fork } from "node:child_process";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";

const CLI = path.resolve(import.meta.dirname, "cli.ts");

const children: ChildProcess[] = [];
afterEach(() => {
  // A failed test must not leave a sandbox running.
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function start(env: Record<string, string> = {}) {
  // Loaded in-process with tsx's loader (not the tsx cli, which would put a relay process between the
  // IPC channel and the sandbox), as a launcher should spawn it.
  const child = fork(CLI, ["--port", "0", "--token", "cli-token"], {
    execArgv: ["--import", "tsx"],
    // A clean environment, so variables of the machine running the tests cannot change the sandbox.
    env: { PATH: process.env.PATH ?? "", ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    child.on("message", (m: { type?: string; url?: string }) => m.type === "ready" && resolve(m.url!));
    child.on("exit", (code) => reject(new Error(`cli exited early (${code}): ${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => out };
}

describe("postmark-sandbox cli", () => {
  it("serves, prints its URL, and stops cleanly on SIGTERM", async () => {
    const { child, ready, exited, output } = start();
    const url = await ready;
    const res = await fetch(`${url}/__sandbox/stats`, { headers: { "X-Postmark-Server-Token": "cli-token" } });
    expect(res.status).toBe(200);
    expect(output()).toContain(`listening on ${url}`);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 20_000);

  it("exits when the parent's IPC channel goes away", async () => {
    const { child, ready, exited } = start();
    await ready;
    child.disconnect();
    expect(await exited).toBe(0);
  }, 20_000);

  it("refuses bad variables with a clear message", async () => {
    const { ready, exited, output } = start({ POSTMARK_SANDBOX_RATES: "open=lots" });
    ready.catch(() => {});
    expect(await exited).toBe(2);
    expect(output()).toMatch(/POSTMARK_SANDBOX_RATES: "open=lots" is not name=number/);
  }, 20_000);
});
