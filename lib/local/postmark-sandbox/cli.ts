/**
 * Runs the Postmark sandbox on its own:
 *   tsx lib/local/postmark-sandbox/cli.ts [--port 4010] [--host 127.0.0.1] [--token T] [--webhook-url U]
 *     [--webhook-secret S] [--webhook-user U --webhook-password P] [--data-file F] [--seed N]
 * Flags win over variables: POSTMARK_SERVER_TOKEN, POSTMARK_SANDBOX_PORT, POSTMARK_SANDBOX_WEBHOOK_URL,
 * POSTMARK_WEBHOOK_SECRET, POSTMARK_WEBHOOK_BASIC_USER/_PASSWORD, POSTMARK_SANDBOX_DATA_FILE and
 * POSTMARK_SANDBOX_RATES/_DELAY_MS/_DROP_RATE/_RETRY_MS/_PACE (the pace is `fast` when unset). It prints one line `postmark-sandbox listening on <url>`
 * (and sends `{ url }` over IPC when spawned with one), stops on SIGINT/SIGTERM, and stops when a parent
 * that spawned it with an IPC channel goes away.
 */
import { sandboxOptionsFromArgs } from "./options";
import { startPostmarkSandbox } from "./server";
import type { SandboxOptions } from "./types";

async function main() {
  let options: SandboxOptions;
  try {
    options = sandboxOptionsFromArgs(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`postmark-sandbox: ${(error as Error).message}`);
    process.exit(2);
  }
  const sandbox = await startPostmarkSandbox(options);
  console.log(`postmark-sandbox listening on ${sandbox.url}${options.webhook ? `, posting webhooks to ${options.webhook.url}` : ""}`);
  process.send?.({ type: "ready", url: sandbox.url });

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`postmark-sandbox stopping (${why})`);
    const force = setTimeout(() => process.exit(1), 5_000);
    force.unref();
    await sandbox.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // Spawned with an IPC channel: the parent's exit closes it, and an orphaned sandbox must not linger.
  if (process.send) process.on("disconnect", () => void stop("parent went away"));
}

void main();
