import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase } from "./db";
import { unsubscribeKey } from "@/lib/sending/unsubscribe-token";
import type { SendingDeps } from "@/lib/sending/deps";
import { createPostmarkClient } from "@/lib/postmark/client";
import { startPostmarkSandbox, type PostmarkSandbox } from "@/lib/local/postmark-sandbox/server";

export const TEST_TOKEN = "sandbox-test-token";

/** A real sandbox on a free loopback port and sending deps pointed at it through the official client. */
export async function startSendingFixture(overrides: Partial<SendingDeps> = {}) {
  const sandbox: PostmarkSandbox = await startPostmarkSandbox({ host: "127.0.0.1", port: 0, serverToken: TEST_TOKEN, keepBodies: true, log: () => {} });
  const deps: SendingDeps = {
    postmark: createPostmarkClient({ serverToken: TEST_TOKEN, apiUrl: sandbox.url, timeoutSeconds: 10 }),
    appUrl: "http://127.0.0.1:3999",
    unsubscribeKey: unsubscribeKey("t".repeat(32)),
    broadcastStream: "broadcast",
    messageStream: "outbound",
    ...overrides,
  };
  return { sandbox, deps };
}

/** What the sandbox accepted, one record per message: the ground truth for duplicates and gaps. */
export function sandboxRecords(sandbox: PostmarkSandbox) {
  return sandbox.messages().map((m) => ({
    to: m.to,
    messageId: m.messageId,
    metadata: m.metadata,
    stream: m.stream,
    subject: m.subject,
    htmlBody: m.htmlBody,
    textBody: m.textBody,
    headers: m.headers,
  }));
}

/**
 * A test file's own database and sandbox, set up before its tests and torn down after them.
 * Fields are filled in `beforeAll`, so read them inside tests, not at module level.
 */
export function useSendingTestbed() {
  const bed = {} as { t: TestDatabase; fixture: Awaited<ReturnType<typeof startSendingFixture>> };
  beforeAll(async () => {
    bed.t = await createTestDatabase();
    bed.fixture = await startSendingFixture();
  });
  afterAll(async () => {
    await bed.fixture?.sandbox.close();
    await bed.t?.drop();
  });
  return bed;
}
