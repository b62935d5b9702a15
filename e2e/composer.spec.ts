import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { gotoHydrated, signInAndWait } from "./helpers";

// Issue 14.7: composing a campaign as a marketer does, with the keyboard, in the rich-text editor.
const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
const SCREENSHOTS = "test-results/screenshots";
const SANDBOX = "http://127.0.0.1:4011"; // POSTMARK_SANDBOX_PORT in playwright.config.ts

test.describe.configure({ timeout: 180_000 });

interface SandboxMessage {
  to: string;
  subject: string;
  htmlBody: string | null;
  textBody: string | null;
  tag: string;
  stream: string;
  metadata: Record<string, string>;
}

/** What the local Postmark sandbox accepted for an address (its control API, with the launcher's token). */
async function sandboxMessages(request: APIRequestContext, recipient: string): Promise<SandboxMessage[]> {
  const secrets = JSON.parse(fs.readFileSync(path.join(".data/e2e", "secrets.json"), "utf8")) as { SANDBOX_SERVER_TOKEN: string };
  const res = await request.get(`${SANDBOX}/__sandbox/messages?recipient=${encodeURIComponent(recipient)}`, { headers: { "X-Postmark-Server-Token": secrets.SANDBOX_SERVER_TOKEN } });
  expect(res.status()).toBe(200);
  return (await res.json()).Messages;
}

async function noSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

async function campaignOf(request: APIRequestContext, id: string) {
  return (await (await request.get(`/api/v1/campaigns/${id}`, { headers: auth })).json()).data;
}

test("/campaigns/new → template → copy: compose with the keyboard, warnings while typing, preview as a contact, test send, template, duplicate, unschedule", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const contactEmail = `grace-${tag}@e2e.postline.test`;
  expect((await request.post("/api/v1/contacts", { headers: auth, data: { email: contactEmail, name: "Grace Hopper", fields: { city: "Arlington" } } })).status()).toBe(201);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);

  await gotoHydrated(page, "/campaigns/new");
  const form = page.getByRole("form", { name: "Campaign" });
  await form.getByLabel("Campaign name").fill(`Composer ${tag}`);
  await form.getByLabel("Subject").fill("Hello {{ name }}");

  // Write in the rich-text editor with the keyboard only: replace the starter text, bold, a link (Ctrl+K).
  const editor = page.getByRole("textbox", { name: "Body (rich text)" });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("Dear reader, ");
  await page.keyboard.press("ControlOrMeta+b");
  await page.keyboard.type("big news");
  await page.keyboard.press("ControlOrMeta+b");
  await expect(page.getByRole("button", { name: "Bold" })).toHaveAttribute("aria-pressed", "false");
  await page.keyboard.type(" today. Visit our site");
  // The editor applies keys as it gets to them: select only once the last one has landed, and check
  // the selection (a busy CI machine once linked "ur site": a Shift+Arrow pressed before the "e").
  await expect(editor).toContainText("today. Visit our site");
  const selected = () => page.evaluate(() => window.getSelection()?.toString() ?? "");
  for (let i = 0; i < 2 * "our site".length && (await selected()) !== "our site"; i++) await page.keyboard.press("Shift+ArrowLeft");
  expect(await selected()).toBe("our site");
  await page.keyboard.press("ControlOrMeta+k");
  const linkAddress = page.getByLabel("Link address");
  await expect(linkAddress).toBeFocused();
  await linkAddress.fill("https://example.com/news?who={{ email }}");
  await linkAddress.press("Enter");
  await expect(editor.locator("strong")).toHaveText("big news");
  await expect(editor.getByRole("link", { name: "our site" })).toHaveAttribute("href", "https://example.com/news?who={{ email }}");
  await page.keyboard.press("End");
  await expect(page.getByRole("button", { name: "Link", exact: true })).toHaveAttribute("aria-pressed", "false");

  // A misspelt variable is flagged while typing, with the fix; fixing it clears the warning.
  await page.keyboard.type(". Hi {{ nmae }}");
  const warnings = page.getByTestId("template-warnings");
  await expect(warnings).toContainText('Body: Unknown personalization variable "nmae"');
  await expect(warnings).toContainText("did you mean {{ name }}?");
  for (let i = 0; i < "nmae }}".length; i++) await page.keyboard.press("Backspace");
  await page.keyboard.type("name }}");
  await expect(warnings).toBeEmpty();
  await expect(editor).toContainText("Hi {{ name }}");

  // Preview as a real contact of the audience: the subject and the body as Grace receives them.
  const previewFrame = page.frameLocator('iframe[title="Email preview"]');
  await expect(page.getByTestId("preview-subject")).toHaveText("Hello Ada Lovelace");
  const previewAs = page.getByRole("combobox", { name: "Preview as" });
  await previewAs.fill(`grace-${tag}`);
  await expect(page.getByRole("option", { name: new RegExp(contactEmail) })).toBeVisible();
  await previewAs.press("Enter");
  await expect(page.getByRole("heading", { name: "Preview for Grace Hopper" })).toBeVisible();
  await expect(page.getByTestId("preview-subject")).toHaveText("Hello Grace Hopper");
  await expect(previewFrame.locator("strong")).toHaveText("big news");
  await expect(previewFrame.getByText("Hi Grace Hopper")).toBeVisible();
  await expect(previewFrame.getByRole("link", { name: "our site" })).toHaveAttribute("href", `https://example.com/news?who=${contactEmail}`);
  await page.screenshot({ path: `${SCREENSHOTS}/composer-1280.png`, fullPage: true });

  await form.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("heading", { name: `Composer ${tag}`, level: 1 })).toBeVisible();
  const campaignId = page.url().split("/").pop()!;
  const saved = await campaignOf(request, campaignId);
  // Email-safe HTML was saved: inline styles, no classes, the tag intact in the link.
  expect(saved.html).toContain('<strong style="font-weight:700;">big news</strong>');
  expect(saved.html).toContain('href="https://example.com/news?who={{ email }}"');
  expect(saved.html).not.toMatch(/class=/);

  // A test to two addresses, personalized as Grace; the sandbox received both; the campaign counts nothing.
  const [a, b] = [`test-a-${tag}@e2e.postline.test`, `test-b-${tag}@e2e.postline.test`];
  await page.getByLabel("Send a test to").fill(`${a},\n${b}`);
  const personalizeAs = page.getByRole("combobox", { name: "Personalize as" });
  await personalizeAs.fill(`grace-${tag}`);
  await page.getByRole("option", { name: new RegExp(contactEmail) }).click();
  await expect(page.getByTestId("picked-contact")).toContainText("Grace Hopper");
  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.getByText(`Test sent to ${a}, ${b}.`)).toBeVisible();
  for (const address of [a, b]) {
    const [m] = await sandboxMessages(request, address);
    expect(m).toMatchObject({ subject: "[Test] Hello Grace Hopper", tag: "campaign-test", stream: "outbound", metadata: { campaign_test: campaignId } });
    expect(m.htmlBody).toContain('<strong style="font-weight:700;">big news</strong>');
    expect(m.htmlBody).toContain(`href="https://example.com/news?who=${contactEmail}"`);
    expect(m.htmlBody).toContain("Hi Grace Hopper");
  }
  expect(await campaignOf(request, campaignId)).toMatchObject({ status: "draft", stats: { recipients: 0, sent: 0 } });

  // Save it as a template, and start a new campaign from that template.
  await page.getByLabel("Template name").fill(`Newsletter ${tag}`);
  await page.getByRole("button", { name: "Save as template" }).click();
  await expect(page.getByText(`Saved as the template "Newsletter ${tag}".`)).toBeVisible();
  await page.goto("/campaigns/new");
  await page.getByLabel("Start from a template").selectOption({ label: `Newsletter ${tag}` });
  await page.getByRole("button", { name: "Use template" }).click();
  await expect(page).toHaveURL(/\/campaigns\/new\?template=/);
  await expect(form.getByLabel("Campaign name")).toHaveValue(`Newsletter ${tag}`);
  await expect(form.getByLabel("Subject")).toHaveValue("Hello {{ name }}");
  await expect(editor.locator("strong")).toHaveText("big news");
  await expect(page.getByRole("button", { name: "Rich text" })).toHaveAttribute("aria-pressed", "true");
  await form.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("heading", { name: `Newsletter ${tag}`, level: 1 })).toBeVisible();
  const fromTemplate = await campaignOf(request, page.url().split("/").pop()!);
  expect(fromTemplate.html).toBe(saved.html);

  // Duplicate it: a draft "Copy of …" opens.
  await page.getByRole("button", { name: "Duplicate campaign" }).click();
  await expect(page.getByRole("heading", { name: `Copy of Newsletter ${tag}`, level: 1 })).toBeVisible();
  const copyId = page.url().split("/").pop()!;
  expect(copyId).not.toBe(fromTemplate.id);

  // Schedule the copy, then unschedule it: a draft again, with its content.
  await page.getByLabel("Send at").fill("2031-01-01T09:00");
  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  await expect(page.getByTestId("campaign-status")).toHaveText("scheduled");
  await page.getByRole("button", { name: "Unschedule" }).click();
  await expect(page.getByTestId("campaign-status")).toHaveText("draft");
  expect(await campaignOf(request, copyId)).toMatchObject({ status: "draft", scheduled_at: null, html: saved.html });
  await page.screenshot({ path: `${SCREENSHOTS}/composer-campaign-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${SCREENSHOTS}/composer-campaign-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });

  // The templates page lists the template; deleting it keeps the campaigns made from it.
  await page.goto("/campaigns/templates");
  const row = page.getByRole("row", { name: new RegExp(`Newsletter ${tag}`) });
  await expect(row).toBeVisible();
  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(row).toHaveCount(0);
  expect((await campaignOf(request, copyId)).html).toBe(saved.html);
});

test("/campaigns/new: the honeypot checkbox is on by default, works with the keyboard, survives a refusal and is saved; the preview shows no trace of it", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto("/campaigns/new");
  const form = page.getByRole("form", { name: "Campaign" });
  const honeypot = form.getByRole("checkbox", { name: "Add a hidden link that catches link scanners (recommended)" });
  await expect(form.getByRole("group", { name: "Engagement tracking" })).toBeVisible();
  await expect(honeypot).toBeChecked();
  await expect(honeypot).toHaveAccessibleDescription(/a click on it shows those clicks were a scanner's, not a reader's/);
  await page.screenshot({ path: `${SCREENSHOTS}/composer-honeypot-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${SCREENSHOTS}/composer-honeypot-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });

  // The preview renders the body as written: no hidden link, on or off.
  const previewFrame = page.frameLocator('iframe[title="Email preview"]');
  await expect(previewFrame.locator("body")).toContainText("Write your message here.");
  await expect(previewFrame.locator('a[href*="/h/"], [aria-hidden="true"]')).toHaveCount(0);

  await form.getByLabel("Campaign name").fill(`Honeypot ${tag}`);
  // A variable the server refuses: the untick (by keyboard) must survive the refusal.
  await form.getByLabel("Subject").fill("Hello {{ nope }}");
  await honeypot.focus();
  await page.keyboard.press("Space");
  await expect(honeypot).not.toBeChecked();
  await form.getByRole("button", { name: "Save draft" }).click();
  await expect(form.getByText(/nope/).first()).toBeVisible();
  await expect(page).toHaveURL(/\/campaigns\/new$/);
  await expect(honeypot).not.toBeChecked();
  await expect(form.getByLabel("Campaign name")).toHaveValue(`Honeypot ${tag}`);

  await form.getByLabel("Subject").fill("Hello {{ name }}");
  await form.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("heading", { name: `Honeypot ${tag}`, level: 1, exact: true })).toBeVisible();
  const campaignId = page.url().split("/").pop()!;
  expect(await campaignOf(request, campaignId)).toMatchObject({ honeypot: false });

  // Editing shows it as saved; ticking it again turns it back on.
  await page.goto(`/campaigns/${campaignId}/edit`);
  await expect(honeypot).not.toBeChecked();
  await honeypot.check();
  await form.getByRole("button", { name: "Save changes" }).click();
  // Exact: the edit page's own heading, "Edit Honeypot …", contains the name too.
  await expect(page.getByRole("heading", { name: `Honeypot ${tag}`, level: 1, exact: true })).toBeVisible();
  expect(await campaignOf(request, campaignId)).toMatchObject({ honeypot: true });
});

test("the honeypot link in a sent email is not visible, never focused by Tab, not in the accessibility tree; /h/{id} answers anyone the same empty page", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const html = '<html><body><h1>News</h1><p>Hello {{ name }}, <a href="https://example.com/sale">see the sale</a> or <a href="https://example.com/blog">read the blog</a>.</p></body></html>';
  const created = await request.post("/api/v1/campaigns", { headers: auth, data: { name: `Hidden link ${tag}`, subject: "News", html } });
  expect(created.status()).toBe(201);
  const campaign = (await created.json()).data;
  expect(campaign.honeypot).toBe(true);
  // A test send is built as a real send is (lib/sending/campaign-test.ts); the sandbox keeps what it was given.
  const to = `hidden-${tag}@e2e.postline.test`;
  expect((await request.post(`/api/v1/campaigns/${campaign.id}/test`, { headers: auth, data: { to: [to] } })).status()).toBe(200);
  const [sent] = await sandboxMessages(request, to);
  const honeypotHref = sent.htmlBody!.match(/href="([^"]*\/h\/[^"]+)"/)![1];
  expect(honeypotHref).toMatch(new RegExp(`/h/${campaign.id}$`));
  expect(sent.htmlBody!.split(honeypotHref)).toHaveLength(2);
  expect(sent.textBody).not.toContain("/h/");

  // The email as a mail client renders it.
  await page.setContent(sent.htmlBody!);
  const trap = page.locator(`a[href="${honeypotHref}"]`);
  await expect(trap).toHaveCount(1);
  await expect(trap).toBeHidden();
  expect(await trap.boundingBox()).toBeNull();

  // Tab through everything (and round again): the visible links take focus, the hidden one never does.
  const focused: string[] = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    focused.push(await page.evaluate(() => (document.activeElement as HTMLAnchorElement | null)?.getAttribute("href") ?? document.activeElement?.tagName ?? ""));
  }
  expect(focused).toContain("https://example.com/sale");
  expect(focused).toContain("https://example.com/blog");
  expect(focused.filter((f) => f.includes("/h/"))).toEqual([]);

  // What assistive technology gets: the two links, nothing of the trap.
  const tree = await page.locator("body").ariaSnapshot();
  expect(tree).toContain('link "see the sale"');
  expect(tree).toContain('link "read the blog"');
  expect(tree).not.toContain("/h/");
  await expect(page.getByRole("link")).toHaveCount(2);
  // It is there, only hidden: counting hidden elements too finds it.
  await expect(page.getByRole("link", { includeHidden: true })).toHaveCount(3);

  // Where a scanner lands: no sign-in, no database, the same answer whatever the id.
  const answers = [];
  for (const id of [campaign.id, "00000000-0000-4000-8000-000000000000", "not-an-id"]) {
    const res = await request.get(`/h/${id}`, { maxRedirects: 0 });
    expect(res.status()).toBe(200);
    expect(res.headers()).toMatchObject({ "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-robots-tag": "noindex" });
    answers.push(await res.text());
    const head = await request.head(`/h/${id}`, { maxRedirects: 0 });
    expect(head.status()).toBe(200);
    expect(head.headers()["x-robots-tag"]).toBe("noindex");
  }
  expect(new Set(answers).size).toBe(1);
  expect(answers[0]).toContain('<meta name="robots" content="noindex">');
});

test("/campaigns/new: switching HTML to rich text warns when structure would be lost; the editor is usable at 390 px", async ({ page }) => {
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto("/campaigns/new");
  const form = page.getByRole("form", { name: "Campaign" });
  await form.getByRole("button", { name: "HTML", exact: true }).click();
  await form.getByLabel("HTML body").fill('<table><tr><td style="color:red">Two</td><td>columns</td></tr></table><img src="https://e.test/a.png" alt="">');
  await form.getByRole("button", { name: "Rich text" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "cannot keep all of this HTML" });
  await expect(alert).toContainText("table layout (<table>)");
  await expect(alert).toContainText("images (<img>)");
  await alert.getByRole("button", { name: "Stay in HTML" }).click();
  await expect(form.getByLabel("HTML body")).toHaveValue(/<table>/);
  // HTML the editor can hold switches without a question.
  await form.getByLabel("HTML body").fill("<p>Plain <b>words</b></p>");
  await form.getByRole("button", { name: "Rich text" }).click();
  await expect(page.getByRole("textbox", { name: "Body (rich text)" }).locator("strong")).toHaveText("words");

  // On a phone the toolbar wraps onto several rows and nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  const toolbar = page.getByRole("toolbar", { name: "Formatting" });
  const box = (await toolbar.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  const buttonTops = await toolbar.getByRole("button").evaluateAll((els) => new Set(els.map((e) => Math.round(e.getBoundingClientRect().top))).size);
  expect(buttonTops).toBeGreaterThan(1);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${SCREENSHOTS}/composer-390.png`, fullPage: true });
  // The keyboard still formats on a phone-sized page.
  await page.getByRole("textbox", { name: "Body (rich text)" }).click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("ControlOrMeta+i");
  await expect(page.getByRole("button", { name: "Italic" })).toHaveAttribute("aria-pressed", "true");
});
