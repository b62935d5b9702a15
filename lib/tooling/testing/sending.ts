import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase } from "./db";
import { unsubscribeKey } from "@/lib/sending/unsubscribe-token";
import type { SendingDeps } from "@/lib/sending/deps";
import { createPostmarkClient } from "@/lib/postmark/client";
import { startPostmarkSandbox, type PostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import { createCampaign, startCampaignSend } from "@/lib/campaigns/campaigns";
import { createContactsBulk, createList } from "@/lib/contacts/contacts";

export const TEST_TOKEN = "sandbox-test-token";

/** A real sandbox on a free loopback port and sending deps pointed at it through the official client. */
export async function startSendingFixture(overrides: Partial<SendingDeps> = {}) {
  const sandbox: PostmarkSandbox = await startPostmarkSandbox({ host: "127.0.0.1", port: 0, serverToken: TEST_TOKEN, keepBodies: true, pace: "fast", log: () => {} });
  const deps: SendingDeps = {
    postmark: createPostmarkClient({ serverToken: TEST_TOKEN, apiUrl: sandbox.url, timeoutSeconds: 10 }),
    appUrl: "http://127.0.0.1:3999",
    unsubscribeKey: unsubscribeKey("t".repeat(32)),
    broadcastStream: "broadcast",
    messageStream: "outbound",
    now: () => new Date(),
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
    trackOpens: m.trackOpens,
    trackLinks: m.trackLinks,
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

type SendingTestbed = ReturnType<typeof useSendingTestbed>;
let campaignSeq = 0;

/**
 * A campaign to `n` new contacts on a list of their own ("Hi {{ name }}", personalised body), already
 * started: its audience is frozen into queued messages.
 */
export async function startedCampaignTo(bed: SendingTestbed, n: number, prefix = `c${++campaignSeq}`) {
  const list = await createList(bed.t.db, { name: `list-${prefix}` });
  const rows = Array.from({ length: n }, (_, i) => ({ email: `${prefix}-${i}@dispatch.test`, name: `Person ${i}`, fields: { n: String(i) }, list_ids: [list.id] }));
  for (let i = 0; i < rows.length; i += 5000) await createContactsBulk(bed.t.db, rows.slice(i, i + 5000));
  const campaign = await createCampaign(
    bed.t.db,
    { name: prefix, subject: "Hi {{ name }}", html: "<p>Hello {{ name }} #{{ fields.n }}</p>", list_ids: [list.id] },
    { defaultFrom: "news@postline.test" },
  );
  await startCampaignSend(bed.t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
  return { campaign, list, emails: rows.map((r) => r.email) };
}

/** What the sandbox itself recorded for these addresses: the ground truth for duplicates and gaps. */
export function deliveriesTo(bed: SendingTestbed, emails: string[]) {
  const wanted = new Set(emails);
  const counts = new Map<string, number>();
  for (const r of sandboxRecords(bed.fixture.sandbox)) if (wanted.has(r.to)) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
  return { missing: emails.filter((e) => !counts.has(e)), duplicated: [...counts].filter(([, n]) => n > 1).map(([e]) => e) };
}
