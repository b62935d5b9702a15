import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "./ports";
import { formatIdentity, identify } from "./processes";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The CLI as `npm start` runs it, with a clean environment so the machine's variables cannot interfere. */
function runCli(env: Record<string, string>, args = ["start"]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "lib/local/launcher/cli.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function ports() {
  return { PORT: String(await freePort()), POSTGRES_PORT: String(await freePort()), POSTMARK_SANDBOX_PORT: String(await freePort()) };
}

describe("the launcher cli's expected failures: one line on stderr, exit 1, nothing left behind", () => {
  it("refuses a taken app port before starting anything", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "postline-cli-"));
    dirs.push(dataDir);
    const server = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as net.AddressInfo).port;
    const result = runCli({ ...(await ports()), PORT: String(port), POSTLINE_DATA_DIR: dataDir });
    server.close();
    expect(result.stderr).toBe(`postline: port ${port} is in use (set PORT)\n`);
    expect(result.code).toBe(1);
    expect(fs.readdirSync(dataDir)).toEqual([]); // no lock, no secrets, no cluster
  });

  it("refuses a second launcher on the same data directory", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "postline-cli-"));
    dirs.push(dataDir);
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    await new Promise((r) => holder.once("spawn", r));
    fs.writeFileSync(path.join(dataDir, "launcher.pid"), formatIdentity(identify(holder.pid!)));
    const result = runCli({ ...(await ports()), POSTLINE_DATA_DIR: dataDir });
    holder.kill("SIGKILL");
    expect(result.stderr).toBe(`postline: another launcher (pid ${holder.pid}) is using ${dataDir} — stop it first\n`);
    expect(result.code).toBe(1);
  });

  it("names a malformed variable and an unknown command", () => {
    expect(runCli({ PORT: "abc" })).toMatchObject({ code: 1, stderr: `postline: PORT must be a number, got "abc"\n` });
    const unknown = runCli({}, ["serve"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.split("\n")[0]).toBe("postline: unknown command serve");
  });
});
