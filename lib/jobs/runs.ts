/**
 * Runs of a job in progress, across every process and instance: each run is a row in `job_runs`,
 * kept alive by a heartbeat while it works and deleted when it ends. A run whose process died stops
 * beating and lapses within `RUN_ALIVE_MS`.
 *
 * Why: the scheduled cron tick is the sending job's safety net, but it started a run of its own
 * whatever else was running. A campaign of a few minutes met a tick every minute, and for as long as
 * the two runs overlapped it sent with twice the workers: a pace that depended on where the clock
 * hand was, and a database that had half as much room for the people signing up meanwhile (some of
 * bench:audience's slowest form-post runs were ones a tick landed in). A tick now looks here
 * first and starts nothing while a run is alive (app/api/cron/send). Runs started for a reason (a
 * chain's next link, the send action, a restart) still run: each is how the work continues.
 */
import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { jobRuns } from "@/db/schema";

/** How often a run renews its row, and how long a row outlives its last renewal. */
export const RUN_HEARTBEAT_MS = 5_000;
export const RUN_ALIVE_MS = 20_000;

/**
 * Runs `work` as a registered run of `job`. The row is written before the work starts (a failure to
 * write it is the work's failure: the database is what the work needs too) and deleted after it ends,
 * however it ends. Rows of runs that died long ago are cleared on the way.
 */
export async function withJobRun<T>(db: Db, job: string, work: () => Promise<T>, options: { heartbeatMs?: number; aliveMs?: number } = {}): Promise<T> {
  const token = randomBytes(12).toString("base64url");
  const aliveMs = options.aliveMs ?? RUN_ALIVE_MS;
  const until = sql`now() + ${aliveMs} * interval '1 millisecond'`;
  await db.execute(sql`
    with lapsed as (delete from job_runs where alive_until < now() - interval '1 hour')
    insert into job_runs (token, job, alive_until) values (${token}, ${job}, ${until})`);
  const beat = () => db.update(jobRuns).set({ aliveUntil: until }).where(eq(jobRuns.token, token));
  let beating: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    // A missed beat is harmless (the row outlives several); a slow one is not doubled.
    beating ??= beat()
      .catch(() => {})
      .finally(() => (beating = null));
  }, options.heartbeatMs ?? RUN_HEARTBEAT_MS);
  timer.unref?.();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    // Let a beat in flight finish first, so the delete is the row's last write.
    await beating;
    await db
      .delete(jobRuns)
      .where(and(eq(jobRuns.job, job), eq(jobRuns.token, token)))
      .catch((error) => console.warn(`[jobs] could not clear the run of ${job}; it lapses by itself`, error));
  }
}

/** Whether a run of `job` is alive now (by the database's clock, the one the heartbeats write with). */
export async function jobRunAlive(db: Db, job: string): Promise<boolean> {
  const rows = await db.execute<{ alive: boolean }>(sql`select exists (select 1 from job_runs where job = ${job} and alive_until > now()) as alive`);
  return rows.rows[0].alive;
}
