import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * One reconciliation run (cron or by hand). At most one is `running` at a time — the partial unique
 * index decides, so overlapping cron invocations cannot double the work — and a run that died is
 * recognised by its stale heartbeat and closed as abandoned.
 */
export const reconcileRuns = pgTable(
  "reconcile_runs",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    trigger: text().notNull(),
    status: text().notNull().default("running"),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    heartbeatAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp({ withTimezone: true }),
    checked: integer().notNull().default(0),
    recovered: integer().notNull().default(0),
    adopted: integer().notNull().default(0),
    linkedOrphans: integer().notNull().default(0),
    apiCalls: integer().notNull().default(0),
    remaining: integer().notNull().default(0),
    errors: jsonb().$type<string[]>().notNull().default([]),
  },
  (t) => [
    uniqueIndex("reconcile_runs_one_running").on(t.status).where(sql`${t.status} = 'running'`),
    index("reconcile_runs_started_idx").on(t.startedAt),
  ],
);
