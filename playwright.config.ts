import fs from "node:fs";
import { defineConfig, devices } from "@playwright/test";

// Debian's Chromium where it exists (this machine kind cannot download Playwright's browsers);
// elsewhere Playwright's own.
const systemChromium = "/usr/bin/chromium";
const executablePath = fs.existsSync(systemChromium) ? systemChromium : undefined;

export const E2E = {
  port: 3100,
  adminEmail: "admin@e2e.postline.test",
  adminPassword: "e2e-admin-password",
  bootstrapApiKey: "pl_e2e_bootstrap_key_0123456789abcdef",
};
const baseURL = `http://127.0.0.1:${E2E.port}`;

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  // The real launcher, as `npm start` runs it, on its own fresh data directory and ports.
  webServer: {
    command: "rm -rf .data/e2e && node --import tsx lib/local/launcher/cli.ts start",
    url: `${baseURL}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: {
      PORT: String(E2E.port),
      POSTLINE_DATA_DIR: ".data/e2e",
      POSTGRES_PORT: "5440",
      POSTMARK_SANDBOX_PORT: "4011",
      ADMIN_EMAIL: E2E.adminEmail,
      ADMIN_PASSWORD: E2E.adminPassword,
      BOOTSTRAP_API_KEY: E2E.bootstrapApiKey,
      POSTLINE_CRON: "off",
      // A loaded CI machine can make a webhook post time out; retry in seconds, not Postmark's minutes.
      POSTMARK_SANDBOX_RETRY_MS: "1000,2000,5000,10000,20000,30000",
      // People open ~3 s and click 11–12 s after delivery (the launcher's own default is `demo`: up to ~2 minutes).
      POSTMARK_SANDBOX_PACE: "fast",
      // Outcomes only where a test asks for one (forced local parts), not npm start's realistic mix.
      POSTMARK_SANDBOX_RATES: "open=0",
      // e2e/sender-checks.spec.ts answers the sender check's DMARC questions from its own DNS server here.
      DNS_RESOLVER: "127.0.0.1:4053",
      // The default threshold (the launcher turns the check off with the sandbox unless this is set).
      SENDER_CHECK_MIN_RECIPIENTS: "1000",
      // e2e/webhooks.spec.ts starts its receiver on 127.0.0.1.
      ALLOW_PRIVATE_WEBHOOK_URLS: "127.0.0.1",
    },
  },
});
