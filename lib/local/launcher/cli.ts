/**
 * `npm start` / `npm run dev`: the local stand-in for the platform (see shared ARCHITECTURE.md).
 *
 *   node --import tsx lib/local/launcher/cli.ts start|dev [--data-dir DIR]
 *   node --import tsx lib/local/launcher/cli.ts build [--force]
 *
 * Expected failures print one line, `postline: <message>`, on stderr and exit 1.
 */
import { EnvError, getLauncherEnv } from "../../env";
import { ensureBuild } from "./build";
import { LauncherError } from "./errors";
import { watchRelayAncestors } from "./relay";
import { REPO_ROOT, startSystem, type RunningSystem } from "./system";

const log = (message: string) => console.log(`postline: ${message}`);
const USAGE = "usage: node --import tsx lib/local/launcher/cli.ts start|dev|build [--data-dir DIR] [--force]";

function oneLine(error: unknown): string | null {
  if (error instanceof LauncherError) return error.message;
  if (error instanceof EnvError) {
    return error.problems.map((p) => (p.message.includes(p.variable) ? p.message : `${p.variable}: ${p.message}`)).join("; ");
  }
  return null;
}

function fail(error: unknown): never {
  const line = oneLine(error);
  if (line !== null) console.error(`postline: ${line}`);
  else console.error("postline: unexpected failure", error);
  process.exit(1);
}

function parseArgs(argv: string[]): { command: string; dataDir?: string; force: boolean } {
  const [command = "start", ...rest] = argv;
  let dataDir: string | undefined;
  let force = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--data-dir" && rest[i + 1]) dataDir = rest[++i];
    else if (arg.startsWith("--data-dir=")) dataDir = arg.slice("--data-dir=".length);
    else if (arg === "--force") force = true;
    else throw new LauncherError(`unknown argument ${arg}\n${USAGE}`);
  }
  return { command, dataDir, force };
}

async function main() {
  // Whoever reads our output may be gone (a killed relay or terminal): EPIPE must not cut the shutdown short.
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
  const args = parseArgs(process.argv.slice(2));
  if (args.command === "build") {
    await ensureBuild(REPO_ROOT, { log, force: args.force });
    return;
  }
  if (args.command !== "start" && args.command !== "dev") throw new LauncherError(`unknown command ${args.command}\n${USAGE}`);
  const env = getLauncherEnv({ ...process.env, ...(args.dataDir ? { POSTLINE_DATA_DIR: args.dataDir } : {}) });

  const starting = new AbortController();
  let started: Promise<RunningSystem | null> = Promise.resolve(null);
  let shuttingDown: Promise<never> | null = null;
  let firstSignalAt = 0;
  const shutdown = (code: number, why?: string): Promise<never> => {
    shuttingDown ??= (async () => {
      if (why) log(why);
      starting.abort();
      // While starting, startSystem undoes its own steps before it rejects: wait for that, so
      // nothing it started outlives us; once started, stop the whole system.
      const system = await started.catch(() => null);
      await system?.stop();
      process.exit(code);
    })();
    return shuttingDown;
  };
  const onSignal = (name: NodeJS.Signals) => {
    if (!firstSignalAt) {
      firstSignalAt = Date.now();
      void shutdown(0, `${name}: stopping…`);
    } else if (Date.now() - firstSignalAt > 2_000) {
      // A second Ctrl-C means "now": the app follows through its IPC channel, and the next start
      // stops the PostgreSQL this leaves behind. Repeats within 2 s are the same Ctrl-C delivered
      // twice (the terminal's process group, then npm forwarding it), not an impatient user.
      console.error("postline: stopping now, without waiting");
      process.exit(130);
    }
  };
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal);
  // Run through a relay (npm, tsx's cli, sh -c) that is killed, even by SIGKILL: stop with it.
  watchRelayAncestors(() => void shutdown(1, "the process that started the launcher is gone: stopping…"));

  started = startSystem({ mode: args.command, env, log, signal: starting.signal });
  let s: RunningSystem;
  try {
    s = (await started)!;
  } catch (error) {
    if (shuttingDown) return shuttingDown; // stopped while starting: shutdown() exits
    throw error;
  }
  if (shuttingDown) return shuttingDown; // the signal came after the last check: shutdown() stops it
  const password = s.adminPasswordFile
    ? `${s.adminPassword}  (generated; kept in ${s.adminPasswordFile})`
    : "the one in ADMIN_PASSWORD";
  console.log(
    [
      "",
      `Postline is running at ${s.appUrl}/login`,
      `  sign in as ${s.adminEmail}, password: ${password}`,
      s.sandbox
        ? `  Postmark: the local sandbox at ${s.sandbox.url} (no mail leaves this machine)`
        : `  Postmark: ${s.secrets.postmarkApiUrl}`,
      "  Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  const exit = await s.appExited;
  if (shuttingDown) return shuttingDown;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  await shutdown(exit.code || 1, `the app ${how}; stopping everything`);
}

main().catch(fail);
