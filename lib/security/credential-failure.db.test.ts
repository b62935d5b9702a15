import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { alerts } from "@/db/schema";
import { sendAlertDigests, type AlertEmailer } from "@/lib/alerts/alerts";
import { handlePostmarkWebhook, type WebhookDeps } from "@/lib/ingest/webhook";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";

const SECRET = "s".repeat(40);

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
beforeEach(async () => {
  await t.db.delete(alerts);
});

/** An emailer like Postmark on a bad day: it records the email and never answers. */
function hangingEmailer() {
  const subjects: string[] = [];
  const emailer: AlertEmailer = {
    emailAdmins: (subject) => {
      subjects.push(subject);
      return new Promise<void>(() => {});
    },
  };
  return { emailer, subjects };
}

function wrongSecret(): Request {
  return new Request("http://127.0.0.1/api/webhooks/postmark", {
    method: "POST",
    body: "{}",
    headers: { "content-type": "application/json", "x-webhook-secret": "guess" },
  });
}

function deps(ip: string, extra: Partial<WebhookDeps>): WebhookDeps {
  return { db: t.db, config: { secret: SECRET }, ip, blocked: new Map(), now: () => new Date(), ...extra };
}

describe("the first credential failure's alert email (real PostgreSQL)", () => {
  it("goes after the response: the webhook route answers while the emailer never does, and the admins get one email", { timeout: 15_000 }, async () => {
    const { emailer, subjects } = hangingEmailer();
    const handedOff: Promise<unknown>[] = [];
    // What the app passes (Next's after()): the work runs once the response has gone.
    const afterResponse = (work: () => Promise<unknown>) => void handedOff.push(work());

    const res = await handlePostmarkWebhook(wrongSecret(), deps("10.9.0.1", { emailer, afterResponse }));
    expect(res.status).toBe(401);
    await vi.waitFor(() => expect(subjects).toEqual(["[Postline] Suspicious requests: secret_mismatch"]));

    // The rest of the flood answers too, and is left to the digest.
    for (let i = 2; i <= 5; i++) expect((await handlePostmarkWebhook(wrongSecret(), deps(`10.9.0.${i}`, { emailer, afterResponse }))).status).toBe(401);
    expect(subjects).toHaveLength(1);
  });

  it("also answers without waiting when the caller gives no hand-off", { timeout: 15_000 }, async () => {
    const { emailer, subjects } = hangingEmailer();
    const res = await handlePostmarkWebhook(wrongSecret(), deps("10.9.1.1", { emailer }));
    expect(res.status).toBe(401);
    await vi.waitFor(() => expect(subjects).toHaveLength(1));
  });

  it("is sent by the alert-digests cron's pass when the hand-off never ran, once", async () => {
    const subjects: string[] = [];
    const emailer: AlertEmailer = { emailAdmins: async (subject) => void subjects.push(subject) };
    const now = new Date("2026-06-01T10:00:00Z");
    // The instance stopped before its after-response work: nothing was sent.
    const lost = () => {};
    for (let i = 1; i <= 3; i++) await handlePostmarkWebhook(wrongSecret(), deps(`10.9.2.${i}`, { emailer, afterResponse: lost, now: () => now }));
    expect(subjects).toEqual([]);

    expect(await sendAlertDigests(t.db, { emailer, now: new Date(now.getTime() + 60_000) })).toBe(1);
    expect(subjects).toEqual(["[Postline] Suspicious requests: secret_mismatch"]);
    expect(await sendAlertDigests(t.db, { emailer, now: new Date(now.getTime() + 120_000) })).toBe(0);
    const [alert] = await t.db.select().from(alerts);
    expect(alert).toMatchObject({ occurrences: 3, emailedOccurrences: 3 });
  });
});
