import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { LauncherError } from "./errors";

/** What `next build` reads. Test files and the launcher-only folders never reach the bundle. */
const INPUTS = ["app", "components", "lib", "db", "types", "next.config.mjs", "postcss.config.mjs", "tsconfig.json", "package-lock.json", "proxy.ts", "instrumentation.ts"];
const SKIP = new Set(["node_modules", ".next", ".data", "local", "tooling"]);

function walk(root: string, rel: string, hash: ReturnType<typeof createHash>) {
  const full = path.join(root, rel);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(full);
  } catch {
    return;
  }
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(full).sort()) if (!SKIP.has(name)) walk(root, path.join(rel, name), hash);
  } else if (!/\.test\.tsx?$/.test(rel)) {
    hash.update(`${rel}\0`).update(fs.readFileSync(full)).update("\0");
  }
}

/**
 * A fingerprint of everything the build depends on, by content rather than modification times:
 * `next build` itself rewrites tsconfig.json and next-env.d.ts, and a fresh checkout or `git
 * checkout` touches every mtime, so times would make builds look stale (or current) wrongly. The
 * repository is small: hashing it takes tens of milliseconds.
 */
export function sourceFingerprint(root: string): string {
  const hash = createHash("sha256");
  for (const input of INPUTS) walk(root, input, hash);
  return hash.digest("hex");
}

const stampFile = (root: string) => path.join(root, ".next", "postline-build.json");

export function buildIsCurrent(root: string): boolean {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile(root), "utf8")) as { fingerprint: string };
    return stamp.fingerprint === sourceFingerprint(root) && fs.existsSync(path.join(root, ".next", "BUILD_ID"));
  } catch {
    return false;
  }
}

export interface BuildOptions {
  log: (message: string) => void;
  force?: boolean;
  /** The build's environment (the app's, so configuration read at build time matches the run). */
  env?: Record<string, string>;
  /** The build's output: inherit (default) or ignore. */
  output?: "inherit" | "ignore";
  /** Aborting kills the build. */
  signal?: AbortSignal;
}

/**
 * Runs `next build` when the build is missing or its sources changed, then stamps it. The build runs
 * with the exit-with-parent preload, so a launcher killed mid-build does not leave it writing .next.
 */
export async function ensureBuild(root: string, options: BuildOptions): Promise<"current" | "built"> {
  if (!options.force && buildIsCurrent(root)) return "current";
  options.log(options.force ? "building the app (next build)" : "the build is missing or stale: building the app (next build)");
  const child = spawn(
    process.execPath,
    ["--require", path.join(root, "lib/local/launcher/exit-with-parent.cjs"), path.join(root, "node_modules/next/dist/bin/next"), "build"],
    { cwd: root, stdio: ["ignore", options.output ?? "inherit", options.output ?? "inherit", "ipc"], env: { ...(options.env ?? process.env), NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" } },
  );
  const onAbort = () => child.kill("SIGTERM");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c, sig) => resolve(sig ? 128 : c));
  }).finally(() => options.signal?.removeEventListener("abort", onAbort));
  if (options.signal?.aborted) throw new LauncherError("stopped while building");
  if (code !== 0) throw new LauncherError("next build failed (see its output above)");
  // Taken after the build: `next build` may rewrite tsconfig.json, which would otherwise make the
  // next start rebuild once more for nothing.
  const fingerprint = sourceFingerprint(root);
  fs.writeFileSync(stampFile(root), JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }) + "\n");
  return "built";
}
