/**
 * The sandbox's management APIs (shared/postmark/MANAGEMENT.md c, d, e) driven through postmark.js as
 * the app drives them: suppressions per stream, bounces with activate, domains and sender signatures
 * with the account token; the documented example shapes; each failure (401, 422, 500).
 */
import { Errors, type AccountClient, type ServerClient } from "postmark";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPostmarkAccountClient, createPostmarkClient } from "../../postmark/client";
import { startPostmarkSandbox, type PostmarkSandbox } from "./server";

const TOKEN = "management-test-token";
const ACCOUNT = "management-account-token";
let sandbox: PostmarkSandbox;
let client: ServerClient;
let account: AccountClient;

beforeAll(async () => {
  sandbox = await startPostmarkSandbox({ serverToken: TOKEN, accountToken: ACCOUNT, delayMs: 1, clock: "virtual" });
  client = createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 5 });
  account = createPostmarkAccountClient({ accountToken: ACCOUNT, apiUrl: sandbox.url, timeoutSeconds: 5 });
});
afterAll(() => sandbox.close());
afterEach(async () => {
  sandbox.setFaults({});
  sandbox.setDomains([]);
  sandbox.setSenders([]);
  await sandbox.reset();
});

const msg = (to: string, stream = "outbound") => ({ From: "news@postline.test", To: to, Subject: "Hello", HtmlBody: "<p>Hi</p>", MessageStream: stream });

async function caught(p: Promise<unknown>): Promise<Error & { code: number; statusCode: number }> {
  try {
    await p;
  } catch (error) {
    return error as Error & { code: number; statusCode: number };
  }
  throw new Error("expected the call to fail");
}

type Shape = string | { [key: string]: Shape };
/** Keys and JSON types, recursively (null counts as any type: the docs' examples fill optional values). */
function keys(value: unknown): Shape {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "value";
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, keys(v)]));
}

// The documented examples, copied from shared/postmark/MANAGEMENT.md (sources named there).
const DUMP_EXAMPLE = { Suppressions: [{ EmailAddress: "address@wildbit.com", SuppressionReason: "ManualSuppression", Origin: "Recipient", CreatedAt: "2019-12-17T08:58:33-05:00" }] };
const ACTIVATE_EXAMPLE = {
  Message: "OK",
  Bounce: { RecordType: "Bounce", ID: 692560173, Type: "HardBounce", TypeCode: 1, Name: "Hard bounce", MessageID: "2c1b63fe-43f2-4db5-91b0-8bdfa44a9316", MessageStream: "outbound", Email: "anything@blackhole.postmarkap.com", BouncedAt: "2014-01-15T16:09:19.6421112-05:00", DumpAvailable: false, Inactive: false, CanActivate: true, Subject: "SC API5 Test" },
};
const VERIFY_DKIM_EXAMPLE = { Name: "postmarkapp.com", DKIMVerified: true, WeakDKIM: false, DKIMHost: "jan2013pm._domainkey.postmarkapp.com", DKIMTextValue: "k=rsa; p=MIGf…", DKIMPendingHost: "", DKIMPendingTextValue: "", DKIMRevokedHost: "", DKIMRevokedTextValue: "", SafeToRemoveRevokedKeyFromDNS: false, DKIMUpdateStatus: "Verified", ReturnPathDomain: "pm-bounces.postmarkapp.com", ReturnPathDomainVerified: false, ReturnPathDomainCNAMEValue: "pm.mtasv.net", ID: 1234 };

describe("suppressions (per stream)", () => {
  it("create, dump and delete through postmark.js; API-made ones are Customer / ManualSuppression", async () => {
    const created = await client.createSuppressions("broadcast", { Suppressions: [{ EmailAddress: "a@example.com" }, { EmailAddress: "not-an-address" }] });
    expect(created.Suppressions).toEqual([
      { EmailAddress: "a@example.com", Status: "Suppressed", Message: null },
      { EmailAddress: "not-an-address", Status: "Failed", Message: "An invalid email address was provided." },
    ]);
    const dump = await client.getSuppressions("broadcast");
    expect(dump.Suppressions).toEqual([{ EmailAddress: "a@example.com", SuppressionReason: "ManualSuppression", Origin: "Customer", CreatedAt: expect.any(String) }]);
    expect(keys(dump)).toEqual(keys(DUMP_EXAMPLE));
    // Streams are separate lists.
    expect((await client.getSuppressions("outbound")).Suppressions).toEqual([]);
    const deleted = await client.deleteSuppressions("broadcast", { Suppressions: [{ EmailAddress: "a@example.com" }] });
    expect(deleted.Suppressions).toEqual([{ EmailAddress: "a@example.com", Status: "Deleted", Message: null }]);
    expect((await client.getSuppressions("broadcast")).Suppressions).toEqual([]);
  });

  it("a suppression made in Postmark's UI shows in the dump with its reason and origin; filters take camelCase keys", async () => {
    sandbox.suppress({ email: "ui@example.com", stream: "broadcast", reason: "ManualSuppression", origin: "Customer" });
    sandbox.suppress({ email: "staff@example.com", stream: "broadcast", reason: "ManualSuppression", origin: "Admin" });
    const all = await client.getSuppressions("broadcast");
    expect(all.Suppressions.map((s) => [s.EmailAddress, s.Origin])).toEqual([["ui@example.com", "Customer"], ["staff@example.com", "Admin"]]);
    expect((await client.getSuppressions("broadcast", { origin: "Admin" as never })).Suppressions.map((s) => s.EmailAddress)).toEqual(["staff@example.com"]);
    expect((await client.getSuppressions("broadcast", { emailAddress: "UI@example.com" })).Suppressions).toHaveLength(1);
    expect((await client.getSuppressions("broadcast", { emailAddress: "invalid" })).Suppressions).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await client.getSuppressions("broadcast", { fromDate: today, toDate: today })).Suppressions).toHaveLength(2);
    expect((await client.getSuppressions("broadcast", { toDate: "2020-01-01" })).Suppressions).toEqual([]);
  });

  it("never lifts a spam complaint, a recipient's own unsubscribe or Postmark staff's suppression; lifts a hard bounce", async () => {
    for (const to of ["spam@example.com", "unsubscribe@example.com", "hardbounce@example.com"]) await client.sendEmail(msg(to));
    await sandbox.flushWebhooks();
    sandbox.suppress({ email: "staff@example.com", reason: "ManualSuppression", origin: "Admin" });
    const r = await client.deleteSuppressions("outbound", { Suppressions: ["spam@example.com", "unsubscribe@example.com", "staff@example.com", "hardbounce@example.com"].map((EmailAddress) => ({ EmailAddress })) });
    expect(r.Suppressions.map((s) => [s.EmailAddress, s.Status])).toEqual([
      ["spam@example.com", "Failed"],
      ["unsubscribe@example.com", "Failed"],
      ["staff@example.com", "Failed"],
      ["hardbounce@example.com", "Deleted"],
    ]);
    expect(r.Suppressions[0].Message).toBe("You do not have the required authority to change this suppression.");
    expect((await client.getSuppressions("outbound")).Suppressions.map((s) => s.EmailAddress).sort()).toEqual(["spam@example.com", "staff@example.com", "unsubscribe@example.com"]);
  });

  it("applies API changes after the configured delay, as Postmark does", async () => {
    await fetch(`${sandbox.url}/__sandbox/suppression-delay`, { method: "POST", headers: { "X-Postmark-Server-Token": TOKEN }, body: JSON.stringify({ delayMs: 50 }) });
    try {
      const r = await client.createSuppressions("broadcast", { Suppressions: [{ EmailAddress: "later@example.com" }] });
      expect(r.Suppressions[0].Status).toBe("Suppressed");
      expect(sandbox.suppressions("broadcast")).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(sandbox.suppressions("broadcast").map((s) => s.email)).toEqual(["later@example.com"]);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/suppression-delay`, { method: "POST", headers: { "X-Postmark-Server-Token": TOKEN }, body: JSON.stringify({ delayMs: 0 }) });
    }
  });

  it("refuses an unknown stream (1226), more than 50 addresses (1410) and a body without Suppressions (402)", async () => {
    expect(await caught(client.getSuppressions("nope"))).toMatchObject({ statusCode: 422, code: 1226 });
    const many = Array.from({ length: 51 }, (_, i) => ({ EmailAddress: `n${i}@example.com` }));
    const e = await caught(client.createSuppressions("broadcast", { Suppressions: many }));
    expect(e).toBeInstanceOf(Errors.ApiInputError);
    expect(e).toMatchObject({ statusCode: 422, code: 1410 });
    const raw = await fetch(`${sandbox.url}/message-streams/broadcast/suppressions`, { method: "POST", headers: { "X-Postmark-Server-Token": TOKEN }, body: "{}" });
    expect(raw.status).toBe(422);
    expect(await raw.json()).toMatchObject({ ErrorCode: 402 });
  });
});

describe("bounces", () => {
  it("a hard bounce is inactive and CanActivate; activate lifts it, answers the documented shape, and the address can be mailed again", async () => {
    await client.sendEmail(msg("hardbounce@example.com"));
    await sandbox.flushWebhooks();
    const list = await client.getBounces({ count: 10, offset: 0, emailFilter: "hardbounce@", inactive: true });
    expect(list.TotalCount).toBe(1);
    const bounce = list.Bounces[0];
    expect(bounce).toMatchObject({ Type: "HardBounce", Inactive: true, CanActivate: true, Email: "hardbounce@example.com" });
    const r = await client.activateBounce(bounce.ID);
    expect(r.Message).toBe("OK");
    expect(r.Bounce).toMatchObject({ ID: bounce.ID, Inactive: false, CanActivate: false });
    // Our Bounce has every documented key (and a few more Postmark also sends: Tag, ServerID, Details…).
    expect(Object.keys(r.Bounce)).toEqual(expect.arrayContaining(Object.keys(ACTIVATE_EXAMPLE.Bounce)));
    expect((await client.getBounce(bounce.ID)).Inactive).toBe(false);
    expect((await client.getBounces({ count: 10, offset: 0, inactive: true })).TotalCount).toBe(0);
    expect((await client.getSuppressions("outbound")).Suppressions).toEqual([]);
    await expect(client.sendEmail(msg("hardbounce@example.com"))).resolves.toMatchObject({ ErrorCode: 0 });
  });

  it("a spam complaint cannot be activated: CanActivate false, activate answers 422 / 1003", async () => {
    await client.sendEmail(msg("spam@example.com"));
    await sandbox.flushWebhooks();
    const [bounce] = (await client.getBounces({ count: 10, offset: 0, type: "SpamComplaint" as never })).Bounces;
    expect(bounce).toMatchObject({ Type: "SpamComplaint", Inactive: true, CanActivate: false });
    expect(await caught(client.activateBounce(bounce.ID))).toMatchObject({ statusCode: 422, code: 1003 });
    expect((await client.getSuppressions("outbound")).Suppressions.map((s) => s.SuppressionReason)).toEqual(["SpamComplaint"]);
  });

  it("an unknown bounce is 422 / 1001; paging is required (1000); the dump is a Body", async () => {
    expect(await caught(client.getBounce(1))).toMatchObject({ statusCode: 422, code: 1001 });
    expect(await caught(client.activateBounce(1))).toMatchObject({ statusCode: 422, code: 1001 });
    const raw = await fetch(`${sandbox.url}/bounces`, { headers: { "X-Postmark-Server-Token": TOKEN } });
    expect(raw.status).toBe(422);
    expect(await raw.json()).toMatchObject({ ErrorCode: 1000 });
    await client.sendEmail(msg("hardbounce@example.com"));
    await sandbox.flushWebhooks();
    const [b] = (await client.getBounces({ count: 1, offset: 0 })).Bounces;
    expect((await client.getBounceDump(b.ID)).Body).toContain("hardbounce@example.com");
  });
});

describe("domains and sender signatures (account token)", () => {
  it("list, details and verify through AccountClient; verification finds what DNS holds", async () => {
    sandbox.setDomains([{ id: 1234, name: "postline.test", dkimVerified: false, dkimDnsReady: true, returnPathVerified: false, returnPathDnsReady: false }]);
    const list = await account.getDomains({ count: 50, offset: 0 });
    expect(list).toEqual({ TotalCount: 1, Domains: [{ ID: 1234, Name: "postline.test", SPFVerified: false, DKIMVerified: false, WeakDKIM: false, ReturnPathDomainVerified: false }] });
    const before = await account.getDomain(1234);
    expect(before).toMatchObject({ DKIMVerified: false, DKIMUpdateStatus: "Pending", DKIMPendingHost: expect.stringContaining("._domainkey.postline.test") });
    const dkim = await account.verifyDomainDKIM(1234);
    expect(dkim).toMatchObject({ DKIMVerified: true, DKIMUpdateStatus: "Verified" });
    expect(Object.keys(dkim)).toEqual(expect.arrayContaining(Object.keys(VERIFY_DKIM_EXAMPLE)));
    const rp = await account.verifyDomainReturnPath(1234);
    expect(rp).toMatchObject({ ReturnPathDomainVerified: false, ReturnPathDomain: "pm-bounces.postline.test" });
  });

  it("sender signatures", async () => {
    sandbox.setSenders([{ id: 7, emailAddress: "news@postline.test", name: "News", dkimVerified: true, returnPathVerified: true }]);
    const list = await account.getSenderSignatures({ count: 50, offset: 0 });
    expect(list.TotalCount).toBe(1);
    expect(list.SenderSignatures[0]).toMatchObject({ ID: 7, EmailAddress: "news@postline.test", Domain: "postline.test", Confirmed: true });
    expect(await account.getSenderSignature(7)).toMatchObject({ DKIMVerified: true, ReturnPathDomainVerified: true });
    expect(await caught(account.getSenderSignature(8))).toMatchObject({ statusCode: 422, code: 501 });
  });

  it("an unknown domain is 422 / 510; a server token or a wrong account token is 401 / 10", async () => {
    expect(await caught(account.getDomain(99))).toMatchObject({ statusCode: 422, code: 510 });
    const wrong = createPostmarkAccountClient({ accountToken: "wrong", apiUrl: sandbox.url, timeoutSeconds: 5 });
    const e = await caught(wrong.getDomains({ count: 50, offset: 0 }));
    expect(e).toBeInstanceOf(Errors.InvalidAPIKeyError);
    expect(e).toMatchObject({ statusCode: 401, code: 10 });
    const withServerToken = await fetch(`${sandbox.url}/domains?count=50&offset=0`, { headers: { "X-Postmark-Server-Token": TOKEN } });
    expect(withServerToken.status).toBe(401);
    expect(await withServerToken.json()).toEqual({ ErrorCode: 10, Message: "No Account Token was provided in the X-Postmark-Account-Token request header." });
  });
});

describe("failures", () => {
  it("a wrong server token is 401 on every server API", async () => {
    const wrong = createPostmarkClient({ serverToken: "wrong", apiUrl: sandbox.url, timeoutSeconds: 5 });
    for (const call of [wrong.getSuppressions("outbound"), wrong.getBounces({ count: 1, offset: 0 }), wrong.activateBounce(1)]) {
      expect(await caught(call)).toMatchObject({ statusCode: 401, code: 10 });
    }
  });

  it("an outage is 500 (InternalServerError) on the management APIs too", async () => {
    sandbox.setDomains([{ id: 1, name: "postline.test" }]);
    sandbox.setFaults({ rate5xx: 1 });
    for (const call of [client.getSuppressions("outbound"), client.getBounces({ count: 1, offset: 0 }), account.getDomains({ count: 1, offset: 0 })]) {
      const e = await caught(call);
      expect(e).toBeInstanceOf(Errors.InternalServerError);
      expect(e.statusCode).toBe(500);
    }
  });
});
