import fs from "node:fs";
import path from "node:path";
import { LauncherError } from "./errors";

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One launcher per data directory: `launcher.pid` is created exclusively. A lock left by a launcher
 * that died (SIGKILL) names a dead pid and is taken over.
 */
export function acquireLauncherLock(dataDir: string): { release: () => void; tookOverFrom: number | null } {
  const file = path.join(dataDir, "launcher.pid");
  let tookOverFrom: number | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, "wx", 0o644);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return {
        tookOverFrom,
        release: () => {
          try {
            if (fs.readFileSync(file, "utf8").trim() === String(process.pid)) fs.rmSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new LauncherError(`cannot write ${file}: ${(error as Error).message}`);
      }
      const pid = Number(fs.readFileSync(file, "utf8").trim());
      if (pid && pid !== process.pid && isProcessAlive(pid)) {
        throw new LauncherError(`another launcher (pid ${pid}) is using ${dataDir} — stop it first`);
      }
      tookOverFrom = pid || null;
      fs.rmSync(file, { force: true });
    }
  }
  throw new LauncherError(`could not take the lock ${file}`);
}
