import fs from "node:fs";

/**
 * Process identity for pid files. A pid alone is not enough: after a container restart pids are
 * small and reused, so a stale pid file could name an unrelated live process. Linux gives each
 * process a start time (clock ticks since boot, /proc/<pid>/stat field 22); pid plus start time
 * names one process for the life of the machine. Elsewhere we fall back to the pid alone.
 */

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A zombie (exited, not yet reaped) answers kill(0) but is gone for our purposes.
  return processState(pid) !== "Z";
}

function readStat(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: fields are counted after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

function processState(pid: number): string | null {
  return readStat(pid)?.[0] ?? null;
}

/** The process's start time as a string, or null where /proc is unavailable. */
export function processStartTime(pid: number): string | null {
  // After ")": state is field 3, so starttime (field 22) is index 19.
  return readStat(pid)?.[19] ?? null;
}

/** The parent's pid (this process's own via process.ppid; others' from /proc), or null. */
export function parentPid(pid: number): number | null {
  if (pid === process.pid) return process.ppid;
  const ppid = Number(readStat(pid)?.[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : null;
}

/** The process's command line, or null where /proc is unavailable. */
export function processCommandLine(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return null;
  }
}

export interface ProcessIdentity {
  pid: number;
  startTime: string | null;
}

export function identify(pid: number): ProcessIdentity {
  return { pid, startTime: processStartTime(pid) };
}

/** `pid` or `pid start-time`, one line, as written by `formatIdentity`. */
export function parseIdentity(text: string): ProcessIdentity | null {
  const [pidText, startTime] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return { pid, startTime: startTime ?? null };
}

export function formatIdentity(id: ProcessIdentity): string {
  return id.startTime ? `${id.pid} ${id.startTime}\n` : `${id.pid}\n`;
}

/** Whether the process a pid file names is still the same live process. */
export function isSameProcessAlive(id: ProcessIdentity): boolean {
  if (!isProcessAlive(id.pid)) return false;
  if (!id.startTime) return true;
  const now = processStartTime(id.pid);
  return now === null || now === id.startTime;
}

/** Polls until the process is gone; true when it went within the time. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isProcessAlive(pid);
}

/** Sends `signal`, waits, then escalates to SIGKILL; true when the process is gone. */
export async function terminate(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return !isProcessAlive(pid);
  }
  if (await waitForExit(pid, graceMs)) return true;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone in between
  }
  return waitForExit(pid, 5_000);
}
