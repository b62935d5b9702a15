import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { expectAccessible, signInAndWait, uniqueEmail } from "./helpers";

// Issue 16.1–16.2: a signup form made in the dashboard, filled by people with JavaScript off and on,
// confirmed from the email the sandbox recorded, and the contact seen with its consent and tags.
const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
const SCREENSHOTS = "test-results/screenshots";
const SANDBOX = "http://127.0.0.1:4011"; // POSTMARK_SANDBOX_PORT in playwright.config.ts
// The server refuses a form filled faster than this (FORM_MIN_FILL_MS, 2 s by default) as a bot's.
const HUMAN_PAUSE_MS = 2_200;

test.describe.configure({ timeout: 180_000 });

async function confirmationLink(request: APIRequestContext, recipient: string): Promise<string> {
  const secrets = JSON.parse(fs.readFileSync(path.join(".data/e2e", "secrets.json"), "utf8")) as { SANDBOX_SERVER_TOKEN: string };
  let text = "";
  await expect
    .poll(async () => {
      const res = await request.get(`${SANDBOX}/__sandbox/messages?recipient=${encodeURIComponent(recipient)}`, { headers: { "X-Postmark-Server-Token": secrets.SANDBOX_SERVER_TOKEN } });
      const messages = (await res.json()).Messages as { textBody: string | null; stream: string; tag: string }[];
      text = messages[0]?.textBody ?? "";
      return messages.length ? `${messages[0].stream} ${messages[0].tag}` : "";
    })
    .toBe("outbound form-confirmation");
  const match = /(http:\/\/\S+\/c\/[A-Za-z0-9_.-]+)/.exec(text);
  expect(match, "the confirmation email carries the link").not.toBeNull();
  return match![1];
}

async function noSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

/** Full-page screenshots at 1280 and 390 px, no sideways scroll on the phone, axe at both. */
async function lookAt(page: Page, name: string) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.screenshot({ path: `${SCREENSHOTS}/${name}-${width}.png`, fullPage: true });
    if (width === 390) await noSidewaysScroll(page);
    await expectAccessible(page);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("a form made in the dashboard, filled with JavaScript off and on, confirmed from its email; the contact has its consent and tags", async ({ page, browser, request }) => {
  const listName = `Form list ${Date.now()}`;
  const tagName = `form-tag-${Date.now()}`;
  expect((await request.post("/api/v1/lists", { headers: auth, data: { name: listName } })).status()).toBe(201);

  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Forms" }).first().click();
  await expect(page.getByRole("heading", { name: "Forms", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "New form" }).click();
  await expect(page.getByRole("heading", { name: "New form", level: 1 })).toBeVisible();
  await lookAt(page, "form-editor");

  // A refusal keeps what was typed and names the field.
  const formName = `Newsletter ${Date.now()}`;
  await page.getByLabel("Name (only you see it)").fill(formName);
  await page.getByLabel("Field 1: name").fill("bad name");
  await page.getByLabel("Field 1: label").fill("Company");
  await page.getByRole("button", { name: "Create form" }).click();
  await expect(page.getByLabel("Field 1: name")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Name (only you see it)")).toHaveValue(formName);

  await page.getByLabel("Field 1: name").fill("company");
  await page.getByLabel(listName).check();
  await page.getByLabel("Tags").fill(tagName);
  await page.getByRole("button", { name: "Create form" }).click();
  await expect(page.getByRole("heading", { name: formName, level: 1 })).toBeVisible();
  await expect(page.getByLabel("Embed snippet")).toHaveValue(/<input type="hidden" name="_ts" value="[^"]+">/);
  await expect(page.getByRole("button", { name: "Copy snippet" })).toBeVisible();
  const hosted = (await page.getByTestId("hosted-link").textContent())!.trim();
  expect(hosted).toMatch(/\/f\/[0-9a-f-]{36}$/);
  await lookAt(page, "form");

  // JavaScript off: the hosted page is a plain form and answers with a page.
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noJs.newPage();
  await plain.goto(hosted);
  const offEmail = uniqueEmail("form-nojs");
  await plain.getByLabel("Email").fill(offEmail);
  await plain.getByLabel("Name").fill("Ada No-Script");
  await plain.getByLabel("Company").fill("Analytical Engines");
  await plain.waitForTimeout(HUMAN_PAUSE_MS);
  await plain.getByRole("button", { name: "Subscribe" }).click();
  await expect(plain.getByRole("heading", { name: "Thank you" })).toBeVisible();
  await expect(plain.getByText("we sent you an email")).toBeVisible();

  // JavaScript on: the same page, looked at on a phone and a desktop.
  const person = await browser.newPage();
  await person.goto(hosted);
  await expect(person.getByRole("heading", { level: 1 })).toHaveText("Subscribe to our newsletter");
  await lookAt(person, "form-hosted");
  const onEmail = uniqueEmail("form-js");
  await person.getByLabel("Email").fill(onEmail);
  await person.getByLabel("Company").fill("Lovelace & Co");
  await person.waitForTimeout(HUMAN_PAUSE_MS);
  await person.getByRole("button", { name: "Subscribe" }).click();
  await expect(person.getByRole("heading", { name: "Thank you" })).toBeVisible();

  // The link in the email opens a page whose button confirms (opening it alone confirms nothing).
  const link = await confirmationLink(request, offEmail);
  await plain.goto(link);
  await expect(plain.getByRole("button", { name: "Confirm my subscription" })).toBeVisible();
  await person.goto(link);
  await lookAt(person, "form-confirm");
  await plain.getByRole("button", { name: "Confirm my subscription" }).click();
  await expect(plain.getByRole("heading", { name: "Subscription confirmed" })).toBeVisible();
  await noJs.close();

  // The contact: subscribed, with the form's tag and list, and its consent record.
  const found = await request.get(`/api/v1/contacts?search=${encodeURIComponent(offEmail)}`, { headers: auth });
  const contact = (await found.json()).data[0];
  expect(contact).toMatchObject({ email: offEmail, status: "subscribed", name: "Ada No-Script", fields: { company: "Analytical Engines" } });
  await page.goto(`/contacts/${contact.id}`);
  await expect(page.getByRole("heading", { name: offEmail, level: 1 })).toBeVisible();
  await expect(page.getByText(tagName).first()).toBeVisible();
  const consent = page.getByTestId("consent-record");
  await expect(consent).toHaveCount(1);
  await expect(consent.getByRole("link", { name: formName })).toBeVisible();
  await expect(consent.getByText("confirmed", { exact: true })).toBeVisible();
  await consent.getByText("Text the form showed").click();
  await expect(consent.getByText("By subscribing you agree")).toBeVisible();
  await lookAt(page, "contact-consent");

  // The JavaScript-on signup waits, pending, for its own confirmation; the form counts both.
  const pending = (await (await request.get(`/api/v1/contacts?search=${encodeURIComponent(onEmail)}`, { headers: auth })).json()).data[0];
  expect(pending.status).toBe("pending");
  await page.goto("/forms");
  const row = page.getByRole("row", { name: new RegExp(formName) });
  await expect(row.getByRole("cell").nth(2)).toHaveText("2");
  await expect(row.getByRole("cell").nth(3)).toHaveText("1");
  await person.close();
});
