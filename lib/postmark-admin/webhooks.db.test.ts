/**
 * Connect Postmark: Postline's webhook per stream read, created and corrected through the sandbox's
 * Webhooks API with the official client; drift found by the reconcile cron and raised as an admin
 * alert; Postmark answering 401, 422 and 500 (real PostgreSQL for the alerts).
 */
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { alerts } from "@/db/schema";
import { startPostmarkSandbox, type PostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import { createPostmarkClient } from "@/lib/postmark/client";
import { createTxtResolver } from "@/lib/sender-checks/dmarc";
import { reconcile } from "@/lib/reconcile/run";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { startTestDnsServer, type TestDnsServer } from "@/lib/tooling/testing/dns-server";
import { getPostmarkStatus } from "./status";
import { DRIFT_ALERT_KIND } from "./webhook-drift";
import { inspectWebhooks, syncWebhooks, type PostlineWebhookConfig } from "./webhooks";

const TOKEN = "postmark-admin-test";
const config: PostlineWebhookConfig = {
  url: "https://postline.example/api/webhooks/postmark",
  secret: "current-secret-0123456789",
  basicAuth: { username: "pm", password: "hook-pass" },
  streams: ["outbound", "broadcast"],
};

let t: TestDatabase;
let sandbox: PostmarkSandbox;
let dns: TestDnsServer;
const postmark = (token = TOKEN) => createPostmarkClient({ serverToken: token, apiUrl: sandbox.url, timeoutSeconds: 5 });

beforeAll(async () => {
  t = await createTestDatabase();
  sandbox = await startPostmarkSandbox({ serverToken: TOKEN });
  dns = await startTestDnsServer({ "_dmarc.postline.example": ["v=DMARC1; p=none"] });
});
afterEach(async () => {
  sandbox.setFaults({});
  await sandbox.reset();
  await t.db.delete(alerts);
});
afterAll(async () => {
  await sandbox.close();
  await dns.close();
  await t.drop();
});

const cron = (webhooks = config, client = postmark()) => reconcile(t.db, { trigger: "cron" }, { postmark: client, webhooks, now: () => new Date() });
const driftAlerts = () => t.db.select().from(alerts).where(eq(alerts.kind, DRIFT_ALERT_KIND));

describe("connect: read and put right Postline's webhook on each stream", () => {
  it("finds none on a new server, creates both with the header, basic auth and all six triggers, then leaves them alone", async () => {
    expect((await inspectWebhooks(postmark(), config)).map((s) => [s.stream, s.state])).toEqual([["outbound", "missing"], ["broadcast", "missing"]]);

    const first = await syncWebhooks(postmark(), config);
    expect(first.ok).toBe(true);
    expect(first.streams.map((s) => [s.stream, s.action])).toEqual([["outbound", "created"], ["broadcast", "created"]]);
    const { Webhooks } = await postmark().getWebhooks();
    expect(Webhooks).toHaveLength(2);
    for (const w of Webhooks) {
      expect(w).toMatchObject({
        Url: config.url,
        HttpAuth: { Username: "pm", Password: "hook-pass" },
        HttpHeaders: [{ Name: "X-Webhook-Secret", Value: config.secret }],
        Triggers: {
          Open: { Enabled: true, PostFirstOpenOnly: false },
          Click: { Enabled: true },
          Delivery: { Enabled: true },
          Bounce: { Enabled: true },
          SpamComplaint: { Enabled: true },
          SubscriptionChange: { Enabled: true },
        },
      });
    }
    expect((await inspectWebhooks(postmark(), config)).every((s) => s.state === "ok" && s.problems.length === 0)).toBe(true);

    const again = await syncWebhooks(postmark(), config);
    expect(again.streams.map((s) => s.action)).toEqual(["unchanged", "unchanged"]);
    expect((await postmark().getWebhooks()).Webhooks).toHaveLength(2);
  });

  it("leaves other people's webhooks on the stream alone and keeps the custom headers of its own", async () => {
    const c = postmark();
    const theirs = await c.createWebhook({ Url: "https://analytics.example/hook", MessageStream: "outbound", Triggers: { Open: { Enabled: true } } });
    const ours = await c.createWebhook({ Url: config.url, MessageStream: "outbound", HttpHeaders: [{ Name: "X-Trace", Value: "keep" }] });
    await syncWebhooks(c, config);
    expect(await c.getWebhook(theirs.ID)).toEqual(theirs);
    expect((await c.getWebhook(ours.ID)).HttpHeaders).toEqual([{ Name: "X-Trace", Value: "keep" }, { Name: "X-Webhook-Secret", Value: config.secret }]);
    expect((await c.getWebhooks({ messageStream: "outbound" })).Webhooks).toHaveLength(2);
  });
});

describe("drift: a webhook edited behind Postline's back", () => {
  it("is found by the reconcile cron with what changed, raised as an admin alert, and put right by sync", async () => {
    await syncWebhooks(postmark(), config);
    const c = postmark();
    const [outbound, broadcast] = (await c.getWebhooks()).Webhooks;
    // In Postmark's UI: the URL moved to another host, Click switched off, first opens only.
    await c.editWebhook(outbound.ID, { Url: "https://old-host.example/api/webhooks/postmark", Triggers: { Click: { Enabled: false }, Open: { Enabled: true, PostFirstOpenOnly: true } } });
    // And the broadcast webhook lost its header and its basic auth.
    await c.editWebhook(broadcast.ID, { HttpHeaders: [], HttpAuth: { Username: "", Password: "" } });

    const states = await inspectWebhooks(c, config);
    expect(states[0]).toMatchObject({ stream: "outbound", state: "drifted", webhookId: outbound.ID });
    expect(states[0].problems.map((p) => p.code)).toEqual(["url", "trigger_off", "first_open_only"]);
    expect(states[0].problems[1].message).toBe("Off: Click");
    expect(states[1].problems.map((p) => p.code)).toEqual(["secret_missing", "basic_auth"]);

    const run = await cron();
    expect(run.alerts).toEqual(expect.arrayContaining(["drift:outbound", "drift:broadcast"]));
    const raised = await driftAlerts();
    expect(raised.map((a) => [a.dedupeKey, a.severity]).sort()).toEqual([["drift:broadcast", "critical"], ["drift:outbound", "critical"]]);
    expect(raised.find((a) => a.dedupeKey === "drift:outbound")!.body).toMatch(/old-host\.example.*Off: Click.*first open only/s);
    // Never a secret in an alert.
    expect(JSON.stringify(raised)).not.toContain(config.secret);

    const fixed = await syncWebhooks(c, config);
    expect(fixed.streams.map((s) => s.action)).toEqual(["updated", "updated"]);
    expect(fixed.streams[0].fixed.map((p) => p.code)).toEqual(["url", "trigger_off", "first_open_only"]);
    expect((await inspectWebhooks(c, config)).every((s) => s.state === "ok")).toBe(true);
    // The edit corrected the webhooks in place: no new ones.
    expect((await c.getWebhooks()).Webhooks.map((w) => w.ID)).toEqual([outbound.ID, broadcast.ID]);

    await t.db.update(alerts).set({ acknowledgedAt: new Date() });
    expect((await cron()).alerts.filter((a) => a.startsWith("drift:"))).toEqual([]);
  });

  it("raises a deleted webhook as missing, and a wrong secret without saying what it is", async () => {
    await syncWebhooks(postmark(), config);
    const c = postmark();
    const [outbound, broadcast] = (await c.getWebhooks()).Webhooks;
    await c.deleteWebhook(outbound.ID);
    await c.editWebhook(broadcast.ID, { HttpHeaders: [{ Name: "X-Webhook-Secret", Value: "typed-by-hand" }] });
    await cron();
    const raised = await driftAlerts();
    expect(raised.find((a) => a.dedupeKey === "drift:outbound")!.title).toBe('Postmark has no Postline webhook on stream "outbound"');
    expect(raised.find((a) => a.dedupeKey === "drift:broadcast")!.body).toContain("holds a value that is not POSTMARK_WEBHOOK_SECRET");
    expect(JSON.stringify(raised)).not.toContain("typed-by-hand");
  });

  it("is not checked on a campaign's manual run, nor without a webhook configuration", async () => {
    expect((await reconcile(t.db, { trigger: "cron" }, { postmark: postmark(), now: () => new Date() })).alerts).toEqual([]);
    expect(await driftAlerts()).toEqual([]);
  });
});

describe("Postmark refusing or failing", () => {
  it("401 (a wrong server token): every stream unavailable, sync changes nothing, the cron raises a critical alert", async () => {
    const wrong = postmark("not-the-token");
    const states = await inspectWebhooks(wrong, config);
    expect(states.map((s) => [s.state, s.error?.statusCode, s.error?.errorCode])).toEqual([["unavailable", 401, 10], ["unavailable", 401, 10]]);
    expect(states[0].error!.message).toMatch(/^Postmark refused the server token \(POSTMARK_SERVER_TOKEN\)/);
    const sync = await syncWebhooks(wrong, config);
    expect(sync).toMatchObject({ ok: false, streams: [{ action: "failed", error: { statusCode: 401 } }, { action: "failed" }] });
    expect((await postmark().getWebhooks()).Webhooks).toEqual([]);

    expect((await cron(config, wrong)).alerts).toEqual(expect.arrayContaining(["unavailable:outbound", "unavailable:broadcast"]));
    expect((await driftAlerts()).every((a) => a.severity === "critical" && a.title.startsWith("Postline cannot read"))).toBe(true);
  });

  it("422 (a stream Postmark does not have): that stream fails with Postmark's ErrorCode, the other is connected", async () => {
    const misnamed = { ...config, streams: ["outbound", "broadcasts"] };
    const sync = await syncWebhooks(postmark(), misnamed);
    expect(sync.ok).toBe(false);
    expect(sync.streams).toMatchObject([
      { stream: "outbound", action: "created" },
      { stream: "broadcasts", action: "failed", error: { statusCode: 422, errorCode: 1226 } },
    ]);
    expect((await cron(misnamed)).alerts).toEqual(["unavailable:broadcasts"]);
  });

  it("500: unavailable and sync failed, but no alert (a passing outage; the next run looks again)", async () => {
    sandbox.setFaults({ rate5xx: 1 });
    expect((await inspectWebhooks(postmark(), config)).map((s) => s.error?.statusCode)).toEqual([500, 500]);
    expect((await syncWebhooks(postmark(), config)).ok).toBe(false);
    const run = await cron();
    expect(run.alerts).toEqual([]);
    expect(await driftAlerts()).toEqual([]);
  });
});

function statusDeps(webhooks: PostlineWebhookConfig, now = () => new Date()) {
  return {
    postmark: postmark(),
    webhooks,
    broadcastStream: "broadcast",
    sender: { fromEmail: "news@postline.example", checks: { account: null, resolver: createTxtResolver([dns.address], { timeoutMs: 500 }), now } },
    now,
  };
}

describe("GET /api/v1/postmark/status", () => {
  it("says per stream what Postmark has, and which streams still send the previous secret during a rotation", async () => {
    await syncWebhooks(postmark(), config);
    const rotating = { ...config, secret: "the-new-secret-0123456789", previousSecret: config.secret };
    const status = await getPostmarkStatus(t.db, statusDeps(rotating, () => new Date("2026-11-26T10:00:00Z")));
    expect(status.webhooks).toMatchObject({
      ok: false,
      checkedAt: "2026-11-26T10:00:00.000Z",
      url: config.url,
      rotation: { previousSecretAccepted: true, streamsOnPreviousSecret: ["outbound", "broadcast"] },
    });
    expect(status.webhooks.streams[0].problems).toEqual([{ code: "secret_previous", message: "X-Webhook-Secret still holds the previous secret: sync to finish the rotation" }]);
    await syncWebhooks(postmark(), rotating);
    const after = await getPostmarkStatus(t.db, statusDeps(rotating));
    expect(after.webhooks).toMatchObject({ ok: true, rotation: { previousSecretAccepted: true, streamsOnPreviousSecret: [] } });
  });

  it("carries the suppressions part (no sync yet, no disagreement) and the default sender's domain check", async () => {
    const status = await getPostmarkStatus(t.db, statusDeps(config));
    expect(status.suppressions).toEqual({
      last_sync: null,
      disagreements: { suppressed_in_postmark_only: { count: 0, examples: [] }, unsubscribed_in_postline_only: { count: 0, examples: [] } },
    });
    expect(status.sender).toMatchObject({ domain: "postline.example", dkim: "not_checked", returnPath: "not_checked", dmarc: "present", problems: [] });
    const unknown = await getPostmarkStatus(t.db, { ...statusDeps(config), sender: { fromEmail: "News <news@nodmarc.example>", checks: statusDeps(config).sender.checks } });
    expect(unknown.sender).toMatchObject({ domain: "nodmarc.example", dmarc: "missing" });
    expect(unknown.sender.problems[0]).toMatch(/No DMARC record at _dmarc\.nodmarc\.example/);
  });
});

