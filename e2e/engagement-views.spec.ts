/**
 * What people did and what machines did, on the campaign and message pages (issue 15). The campaign is
 * created through the API and its engagement written to the app's database as ingestion leaves it (first
 * human open/click, classes, classified events with reasons, counters), so these pages are checked
 * against known numbers whatever the sandbox's traffic or the classifier's current rules.
 */
import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { appDatabase, expectAccessible, signInAndWait } from "./helpers";

const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
const SCREENSHOTS = "test-results/screenshots";

test.describe.configure({ timeout: 180_000 });

interface Seeded {
  campaignId: string;
  messageIds: Record<string, string>;
}

/**
 * Eight recipients: a person who opened and clicked; Apple's proxy only; a scanner that opened and
 * clicked both links; an Apple Mail user who clicked (the proxy prefetched first); a Gmail reader
 * (image proxy: a person); an uncertain open; one delivered and untouched; one bounced.
 */
async function seedCampaign(tag: string): Promise<Seeded> {
  const draft = (await (await fetch(`http://127.0.0.1:${E2E.port}/api/v1/campaigns`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ name: `Machines ${tag}`, subject: "Spring offer", html: '<p><a href="https://example.com/offer">Offer</a> <a href="https://example.com/terms">Terms</a></p>' }) })).json()) as { data: { id: string } };
  const campaignId = draft.data.id;
  const db = await appDatabase();
  try {
    await db.query("begin");
    await db.query("update campaigns set status = 'sent', recipient_count = 8, sent_count = 8, started_at = now() - interval '3 hours', completed_at = now() - interval '3 hours' where id = $1", [campaignId]);
    const at = (minutes: number) => `now() - interval '3 hours' + interval '${minutes} minutes'`;
    const rows: [string, string, string][] = [
      // local part, status, the engagement columns as SQL
      ["person", "clicked", `first_opened_at = ${at(20)}, first_human_opened_at = ${at(20)}, first_clicked_at = ${at(21)}, first_human_clicked_at = ${at(21)}, open_count = 1, click_count = 1, open_classes = '{human}', click_classes = '{human}'`],
      ["mpp", "opened", `first_opened_at = ${at(1)}, open_count = 2, open_classes = '{apple_mpp}'`],
      ["scanner", "clicked", `first_opened_at = ${at(1)}, first_clicked_at = ${at(1)}, open_count = 1, click_count = 2, open_classes = '{link_scanner}', click_classes = '{link_scanner}'`],
      ["mppclick", "clicked", `first_opened_at = ${at(1)}, first_human_opened_at = ${at(45)}, first_clicked_at = ${at(45)}, first_human_clicked_at = ${at(45)}, open_count = 1, click_count = 1, open_classes = '{apple_mpp}', click_classes = '{human}'`],
      ["gmail", "opened", `first_opened_at = ${at(30)}, first_human_opened_at = ${at(30)}, open_count = 1, open_classes = '{image_proxy}'`],
      ["uncertain", "opened", `first_opened_at = ${at(1)}, open_count = 1, open_classes = '{unknown}'`],
      ["plain", "delivered", "open_count = 0"],
      ["bounced", "bounced", `bounced_at = ${at(1)}, delivered_at = null`],
    ];
    const messageIds: Record<string, string> = {};
    for (const [local, status] of rows) {
      const { rows: inserted } = await db.query<{ id: string }>(
        `insert into messages (kind, campaign_id, to_email, from_email, subject, message_stream, status, postmark_message_id, sent_at, delivered_at, last_event_at)
         values ('campaign', $1, $2, 'news@postline.test', 'Spring offer', 'broadcast', $3, gen_random_uuid()::text, ${at(0)}, ${at(0)}, ${at(50)}) returning id`,
        [campaignId, `${local}+${tag}@engagement.postline.test`, status],
      );
      messageIds[local] = inserted[0].id;
    }
    for (const [local, , set] of rows) await db.query(`update messages set ${set} where id = $1`, [messageIds[local]]);
    const event = async (local: string, recordType: string, minutes: number, cls: string | null, reasons: string[] | null, details: object) =>
      db.query(
        `with ev as (
           insert into message_events (event_key, message_id, record_type, recipient, occurred_at, source, details, engagement_class, engagement_reasons, engagement_rules_version)
           values (gen_random_uuid()::text, $1, $2, $3, ${at(minutes)}, 'webhook', $5, $6, $7, $8) returning id, received_at, event_key
         ),
         raw as (insert into message_event_raw (event_id, received_at, raw) select id, received_at, $4::jsonb from ev)
         insert into message_event_keys (event_key) select event_key from ev`,
        [messageIds[local], recordType, `${local}+${tag}@engagement.postline.test`, JSON.stringify({ RecordType: recordType }), JSON.stringify(details), cls, reasons, cls ? "2026-11-1" : null],
      );
    for (const local of ["person", "mpp", "scanner", "mppclick"]) await event(local, "Delivery", 0, null, null, {});
    await event("mpp", "Open", 1, "apple_mpp", ["ua:Mozilla/5.0", "net:apple-relay"], { client: "Unknown" });
    await event("mpp", "Open", 40, "apple_mpp", ["ua:Mozilla/5.0", "net:apple-relay"], { client: "Unknown" });
    await event("scanner", "Open", 1, "link_scanner", ["net:microsoft-eop"], {});
    await event("scanner", "Click", 1, "link_scanner", ["net:microsoft-eop", "timing:click-within-180s-of-delivery", "pattern:click-before-open"], { link: "https://example.com/offer" });
    await event("scanner", "Click", 1.01, "link_scanner", ["net:microsoft-eop", "pattern:multi-link-burst"], { link: "https://example.com/terms" });
    await event("person", "Open", 20, "human", ["client:Apple Mail"], { client: "Apple Mail", platform: "Desktop" });
    await event("person", "Click", 21, "human", ["client:Chrome"], { link: "https://example.com/offer" });
    await db.query(
      `insert into campaign_event_counters (campaign_id, shard, delivered, opened, clicked, bounced, opened_human, clicked_human, opened_machine_only, opened_apple_mpp, opened_image_proxy, opened_link_scanner, opened_unknown, clicked_link_scanner, clicked_unknown)
       values ($1, 0, 7, 6, 3, 1, 3, 2, 3, 2, 1, 1, 1, 1, 0)`,
      [campaignId],
    );
    // As ingestion keeps them per hour (the chart draws bars under an hour from the events above).
    await db.query(
      `insert into campaign_hourly_activity (campaign_id, hour, opens, clicks, human_opens, human_clicks)
       values ($1, date_trunc('hour', now() - interval '3 hours'), 4, 3, 1, 1)`,
      [campaignId],
    );
    await db.query(
      `insert into campaign_link_clicks (campaign_id, link, clicks, human_clicks, unique_clicks)
       values ($1, 'https://example.com/offer', 3, 2, 3), ($1, 'https://example.com/terms', 1, 0, 1)`,
      [campaignId],
    );
    await db.query("commit");
    return { campaignId, messageIds };
  } finally {
    await db.end();
  }
}

async function noSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

const emails = async (page: Page) => (await page.getByTestId("recipient-row").locator("td:first-child").allInnerTexts()).map((t) => t.split("+")[0]).sort();

test("/campaigns/{id}: headline opens and clicks are people's, machine activity beside them; filters count people unless machine-only opens are counted", async ({ page }) => {
  const tag = Date.now().toString(36);
  const { campaignId } = await seedCampaign(tag);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto(`/campaigns/${campaignId}`);

  await expect(page.getByTestId("stat-opened")).toHaveText("3");
  await expect(page.getByTestId("rate-opened")).toHaveText("42.9% — people");
  await expect(page.getByTestId("stat-clicked")).toHaveText("2");
  await expect(page.getByTestId("stat-unopened")).toHaveText("4");
  const machine = page.getByTestId("machine-activity-summary");
  await expect(machine.getByRole("img", { name: /Recipients with an open: 6; a person opened 3 \(50\.0%\), only machines 3 \(50\.0%\)/ })).toBeVisible();
  await expect(machine.getByTestId("machine-classes")).toContainText("Apple proxy opened 2 · image proxies 1 · scanners opened 1 · scanners clicked 1 · uncertain opens 1");
  // A campaign three hours old gets bars under an hour, counted from its classified events.
  await expect(page.getByTestId("chart-all-counts")).toHaveText("By people: opens 1, clicks 1. Counting machines too (Apple's proxy, scanners): opens 4, clicks 3.");
  const links = page.getByRole("table", { name: "Clicks per link" });
  await expect(links.getByRole("columnheader", { name: /People/ })).toBeVisible();
  await expect(links.getByRole("row", { name: /example\.com\/offer/ }).locator("td")).toHaveText(["example.com/offer", "3", "2", "3"]);

  // Each recipient's status is a person's, machines beside it.
  const row = (local: string) => page.getByTestId("recipient-row").filter({ hasText: `${local}+${tag}` });
  await expect(row("mpp").getByTestId("human-status")).toHaveAttribute("data-status", "delivered");
  await expect(row("mpp").getByTestId("machine-activity")).toHaveText("Opened by Apple's proxy only");
  await expect(row("scanner").getByTestId("machine-activity")).toHaveText(["Opened by a link scanner only", "Clicked by a link scanner"]);
  await expect(row("uncertain").getByTestId("machine-activity")).toHaveText("Opened (uncertain)");
  await expect(row("gmail").getByTestId("human-status")).toHaveAttribute("data-status", "opened");
  await expect(row("gmail").getByTestId("machine-activity")).toHaveCount(0);
  await expect(row("mppclick").getByTestId("human-status")).toHaveAttribute("data-status", "clicked");

  const filters = page.getByRole("navigation", { name: "Filter recipients" });
  await filters.getByRole("link", { name: "Opened", exact: true }).click();
  await expect.poll(() => emails(page)).toEqual(["gmail", "mppclick", "person"]);
  await filters.getByRole("link", { name: "Clicked", exact: true }).click();
  await expect.poll(() => emails(page)).toEqual(["mppclick", "person"]);
  await filters.getByRole("link", { name: "Unopened" }).click();
  await expect.poll(() => emails(page)).toEqual(["mpp", "plain", "scanner", "uncertain"]);
  const toggle = page.getByRole("switch", { name: "Count machine-only opens as opened" });
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await toggle.click();
  await expect(page).toHaveURL(/machine=1/);
  await expect(page).toHaveURL(/filter=unopened/);
  await expect(page.getByRole("switch", { name: "Count machine-only opens as opened" })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByTestId("machine-toggle")).toContainText("On: Opened and Unopened count any open");
  await expect.poll(() => emails(page)).toEqual(["plain"]);
  await filters.getByRole("link", { name: "Opened", exact: true }).click();
  await expect(page).toHaveURL(/machine=1/);
  await expect.poll(() => emails(page)).toEqual(["gmail", "mpp", "mppclick", "person", "scanner", "uncertain"]);
  // The export follows the view.
  const csv = await (await page.request.get(`/campaigns/${campaignId}/export?filter=unopened`)).text();
  expect(csv.trim().split("\r\n").slice(1).map((l) => l.split("+")[0]).sort()).toEqual(["mpp", "plain", "scanner", "uncertain"]);
});

test("/messages/{id}: each open and click names who fetched it and why; the status and first open/click are a person's", async ({ page }) => {
  const tag = Date.now().toString(36);
  const { messageIds } = await seedCampaign(tag);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);

  await page.goto(`/messages/${messageIds.scanner}`);
  await expect(page.getByTestId("human-status")).toHaveAttribute("data-status", "delivered");
  await expect(page.getByTestId("human-status").getByTestId("machine-activity")).toHaveText(["Opened by a link scanner only", "Clicked by a link scanner"]);
  await expect(page.getByTestId("first-open")).toContainText("not by a person");
  await expect(page.getByTestId("first-open")).toContainText("first of any kind");
  const classes = page.getByTestId("engagement-class");
  await expect(classes).toHaveCount(3);
  await expect(classes.locator("summary")).toHaveText([/^Link scanner\s*why$/, /^Link scanner\s*why$/, /^Link scanner\s*why$/]);
  const burst = classes.nth(2);
  await burst.locator("summary").click();
  await expect(burst.getByRole("listitem")).toContainText(["Network: microsoft-eop", "Pattern: multi-link-burst", "rules 2026-11-1"]);

  await page.goto(`/messages/${messageIds.mpp}`);
  await expect(page.getByTestId("human-status").getByTestId("machine-activity")).toHaveText("Opened by Apple's proxy only");
  await expect(page.getByTestId("engagement-class").first().locator("summary")).toContainText("Apple proxy");

  await page.goto(`/messages/${messageIds.mppclick}`);
  await expect(page.getByTestId("human-status")).toHaveAttribute("data-status", "clicked");
  await expect(page.getByTestId("first-open")).toContainText("by a person");
  await expect(page.getByTestId("first-open")).toContainText("first of any kind");
});

test("campaign and message pages with machine activity at 1280 and 390 px: screenshots, nothing scrolls sideways, axe finds nothing serious", async ({ page }) => {
  const tag = Date.now().toString(36);
  const { campaignId, messageIds } = await seedCampaign(tag);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.goto(`/campaigns/${campaignId}`);
    await expect(page.getByTestId("machine-activity-summary")).toBeVisible();
    await page.screenshot({ path: `${SCREENSHOTS}/campaign-machines-${width}.png`, fullPage: true });
    if (width === 390) await noSidewaysScroll(page);
    await expectAccessible(page, { soft: true });
    await page.goto(`/messages/${messageIds.scanner}`);
    await page.getByTestId("engagement-class").nth(1).locator("summary").click();
    await page.screenshot({ path: `${SCREENSHOTS}/message-machines-${width}.png`, fullPage: true });
    if (width === 390) await noSidewaysScroll(page);
    await expectAccessible(page, { soft: true });
  }
});

// The sandbox's forced machine traffic through the real webhooks, the classifying ingestion and the
// pages (fast pace: Apple's prefetch and the scanner within 3 s of delivery, the person's click at 11–12 s).
test("sandbox traffic: mpp@ shows as opened by Apple's proxy only, scanner@ as clicked by a link scanner, a person's click as clicked", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const list = await (await request.post("/api/v1/lists", { headers: auth, data: { name: `machines ${tag}` } })).json();
  const locals = ["mpp", "scanner", "click", "delivered"];
  await request.post("/api/v1/contacts", { headers: auth, data: locals.map((l) => ({ email: `${l}+${tag}@machines.postline.test`, list_ids: [list.data.id] })) });
  const campaign = await (await request.post("/api/v1/campaigns", { headers: auth, data: { name: `Live machines ${tag}`, subject: "Hi", html: '<p><a href="https://example.com/a">A</a> <a href="https://example.com/b">B</a></p>', list_ids: [list.data.id] } })).json();
  expect((await request.post(`/api/v1/campaigns/${campaign.data.id}/send`, { headers: auth })).status()).toBe(202);
  const stats = async () => (await (await request.get(`/api/v1/campaigns/${campaign.data.id}`, { headers: auth })).json()).data.stats;
  await expect.poll(stats, { timeout: 60_000 }).toMatchObject({ delivered: 4, opened_human: 1, clicked_human: 1, machine: { opened: { apple_mpp: 1 }, clicked: { link_scanner: 1 } } });
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto(`/campaigns/${campaign.data.id}`);
  const row = (local: string) => page.getByTestId("recipient-row").filter({ hasText: `${local}+${tag}` });
  await expect(row("mpp").getByTestId("machine-activity")).toHaveText("Opened by Apple's proxy only");
  await expect(row("scanner").getByTestId("machine-activity")).toContainText(["Clicked by a link scanner"]);
  await expect(row("click").getByTestId("human-status")).toHaveAttribute("data-status", "clicked");

  // The API says the same: any-event status beside the human one, and each open's class and reasons.
  const listed = (await (await request.get(`/api/v1/messages?campaign_id=${campaign.data.id}`, { headers: auth })).json()).data as { id: string; to: string; status: string; human_status: string; open_classes: string[] }[];
  const mpp = listed.find((m) => m.to.startsWith("mpp+"))!;
  expect(mpp).toMatchObject({ status: "opened", human_status: "delivered", open_classes: ["apple_mpp"] });
  expect(listed.find((m) => m.to.startsWith("click+"))).toMatchObject({ status: "clicked", human_status: "clicked" });
  // Filtered by what people did: Apple's prefetch alone is not an open.
  const notOpenedByPeople = (await (await request.get(`/api/v1/messages?campaign_id=${campaign.data.id}&human_status=delivered`, { headers: auth })).json()).data as { to: string }[];
  expect(notOpenedByPeople.map((m) => m.to.split("+")[0]).sort()).toEqual(["delivered", "mpp", "scanner"]);
  const detail = (await (await request.get(`/api/v1/messages/${mpp.id}`, { headers: auth })).json()).data as { events: { record_type: string; engagement: { class: string; reasons: string[] } | null }[] };
  const open = detail.events.find((e) => e.record_type === "Open")!;
  expect(open.engagement?.class).toBe("apple_mpp");
  expect(open.engagement?.reasons.length).toBeGreaterThan(0);
});
