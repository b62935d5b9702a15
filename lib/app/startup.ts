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
      if (sending.stoppedBy === "budget") chainSending();
    } catch (error) {
      console.warn("[startup] resuming work failed; the sending cron will retry", error);
    }
  }, 2_000).unref();
}
