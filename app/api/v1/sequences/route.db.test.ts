import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createContact, createList } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { POST as activate } from "./[sequenceId]/activate/route";
import { DELETE as unenroll } from "./[sequenceId]/enrollments/[contactId]/route";
import { GET as listEnrollments, POST as enroll } from "./[sequenceId]/enrollments/route";
import { POST as pause } from "./[sequenceId]/pause/route";
import { GET as getOne, PATCH } from "./[sequenceId]/route";
import { GET, POST } from "./route";

// The routes run for real against the file's PostgreSQL; only the wiring from env is replaced.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => t.db }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ APP_URL: "https://app.test", POSTMARK_FROM_EMAIL: "drip@postline.test" }) }));
vi.mock("@/lib/app/continue-sending", () => ({ advanceSendingAfterResponse: () => {} }));

let key: string;
async function call(handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>, method: string, path: string, params: object = {}, body?: unknown) {
  key ??= (await createApiKey(t.db, { name: "sequences route test", role: "marketer" })).key;
  const req = new Request(`https://app.test${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params as never) });
  return { status: res.status, json: await res.json() };
}

const welcome = { subject: "Welcome {{ name }}", html: "<p>Hi {{ name }}</p>", delay: { amount: 0, unit: "minutes" } };
const later = { subject: "Day 2", html: "<p>Two</p>", delay: { amount: 1, unit: "days" } };

async function counts() {
  const r = await t.db.execute<{ s: number; e: number; n: number }>(sql`select (select count(*) from sequences)::int as s, (select count(*) from sequence_emails)::int as e, (select count(*) from sequence_enrollments)::int as n`);
  return r.rows[0];
}

describe("/api/v1/sequences (real PostgreSQL)", () => {
  it("creates a draft (201), reads, patches, activates, pauses, enrols and removes a contact", async () => {
    const list = await createList(t.db, { name: "Onboarding" });
    const created = await call(POST, "POST", "/api/v1/sequences", {}, {
      name: "Welcome series",
      trigger: { type: "list", id: list.id },
      emails: [welcome, later],
      window: { days: ["mon", "tue", "wed", "thu", "fri"], start_hour: 9, end_hour: 17 },
      time_zone: "europe/berlin",
    });
    expect(created.status).toBe(201);
    const s = created.json.data;
    expect(s).toMatchObject({
      name: "Welcome series",
      status: "draft",
      trigger: { type: "list", id: list.id },
      from: "drip@postline.test",
      reenroll: false,
      window: { days: ["mon", "tue", "wed", "thu", "fri"], start_hour: 9, end_hour: 17 },
      time_zone: "Europe/Berlin",
      enrollments: { active: 0, completed: 0, exited: 0, exit_reasons: {} },
    });
    expect(s.emails.map((e: { subject: string; position: number; delay: object; stats: { sent: number } }) => [e.subject, e.position, e.delay, e.stats.sent])).toEqual([
      ["Welcome {{ name }}", 1, { amount: 0, unit: "minutes" }, 0],
      ["Day 2", 2, { amount: 1, unit: "days" }, 0],
    ]);
    expect((await call(GET, "GET", "/api/v1/sequences")).json.data.map((x: { id: string }) => x.id)).toEqual([s.id]);

    const patched = await call(PATCH, "PATCH", `/api/v1/sequences/${s.id}`, { sequenceId: s.id }, { name: "Welcome", window: null, emails: [{ id: s.emails[0].id, ...welcome, subject: "Hello" }] });
    expect(patched.status).toBe(200);
    expect(patched.json.data).toMatchObject({ name: "Welcome", window: null });
    expect(patched.json.data.emails.map((e: { subject: string }) => e.subject)).toEqual(["Hello"]);

    const c = await createContact(t.db, { email: "ada@seq-route.test" });
    const draftEnrol = await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact_id: c.id });
    expect(draftEnrol).toMatchObject({ status: 409, json: { error: { code: "invalid_state" } } });
    expect((await call(activate, "POST", `/api/v1/sequences/${s.id}/activate`, { sequenceId: s.id })).json.data.status).toBe("active");
    const enrolled = await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact_id: c.id });
    expect(enrolled.status).toBe(201);
    expect(enrolled.json.data).toMatchObject({ sequence_id: s.id, contact_id: c.id, status: "active", emails_sent: 0 });
    const twice = await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact_id: c.id });
    expect(twice).toMatchObject({ status: 409, json: { error: { code: "already_enrolled" } } });
    expect((await call(listEnrollments, "GET", `/api/v1/sequences/${s.id}/enrollments?status=active`, { sequenceId: s.id })).json.data).toMatchObject([{ contact_id: c.id, email: "ada@seq-route.test" }]);

    expect((await call(pause, "POST", `/api/v1/sequences/${s.id}/pause`, { sequenceId: s.id })).json.data.status).toBe("paused");
    const resumed = await call(activate, "POST", `/api/v1/sequences/${s.id}/activate`, { sequenceId: s.id }, { due: "send" });
    expect(resumed.json.data.status).toBe("active");

    const removed = await call(unenroll, "DELETE", `/api/v1/sequences/${s.id}/enrollments/${c.id}`, { sequenceId: s.id, contactId: c.id });
    expect(removed.json.data).toMatchObject({ status: "exited", exit_reason: "removed" });
    expect((await call(unenroll, "DELETE", `/api/v1/sequences/${s.id}/enrollments/${c.id}`, { sequenceId: s.id, contactId: c.id })).status).toBe(404);
    expect((await call(getOne, "GET", `/api/v1/sequences/${s.id}`, { sequenceId: s.id })).json.data.enrollments).toEqual({ active: 0, completed: 0, exited: 1, exit_reasons: { removed: 1 } });
    expect((await call(getOne, "GET", "/api/v1/sequences/nope", { sequenceId: "nope" })).status).toBe(404);
  });

  it("lists every sequence in full with two statements however many there are, each as its own GET shows it", async () => {
    const made = [];
    for (const name of ["List A", "List B", "List C"]) {
      const s = (await call(POST, "POST", "/api/v1/sequences", {}, { name, emails: [welcome, later] })).json.data;
      await call(activate, "POST", `/api/v1/sequences/${s.id}/activate`, { sequenceId: s.id });
      made.push(s);
    }
    // Enrollments of each status and reason, different per sequence.
    for (const [i, s] of made.entries()) {
      for (let k = 0; k <= i; k++) {
        const c = await createContact(t.db, { email: `list-${i}-${k}@seq-route.test` });
        await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact_id: c.id });
        if (k === 1) await call(unenroll, "DELETE", `/api/v1/sequences/${s.id}/enrollments/${c.id}`, { sequenceId: s.id, contactId: c.id });
        if (k === 2) await t.db.execute(sql`update contacts set status = 'unsubscribed' where id = ${c.id}::uuid`);
      }
    }
    const client = (t.db as unknown as { $client: { query: (...args: unknown[]) => unknown } }).$client;
    const spy = vi.spyOn(client, "query");
    const list = await call(GET, "GET", "/api/v1/sequences");
    const statements = spy.mock.calls.filter(([q]) => /sequence/i.test(typeof q === "string" ? q : String((q as { text?: string }).text ?? "")));
    spy.mockRestore();
    expect(list.status).toBe(200);
    expect(statements).toHaveLength(2);
    const byId = new Map(list.json.data.map((x: { id: string }) => [x.id, x]));
    for (const s of made) expect(byId.get(s.id)).toEqual((await call(getOne, "GET", `/api/v1/sequences/${s.id}`, { sequenceId: s.id })).json.data);
    expect(made.map((s) => (byId.get(s.id) as { enrollments: unknown }).enrollments)).toEqual([
      { active: 1, completed: 0, exited: 0, exit_reasons: {} },
      { active: 1, completed: 0, exited: 1, exit_reasons: { removed: 1 } },
      { active: 1, completed: 0, exited: 2, exit_reasons: { removed: 1, unsubscribed: 1 } },
    ]);
    expect((byId.get(made[0].id) as { emails: { subject: string }[] }).emails.map((e) => e.subject)).toEqual([welcome.subject, later.subject]);
  });

  it("bad input: a clear error each, nothing half-written", async () => {
    const before = await counts();
    const cases: [unknown, number, string, RegExp?][] = [
      [{ name: "x", emails: [] }, 422, "no_emails"],
      [{ name: "x", emails: [{ ...welcome, delay: { amount: -1, unit: "hours" } }] }, 422, "invalid_delay", /negative/],
      [{ name: "x", emails: [welcome, { ...later, delay: { amount: 366, unit: "days" } }] }, 422, "invalid_delay", /emails\.1.*year/],
      [{ name: "x", emails: [welcome], window: { days: ["mon"], start_hour: 9, end_hour: 9 } }, 422, "invalid_window", /no hours/],
      [{ name: "x", emails: [welcome], window: { days: [], start_hour: 9, end_hour: 17 } }, 422, "invalid_window", /no days/],
      [{ name: "x", emails: [welcome, { ...later, subject: "{{ first_name }}" }] }, 422, "invalid_template", /emails\.1\.subject/],
      [{ name: "x", emails: [welcome], trigger: { type: "tag", id: "00000000-0000-4000-8000-000000000000" } }, 422, "unknown_tag"],
      [{ name: "x", emails: [welcome], trigger: { type: "list" } }, 422, "validation_failed", /trigger\.id/],
      [{ name: "x", emails: [welcome], time_zone: "Mars/Base" }, 422, "unknown_time_zone"],
      [{ name: "x", emails: [{ ...welcome, delay: { amount: 1, unit: "weeks" } }] }, 422, "validation_failed"],
      [{ name: "x" }, 422, "validation_failed"],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await call(POST, "POST", "/api/v1/sequences", {}, body);
      expect({ body, status: r.status, code: r.json.error?.code }).toEqual({ body, status, code });
      if (message) expect(r.json.error.message).toMatch(message);
    }
    expect(await counts()).toEqual(before);

    // A PATCH that fails leaves the sequence as it was (emails included).
    const s = (await call(POST, "POST", "/api/v1/sequences", {}, { name: "Keep", emails: [welcome] })).json.data;
    const mid = await counts();
    const bad = await call(PATCH, "PATCH", `/api/v1/sequences/${s.id}`, { sequenceId: s.id }, { name: "Changed", emails: [{ ...welcome, id: "00000000-0000-4000-8000-000000000000" }] });
    expect(bad).toMatchObject({ status: 422, json: { error: { code: "validation_failed" } } });
    expect((await call(getOne, "GET", `/api/v1/sequences/${s.id}`, { sequenceId: s.id })).json.data).toMatchObject({ name: "Keep", emails: [{ subject: welcome.subject }] });
    expect(await counts()).toEqual(mid);

    // Enrolling a suppressed or pending contact, or nobody.
    await call(activate, "POST", `/api/v1/sequences/${s.id}/activate`, { sequenceId: s.id });
    const gone = await createContact(t.db, { email: "gone@seq-route.test" });
    await t.db.execute(sql`update contacts set status = 'unsubscribed' where id = ${gone.id}::uuid`);
    const pending = await createContact(t.db, { email: "pending@seq-route.test" });
    await t.db.execute(sql`update contacts set status = 'pending' where id = ${pending.id}::uuid`);
    expect((await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact_id: gone.id })).json.error.code).toBe("contact_suppressed");
    expect((await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact_id: pending.id })).json.error.code).toBe("contact_pending");
    expect((await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact_id: "00000000-0000-4000-8000-000000000000" })).status).toBe(404);
    expect((await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact: "x" })).status).toBe(422);
    expect((await counts()).n).toBe(mid.n);
  });

  it("bad input, the rest: PATCH refusals change nothing, absurd delays in any unit, a bounced contact, enrolling again when the sequence enrols once", async () => {
    // A year is the most, in any unit; exactly a year is fine.
    for (const delay of [{ amount: 8761, unit: "hours" }, { amount: 525_601, unit: "minutes" }, { amount: 1e9, unit: "days" }]) {
      const r = await call(POST, "POST", "/api/v1/sequences", {}, { name: "x", emails: [{ ...welcome, delay }] });
      expect({ delay, status: r.status, code: r.json.error?.code }).toEqual({ delay, status: 422, code: "invalid_delay" });
    }
    const [yearDays, yearHours] = await Promise.all([
      call(POST, "POST", "/api/v1/sequences", {}, { name: "A year in days", emails: [{ ...welcome, delay: { amount: 365, unit: "days" } }] }),
      call(POST, "POST", "/api/v1/sequences", {}, { name: "A year in hours", emails: [{ ...welcome, delay: { amount: 8760, unit: "hours" } }] }),
    ]);
    expect([yearDays.status, yearHours.status]).toEqual([201, 201]);
    expect((await call(POST, "POST", "/api/v1/sequences", {}, { name: "x", emails: [welcome], window: { days: ["mon"], start_hour: 17, end_hour: 9 } })).json.error).toMatchObject({ code: "invalid_window", message: expect.stringMatching(/no hours/) });

    // Each refused PATCH leaves the sequence and its emails exactly as they were.
    const s = (await call(POST, "POST", "/api/v1/sequences", {}, { name: "Steady", emails: [welcome, later], window: { days: ["mon"], start_hour: 9, end_hour: 17 } })).json.data;
    const before = { data: (await call(getOne, "GET", `/api/v1/sequences/${s.id}`, { sequenceId: s.id })).json.data, counts: await counts() };
    const emailsWith = (delay: object) => [{ id: s.emails[0].id, ...welcome }, { id: s.emails[1].id, ...later, delay }];
    const patches: [unknown, string][] = [
      [{ name: "Changed", emails: [] }, "no_emails"],
      [{ name: "Changed", emails: emailsWith({ amount: -5, unit: "minutes" }) }, "invalid_delay"],
      [{ name: "Changed", emails: emailsWith({ amount: 366, unit: "days" }) }, "invalid_delay"],
      [{ name: "Changed", emails: [...emailsWith({ amount: 1, unit: "days" }), { ...later, subject: "New", delay: { amount: 9000, unit: "hours" } }] }, "invalid_delay"],
      [{ name: "Changed", window: { days: ["tue"], start_hour: 10, end_hour: 10 } }, "invalid_window"],
      [{ name: "Changed", window: { days: [], start_hour: 9, end_hour: 17 } }, "invalid_window"],
    ];
    for (const [patch, code] of patches) {
      const r = await call(PATCH, "PATCH", `/api/v1/sequences/${s.id}`, { sequenceId: s.id }, patch);
      expect({ patch, status: r.status, code: r.json.error?.code }).toEqual({ patch, status: 422, code });
      expect((await call(getOne, "GET", `/api/v1/sequences/${s.id}`, { sequenceId: s.id })).json.data).toEqual(before.data);
      expect(await counts()).toEqual(before.counts);
    }

    // Enrolling: bounced and complained contacts are suppressed; a sequence that enrols once refuses a
    // contact that already went through (exited here), and nothing is written for any refusal.
    await call(activate, "POST", `/api/v1/sequences/${s.id}/activate`, { sequenceId: s.id });
    const refusedEnrol = async (contactId: string) => (await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact_id: contactId })).json.error?.code;
    for (const status of ["bounced", "complained"]) {
      const c = await createContact(t.db, { email: `${status}@seq-route.test` });
      await t.db.execute(sql`update contacts set status = ${status}::contact_status where id = ${c.id}::uuid`);
      expect(await refusedEnrol(c.id)).toBe("contact_suppressed");
    }
    const once = await createContact(t.db, { email: "once@seq-route.test" });
    expect((await call(enroll, "POST", `/api/v1/sequences/${s.id}/enrollments`, { sequenceId: s.id }, { contact_id: once.id })).status).toBe(201);
    expect(await refusedEnrol(once.id)).toBe("already_enrolled");
    await call(unenroll, "DELETE", `/api/v1/sequences/${s.id}/enrollments/${once.id}`, { sequenceId: s.id, contactId: once.id });
    const mid = await counts();
    expect(await refusedEnrol(once.id)).toBe("already_enrolled");
    expect(await counts()).toEqual(mid);
    expect((await call(getOne, "GET", `/api/v1/sequences/${s.id}`, { sequenceId: s.id })).json.data.enrollments).toEqual({ active: 0, completed: 0, exited: 1, exit_reasons: { removed: 1 } });
  });
});
