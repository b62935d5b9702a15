import fs from "node:fs";
import path from "node:path";
import { LauncherError } from "./errors";
import { formatIdentity, identify, isSameProcessAlive, parseIdentity } from "./processes";

export { isProcessAlive } from "./processes";

export interface LauncherLock {
  release: () => void;
  /** The pid of a launcher that died holding the lock (SIGKILL), when we took it over. */
  tookOverFrom: number | null;
}

/**
 * One launcher per data directory: `launcher.pid` is created with O_EXCL. A lock left by a launcher
 * that died names a dead process and is taken over. `label` is how the directory is named in the
 * message (the path the user gave, e.g. `.data`).
 */
export function acquireLauncherLock(dataDir: string, label = dataDir): LauncherLock {
  const file = path.join(dataDir, "launcher.pid");
  const me = identify(process.pid);
  let tookOverFrom: number | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx", 0o644);
      try {
        fs.writeSync(fd, formatIdentity(me));
      } finally {
        fs.closeSync(fd);
      }
      return {
        tookOverFrom,
        release: () => {
          try {
            // Only our own lock: a launcher that took over after us must keep its lock.
            if (parseIdentity(fs.readFileSync(file, "utf8"))?.pid === process.pid) fs.rmSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw new LauncherError(`cannot create ${file} (${code ?? (error as Error).message})`);
      let text = "";
      try {
        text = fs.readFileSync(file, "utf8");
      } catch {
        continue; // removed in between: try again
      }
      const holder = parseIdentity(text);
      // An empty file is a launcher between open and write, or one that died there: a fresh one is live.
      if (!holder) {
        const age = Date.now() - fs.statSync(file).mtimeMs;
        if (age < 2_000) throw new LauncherError(`another launcher is starting on ${label} — stop it first`);
      } else if (holder.pid !== process.pid && isSameProcessAlive(holder)) {
        throw new LauncherError(`another launcher (pid ${holder.pid}) is using ${label} — stop it first`);
      }
      tookOverFrom = holder?.pid ?? null;
      // Take over by rename, then check what we moved: two launchers racing for one stale lock must
      // not both remove it. If what we moved is no longer the stale lock, another launcher has just
      // taken over; put it back and refuse.
      const aside = `${file}.${process.pid}.stale`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = parseIdentity(fs.readFileSync(aside, "utf8"));
      if (moved && holder && moved.pid !== holder.pid && isSameProcessAlive(moved)) {
        try {
          fs.linkSync(aside, file);
        } catch {
          // someone else holds it now; either way it is not ours
        }
        fs.rmSync(aside, { force: true });
        throw new LauncherError(`another launcher (pid ${moved.pid}) is using ${label} — stop it first`);
      }
      fs.rmSync(aside, { force: true });
    }
  }
  throw new LauncherError(`could not take the lock ${file}`);
}
