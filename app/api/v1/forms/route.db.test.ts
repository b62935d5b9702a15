import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createList } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { GET as getContactOne } from "../contacts/[contactId]/route";
import { GET as getOne, PATCH } from "./[formId]/route";
import { GET, POST } from "./route";

// The routes run for real against the file's PostgreSQL; only the wiring from env is replaced.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => t.db }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ APP_URL: "https://app.test" }) }));

let key: string;
async function call(handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>, method: string, path: string, params: object = {}, body?: unknown) {
  key ??= (await createApiKey(t.db, { name: "forms route test", role: "marketer" })).key;
  const req = new Request(`https://app.test${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params as never) });
  return { status: res.status, json: await res.json() };
}

describe("/api/v1/forms (real PostgreSQL)", () => {
  it("creates with defaults (201), lists, reads, patches only what is given, archives; bad input is 422 naming the field, unknown ids 404", async () => {
    const list = await createList(t.db, { name: "Newsletter" });
    const created = await call(POST, "POST", "/api/v1/forms", {}, { name: "Footer", list_ids: [list.id], tags: ["web"], fields: [{ kind: "custom", name: "company", label: "Company" }] });
    expect(created.status).toBe(201);
    const form = created.json.data;
    expect(form).toMatchObject({ name: "Footer", double_opt_in: true, hosted_url: `https://app.test/f/${form.id}`, lists: [{ id: list.id, name: "Newsletter" }], tags: [{ name: "web" }], submissions: 0 });
    expect(form.fields).toEqual([{ kind: "email", label: "Email", required: true }, { kind: "custom", name: "company", label: "Company", required: false }]);
    expect((await call(GET, "GET", "/api/v1/forms")).json.data.map((f: { id: string }) => f.id)).toEqual([form.id]);
    const patched = await call(PATCH, "PATCH", `/api/v1/forms/${form.id}`, { formId: form.id }, { heading: "Join", archived: true });
    expect(patched.json.data).toMatchObject({ heading: "Join", name: "Footer", tags: [{ name: "web" }] });
    expect(patched.json.data.archived_at).not.toBeNull();
    expect((await call(GET, "GET", "/api/v1/forms")).json.data).toEqual([]);
    expect((await call(getOne, "GET", `/api/v1/forms/${form.id}`, { formId: form.id })).json.data.heading).toBe("Join");

    const bad = await call(POST, "POST", "/api/v1/forms", {}, { name: "x", allowed_origins: ["not an origin"] });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe("validation_failed");
    expect((await call(POST, "POST", "/api/v1/forms", {}, { name: "x", color: "red" })).status).toBe(422);
    expect((await call(PATCH, "PATCH", `/api/v1/forms/${form.id}`, { formId: form.id }, { confirmation_html: "no link" })).status).toBe(422);
    expect((await call(getOne, "GET", "/api/v1/forms/00000000-0000-4000-8000-000000000000", { formId: "00000000-0000-4000-8000-000000000000" })).status).toBe(404);
  });

  it("GET /api/v1/contacts/{id} carries the contact's consent records", async () => {
    const { submitForm } = await import("@/lib/forms/signups");
    const { createFillStamp, formsKey } = await import("@/lib/forms/tokens");
    const { FORM_DEFAULT_LIMITS } = await import("@/lib/forms/deps");
    const form = (await call(POST, "POST", "/api/v1/forms", {}, { name: "Single", double_opt_in: false })).json.data;
    const fkey = formsKey("z".repeat(32));
    const now = new Date();
    const sending = { appUrl: "https://app.test", unsubscribeKey: Buffer.alloc(32), messageStream: "outbound" } as never;
    const result = await submitForm(
      t.db,
      { formId: form.id, values: { email: "api-consent@forms.test", website: "", _ts: createFillStamp(fkey, form.id, new Date(now.getTime() - 10_000)) }, ip: "203.0.113.5", userAgent: "UA", origin: null, appOrigin: "https://app.test" },
      { key: fkey, sending, from: "a@b.test", minFillMs: 2000, confirmTtlMs: 1000, limits: FORM_DEFAULT_LIMITS },
      now,
    );
    expect(result.outcome).toBe("subscribed");
    const contactId = (await t.db.execute<{ id: string }>(`select id from contacts where email = 'api-consent@forms.test'` as never)).rows[0].id;
    const got = await call(getContactOne, "GET", `/api/v1/contacts/${contactId}`, { contactId });
    expect(got.json.data.consent).toEqual([
      expect.objectContaining({ form_id: form.id, form_name: "Single", double_opt_in: false, submitted_ip: "203.0.113.5", confirmed_ip: "203.0.113.5", shown_text: expect.stringContaining("Email (required)") }),
    ]);
  });
});
