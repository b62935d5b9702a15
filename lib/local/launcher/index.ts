/**
 * The launcher's pieces, for tests, benchmarks and drills that start the system (or part of it) from
 * code with their own data directory and ports. The CLI (`cli.ts`) is a thin layer over these.
 */
export { ensureBuild, sourceFingerprint, buildIsCurrent } from "./build";
export { parseCron, nextRun, cronMatches, startCronRunner, type CronJob, type CronSchedule } from "./cron";
export { LauncherError } from "./errors";
export { acquireLauncherLock, type LauncherLock } from "./lock";
export { assertPortFree, freePort, isPortInUse } from "./ports";
export { findRunningPostmaster, startEmbeddedPostgres, stopOrphanedPostgres, type EmbeddedPostgresHandle, type EmbeddedPostgresOptions } from "./postgres";
export { loadOrCreateAdminPassword, loadOrCreateSecrets, type LocalSecrets } from "./secrets";
export { readCronJobs, REPO_ROOT, startSystem, type RunningSystem, type SystemOptions } from "./system";
