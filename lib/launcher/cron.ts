/**
 * The subset of cron that vercel.json uses: five fields (minute hour day-of-month month day-of-week),
 * each a star, a star with a step (every n), `a`, `a-b`, `a-b` with a step, or a comma list of those.
 * Times are UTC, as on Vercel.
 */

const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7], // 0 and 7 are both Sunday
];

export interface CronSchedule {
  fields: Set<number>[];
  dayOfMonthAny: boolean;
  dayOfWeekAny: boolean;
}

function parseField(text: string, [min, max]: [number, number], index: number): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`cron field ${index + 1} "${text}" is not understood`);
    const step = m[4] ? Number(m[4]) : 1;
    const from = m[1] === "*" ? min : Number(m[2]);
    const to = m[1] === "*" ? max : m[3] !== undefined ? Number(m[3]) : m[4] ? max : from;
    if (step < 1 || from < min || to > max || from > to) throw new Error(`cron field ${index + 1} "${text}" is out of range ${min}-${max}`);
    for (let v = from; v <= to; v += step) out.add(index === 4 && v === 7 ? 0 : v);
  }
  return out;
}

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron expression "${expression}" needs 5 fields`);
  return {
    fields: parts.map((p, i) => parseField(p, RANGES[i], i)),
    dayOfMonthAny: parts[2] === "*",
    dayOfWeekAny: parts[4] === "*",
  };
}

export function cronMatches(s: CronSchedule, d: Date): boolean {
  const [minute, hour, dom, month, dow] = s.fields;
  if (!minute.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !month.has(d.getUTCMonth() + 1)) return false;
  const domOk = dom.has(d.getUTCDate());
  const dowOk = dow.has(d.getUTCDay());
  // Classic cron: when both day fields are restricted, either may match.
  if (!s.dayOfMonthAny && !s.dayOfWeekAny) return domOk || dowOk;
  return domOk && dowOk;
}

/** The first whole minute strictly after `after` that the schedule matches. */
export function nextRun(s: CronSchedule, after: Date): Date {
  const d = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  for (let i = 0; i < 366 * 24 * 60; i++) {
    if (cronMatches(s, d)) return d;
    d.setTime(d.getTime() + 60_000);
  }
  throw new Error("cron schedule never matches");
}

export interface CronJob {
  path: string;
  schedule: string;
}

/**
 * Calls each job's path on its schedule with the cron bearer, as Vercel Cron does. A job never
 * overlaps itself: a tick that finds the previous call still running is skipped.
 */
export function startCronRunner(options: {
  baseUrl: string;
  secret: string;
  jobs: CronJob[];
  log: (message: string) => void;
  now?: () => Date;
}): { stop: () => void } {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<string>();
  let stopped = false;
  const now = options.now ?? (() => new Date());

  const call = async (job: CronJob) => {
    if (running.has(job.path)) return;
    running.add(job.path);
    try {
      const res = await fetch(options.baseUrl + job.path, { headers: { authorization: `Bearer ${options.secret}` }, signal: AbortSignal.timeout(5 * 60_000) });
      if (!res.ok) options.log(`cron ${job.path}: HTTP ${res.status}`);
      await res.arrayBuffer().catch(() => {});
    } catch (error) {
      if (!stopped) options.log(`cron ${job.path}: ${(error as Error).message}`);
    } finally {
      running.delete(job.path);
    }
  };

  for (const job of options.jobs) {
    const schedule = parseCron(job.schedule);
    const arm = () => {
      if (stopped) return;
      const wait = nextRun(schedule, now()).getTime() - now().getTime();
      const timer = setTimeout(() => {
        timers.delete(timer);
        void call(job);
        arm();
      }, wait);
      timers.add(timer);
    };
    arm();
  }
  return {
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
