/**
 * Shared pieces of the benchmarks: the launcher in its own process (so it can be SIGKILLed), a small
 * API client, and a memory sampler reading /proc. Everything listens on 127.0.0.1.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SandboxFaults } from "@/lib/local/postmark-sandbox/types";

export const ROOT = path.resolve(import.meta.dirname, "..");

export interface LauncherProcess {
  child: ChildProcess;
  baseUrl: string;
  output: string[];
  exited: Promise<number | null>;
}

export async function startLauncher(options: { dataDir: string; port: number; postgresPort: number; env: Record<string, string>; fresh?: boolean }): Promise<LauncherProcess> {
  if (options.fresh) fs.rmSync(path.resolve(ROOT, options.dataDir), { recursive: true, force: true });
  const child = spawn(process.execPath, ["--import", "tsx", "lib/local/launcher/cli.ts", "start"], {
    cwd: ROOT,
    env: { ...process.env, POSTLINE_DATA_DIR: options.dataDir, PORT: String(options.port), POSTGRES_PORT: String(options.postgresPort), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const keep = (b: Buffer) => {
    output.push(...b.toString().split("\n").filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`launcher exited:\n${output.slice(-20).join("\n")}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.ok && output.some((l) => l.includes("Postline is running"))) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`launcher did not become healthy:\n${output.slice(-20).join("\n")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, baseUrl, output, exited };
}

export async function stopLauncher(l: LauncherProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (l.child.exitCode !== null || l.child.signalCode !== null) return;
  l.child.kill(signal);
  await l.exited;
}

/**
 * The Postmark sandbox in its own process (bench/sandbox-process.ts), for a benchmark that
 * times requests: in the benchmark's process, parsing a campaign's 500-message batches would hold up
 * the event loop that timestamps the answers (up to 40 ms at a time was seen), and Postmark's work is
 * not on our machine's event loop in production either.
 */
export async function startSandboxProcess(options: { token: string; faults?: SandboxFaults }): Promise<{
  url: string;
  /** Every message the sandbox holds whose recipient passes `keep`, read in pages of 10,000. */
  recipients: (keep: (to: string) => boolean) => Promise<string[]>;
  close: () => Promise<void>;
}> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/sandbox-process.ts", JSON.stringify(options)], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { type?: string; url?: string }) => (m.type === "ready" && m.url ? resolve(m.url) : reject(new Error("the sandbox did not start"))));
    child.once("exit", (code) => reject(new Error(`the sandbox exited with ${code}`)));
  });
  const control = (pathname: string) => fetch(`${url}${pathname}`, { headers: { "x-postmark-server-token": options.token, accept: "application/json" } });
  return {
    url,
    async recipients(keep) {
      const out: string[] = [];
      for (let offset = 0; ; offset += 10_000) {
        const page = (await (await control(`/__sandbox/messages?offset=${offset}&limit=10000`)).json()) as { TotalCount: number; Messages: { to: string }[] };
        for (const m of page.Messages) if (keep(m.to)) out.push(m.to);
        if (offset + 10_000 >= page.TotalCount) return out;
      }
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export function api(baseUrl: string, key: string) {
  return async function call<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(baseUrl + route, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
}

/**
 * Proportional set size: shared pages (PostgreSQL's shared buffers, mapped by every backend) are
 * divided among the processes that map them, so the sum over a process tree is real memory, where
 * a sum of RSS would count shared buffers once per backend. `shmem` is the part of it in shared
 * memory (PostgreSQL's shared buffers and other shared structures).
 */
function pssKiB(pid: number): { pss: number; shmem: number } {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    return { pss: Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0), shmem: Number(/^Pss_Shmem:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) };
  } catch {
    return { pss: 0, shmem: 0 };
  }
}

/**
 * The size of the shared memory a PostgreSQL postmaster allocated at start (its shared mappings: the
 * buffer cache and the other shared structures), touched or not. Fixed for the server's life.
 */
function sharedMemorySizeKiB(postmasterPid: number): number {
  try {
    const smaps = fs.readFileSync(`/proc/${postmasterPid}/smaps`, "utf8");
    let total = 0;
    for (const m of smaps.matchAll(/^[0-9a-f]+-[0-9a-f]+ [r-][w-][x-]s .*\n(?:[A-Z]\S*:.*\n)*?Size:\s+(\d+) kB/gm)) total += Number(m[1]);
    return total;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * What a process is, for the breakdown at the peak: PostgreSQL's processes by their title ("postgres:
 * autovacuum worker", "postgres: checkpointer", a backend as "postgres: <user> <database>"), others by
 * their command name.
 */
function roleOf(pid: number, name: string): string {
  if (name !== "postgres") return name;
  try {
    const title = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0+$/, "");
    if (!title.startsWith("postgres: ")) return "postgres (postmaster)";
    const words = title.slice("postgres: ".length).split(" ");
    return /^(autovacuum|logical|walwriter|background|checkpointer|io|walsummarizer|startup|parallel)$/.test(words[0]) ? `postgres: ${words.slice(0, 2).join(" ").trim()}` : "postgres: backends";
  } catch {
    return name;
  }
}

/**
 * Samples the memory (PSS) of a process and its descendants; reports the peak total, the peak per
 * command name, and what made up the tree at its peak (PostgreSQL's processes by role).
 *
 * Also a second peak, `peakReservedMiB`: the same total with PostgreSQL's shared memory counted at its
 * allocated size from the first sample on, instead of by the pages touched so far. A fresh server's
 * buffer cache is counted by PSS as it fills, so a short run on it reads lower than a long one by up
 * to the cache's size, though the cache is fixed at start (shared_buffers) and never grows beyond it;
 * `atPeakReservedMiB` breaks that peak down into each role's private memory and the shared memory.
 */
export function sampleMemory(rootPid: number, everyMs = 200) {
  const peaks = new Map<string, number>();
  let peakTotal = 0;
  let peakReserved = 0;
  let atPeak = new Map<string, number>();
  let atPeakReserved = new Map<string, number>();
  const sharedSizes = new Map<number, number>();
  const tick = () => {
    const seen: number[] = [];
    const walk = (pid: number) => {
      seen.push(pid);
      for (const c of childrenOf(pid)) walk(c);
    };
    walk(rootPid);
    let total = 0;
    let shmemTouched = 0;
    let shmemSize = 0;
    const byName = new Map<string, number>();
    const byRole = new Map<string, number>();
    // Each role's private memory (PSS without shared memory) and how many processes it had.
    const privateByRole = new Map<string, { kib: number; processes: number }>();
    for (const pid of seen) {
      let name = "?";
      try {
        name = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      } catch {
        continue;
      }
      const { pss, shmem } = pssKiB(pid);
      total += pss;
      shmemTouched += shmem;
      byName.set(name, (byName.get(name) ?? 0) + pss);
      const role = roleOf(pid, name);
      byRole.set(role, (byRole.get(role) ?? 0) + pss);
      const own = privateByRole.get(role) ?? { kib: 0, processes: 0 };
      privateByRole.set(role, { kib: own.kib + pss - shmem, processes: own.processes + 1 });
      if (role === "postgres (postmaster)") {
        if (!sharedSizes.has(pid)) sharedSizes.set(pid, sharedMemorySizeKiB(pid));
        shmemSize += sharedSizes.get(pid)!;
      }
    }
    const shared = Math.max(shmemTouched, shmemSize);
    const reserved = total - shmemTouched + shared;
    if (total > peakTotal) atPeak = byRole;
    if (reserved > peakReserved) {
      atPeakReserved = new Map([...privateByRole].map(([role, { kib, processes }]) => [processes > 1 ? `${role} (${processes})` : role, kib]));
      atPeakReserved.set("shared memory", shared);
    }
    peakTotal = Math.max(peakTotal, total);
    peakReserved = Math.max(peakReserved, reserved);
    for (const [name, kib] of byName) peaks.set(name, Math.max(peaks.get(name) ?? 0, kib));
  };
  const timer = setInterval(tick, everyMs);
  tick();
  return {
    stop: () => {
      clearInterval(timer);
      const mib = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v / 1024)]));
      return {
        peakTotalMiB: peakTotal / 1024,
        peaksMiB: mib(peaks),
        atPeakMiB: mib(atPeak),
        peakReservedMiB: peakReserved / 1024,
        atPeakReservedMiB: mib(atPeakReserved),
      };
    },
  };
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function table(rows: Record<string, string | number>[]): string {
  const keys = Object.keys(rows[0] ?? {});
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(width[i])).join(" | ") + " |";
  return [line(keys), line(width.map((w) => "-".repeat(w))), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join("\n");
}

/** CPU seconds (user + system) used so far by a process and its descendants, per command name. */
export function cpuSeconds(rootPid: number): Map<string, number> {
  const tick = 100; // USER_HZ: clock ticks per second in /proc/<pid>/stat on Linux
  const out = new Map<string, number>();
  const walk = (pid: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // comm is cut at 15 characters ("next-server (v1"); keep the program's name.
      const name = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim().replace(/ \(.*$/, "");
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / tick);
    } catch {
      return;
    }
    for (const c of childrenOf(pid)) walk(c);
  };
  walk(rootPid);
  return out;
}

/** Milliseconds of CPU per request, per command name, between two cpuSeconds() snapshots. */
export function cpuPerRequest(before: Map<string, number>, after: Map<string, number>, requests: number): string {
  return [...after]
    .map(([name, s]) => [name, ((s - (before.get(name) ?? 0)) * 1000) / requests] as const)
    .filter(([, ms]) => ms >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
    .join(", ");
}

/** Nearest-rank percentile (p in 0–100) of a list of numbers, sorted or not; 0 for an empty list. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
