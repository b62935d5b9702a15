import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { webhookEndpoints } from "@/db/schema";
import { createContact } from "@/lib/contacts/contacts";
import { runSendCampaigns } from "@/lib/jobs/send-campaigns";
import { enrollContact, removeEnrollment } from "@/lib/sequences/enrollments";
import { activateSequence, createSequence } from "@/lib/sequences/sequences";
import { useSendingTestbed } from "@/lib/tooling/testing/sending";
import { sampleEventData, WEBHOOK_EVENT_TYPES } from "./events";

/**
 * The exact `data` of Sequence.Enrolled, Sequence.Completed and Sequence.Exited as the outbox holds them
 * (db/functions/postline_sequence_events.sql), through the real paths: enrolment by hand, the engine
 * sending the last email, removal by hand and an unsubscribe. Compared as jsonb text, which is what
 * deliveries serialise: a change of key, value or format fails here; and the documented sample
 * (sampleEventData, the test event and the docs) has the same keys.
 */
const bed = useSendingTestbed();
beforeAll(async () => {
  await bed.t.db.insert(webhookEndpoints).values({ url: "https://hooks.example.com/in", events: [...WEBHOOK_EVENT_TYPES], status: "active", rateLimit: 10, rateLimitPeriod: "second", secret: "s".repeat(40), verificationToken: "v" });
});

const T0 = new Date("2026-03-02T09:00:00.250Z");
const T1 = new Date("2026-03-02T09:05:00.000Z");

async function announced(enrollmentId: string) {
  const rows = await bed.t.db.execute<{ event: string; data: string; occurred_at: string }>(sql`
    select event, data::text as data, occurred_at::text from webhook_events where data->>'enrollment_id' = ${enrollmentId} order by occurred_at, event`);
  return rows.rows;
}

async function jsonbText(data: Record<string, unknown>): Promise<string> {
  const rows = await bed.t.db.execute<{ text: string }>(sql`select ${JSON.stringify(data)}::jsonb::text as text`);
  return rows.rows[0].text;
}

describe("Sequence.* outbound payloads (real PostgreSQL + Postmark sandbox)", () => {
  it("Enrolled then Completed: the enrollment as it stood at each moment", async () => {
    const s = await activateSequence(bed.t.db, { id: (await createSequence(bed.t.db, { name: "Welcome series", emails: [{ subject: "Hi", html: "<p>Hi</p>", delay: { amount: 0, unit: "minutes" } }] }, { defaultFrom: "drip@postline.test" }, T0)).id, by: { role: "marketer", userId: null } }, T0);
    const c = await createContact(bed.t.db, { email: "ada@seq-payloads.test" });
    const e = await enrollContact(bed.t.db, { sequenceId: s.id, contactId: c.id }, T0);
    await runSendCampaigns(bed.t.db, { budgetMs: 30_000 }, { ...bed.fixture.deps, now: () => T1 });
    const base = { enrollment_id: e.id, sequence: { id: s.id, name: "Welcome series" }, contact_id: c.id, email: "ada@seq-payloads.test" };
    const got = await announced(e.id);
    expect(got.map((r) => r.event)).toEqual(["Sequence.Enrolled", "Sequence.Completed"]);
    expect(got[0].data).toBe(await jsonbText({ ...base, status: "active", exit_reason: null, emails_sent: 0, enrolled_at: "2026-03-02T09:00:00.250Z", completed_at: null, exited_at: null }));
    expect(got[1].data).toBe(await jsonbText({ ...base, status: "completed", exit_reason: null, emails_sent: 1, enrolled_at: "2026-03-02T09:00:00.250Z", completed_at: "2026-03-02T09:05:00.000Z", exited_at: null }));
    for (const r of got) expect(Object.keys(JSON.parse(r.data)).sort()).toEqual(Object.keys(sampleEventData(r.event as "Sequence.Enrolled", T0)).sort());
  });

  it("Exited: removed by hand, and unsubscribed, each with its reason and time", async () => {
    const s = await activateSequence(bed.t.db, { id: (await createSequence(bed.t.db, { name: "Course", emails: [{ subject: "Day 1", html: "<p>1</p>", delay: { amount: 1, unit: "days" } }] }, { defaultFrom: "drip@postline.test" }, T0)).id, by: { role: "marketer", userId: null } }, T0);
    const removed = await createContact(bed.t.db, { email: "removed@seq-payloads.test" });
    const left = await createContact(bed.t.db, { email: "left@seq-payloads.test" });
    const e1 = await enrollContact(bed.t.db, { sequenceId: s.id, contactId: removed.id }, T0);
    const e2 = await enrollContact(bed.t.db, { sequenceId: s.id, contactId: left.id }, T0);
    await removeEnrollment(bed.t.db, { sequenceId: s.id, contactId: removed.id }, T1);
    await bed.t.db.execute(sql`update contacts set status = 'unsubscribed' where id = ${left.id}::uuid`);

    const [, exited] = await announced(e1.id);
    expect(exited.event).toBe("Sequence.Exited");
    expect(exited.data).toBe(
      await jsonbText({ enrollment_id: e1.id, sequence: { id: s.id, name: "Course" }, contact_id: removed.id, email: "removed@seq-payloads.test", status: "exited", exit_reason: "removed", emails_sent: 0, enrolled_at: "2026-03-02T09:00:00.250Z", completed_at: null, exited_at: "2026-03-02T09:05:00.000Z" }),
    );
    const [, unsubscribed] = await announced(e2.id);
    const data = JSON.parse(unsubscribed.data);
    // The trigger on contacts exits at the database's clock.
    expect(data).toMatchObject({ enrollment_id: e2.id, status: "exited", exit_reason: "unsubscribed", emails_sent: 0, completed_at: null });
    expect(data.exited_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Object.keys(data).sort()).toEqual(Object.keys(sampleEventData("Sequence.Exited", T0)).sort());
  });
});
