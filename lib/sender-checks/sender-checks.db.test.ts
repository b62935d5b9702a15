/**
 * The sender check before a campaign, against the Postmark sandbox (Domains / Sender Signatures with
 * the account token) and a DNS server on 127.0.0.1 answering `_dmarc` TXT questions, with the gate on
 * a real database: refused over the threshold with what to fix, allowed under it, an admin override
 * recorded; Postmark answering 401 or 500 and DNS failing are "could not check", never "verified".
 */
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { campaigns, contacts } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { createPostmarkAccountClient } from "@/lib/postmark/client";
import { startPostmarkSandbox, type PostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { startTestDnsServer, type TestDnsServer } from "@/lib/tooling/testing/dns-server";
import { checkCampaignSender, overrideSenderCheck, recheckCampaignSender, type CampaignGateDeps } from "./campaign-gate";
import { checkSenderDomain, type SenderCheckDeps } from "./check-sender";
import { createTxtResolver, lookupDmarc } from "./dmarc";

const ACCOUNT = "sender-check-account";
let t: TestDatabase;
let sandbox: PostmarkSandbox;
let dns: TestDnsServer;
let deps: SenderCheckDeps;
const now = new Date("2026-11-26T10:00:00Z");

beforeAll(async () => {
  t = await createTestDatabase();
  sandbox = await startPostmarkSandbox({ serverToken: "sender-check", accountToken: ACCOUNT });
  dns = await startTestDnsServer();
  deps = {
    account: createPostmarkAccountClient({ accountToken: ACCOUNT, apiUrl: sandbox.url, timeoutSeconds: 5 }),
    resolver: createTxtResolver([dns.address], { timeoutMs: 300 }),
    now: () => now,
  };
});
afterAll(async () => {
  await sandbox.close();
  await dns.close();
  await t.drop();
});
afterEach(() => {
  sandbox.setFaults({});
  sandbox.setDomains([]);
  sandbox.setSenders([]);
});

const DMARC = "v=DMARC1; p=none; rua=mailto:dmarc@postline.test";

describe("lookupDmarc (a DNS server on 127.0.0.1)", () => {
  it("finds the record, joins split strings, ignores other TXT, falls back to the parent domain", async () => {
    dns.set("_dmarc.a.test", ["v=spf1 -all", "v=DMARC1; p=reject; "]);
    expect(await lookupDmarc(deps.resolver, "a.test")).toEqual({ state: "present", record: "v=DMARC1; p=reject; ", name: "_dmarc.a.test" });
    dns.set("_dmarc.long.test", [`v=DMARC1; p=none; rua=mailto:${"x".repeat(300)}@long.test`]);
    expect(await lookupDmarc(deps.resolver, "long.test")).toMatchObject({ state: "present", record: expect.stringContaining("x".repeat(300)) });
    dns.set("_dmarc.parent.test", ["v=DMARC1; p=quarantine"]);
    expect(await lookupDmarc(deps.resolver, "news.parent.test")).toMatchObject({ state: "present", name: "_dmarc.parent.test" });
  });

  it("missing (NXDOMAIN, or the name without TXT) is not the same as DNS not answering", async () => {
    expect(await lookupDmarc(deps.resolver, "nothing.test")).toEqual({ state: "missing" });
    dns.set("_dmarc.spf-only.test", ["v=spf1 -all"]);
    expect(await lookupDmarc(deps.resolver, "spf-only.test")).toEqual({ state: "missing" });
    dns.set("_dmarc.broken.test", "servfail");
    expect(await lookupDmarc(deps.resolver, "broken.test")).toMatchObject({ state: "unknown", error: "ESERVFAIL" });
    dns.set("_dmarc.slow.test", "drop");
    expect(await lookupDmarc(deps.resolver, "slow.test")).toMatchObject({ state: "unknown", error: "ETIMEOUT" });
  });
});

describe("checkSenderDomain", () => {
  it("a verified domain with DMARC passes", async () => {
    dns.set("_dmarc.postline.test", [DMARC]);
    sandbox.setDomains([{ id: 1, name: "postline.test", dkimVerified: true, returnPathVerified: true }]);
    expect(await checkSenderDomain("News <news@postline.test>", deps)).toEqual({
      domain: "postline.test",
      checkedAt: now.toISOString(),
      dkim: "verified",
      returnPath: "verified",
      dmarc: "present",
      dmarcRecord: DMARC,
      problems: [],
    });
  });

  it("says what to fix: DKIM, Return-Path (with the CNAME Postmark shows), DMARC", async () => {
    sandbox.setDomains([{ id: 2, name: "unready.test" }]);
    const check = await checkSenderDomain("news@unready.test", deps);
    expect(check).toMatchObject({ dkim: "unverified", returnPath: "unverified", dmarc: "missing" });
    expect(check.problems).toEqual([
      expect.stringContaining("DKIM is not verified for unready.test"),
      expect.stringContaining("CNAME record pm-bounces.unready.test → pm.mtasv.net"),
      expect.stringContaining('No DMARC record at _dmarc.unready.test: publish a TXT record such as "v=DMARC1; p=none'),
    ]);
  });

  it("uses a sender signature when the domain is not on the account, and says when neither is", async () => {
    dns.set("_dmarc.single.test", [DMARC]);
    sandbox.setSenders([{ id: 9, emailAddress: "me@single.test", dkimVerified: true, returnPathVerified: false }]);
    expect(await checkSenderDomain("me@single.test", deps)).toMatchObject({ dkim: "verified", returnPath: "unverified", problems: [expect.stringContaining("Return-Path is not verified for single.test")] });
    expect(await checkSenderDomain("other@single.test", deps)).toMatchObject({ dkim: "not_found", problems: [expect.stringContaining("neither a domain nor a sender signature")] });
  });

  it("Postmark answering 401 or 500 is 'could not check', with the reason", async () => {
    dns.set("_dmarc.postline.test", [DMARC]);
    sandbox.setDomains([{ id: 1, name: "postline.test", dkimVerified: true, returnPathVerified: true }]);
    const wrong = { ...deps, account: createPostmarkAccountClient({ accountToken: "wrong", apiUrl: sandbox.url, timeoutSeconds: 5 }) };
    expect(await checkSenderDomain("news@postline.test", wrong)).toMatchObject({ dkim: "unknown", problems: [expect.stringContaining("check POSTMARK_ACCOUNT_TOKEN")] });
    sandbox.setFaults({ rate5xx: 1 });
    expect(await checkSenderDomain("news@postline.test", deps)).toMatchObject({ dkim: "unknown", problems: [expect.stringContaining("HTTP 500")] });
  });

  it("without an account token only DMARC is checked", async () => {
    dns.set("_dmarc.postline.test", [DMARC]);
    expect(await checkSenderDomain("news@postline.test", { ...deps, account: null })).toMatchObject({ dkim: "not_checked", returnPath: "not_checked", problems: [] });
  });
});

describe("the campaign gate", () => {
  async function campaignTo(n: number, from: string) {
    await t.db.execute(sql`delete from contacts`);
    await t.db.insert(contacts).values(Array.from({ length: n }, (_, i) => ({ email: `r${i}@example.com` })));
    const [c] = await t.db.insert(campaigns).values({ name: "Big", fromEmail: from, subject: "Hi", html: "<p>Hi</p>" }).returning();
    return c;
  }
  const gate = (over: Partial<CampaignGateDeps> = {}): CampaignGateDeps => ({ ...deps, minRecipients: 5, ...over });

  it("refuses a campaign over the threshold from an unverified domain, saying what to fix; records the check", async () => {
    sandbox.setDomains([{ id: 3, name: "big.test", dkimVerified: false, returnPathVerified: true }]);
    const c = await campaignTo(6, "news@big.test");
    const error = await checkCampaignSender(t.db, { campaignId: c.id }, gate()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "sender_unverified", status: 409 });
    expect((error as AppError).message).toMatch(/^This campaign goes to 6 recipients from big\.test, which is not ready for bulk mail .*To fix: DKIM is not verified for big\.test.*No DMARC record at _dmarc\.big\.test.*an admin can override/);
    const [row] = await t.db.select().from(campaigns).where(sql`id = ${c.id}`);
    expect(row.senderCheck).toMatchObject({ domain: "big.test", dkim: "unverified", returnPath: "verified", dmarc: "missing" });
  });

  it("lets a campaign at or under the threshold go without asking Postmark or DNS", async () => {
    sandbox.setDomains([{ id: 3, name: "big.test" }]);
    const c = await campaignTo(5, "news@big.test");
    const calls = sandbox.stats().apiCalls;
    const asked = dns.questions.length;
    expect(await checkCampaignSender(t.db, { campaignId: c.id }, gate())).toEqual({ check: null, passed: true, overridden: false, recipients: 5 });
    expect(sandbox.stats().apiCalls).toEqual(calls);
    expect(dns.questions.length).toBe(asked);
    expect(await recheckCampaignSender(t.db, { campaignId: c.id }, deps)).toMatchObject({ dkim: "unverified", dmarc: "missing" });
    expect((await t.db.select().from(campaigns).where(sql`id = ${c.id}`))[0].senderCheck).toMatchObject({ dkim: "unverified" });
  });

  it("an admin's override is recorded and lets the campaign go", async () => {
    sandbox.setDomains([{ id: 3, name: "big.test" }]);
    const c = await campaignTo(6, "news@big.test");
    await expect(checkCampaignSender(t.db, { campaignId: c.id }, gate())).rejects.toMatchObject({ code: "sender_unverified" });
    const row = await overrideSenderCheck(t.db, { campaignId: c.id, actor: "admin@postline.test" }, now);
    expect(row).toMatchObject({ senderOverrideBy: "admin@postline.test", senderOverrideAt: now });
    expect(await checkCampaignSender(t.db, { campaignId: c.id }, gate())).toMatchObject({ passed: false, overridden: true });
    await t.db.update(campaigns).set({ status: "sent" }).where(sql`id = ${c.id}`);
    await expect(overrideSenderCheck(t.db, { campaignId: c.id, actor: "x" }, now)).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("a verified domain passes whatever the size", async () => {
    dns.set("_dmarc.good.test", [DMARC]);
    sandbox.setDomains([{ id: 4, name: "good.test", dkimVerified: true, returnPathVerified: true }]);
    const c = await campaignTo(6, "news@good.test");
    expect(await checkCampaignSender(t.db, { campaignId: c.id }, gate())).toMatchObject({ passed: true });
  });
});
