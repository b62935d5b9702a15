import { EnvError, getEnv } from "@/lib/env";

/** Validates the configuration when the server starts; on a missing secret, says which and exits. */
export function assertAppEnvAtStartup(): void {
  try {
    getEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`postline: refusing to start.\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * The months of message_events ahead and the raw JSON's retention (lib/ingest/partitions.ts), at once on
 * start rather than at the first reconciliation; a failure is logged and left to that cron.
 */
export function maintainEventPartitionsAfterStart(): void {
  setTimeout(async () => {
    try {
      const [{ maintainEventPartitions }, { getAppDb }] = await Promise.all([import("@/lib/ingest/partitions"), import("@/lib/app/deps")]);
      const changes = await maintainEventPartitions(getAppDb(), { now: new Date(), rawRetentionDays: getEnv().RAW_EVENT_RETENTION_DAYS });
      if (changes.created.length || changes.droppedRaw.length) console.log("[startup] event partitions:", JSON.stringify(changes));
    } catch (error) {
      console.warn("[startup] event partitions not maintained; the reconcile cron will retry", error);
    }
  }, 1_000).unref();
}

/**
 * After a restart (a deploy, a crash), pick up unfinished sending at once instead of waiting for the
 * next cron tick. Work is claimed in the database, so this is safe however many instances start.
 */
export function resumeWorkAfterStart(): void {
  setTimeout(async () => {
    try {
      const [{ runSendCampaigns }, { chainSending }, { getAppDb, getBreakerDeps, getSendingDeps }] = await Promise.all([
        import("@/lib/jobs/send-campaigns"),
        import("@/lib/app/continue-sending"),
        import("@/lib/app/deps"),
      ]);
      const { sending } = await runSendCampaigns(getAppDb(), {}, getSendingDeps(), getBreakerDeps());
      await chainSending({ stoppedBy: sending.stoppedBy, token: null });
    } catch (error) {
      console.warn("[startup] resuming work failed; the sending cron will retry", error);
    }
  }, 2_000).unref();
}
