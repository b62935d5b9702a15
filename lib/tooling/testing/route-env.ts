/**
 * The configuration the app's route handlers read through lib/env.ts, for tests that call the handlers
 * directly (no `next start`). Postmark points at a closed port: these tests never send mail.
 */
export function routeTestEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    POSTMARK_SERVER_TOKEN: "route-test",
    POSTMARK_API_URL: "http://127.0.0.1:9",
    POSTMARK_WEBHOOK_SECRET: "w".repeat(32),
    CRON_SECRET: "c".repeat(32),
    AUTH_SECRET: "a".repeat(32),
    APP_URL: "http://127.0.0.1:9",
    ...overrides,
  };
}
