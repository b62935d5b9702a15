/**
 * Suppressions in step with Postmark, against the sandbox and a real database: Postmark's lists
 * (one made in Postmark's UI included) reflected on contacts with reason and origin; Postline's
 * unsubscribes pushed to the broadcast stream; reactivation through the Bounces API or the
 * Suppressions API, refused for what Postmark will not lift; the status's disagreements; the cron
 * step; Postmark answering 401 and 500.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { contacts, postmarkSuppressionSyncs } from "@/db/schema";
import { unsubscribeContacts } from "@/lib/contacts/contacts";
import { createPostmarkClient } from "@/lib/postmark/client";
import { reconcile } from "@/lib/reconcile/run";
import { startPostmarkSandbox, type PostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { reactivateContact, SPAM_COMPLAINT_PERMANENT, type ReactivateDeps } from "./reactivate";
import { syncSuppressions, type SuppressionSyncDeps } from "./suppression-sync";
import { getSuppressionsStatus } from "./suppressions-status";

const TOKEN = "suppressions-test";
let t: TestDatabase;
let sandbox: PostmarkSandbox;
let deps: SuppressionSyncDeps & ReactivateDeps;
let clock = new Date("2026-11-26T10:00:00Z");
const tick = (ms = 1_000) => (clock = new Date(clock.getTime() + ms));

beforeAll(async () => {
  t = await createTestDatabase();
  // The sandbox stamps suppressions with the same clock as the app, so "made after the contact's last change" is exact.
  sandbox = await startPostmarkSandbox({ serverToken: TOKEN, delayMs: 1, now: () => clock });
  deps = { postmark: createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 5 }), streams: ["outbound", "broadcast"], broadcastStream: "broadcast", now: () => clock };
});
afterAll(async () => {
  await sandbox.close();
  await t.drop();
});
beforeEach(async () => {
  await t.db.execute(sql`truncate contacts, postmark_suppressions, postmark_suppression_syncs cascade`);
});
afterEach(async () => {
  sandbox.setFaults({});
  await sandbox.reset();
});

async function contact(email: string, status: "subscribed" | "unsubscribed" | "bounced" | "complained" = "subscribed", changedAt: Date | null = null) {
  const [c] = await t.db.insert(contacts).values({ email, status, statusChangedAt: changedAt }).returning();
  return c;
}
const get = async (id: string) => (await t.db.select().from(contacts).where(eq(contacts.id, id)))[0];

describe("Postmark → Postline", () => {
  it("a suppression made in Postmark's UI, a hard bounce and a spam complaint reach their contacts with reason and origin", async () => {
    const ui = await contact("ui@example.com");
    const hb = await contact("HB@example.com");
    const spam = await contact("spam@example.com");
    const untouched = await contact("fine@example.com");
    tick();
    sandbox.suppress({ email: "ui@example.com", stream: "broadcast", reason: "ManualSuppression", origin: "Customer" });
    sandbox.suppress({ email: "hb@example.com", stream: "outbound", reason: "HardBounce", origin: "Recipient" });
    sandbox.suppress({ email: "spam@example.com", stream: "broadcast", reason: "SpamComplaint", origin: "Recipient" });
    sandbox.suppress({ email: "stranger@example.com", stream: "broadcast", reason: "HardBounce", origin: "Recipient" });
    tick();
    const summary = await syncSuppressions(t.db, deps);
    expect(summary).toMatchObject({ pulled: { outbound: 1, broadcast: 3 }, applied: 3, pushed: 0, error: null });
    expect(await get(ui.id)).toMatchObject({ status: "unsubscribed", statusReason: "Suppressed in Postmark (broadcast stream): manual suppression, origin Customer" });
    expect(await get(hb.id)).toMatchObject({ status: "bounced", statusReason: "Suppressed in Postmark (outbound stream): hard bounce, origin Recipient" });
    expect(await get(spam.id)).toMatchObject({ status: "complained", statusReason: "Suppressed in Postmark (broadcast stream): spam complaint, origin Recipient" });
    expect((await get(untouched.id)).status).toBe("subscribed");
    const [row] = await t.db.select().from(postmarkSuppressionSyncs);
    expect(row).toMatchObject({ status: "done", applied: 3, pulled: { outbound: 1, broadcast: 3 } });
    // Again: nothing new.
    expect((await syncSuppressions(t.db, deps)).applied).toBe(0);
  });

  it("a suppression older than the contact's last status change is not applied: it is a disagreement", async () => {
    sandbox.suppress({ email: "back@example.com", stream: "broadcast", reason: "ManualSuppression", origin: "Recipient" });
    tick();
    const c = await contact("back@example.com", "subscribed", tick());
    await syncSuppressions(t.db, deps);
    expect((await get(c.id)).status).toBe("subscribed");
    const status = await getSuppressionsStatus(t.db, { broadcastStream: "broadcast" });
    expect(status.disagreements.suppressed_in_postmark_only).toEqual({ count: 1, examples: [{ email: "back@example.com", stream: "broadcast", reason: "ManualSuppression", origin: "Recipient" }] });
  });
});

describe("Postline → Postmark", () => {
  it("an unsubscribe made in Postline is pushed to the broadcast stream once; until then it is a disagreement", async () => {
    const a = await contact("a@example.com");
    await contact("b@example.com");
    await unsubscribeContacts(t.db, { contactIds: [a.id], actor: "mia@postline.test" }, tick());
    expect((await getSuppressionsStatus(t.db, { broadcastStream: "broadcast" })).disagreements.unsubscribed_in_postline_only).toEqual({ count: 1, examples: ["a@example.com"] });
    tick();
    expect(await syncSuppressions(t.db, deps)).toMatchObject({ pushed: 1, pushFailed: 0 });
    expect(sandbox.suppressions("broadcast").map((s) => [s.email, s.reason, s.origin])).toEqual([["a@example.com", "ManualSuppression", "Customer"]]);
    expect(sandbox.suppressions("outbound")).toEqual([]);
    // Postline's own push does not come back as a change to the contact, and is not pushed again.
    tick();
    expect(await syncSuppressions(t.db, deps)).toMatchObject({ applied: 0, pushed: 0 });
    expect((await get(a.id)).statusReason).toBe("Unsubscribed by mia@postline.test");
    const status = await getSuppressionsStatus(t.db, { broadcastStream: "broadcast" });
    expect(status.disagreements.unsubscribed_in_postline_only.count).toBe(0);
    expect(status.last_sync).toMatchObject({ status: "done", pushed: 0, error: null });
  });
});

describe("reactivation", () => {
  it("a hard bounce is activated through the Bounces API (CanActivate), then the contact is subscribed and stays so", async () => {
    const client = deps.postmark;
    const c = await contact("hardbounce@example.com");
    await client.sendEmail({ From: "news@postline.test", To: "hardbounce@example.com", Subject: "Hi", TextBody: "x", MessageStream: "outbound" });
    await sandbox.flushWebhooks();
    tick();
    await syncSuppressions(t.db, deps);
    expect((await get(c.id)).status).toBe("bounced");
    tick();
    const r = await reactivateContact(t.db, { contactId: c.id, actor: "mia@postline.test" }, deps);
    expect(r.lifted).toEqual(["outbound"]);
    expect(r.contact).toMatchObject({ status: "subscribed", statusReason: "Reactivated by mia@postline.test; Postmark's suppression lifted (outbound)" });
    expect(sandbox.stats().apiCalls["PUT /bounces/{id}/activate"]).toBe(1);
    expect(sandbox.suppressions("outbound")).toEqual([]);
    tick();
    await syncSuppressions(t.db, deps);
    expect((await get(c.id)).status).toBe("subscribed");
    await expect(client.sendEmail({ From: "news@postline.test", To: "hardbounce@example.com", Subject: "Hi", TextBody: "x" })).resolves.toMatchObject({ ErrorCode: 0 });
  });

  it("a hard bounce past the Bounces API's retention is lifted by deleting the suppression; a Customer suppression too", async () => {
    const c = await contact("old@example.com");
    sandbox.suppress({ email: "old@example.com", stream: "outbound", reason: "HardBounce", origin: "Recipient" });
    sandbox.suppress({ email: "old@example.com", stream: "broadcast", reason: "ManualSuppression", origin: "Customer" });
    tick();
    await syncSuppressions(t.db, deps);
    expect((await get(c.id)).status).toBe("bounced");
    const r = await reactivateContact(t.db, { contactId: c.id, actor: "mia@postline.test" }, deps);
    expect(r.lifted).toEqual(["outbound", "broadcast"]);
    expect([...sandbox.suppressions("outbound"), ...sandbox.suppressions("broadcast")]).toEqual([]);
  });

  it("a spam complaint cannot be lifted: refused before Postmark is asked", async () => {
    const c = await contact("spam@example.com", "complained");
    const before = sandbox.stats().apiCalls;
    await expect(reactivateContact(t.db, { contactId: c.id, actor: "mia" }, deps)).rejects.toMatchObject({ code: "suppression_permanent", message: SPAM_COMPLAINT_PERMANENT });
    expect(sandbox.stats().apiCalls).toEqual(before);
    // Also when Postline only knows it as an unsubscribe but Postmark holds a complaint: nothing is lifted.
    const u = await contact("both@example.com", "unsubscribed");
    sandbox.suppress({ email: "both@example.com", stream: "broadcast", reason: "SpamComplaint", origin: "Recipient" });
    sandbox.suppress({ email: "both@example.com", stream: "outbound", reason: "ManualSuppression", origin: "Customer" });
    await expect(reactivateContact(t.db, { contactId: u.id, actor: "mia" }, deps)).rejects.toMatchObject({ code: "suppression_permanent" });
    expect(sandbox.suppressions("outbound")).toHaveLength(1);
    expect((await get(u.id)).status).toBe("unsubscribed");
  });

  it("a recipient's own unsubscribe through Postmark's link is refused with who can lift it", async () => {
    const c = await contact("self@example.com", "unsubscribed");
    sandbox.suppress({ email: "self@example.com", stream: "broadcast", reason: "ManualSuppression", origin: "Recipient" });
    await expect(reactivateContact(t.db, { contactId: c.id, actor: "mia" }, deps)).rejects.toMatchObject({ code: "suppression_permanent", message: expect.stringContaining("only the person") });
  });

  it("an unsubscribe Postmark never heard of is simply resubscribed", async () => {
    const c = await contact("local@example.com", "unsubscribed");
    expect(await reactivateContact(t.db, { contactId: c.id, actor: "mia" }, deps)).toMatchObject({ lifted: [], contact: { status: "subscribed", statusReason: "Reactivated by mia" } });
  });
});

describe("Postmark failing", () => {
  it("401: the sync is recorded as failed with the status, nothing changes", async () => {
    const c = await contact("ui@example.com");
    sandbox.suppress({ email: "ui@example.com", stream: "broadcast", reason: "ManualSuppression", origin: "Customer" });
    const wrong = { ...deps, postmark: createPostmarkClient({ serverToken: "wrong", apiUrl: sandbox.url, timeoutSeconds: 5 }) };
    expect(await syncSuppressions(t.db, wrong)).toMatchObject({ error: "Postmark answered HTTP 401 (check POSTMARK_SERVER_TOKEN)", applied: 0 });
    expect((await get(c.id)).status).toBe("subscribed");
    expect((await getSuppressionsStatus(t.db, { broadcastStream: "broadcast" })).last_sync).toMatchObject({ status: "failed", error: expect.stringContaining("401") });
  });

  it("500: the sync fails, reactivation says to try again, the contact keeps its status", async () => {
    const c = await contact("x@example.com", "unsubscribed");
    sandbox.setFaults({ rate5xx: 1 });
    expect((await syncSuppressions(t.db, deps)).error).toBe("Postmark answered HTTP 500");
    await expect(reactivateContact(t.db, { contactId: c.id, actor: "mia" }, deps)).rejects.toMatchObject({ code: "postmark_error", message: "Postmark answered HTTP 500: try again in a minute" });
    expect((await get(c.id)).status).toBe("unsubscribed");
  });

  it("422 (an unknown stream): the sync fails with Postmark's status", async () => {
    expect((await syncSuppressions(t.db, { ...deps, streams: ["no-such-stream"] })).error).toBe("Postmark answered HTTP 422");
  });
});

describe("the reconcile cron step", () => {
  it("a cron run syncs suppressions; a run for one campaign does not", async () => {
    const c = await contact("ui@example.com");
    tick();
    sandbox.suppress({ email: "ui@example.com", stream: "broadcast", reason: "ManualSuppression", origin: "Customer" });
    tick();
    const run = await reconcile(t.db, { trigger: "cron" }, { postmark: deps.postmark, now: () => clock, suppressions: deps });
    expect(run.suppressions).toMatchObject({ applied: 1, error: null });
    expect((await get(c.id)).status).toBe("unsubscribed");
  });
});
