import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The live chain of each self-chaining job (lib/jobs/chains.ts): which run may hand the job on to a
 * fresh invocation, and until when that hand-over is awaited. One row per job at most.
 */
export const jobChains = pgTable("job_chains", {
  job: text().primaryKey(),
  token: text().notNull(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
});

/**
 * Runs of a job in progress (lib/jobs/runs.ts): one row per run, kept alive by the run's heartbeat and
 * deleted when it ends. A scheduled cron tick starts no run of its job while one is alive here, so a
 * campaign sends with the workers of one run, not twice as many whenever a tick lands during a run.
 */
export const jobRuns = pgTable(
  "job_runs",
  {
    token: text().primaryKey(),
    job: text().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    aliveUntil: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index("job_runs_job_idx").on(t.job, t.aliveUntil)],
);
