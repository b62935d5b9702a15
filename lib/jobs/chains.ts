/**
 * One chain per job. A run of a long job (sending, outbound delivery) that stops for its time budget
 * hands the rest to a fresh invocation of its cron route (lib/app/continue-sending.ts). Without a
 * guard every trigger started a chain of its own: each cron minute, send action and restart added one
 * that lived until the work ran out, so a campaign of an hour ran some sixty chains side by side, each
 * with its sending workers (bench:dispatch at 1,000,000 recipients saw a dozen updates at once fighting
 * over two cores). Now a run continues the chain only if it holds the chain's token (it is the chain's
 * latest link), or if no chain is alive; any other run does its budget's worth of work and stops. The
 * cron still starts a run every minute, so a lost link costs at most the lease's time.
 */
import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { jobChains } from "@/db/schema";

/**
 * How long a link is awaited: a link starts within moments of its predecessor's end and runs for its
 * budget (under a minute), so two minutes without the next hand-over means the chain broke.
 */
export const CHAIN_LEASE_MS = 120_000;

/** How a run of a chaining job ended, and the chain token it was started with (null: not a link). */
export interface ChainRun {
  stoppedBy: "idle" | "budget";
  token: string | null;
}

/**
 * Called by a run that stopped for its budget: returns the token to hand to the next link, or null
 * when another chain is alive (this run's work is carried on by it). `token` is the one this run was
 * started with (null for a cron tick, the send action or a restart).
 */
export async function extendChain(db: Db, { job, token, now }: { job: string; token: string | null; now: Date }): Promise<string | null> {
  const next = randomBytes(12).toString("base64url");
  const expiresAt = new Date(now.getTime() + CHAIN_LEASE_MS);
  const rows = await db
    .insert(jobChains)
    .values({ job, token: next, expiresAt })
    .onConflictDoUpdate({
      target: jobChains.job,
      set: { token: next, expiresAt },
      setWhere: sql`${jobChains.expiresAt} <= ${now.toISOString()}::timestamptz or ${jobChains.token} = ${token ?? ""}`,
    })
    .returning({ token: jobChains.token });
  return rows[0]?.token ?? null;
}

/** Called by a link that found nothing left to do: the chain ends, the next trigger may start one. */
export async function endChain(db: Db, { job, token }: { job: string; token: string }): Promise<void> {
  await db.delete(jobChains).where(and(eq(jobChains.job, job), eq(jobChains.token, token)));
}
