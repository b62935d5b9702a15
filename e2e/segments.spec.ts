import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { expectAccessible, signInAndWait } from "./helpers";

const SCREENSHOTS = "test-results/screenshots";
const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };

async function noSidewaysScroll(page: Page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
  expect(scrollWidth, `${page.url()} scrolls sideways`).toBeLessThanOrEqual(clientWidth);
}

test("/segments → /campaigns: build a segment with a live count, save it, target a campaign at it, send: the messages are exactly the segment's contacts", async ({ page, request }) => {
  test.setTimeout(180_000);
  const tag = Date.now().toString(36);
  const tagName = `Fans ${tag}`;
  expect((await request.post("/api/v1/tags", { headers: auth, data: { name: tagName } })).status()).toBe(201);
  const people = [
    { local: "in-a", city: "Berlin", tagged: true },
    { local: "in-b", city: "Berlin", tagged: true },
    { local: "munich", city: "Munich", tagged: true },
    { local: "untagged", city: "Berlin", tagged: false },
    { local: "gone", city: "Berlin", tagged: true, unsubscribed: true },
  ];
  const emailOf = (local: string) => `delivered+${local}-${tag}@segments.postline.test`;
  const created = await request.post("/api/v1/contacts", { headers: auth, data: people.map((p) => ({ email: emailOf(p.local), name: p.local, fields: { city: p.city } })) });
  expect(created.status()).toBe(200);
  for (const p of people) {
    const found = (await (await request.get(`/api/v1/contacts?search=${encodeURIComponent(emailOf(p.local))}`, { headers: auth })).json()).data[0];
    if (p.tagged) expect((await request.post(`/api/v1/contacts/${found.id}/tags`, { headers: auth, data: { tags: [tagName] } })).ok()).toBe(true);
    if (p.unsubscribed) expect((await request.patch(`/api/v1/contacts/${found.id}`, { headers: auth, data: { status: "unsubscribed" } })).ok()).toBe(true);
  }

  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Segments" }).click();
  await expect(page.getByRole("heading", { name: "Segments", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: /New segment|Build a segment/ }).first().click();
  await expect(page.getByRole("heading", { name: "New segment", level: 1 })).toBeVisible();
  const form = page.getByRole("form", { name: "Segment" });
  const live = page.getByTestId("segment-live-count");
  await form.getByLabel("Name", { exact: true }).fill(`Berlin fans ${tag}`);

  // Tag X …
  await form.getByLabel("New condition").selectOption("tags");
  await form.getByRole("button", { name: "Add condition" }).click();
  const first = page.getByRole("group", { name: "Condition 1: Tags" });
  await first.getByLabel(tagName).check();
  await expect(live).toContainText("4 contacts match");
  // … and city = Berlin …
  await form.getByLabel("New condition").selectOption("field");
  await form.getByRole("button", { name: "Add condition" }).click();
  const second = page.getByRole("group", { name: "Condition 2: Custom field" });
  await second.getByLabel("Field").selectOption("city");
  await second.getByLabel("Operator").selectOption("equals");
  await second.getByLabel("Value").fill("Berlin");
  await expect(live).toContainText("3 contacts match");
  // … a wrong operand shows under its condition, and nothing typed is lost …
  await form.getByLabel("New condition").selectOption("field");
  await form.getByRole("button", { name: "Add condition" }).click();
  const third = page.getByRole("group", { name: "Condition 3: Custom field" });
  await third.getByLabel("Field").selectOption("city");
  await third.getByLabel("Operator").selectOption("gt");
  await third.getByLabel("Value").fill("many");
  await expect(third.getByText("value is a number")).toBeVisible();
  await expect(second.getByLabel("Value")).toHaveValue("Berlin");
  await third.getByRole("button", { name: "Remove condition 3" }).click();
  // … not unsubscribed.
  await form.getByLabel("New condition").selectOption("status");
  await form.getByRole("button", { name: "Add condition" }).click();
  const status = page.getByRole("group", { name: "Condition 3: Status" });
  await status.getByLabel("Status: the contact").selectOption("is_not");
  await status.getByLabel("subscribed", { exact: true }).uncheck();
  await status.getByLabel("unsubscribed", { exact: true }).check();
  await expect(live).toContainText("2 contacts match");
  await expect(page.getByTestId("segment-sample")).toContainText(emailOf("in-a"));
  await expect(page.getByTestId("segment-sample")).toContainText(emailOf("in-b"));
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.screenshot({ path: `${SCREENSHOTS}/segment-builder-${width}.png`, fullPage: true });
    if (width === 390) await noSidewaysScroll(page);
    await expectAccessible(page);
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  await form.getByRole("button", { name: "Create segment" }).click();
  await expect(page.getByRole("heading", { name: `Berlin fans ${tag}`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("segment-count")).toContainText("2 contacts match");
  await expect(page.getByTestId("segment-contact")).toHaveCount(2);
  const segmentId = page.url().split("/").pop()!;

  // A campaign targeting it: the form counts the recipients, the campaign page counts the same.
  await page.goto("/campaigns/new");
  const campaignForm = page.getByRole("form", { name: "Campaign" });
  await campaignForm.getByLabel("Campaign name").fill(`To Berlin fans ${tag}`);
  await campaignForm.getByLabel("Subject").fill("Hallo {{ name }}");
  await campaignForm.getByRole("button", { name: "HTML", exact: true }).click();
  await campaignForm.getByLabel("HTML body").fill("<p>Hallo {{ name }}</p>");
  await campaignForm.getByLabel("Contacts in these lists, tags or segments").check();
  await campaignForm.getByRole("group", { name: "Segments", exact: true }).getByLabel(`Berlin fans ${tag}`).check();
  await expect(page.getByTestId("audience-live-count")).toHaveText("2 recipients");
  await campaignForm.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("heading", { name: `To Berlin fans ${tag}`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("audience-count")).toContainText("2 recipients");
  const campaignId = page.url().split("/").pop()!;
  const api = (await (await request.get(`/api/v1/campaigns/${campaignId}`, { headers: auth })).json()).data;
  expect(api).toMatchObject({ segment_ids: [segmentId], list_ids: [], tag_ids: [], exclude_segment_ids: [] });

  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Send now to 2" }).click();
  await expect(page.getByTestId("campaign-status")).toHaveText("sent", { timeout: 60_000 });

  const messages = (await (await request.get(`/api/v1/messages?campaign_id=${campaignId}&limit=100`, { headers: auth })).json()).data as { to: string }[];
  const members = (await (await request.get(`/api/v1/segments/${segmentId}/contacts?limit=100`, { headers: auth })).json()).data as { email: string }[];
  expect(messages.map((m) => m.to).sort()).toEqual(members.map((c) => c.email).sort());
  expect(messages.map((m) => m.to).sort()).toEqual([emailOf("in-a"), emailOf("in-b")]);

  // While the segment is an audience of a draft it cannot be deleted; the refusal says why.
  const draft = await request.post("/api/v1/campaigns", { headers: auth, data: { name: `Draft ${tag}`, subject: "s", html: "<p>h</p>", segment_ids: [segmentId] } });
  expect(draft.status()).toBe(201);
  await page.goto(`/segments/${segmentId}`);
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText(`is used by "Draft ${tag}"`)).toBeVisible();

  // The segment pages on a phone and a desktop.
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    for (const [name, path] of [
      ["segments", "/segments"],
      ["segment", `/segments/${segmentId}`],
      ["segment-edit", `/segments/${segmentId}/edit`],
    ]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await page.screenshot({ path: `${SCREENSHOTS}/${name}-${width}.png`, fullPage: true });
      if (width === 390) await noSidewaysScroll(page);
      await expectAccessible(page);
    }
  }
});

test("/segments: 'Signed up through a form' counts confirmed signups only; archived forms are offered, marked", async ({ page, browser, request }) => {
  test.setTimeout(120_000);
  const tag = Date.now().toString(36);
  const newForm = async (name: string, doubleOptIn: boolean) => {
    const res = await request.post("/api/v1/forms", { headers: auth, data: { name, double_opt_in: doubleOptIn } });
    expect(res.status()).toBe(201);
    return (await res.json()).data as { id: string; hosted_url: string };
  };
  const direct = await newForm(`Direct ${tag}`, false);
  const old = await newForm(`Old page ${tag}`, true);
  // One person signs up through each: the direct form confirms on submission, the other waits for a link never followed.
  const visitor = await browser.newContext({ javaScriptEnabled: false });
  for (const [form, local] of [[direct, "direct"], [old, "unconfirmed"]] as const) {
    const p = await visitor.newPage();
    await p.goto(form.hosted_url);
    await p.getByLabel("Email").fill(`delivered+${local}-${tag}@segments.postline.test`);
    await p.waitForTimeout(2_200); // FORM_MIN_FILL_MS: faster is a bot's
    await p.getByRole("button", { name: "Subscribe" }).click();
    await expect(p.getByRole("heading", { name: "Thank you" })).toBeVisible();
  }
  await visitor.close();
  expect((await request.patch(`/api/v1/forms/${old.id}`, { headers: auth, data: { archived: true } })).ok()).toBe(true);

  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto("/segments/new");
  const form = page.getByRole("form", { name: "Segment" });
  const live = page.getByTestId("segment-live-count");
  await form.getByLabel("Name", { exact: true }).fill(`Form people ${tag}`);
  await form.getByLabel("New condition").selectOption("form");
  await form.getByRole("button", { name: "Add condition" }).click();
  const condition = page.getByRole("group", { name: "Condition 1: Signed up through a form" });
  await condition.getByLabel(`Direct ${tag}`, { exact: true }).check();
  await expect(live).toContainText("1 contact matches");
  await expect(page.getByTestId("segment-sample")).toContainText(`delivered+direct-${tag}@segments.postline.test`);
  await condition.getByLabel(`Old page ${tag} (archived)`, { exact: true }).check();
  await expect(live).toContainText("1 contact matches");
  await condition.getByLabel(/Confirmed in the last/).fill("7");
  await expect(live).toContainText("1 contact matches");
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.screenshot({ path: `${SCREENSHOTS}/segment-builder-form-${width}.png`, fullPage: true });
    if (width === 390) await noSidewaysScroll(page);
    await expectAccessible(page);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await form.getByRole("button", { name: "Create segment" }).click();
  await expect(page.getByRole("heading", { name: `Form people ${tag}`, level: 1 })).toBeVisible();
  await expect(page.getByText(`signed up through form "Direct ${tag}" or "Old page ${tag}" in the last 7 days`)).toBeVisible();
  await expect(page.getByTestId("segment-count")).toContainText("1 contact matches");
});
