import { describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createContact } from "@/lib/contacts/contacts";
import { sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { POST } from "./route";

// The route runs for real against the file's PostgreSQL and sandbox; only the wiring from env is replaced.
const bed = useSendingTestbed();
vi.mock("@/lib/app/deps", async (original) => ({
  ...(await original<object>()),
  getAppDb: () => bed.t.db,
  getSendingDeps: () => bed.fixture.deps,
}));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ POSTMARK_FROM_EMAIL: "app@postline.test" }) }));

async function post(body: unknown) {
  const { key } = await createApiKey(bed.t.db, { name: "route test", role: "marketer" });
  const req = new Request("http://127.0.0.1/api/v1/emails", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const res = await POST(req, { params: Promise.resolve({}) });
  return { status: res.status, json: await res.json() };
}

const recordOf = (postmarkMessageId: string) => sandboxRecords(bed.fixture.sandbox).find((r) => r.messageId === postmarkMessageId)!;

describe("POST /api/v1/emails (real PostgreSQL + Postmark sandbox)", () => {
  it("personalizes from the contact and tracks opens and links unless told otherwise", async () => {
    await createContact(bed.t.db, { email: "grace@route.test", name: "Grace" });
    const { status, json } = await post({ to: "grace@route.test", subject: "Hello {{ name }}", html: "<p>Hi {{ name }}</p>" });
    expect(status).toBe(200);
    expect(json.data).toMatchObject({ subject: "Hello Grace", track_opens: true, track_links: true });
    expect(recordOf(json.data.postmark_message_id)).toMatchObject({ subject: "Hello Grace", htmlBody: "<p>Hi Grace</p>", trackOpens: true, trackLinks: "HtmlAndText" });
  });

  it("turns tracking off per message with track_opens / track_links", async () => {
    const { status, json } = await post({ to: "quiet@route.test", subject: "s", text: "t", track_opens: false, track_links: false });
    expect(status).toBe(200);
    expect(json.data).toMatchObject({ track_opens: false, track_links: false });
    expect(recordOf(json.data.postmark_message_id)).toMatchObject({ trackOpens: false, trackLinks: "None" });
    const linksOnly = await post({ to: "quiet@route.test", subject: "s", text: "t", track_opens: false });
    expect(recordOf(linksOnly.json.data.postmark_message_id)).toMatchObject({ trackOpens: false, trackLinks: "HtmlAndText" });
  });

  it("refuses a non-boolean flag and an unknown variable with 422, sending nothing", async () => {
    const before = sandboxRecords(bed.fixture.sandbox).length;
    const flag = await post({ to: "x@route.test", subject: "s", text: "t", track_links: "HtmlAndText" });
    expect(flag).toMatchObject({ status: 422, json: { error: { code: "validation_failed" } } });
    const unknown = await post({ to: "x@route.test", subject: "s", text: "Hi {{ first_name }}" });
    expect(unknown).toMatchObject({ status: 422, json: { error: { code: "invalid_template", message: 'text: Unknown personalization variable "first_name": use name, email, unsubscribe_url or fields.<field>' } } });
    expect(sandboxRecords(bed.fixture.sandbox).length).toBe(before);
  });
});
