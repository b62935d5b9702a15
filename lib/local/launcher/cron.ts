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

/**
 * The first whole minute strictly after `after` that the schedule matches. Skips whole months, days
 * and hours that cannot match, so rare schedules (a leap day) are found quickly; throws for one that
 * never matches (`0 0 30 2 *`).
 */
export function nextRun(s: CronSchedule, after: Date): Date {
  const [minute, hour, , month] = s.fields;
  const d = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const limit = after.getTime() + 9 * 366 * 24 * 3_600_000; // leap days come at least every 8 years
  while (d.getTime() <= limit) {
    if (!month.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!cronMatches({ ...s, fields: [ALL_MINUTES, ALL_HOURS, ...s.fields.slice(2)] }, d)) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!hour.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
    } else if (!minute.has(d.getUTCMinutes())) {
      d.setTime(d.getTime() + 60_000);
    } else {
      return d;
    }
  }
  throw new Error("cron schedule never matches");
}

const ALL_MINUTES = new Set(Array.from({ length: 60 }, (_, i) => i));
const ALL_HOURS = new Set(Array.from({ length: 24 }, (_, i) => i));

export interface CronJob {
  path: string;
  schedule: string;
}

/** setTimeout holds at most 2^31-1 ms (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 6 * 3_600_000;

/**
 * Calls each job's path on its schedule with the cron bearer, as Vercel Cron does. A job never
 * overlaps itself: a tick that finds the previous call still running is skipped. Bad expressions
 * throw here, at start, not at the first tick.
 */
export function startCronRunner(options: {
  baseUrl: string;
  secret: string;
  jobs: CronJob[];
  log: (message: string) => void;
  now?: () => Date;
  /** Per-call limit; Vercel's function limit is minutes, not hours. */
  timeoutMs?: number;
}): { stop: () => Promise<void> } {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  const aborter = new AbortController();
  let stopped = false;
  const now = options.now ?? (() => new Date());
  const schedules = options.jobs.map((job) => {
    try {
      const schedule = parseCron(job.schedule);
      nextRun(schedule, now());
      return { job, schedule };
    } catch (error) {
      throw new Error(`vercel.json cron ${job.path}: ${(error as Error).message}`);
    }
  });

  const call = async (job: CronJob) => {
    const started = Date.now();
    try {
      const res = await fetch(options.baseUrl + job.path, {
        headers: { authorization: `Bearer ${options.secret}`, "user-agent": "vercel-cron/1.0 (postline launcher)" },
        signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(options.timeoutMs ?? 5 * 60_000)]),
      });
      await res.arrayBuffer().catch(() => {});
      if (!res.ok) options.log(`cron ${job.path}: HTTP ${res.status} after ${Date.now() - started} ms`);
    } catch (error) {
      if (!stopped) options.log(`cron ${job.path}: ${(error as Error).message}`);
    }
  };

  for (const { job, schedule } of schedules) {
    let due = nextRun(schedule, now());
    const arm = () => {
      if (stopped) return;
      const wait = Math.max(0, due.getTime() - now().getTime());
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (stopped) return;
        if (now().getTime() < due.getTime()) return arm(); // a long wait taken in steps, or a timer that fired early
        if (running.has(job.path)) {
          options.log(`cron ${job.path}: skipped, the previous call is still running`);
        } else {
          const run = call(job).finally(() => running.delete(job.path));
          running.set(job.path, run);
        }
        // From the later of now and the slot just served, so an early or late timer never runs a slot twice.
        due = nextRun(schedule, new Date(Math.max(now().getTime(), due.getTime())));
        arm();
      }, Math.min(wait, MAX_TIMER_MS));
      timers.add(timer);
    };
    arm();
  }
  return {
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      aborter.abort();
      await Promise.allSettled([...running.values()]);
    },
  };
}
