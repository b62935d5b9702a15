/**
 * Runs once when the server starts: refuse to start when configuration is missing, naming the
 * variable, instead of failing on the first request that needs it; then create the months of
 * message_events ahead and resume unfinished work.
 */
export async function register() {
  // NEXT_RUNTIME is inlined by Next at build time; it is not configuration.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { assertAppEnvAtStartup, maintainEventPartitionsAfterStart, resumeWorkAfterStart } = await import("./lib/app/startup");
  assertAppEnvAtStartup();
  maintainEventPartitionsAfterStart();
  resumeWorkAfterStart();
}
