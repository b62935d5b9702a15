import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The live chain of each self-chaining job (lib/jobs/chains.ts): which run may hand the job on to a
 * fresh invocation, and until when that hand-over is awaited. One row per job at most.
 */
export const jobChains = pgTable("job_chains", {
  job: text().primaryKey(),
  token: text().notNull(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
});
