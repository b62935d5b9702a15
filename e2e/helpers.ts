import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { expect, type Page } from "@playwright/test";

/** The e2e launcher's own PostgreSQL (playwright.config.ts: data in .data/e2e, port 5440). */
export async function appDatabase(): Promise<pg.Client> {
  const secrets = JSON.parse(fs.readFileSync(path.join(".data/e2e", "secrets.json"), "utf8")) as { POSTGRES_PASSWORD: string };
  const client = new pg.Client({ connectionString: `postgres://postgres:${encodeURIComponent(secrets.POSTGRES_PASSWORD)}@127.0.0.1:5440/postline` });
  await client.connect();
  return client;
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signInAndWait(page: Page, email: string, password: string) {
  await signIn(page, email, password);
  // Signing in lands on the home page (issue 14.10).
  await expect(page.getByRole("heading", { name: "Home", level: 1 })).toBeVisible();
  await waitForHydration(page);
}

/** Resolves once React has hydrated the page (`<html data-hydrated>`): clicks before then may do nothing. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("html[data-hydrated]")).toBeAttached();
}

/** `page.goto` that returns only once the page answers clicks and keys. */
export async function gotoHydrated(page: Page, url: string) {
  await page.goto(url);
  await waitForHydration(page);
}

export function uniqueEmail(prefix: string) {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.postline.test`;
}

/**
 * axe-core's checks (WCAG 2.2 A and AA rules and best practices) on the page as it is now: fails on any
 * serious or critical violation, naming the rule and the elements. Legacy mode runs axe inside the page's
 * frames directly: the default mode opens a helper page to merge frame results, which hangs here on a
 * page with a sandboxed preview iframe.
 */
export async function expectAccessible(page: Page, { soft = false } = {}) {
  const started = Date.now();
  const { default: AxeBuilder } = await import("@axe-core/playwright");
  const results = await new AxeBuilder({ page }).setLegacyMode(true).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = serious.map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${n.target.join(" ")} — ${n.failureSummary?.split("\n").join(" ")}`).join("\n")}`);
  if (process.env.AXE_TIMING) console.log(`axe ${page.url()} ${Date.now() - started} ms`);
  (soft ? expect.soft : expect)(report, `axe on ${page.url()}`).toEqual([]);
}
