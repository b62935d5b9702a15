import { sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { forged } from "@/lib/tooling/testing/base64url";
import { contacts } from "@/db/schema";
import { FORM_DEFAULT_LIMITS, type FormDeps } from "@/lib/forms/deps";
import { createForm } from "@/lib/forms/forms";
import { formsKey } from "@/lib/forms/tokens";
import { sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { GET as shortGet } from "../../c/[token]/route";
import { GET as confirmGet, POST as confirmPost } from "./confirm/[token]/route";
import { GET, OPTIONS, POST } from "./route";

// The public routes run for real against the file's PostgreSQL and a Postmark sandbox; only the wiring from env is replaced.
const bed = useSendingTestbed();
const formDeps = (): FormDeps => ({ key: formsKey("k".repeat(32)), sending: bed.fixture.deps, from: "news@postline.test", minFillMs: 0, confirmTtlMs: 3_600_000, limits: FORM_DEFAULT_LIMITS });
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => bed.t.db, getFormDeps: () => formDeps() }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ APP_URL: "http://app.test", TRUSTED_PROXIES: [], VERCEL: false }) }));

const ctx = (formId: string) => ({ params: Promise.resolve({ formId }) });
const UNKNOWN = "00000000-0000-4000-8000-000000000000";

async function newForm(input: Record<string, unknown> = {}) {
  return createForm(bed.t.db, { form: { name: `Route form ${Math.random()}`, fields: [{ kind: "name", label: "Your name", required: false }], ...input }, createdById: null }, new Date());
}

/** The hosted page's hidden fields, as a browser would post them back. */
async function hiddenFields(formId: string): Promise<Record<string, string>> {
  const html = await (await GET(new Request(`http://app.test/f/${formId}`), ctx(formId))).text();
  const ts = /name="_ts" value="([^"]+)"/.exec(html)![1];
  return { website: "", _ts: ts };
}

function post(formId: string, body: string, headers: Record<string, string>) {
  return POST(new Request(`http://app.test/f/${formId}`, { method: "POST", body, headers: { "user-agent": "route-test", ...headers } }), ctx(formId));
}

const urlencoded = (values: Record<string, string>) => new URLSearchParams(values).toString();

async function contactStatus(email: string) {
  const [c] = await bed.t.db.select({ status: contacts.status }).from(contacts).where(sql`lower(${contacts.email}) = lower(${email})`);
  return c?.status ?? null;
}

describe("GET/POST /f/{formId} (real PostgreSQL)", () => {
  it("serves the hosted form: labelled fields, the honeypot out of reach, a plain POST; an unknown or malformed id is a friendly 404", async () => {
    const form = await newForm({ heading: "Join <us>", consent_text: "We send one email a week." });
    const res = await GET(new Request(`http://app.test/f/${form.id}`), ctx(form.id));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    // Under no-referrer a browser would post the page's own form with `Origin: null` (refused below).
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    const html = await res.text();
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain(`<form method="post" action="/f/${form.id}"`);
    expect(html).toContain("Join &lt;us&gt;");
    expect(html).toMatch(/<label for="f-email">Email <span class="req">\(required\)<\/span><\/label><input id="f-email" name="email" type="email"/);
    expect(html).toMatch(/aria-hidden="true"><label for="pl-website">[^<]*<\/label><input id="pl-website" name="website" type="text" tabindex="-1"/);
    expect(html).toContain("We send one email a week.");
    for (const id of [UNKNOWN, "nope"]) {
      const missing = await GET(new Request(`http://app.test/f/${id}`), ctx(id));
      expect(missing.status).toBe(404);
      expect(await missing.text()).toContain("Form not found");
    }
  });

  it("a plain POST answers the thank-you page (or 303 to the redirect); a refusal re-renders the form with the typed values and errors by field", async () => {
    const form = await newForm();
    const ok = await post(form.id, urlencoded({ email: "plain@routes.test", name: "Plain", ...(await hiddenFields(form.id)) }), { "content-type": "application/x-www-form-urlencoded" });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain(form.thankYouMessage);
    expect(await contactStatus("plain@routes.test")).toBe("pending");

    const bad = await post(form.id, urlencoded({ email: "plain@", name: "Kept <name>", ...(await hiddenFields(form.id)) }), { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('value="Kept &lt;name&gt;"');
    expect(html).toContain('value="plain@"');
    expect(html).toMatch(/id="f-email"[^>]*aria-invalid="true" aria-describedby="f-email-error"/);
    expect(html).toContain('role="alert"');

    const redirecting = await newForm({ thank_you_url: "https://example.com/thanks" });
    const redirect = await post(redirecting.id, urlencoded({ email: "redirect@routes.test", ...(await hiddenFields(redirecting.id)) }), { "content-type": "application/x-www-form-urlencoded" });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get("location")).toBe("https://example.com/thanks");

    // A bot gets the same page and leaves nothing.
    const bot = await post(form.id, urlencoded({ email: "bot@routes.test", website: "spam", _ts: "1.x" }), { "content-type": "application/x-www-form-urlencoded" });
    expect(bot.status).toBe(200);
    expect(await bot.text()).toContain(form.thankYouMessage);
    expect(await contactStatus("bot@routes.test")).toBeNull();
  });

  it("JSON: CORS only for an allowed origin, a foreign origin 403 with the error shape, preflight likewise; bad bodies 400/413/415/422", async () => {
    const form = await newForm({ allowed_origins: ["https://shop.example"] });
    const hidden = await hiddenFields(form.id);
    const ok = await post(form.id, JSON.stringify({ email: "json@routes.test", name: "J", ...hidden }), { "content-type": "application/json", origin: "https://shop.example" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    // The contract's answer (ARCHITECTURE.md): the status says what the form does, the same for every address.
    expect(await ok.json()).toEqual({ status: "pending_confirmation", data: { ok: true, status: "pending_confirmation", message: form.thankYouMessage, redirect_url: null } });

    const foreign = await post(form.id, JSON.stringify({ email: "evil@routes.test", ...hidden }), { "content-type": "application/json", origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(await foreign.json()).toEqual({ error: { code: "origin_not_allowed", message: "This form does not accept posts from https://evil.example" } });
    expect(await contactStatus("evil@routes.test")).toBeNull();
    expect((await post(form.id, JSON.stringify({ email: "null@routes.test", ...hidden }), { "content-type": "application/json", origin: "null" })).status).toBe(403);

    const preflight = await OPTIONS(new Request(`http://app.test/f/${form.id}`, { method: "OPTIONS", headers: { origin: "https://shop.example", "access-control-request-method": "POST" } }), ctx(form.id));
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type");
    const badPreflight = await OPTIONS(new Request(`http://app.test/f/${form.id}`, { method: "OPTIONS", headers: { origin: "https://evil.example" } }), ctx(form.id));
    expect(badPreflight.status).toBe(403);
    expect(badPreflight.headers.get("access-control-allow-origin")).toBeNull();

    const invalid = await post(form.id, JSON.stringify({ email: "x", ...hidden }), { "content-type": "application/json" });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ error: { code: "validation_failed", details: { field: "email" } } });
    expect((await post(form.id, JSON.stringify({ email: 5, ...hidden }), { "content-type": "application/json" })).status).toBe(422);
    expect((await post(form.id, "{not json", { "content-type": "application/json" })).status).toBe(400);
    expect((await post(form.id, "email=a", { "content-type": "text/plain" })).status).toBe(415);
    const huge = await post(form.id, JSON.stringify({ email: "big@routes.test", name: "x".repeat(20_000) }), { "content-type": "application/json" });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: "body_too_large" } });
    expect((await post(UNKNOWN, "{}", { "content-type": "application/json" })).status).toBe(404);
  });
});

describe("confirmation emails after a rush of signups (real PostgreSQL + Postmark sandbox)", () => {
  it("sends every confirmation exactly once, several per Postmark call, when posts arrive together", async () => {
    const form = await newForm();
    const hidden = await hiddenFields(form.id);
    const addresses = Array.from({ length: 40 }, (_, i) => `rush${i}@routes.test`);
    const answers = await Promise.all(addresses.map((email) => post(form.id, JSON.stringify({ email, ...hidden }), { "content-type": "application/json" })));
    expect(answers.map((a) => a.status)).toEqual(addresses.map(() => 200));
    const mailed = () => sandboxRecords(bed.fixture.sandbox).filter((r) => r.to.startsWith("rush") && r.to.endsWith("@routes.test"));
    await vi.waitFor(() => expect(mailed()).toHaveLength(40), { timeout: 15_000 });
    // A moment more: nothing is sent twice by drains that overlapped.
    await new Promise((r) => setTimeout(r, 300));
    expect(mailed().map((r) => r.to).sort()).toEqual([...addresses].sort());
    const batches = await bed.t.db.execute<{ batches: number; sent: number }>(sql`
      select count(distinct m.batch_id)::int as batches, count(*) filter (where m.status = 'sent')::int as sent
      from messages m where m.to_email like 'rush%@routes.test'`);
    expect(batches.rows[0].sent).toBe(40);
    // Drains overlap the posts and take what has queued meanwhile (2 batches here), not one call per signup.
    expect(batches.rows[0].batches).toBeLessThan(10);
  });
});

describe("GET/POST /f/{formId}/confirm/{token} (real PostgreSQL + Postmark sandbox)", () => {
  it("GET shows a button and confirms nothing; POST confirms; a replay says already confirmed; forged 404, expired 410", async () => {
    const form = await newForm();
    await post(form.id, urlencoded({ email: "confirm@routes.test", ...(await hiddenFields(form.id)) }), { "content-type": "application/x-www-form-urlencoded" });
    // The email is sent after the response; wait for the sandbox to have it.
    await vi.waitFor(() => expect(sandboxRecords(bed.fixture.sandbox).some((r) => r.to === "confirm@routes.test")).toBe(true), { timeout: 5000 });
    const mail = sandboxRecords(bed.fixture.sandbox).find((r) => r.to === "confirm@routes.test")!;
    const link = /(http:\/\/[^\s]+\/c\/[A-Za-z0-9_.-]+)/.exec(mail.textBody ?? "")![1];
    const token = link.split("/").at(-1)!;
    const params = { params: Promise.resolve({ formId: form.id, token }) };

    // The email's short link (/c/{token}) shows the same page, posting back to itself.
    const short = await shortGet(new Request(link), { params: Promise.resolve({ token }) });
    expect(short.status).toBe(200);
    expect(await short.text()).toContain(`action="/c/${token}"`);
    expect((await shortGet(new Request(link), { params: Promise.resolve({ token: forged(token) }) })).status).toBe(404);

    for (let i = 0; i < 3; i++) {
      const page = await confirmGet(new Request(link), params);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("confirm@routes.test");
      expect(html).toContain(`<form method="post" action="/c/${token}"><button type="submit">Confirm my subscription</button>`);
    }
    expect(await contactStatus("confirm@routes.test")).toBe("pending");

    const confirmed = await confirmPost(new Request(link, { method: "POST", headers: { "user-agent": "confirm-ua" } }), params);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain(form.confirmedMessage);
    expect(await contactStatus("confirm@routes.test")).toBe("subscribed");
    const again = await confirmPost(new Request(link, { method: "POST" }), params);
    expect(await again.text()).toContain("Already confirmed");

    const forgedPage = await confirmGet(new Request(link), { params: Promise.resolve({ formId: form.id, token: forged(token) }) });
    expect(forgedPage.status).toBe(404);
    expect(await forgedPage.text()).toContain("Link not valid");
    await bed.t.db.execute(sql`update form_signups set confirmed_at = null, expires_at = now() - interval '1 minute'`);
    const expired = await confirmPost(new Request(link, { method: "POST" }), params);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain(`href="/f/${form.id}"`);
  });
});
