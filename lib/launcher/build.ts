import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { LauncherError } from "./errors";

const INPUTS = ["app", "components", "lib", "db", "next.config.mjs", "postcss.config.mjs", "tsconfig.json", "package-lock.json", "proxy.ts", "instrumentation.ts"];
const SKIP = new Set(["node_modules", ".next", ".data", "launcher", "postmark-sandbox", "testing"]);

function walk(root: string, rel: string, hash: ReturnType<typeof createHash>) {
  const full = path.join(root, rel);
  if (!fs.existsSync(full)) return;
  const stat = fs.statSync(full);
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(full).sort()) if (!SKIP.has(name)) walk(root, path.join(rel, name), hash);
  } else if (!/\.test\.tsx?$/.test(rel)) {
    hash.update(`${rel}\0`).update(fs.readFileSync(full)).update("\0");
  }
}

/**
 * A fingerprint of everything the build depends on, by content: `next build` itself rewrites
 * tsconfig.json, so modification times would make every build look stale.
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

/** Runs `next build` when the build is missing or older than the sources, then stamps it. */
export function ensureBuild(root: string, log: (m: string) => void, force = false): void {
  if (!force && buildIsCurrent(root)) return;
  const fingerprint = sourceFingerprint(root);
  log(force ? "building the app" : "the build is missing or stale: building the app (next build)");
  const result = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) throw new LauncherError("next build failed (see the output above)");
  fs.writeFileSync(stampFile(root), JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }) + "\n");
}
