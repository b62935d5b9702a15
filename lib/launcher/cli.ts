/**
 * `npm start` / `npm run dev`: the local stand-in for the platform (see shared ARCHITECTURE.md).
 * `tsx lib/launcher/cli.ts start|dev|build [--data-dir DIR]`
 */
import { EnvError, getLauncherEnv } from "@/lib/env";
import { ensureBuild } from "./build";
import { LauncherError } from "./errors";
import { REPO_ROOT, startSystem, type RunningSystem } from "./system";

const log = (message: string) => console.log(`postline: ${message}`);

function fail(error: unknown): never {
  if (error instanceof LauncherError || error instanceof EnvError) {
    console.error(`postline: ${error.message}`);
  } else {
    console.error("postline: unexpected failure", error);
  }
  process.exit(1);
}

async function main() {
  const [command = "start", ...rest] = process.argv.slice(2);
  const dataDirIndex = rest.indexOf("--data-dir");
  const overrides = dataDirIndex >= 0 && rest[dataDirIndex + 1] ? { POSTLINE_DATA_DIR: rest[dataDirIndex + 1] } : {};
  if (command === "build") {
    ensureBuild(REPO_ROOT, log, rest.includes("--force"));
    return;
  }
  if (command !== "start" && command !== "dev") {
    console.error("usage: tsx lib/launcher/cli.ts start|dev|build [--data-dir DIR]");
    process.exit(2);
  }
  const env = getLauncherEnv({ ...process.env, ...overrides });

  let system: RunningSystem | null = null;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping…");
    await system?.stop();
    process.exit(code);
  };
  // Ctrl-C while still starting stops what has started so far.
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  system = await startSystem({ mode: command, env, log });
  const s = system;
  console.log(
    [
      "",
      `Postline is running at ${s.appUrl}/login`,
      `  admin: ${s.adminEmail}  password: ${s.adminPasswordFile ? `${s.adminPassword} (kept in ${s.adminPasswordFile})` : "(from ADMIN_PASSWORD)"}`,
      s.sandbox ? `  Postmark: the local sandbox at ${s.sandbox.url} (mail goes nowhere; webhooks come back to the app)` : `  Postmark: ${s.secrets.postmarkApiUrl}`,
      `  Ctrl-C to stop.`,
      "",
    ].join("\n"),
  );
  const code = await s.appExited;
  if (!stopping) {
    console.error(`postline: the app exited unexpectedly (code ${code}); stopping everything`);
    await shutdown(code || 1);
  }
}

main().catch(fail);
