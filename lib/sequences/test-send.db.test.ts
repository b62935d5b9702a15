import { isNotNull, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { POST as testRoute } from "@/app/api/v1/sequences/[sequenceId]/emails/[emailId]/test/route";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { messages } from "@/db/schema";
import { createContact } from "@/lib/contacts/contacts";
import { useSendingTestbed } from "@/lib/tooling/testing/sending";
import { sequenceEmailStats } from "./stats";
import { createSequence, listSequenceEmails, updateSequence } from "./sequences";
import { sendSequenceEmailTest } from "./test-send";

const bed = useSendingTestbed();
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => bed.t.db, getSendingDeps: () => bed.fixture.deps }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ POSTMARK_FROM_EMAIL: "app@postline.test" }) }));
let n = 0;

async function sequence() {
  const s = await createSequence(
    bed.t.db,
    {
      name: `Test sends ${++n}`,
      from: "Drip <drip@postline.test>",
      emails: [
        { subject: "Welcome {{ name }}", html: "<p>Hi {{ name }}</p>", delay: { amount: 0, unit: "minutes" } },
        { subject: "Day 2 in {{ fields.city | default: \"town\" }}", html: '<p>Two for {{ name }} <a href="{{ unsubscribe_url }}">leave</a></p>', text: "Two for {{ name }}", delay: { amount: 1, unit: "days" } },
      ],
    },
    { defaultFrom: "news@postline.test" },
    new Date(),
  );
  return { s, emails: await listSequenceEmails(bed.t.db, s.id) };
}

describe("sequence email test sends (real PostgreSQL + Postmark sandbox)", () => {
  it("sends the chosen email as it stands, [Test] before the subject, sample values or a contact, never counted in the sequence", async () => {
    const { s, emails } = await sequence();
    const sent = await sendSequenceEmailTest(bed.t.db, { sequenceId: s.id, emailId: emails[1].id, to: "one@test.test, two@test.test" }, bed.fixture.deps);
    expect(sent.map((m) => [m.toEmail, m.status, m.kind, m.messageStream])).toEqual([
      ["one@test.test", "sent", "single", "outbound"],
      ["two@test.test", "sent", "single", "outbound"],
    ]);
    const record = bed.fixture.sandbox.messages().find((r) => r.messageId === sent[0].postmarkMessageId)!;
    expect(record).toMatchObject({ from: "Drip <drip@postline.test>", subject: "[Test] Day 2 in London", tag: "sequence-test", stream: "outbound", metadata: { sequence_test: s.id, sequence_email_test: emails[1].id } });
    expect(record.htmlBody).toContain("Two for Ada Lovelace");
    expect(record.htmlBody).toContain("/u/test");
    expect(record.textBody).toBe("Two for Ada Lovelace");

    const ann = await createContact(bed.t.db, { email: "ann@seq-test.test", name: "Ann", fields: { city: "Oslo" } });
    const [m] = await sendSequenceEmailTest(bed.t.db, { sequenceId: s.id, emailId: emails[1].id, to: ["reviewer@test.test"], contactId: ann.id }, bed.fixture.deps);
    expect(m).toMatchObject({ toEmail: "reviewer@test.test", subject: "[Test] Day 2 in Oslo", status: "sent" });

    // An edit reaches the next test: the email is read as it stands.
    await updateSequence(bed.t.db, { id: s.id, patch: { emails: [{ id: emails[0].id, subject: "Hello again {{ name }}", html: "<p>x</p>", delay: { amount: 0, unit: "minutes" } }, { id: emails[1].id, subject: "Day 2", html: "<p>y</p>", delay: { amount: 1, unit: "days" } }] } }, new Date());
    const [edited] = await sendSequenceEmailTest(bed.t.db, { sequenceId: s.id, emailId: emails[0].id, to: ["reviewer@test.test"] }, bed.fixture.deps);
    expect(edited.subject).toBe("[Test] Hello again Ada Lovelace");

    // No message of the sequence: its stats stay empty.
    expect(await bed.t.db.$count(messages, isNotNull(messages.sequenceId))).toBe(0);
    expect((await sequenceEmailStats(bed.t.db, emails.map((e) => e.id))).size).toBe(0);
    expect(await bed.t.db.$count(messages, sql`${messages.metadata}->>'sequence_test' = ${s.id}`)).toBe(4);
  });

  it("refuses bad addresses, an unknown contact, an email of another sequence or a deleted one, sending nothing", async () => {
    const { s, emails } = await sequence();
    const other = await sequence();
    const before = await bed.t.db.$count(messages);
    const deps = bed.fixture.deps;
    const unknown = "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10";
    await expect(sendSequenceEmailTest(bed.t.db, { sequenceId: s.id, emailId: emails[0].id, to: ["a", "b", "c", "d", "e", "f"].map((x) => `${x}@test.test`) }, deps)).rejects.toMatchObject({ code: "validation_failed", message: expect.stringContaining("at most 5") });
    await expect(sendSequenceEmailTest(bed.t.db, { sequenceId: s.id, emailId: emails[0].id, to: "not-an-address" }, deps)).rejects.toMatchObject({ code: "validation_failed" });
    await expect(sendSequenceEmailTest(bed.t.db, { sequenceId: s.id, emailId: emails[0].id, to: "x@test.test", contactId: unknown }, deps)).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(/^Contact/) });
    await expect(sendSequenceEmailTest(bed.t.db, { sequenceId: s.id, emailId: other.emails[0].id, to: "x@test.test" }, deps)).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(/^Sequence email/) });
    await expect(sendSequenceEmailTest(bed.t.db, { sequenceId: unknown, emailId: emails[0].id, to: "x@test.test" }, deps)).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(/^Sequence/) });
    await updateSequence(bed.t.db, { id: s.id, patch: { emails: [{ id: emails[1].id, subject: "Only", html: "<p>y</p>", delay: { amount: 1, unit: "days" } }] } }, new Date());
    await expect(sendSequenceEmailTest(bed.t.db, { sequenceId: s.id, emailId: emails[0].id, to: "x@test.test" }, deps)).rejects.toMatchObject({ code: "not_found" });
    expect(await bed.t.db.$count(messages)).toBe(before);
  });
});

describe("POST /api/v1/sequences/{id}/emails/{emailId}/test", () => {
  async function call(params: { sequenceId: string; emailId: string }, body: unknown) {
    const { key } = await createApiKey(bed.t.db, { name: "sequence test route", role: "marketer" });
    const req = new Request("http://127.0.0.1/api/v1/x", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const res = await testRoute(req, { params: Promise.resolve(params) });
    return { status: res.status, json: await res.json() };
  }

  it("answers each message with its status, like the campaign's test route; bad input is 422 or 404", async () => {
    const { s, emails } = await sequence();
    const ok = await call({ sequenceId: s.id, emailId: emails[0].id }, { to: ["a@route.test", "b@route.test"] });
    expect(ok.status).toBe(200);
    expect(ok.json.data.map((m: { to: string; status: string; subject: string }) => [m.to, m.status, m.subject])).toEqual([
      ["a@route.test", "sent", "[Test] Welcome Ada Lovelace"],
      ["b@route.test", "sent", "[Test] Welcome Ada Lovelace"],
    ]);
    const six = ["a", "b", "c", "d", "e", "f"].map((x) => `${x}@route.test`);
    expect(await call({ sequenceId: s.id, emailId: emails[0].id }, { to: six })).toMatchObject({ status: 422, json: { error: { code: "validation_failed" } } });
    expect(await call({ sequenceId: s.id, emailId: emails[0].id }, { to: ["a@route.test"], cc: "x" })).toMatchObject({ status: 422 });
    expect(await call({ sequenceId: s.id, emailId: "nope" }, { to: ["a@route.test"] })).toMatchObject({ status: 404 });
    expect(await call({ sequenceId: s.id, emailId: emails[0].id }, { to: ["a@route.test"], contact_id: "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10" })).toMatchObject({ status: 404 });
  });
});
