import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signInAndWait } from "./helpers";

// Issue 18, item 1: Settings shows each stream's webhook as Postmark has it, connects it in one click,
// and the reconcile cron raises a webhook edited behind Postline's back.

const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
const SANDBOX = "http://127.0.0.1:4011"; // POSTMARK_SANDBOX_PORT in playwright.config.ts
const SCREENSHOTS = "test-results/screenshots";
const secrets = () => JSON.parse(fs.readFileSync(path.join(".data/e2e", "secrets.json"), "utf8")) as { SANDBOX_SERVER_TOKEN: string; CRON_SECRET: string };

/** Postmark's Webhooks API on the launcher's sandbox, as someone in Postmark's UI would change it. */
async function postmark(request: APIRequestContext, method: "GET" | "PUT" | "DELETE", url: string, data?: unknown) {
  const res = await request.fetch(`${SANDBOX}${url}`, { method, data, headers: { "X-Postmark-Server-Token": secrets().SANDBOX_SERVER_TOKEN, Accept: "application/json" } });
  expect(res.status(), await res.text()).toBe(200);
  return res.json();
}

async function noSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

test.describe.configure({ timeout: 120_000 });

test("/settings: Postmark webhooks per stream, connected in one click; an edit in Postmark is raised by the cron and put right", async ({ page, request }) => {
  // A server with no webhooks of Postline's (the launcher's sandbox stands in until one exists).
  for (const w of (await postmark(request, "GET", "/webhooks")).Webhooks) await postmark(request, "DELETE", `/webhooks/${w.ID}`);

  await page.setViewportSize({ width: 1280, height: 900 });
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto("/settings#postmark");
  const card = page.locator("section#postmark");
  const streams = card.getByRole("list", { name: "Webhook per stream" });
  await expect(streams.getByRole("listitem").filter({ hasText: "outbound" }).getByText("Not set up")).toBeVisible();
  await expect(streams.getByRole("listitem").filter({ hasText: "broadcast" }).getByText("Not set up")).toBeVisible();
  await card.screenshot({ path: `${SCREENSHOTS}/settings-postmark-1280-not-set-up.png` });

  await card.getByRole("button", { name: "Connect Postmark" }).click();
  await expect(card.getByRole("status")).toHaveText("Postmark's webhooks are right (outbound: created, broadcast: created).");
  await expect(streams.getByText("Connected")).toHaveCount(2);
  const created = (await postmark(request, "GET", "/webhooks")).Webhooks as { ID: number; MessageStream: string; Url: string; Triggers: { Open: { PostFirstOpenOnly: boolean } } }[];
  expect(created.map((w) => w.MessageStream).sort()).toEqual(["broadcast", "outbound"]);
  expect(created.every((w) => w.Url === `http://127.0.0.1:${E2E.port}/api/webhooks/postmark` && w.Triggers.Open.PostFirstOpenOnly === false)).toBe(true);

  // Someone switches Click off on the outbound webhook in Postmark's UI.
  const outbound = created.find((w) => w.MessageStream === "outbound")!;
  await postmark(request, "PUT", `/webhooks/${outbound.ID}`, { Triggers: { Click: { Enabled: false } } });
  const cron = await request.get("/api/cron/reconcile", { headers: { authorization: `Bearer ${secrets().CRON_SECRET}` } });
  expect(cron.status(), await cron.text()).toBe(200);
  expect((await cron.json()).data.reconcile.alerts).toContain("drift:outbound");
  await page.goto("/");
  await expect(page.getByTestId("home-alerts")).toContainText('The Postmark webhook of stream "outbound" was changed');

  // The status route says what differs; the card shows it too.
  const status = (await (await request.get("/api/v1/postmark/status", { headers: auth })).json()).data;
  expect(status.webhooks.ok).toBe(false);
  expect(status.webhooks.streams.find((s: { stream: string }) => s.stream === "outbound")).toMatchObject({ state: "drifted", problems: [{ code: "trigger_off", message: "Off: Click" }] });
  await page.goto("/settings#postmark");
  const changed = streams.getByRole("listitem").filter({ hasText: "outbound" });
  await expect(changed.getByText("Changed in Postmark")).toBeVisible();
  await expect(changed.getByText("Off: Click")).toBeVisible();

  await page.setViewportSize({ width: 390, height: 844 });
  await noSidewaysScroll(page);
  await card.screenshot({ path: `${SCREENSHOTS}/settings-postmark-390-changed.png` });

  // Put right from the card (the API route does the same: it finds nothing left to do after).
  await card.getByRole("button", { name: "Correct in Postmark" }).click();
  await expect(card.getByRole("status")).toHaveText("Postmark's webhooks are right (outbound: updated, broadcast: unchanged).");
  await expect(streams.getByText("Connected")).toHaveCount(2);
  const sync = await request.post("/api/v1/postmark/webhooks/sync", { headers: auth });
  expect(sync.status()).toBe(200);
  expect((await sync.json()).data).toMatchObject({ ok: true, streams: [{ stream: "outbound", action: "unchanged" }, { stream: "broadcast", action: "unchanged" }] });
  await card.screenshot({ path: `${SCREENSHOTS}/settings-postmark-390-connected.png` });
  await page.setViewportSize({ width: 1280, height: 900 });
  await card.screenshot({ path: `${SCREENSHOTS}/settings-postmark-1280-connected.png` });

  // Events still arrive through the webhooks just created: the test event's Delivery, Open and Click.
  await card.getByRole("button", { name: "Send a test event" }).click();
  await expect(card.getByText(/Sent through the sandbox \(MessageID/)).toBeVisible();
  const messageId = /MessageID ([0-9a-f-]+)/.exec((await card.getByText(/Sent through the sandbox/).textContent())!)![1];
  // The sandbox's own record of each post: "posted" means Postline answered 2xx.
  const posted = async () => {
    const res = await request.get(`${SANDBOX}/__sandbox/messages`, { headers: { "X-Postmark-Server-Token": secrets().SANDBOX_SERVER_TOKEN } });
    const m = ((await res.json()).Messages as { messageId: string; events: { recordType: string; webhook: string }[] }[]).find((x) => x.messageId === messageId);
    return (m?.events ?? []).filter((e) => e.webhook === "posted").map((e) => e.recordType).join(",");
  };
  await expect.poll(posted, { timeout: 30_000 }).toBe("Delivery,Open,Click");
});

test("/api/v1/postmark: refused without an API key", async ({ request }) => {
  expect((await request.get("/api/v1/postmark/status")).status()).toBe(401);
  expect((await request.post("/api/v1/postmark/webhooks/sync")).status()).toBe(401);
});
