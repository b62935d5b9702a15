import { and, eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { contacts, messages, sendBatches, sequenceEnrollments } from "@/db/schema";
import { createContact, createContactsBulk, createList } from "@/lib/contacts/contacts";
import { addContactsToList } from "@/lib/contacts/lists";
import { createTag, tagContact } from "@/lib/contacts/tags";
import { runSendCampaigns } from "@/lib/jobs/send-campaigns";
import type { SendingDeps } from "@/lib/sending/deps";
import { deliveriesTo, sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { claimDueSequenceSteps, sendSequenceBatch } from "./engine";
import { enrollContact } from "./enrollments";
import { activateSequence, createSequence, listSequenceEmails, pauseSequence, updateSequence, type SequenceInput } from "./sequences";

const bed = useSendingTestbed();
afterEach(() => bed.fixture.sandbox.setFaults({}));

let seq = 0;
const FROM = { defaultFrom: "drip@postline.test" };
const email = (subject: string, amount: number, unit: "minutes" | "hours" | "days" = "days") => ({ subject, html: `<p>${subject} for {{ name }}</p>`, delay: { amount, unit } });

const MARKETER = { role: "marketer" as const, userId: null };

async function activeSequence(input: Partial<SequenceInput> & Pick<SequenceInput, "emails">, now = new Date()) {
  const s = await createSequence(bed.t.db, { name: `seq ${++seq}`, ...input }, FROM, now);
  return activateSequence(bed.t.db, { id: s.id, by: MARKETER }, now);
}

async function contact(prefix: string, fields: Record<string, string> = {}) {
  return createContact(bed.t.db, { email: `${prefix}-${++seq}@seq.test`, name: `Name ${seq}`, fields });
}

/** Runs the sending job as the cron would, at `now`. */
const run = (now: Date, extra: Partial<SendingDeps> = {}) => runSendCampaigns(bed.t.db, { budgetMs: 30_000 }, { ...bed.fixture.deps, now: () => now, ...extra });

const recordsTo = (to: string) => sandboxRecords(bed.fixture.sandbox).filter((r) => r.to === to);

async function enrollment(sequenceId: string, contactId: string) {
  const [row] = await bed.t.db.select().from(sequenceEnrollments).where(and(eq(sequenceEnrollments.sequenceId, sequenceId), eq(sequenceEnrollments.contactId, contactId)));
  return row;
}

describe("sequence engine (real PostgreSQL + Postmark sandbox, simulated clock)", () => {
  it("runs a three-email sequence over 7 days, each email inside the weekday window of the time zone", async () => {
    // Friday 27 Nov 2026, 15:10 in Berlin (14:10 UTC); window Mon–Fri 09–17 Berlin time.
    const start = new Date("2026-11-27T14:10:00Z");
    const s = await activeSequence(
      { emails: [email("Welcome", 0, "minutes"), email("Day two", 1), email("Day four", 2)], window: { days: ["mon", "tue", "wed", "thu", "fri"], start_hour: 9, end_hour: 17 }, time_zone: "Europe/Berlin" },
      start,
    );
    const c = await contact("week");
    await enrollContact(bed.t.db, { sequenceId: s.id, contactId: c.id }, start);
    // A clock ticking every 31 minutes over 7 days: what the cron would see.
    for (let t = start.getTime(); t <= start.getTime() + 7 * 86_400_000; t += 31 * 60_000) await run(new Date(t));
    // created_at is when the engine claimed the step on its clock (sent_at is the sandbox's real time).
    const sent = await bed.t.db.select().from(messages).where(eq(messages.contactId, c.id)).orderBy(messages.createdAt);
    expect(sent.map((m) => m.subject)).toEqual(["Welcome", "Day two", "Day four"]);
    const local = sent.map((m) => new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(m.createdAt));
    // Friday 15:10; day two falls on Saturday 15:10 → the first tick after Monday 09:00; day four two
    // days after that → Wednesday 09:xx.
    expect(local).toEqual(["Fri 15:10", expect.stringMatching(/^Mon 09:/), expect.stringMatching(/^Wed 09:/)]);
    for (const m of sent) {
      const parts = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", weekday: "short", hour: "numeric", hourCycle: "h23" }).formatToParts(m.createdAt);
      const hour = Number(parts.find((p) => p.type === "hour")!.value);
      expect(["Sat", "Sun"]).not.toContain(parts.find((p) => p.type === "weekday")!.value);
      expect(hour).toBeGreaterThanOrEqual(9);
      expect(hour).toBeLessThan(17);
    }
    expect(sent.every((m) => m.kind === "sequence" && m.sequenceId === s.id && m.status === "sent" && m.messageStream === "broadcast")).toBe(true);
    expect(recordsTo(c.email)).toHaveLength(3);
    const record = recordsTo(c.email)[0];
    expect(record.htmlBody).toContain(`Welcome for ${c.name}`);
    expect(record.headers).toEqual(expect.arrayContaining([{ Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" }]));
    expect(record.metadata.postline_message_id).toBe(sent[0].id);
    expect(await enrollment(s.id, c.id)).toMatchObject({ status: "completed", emailsSent: 3, nextEmailId: null });
  }, 120_000);

  it("reads the window in the contact's own time zone when its time_zone field names one", async () => {
    const now = new Date("2026-11-25T14:00:00Z"); // Wednesday: 15:00 Berlin, 09:00 New York
    const s = await activeSequence({ emails: [email("Hello", 0)], window: { days: ["wed"], start_hour: 10, end_hour: 12 }, time_zone: "Europe/Berlin" }, now);
    const ny = await contact("ny", { time_zone: "America/New_York" });
    const berlin = await contact("berlin");
    await enrollContact(bed.t.db, { sequenceId: s.id, contactId: ny.id }, now);
    await enrollContact(bed.t.db, { sequenceId: s.id, contactId: berlin.id }, now);
    await run(now);
    expect((await enrollment(s.id, ny.id)).nextDueAt?.toISOString()).toBe("2026-11-25T15:00:00.000Z"); // 10:00 New York
    expect((await enrollment(s.id, berlin.id)).nextDueAt?.toISOString()).toBe("2026-12-02T09:00:00.000Z"); // next Wednesday 10:00 Berlin
    await run(new Date("2026-11-25T15:01:00Z"));
    expect(recordsTo(ny.email)).toHaveLength(1);
    expect(recordsTo(berlin.email)).toHaveLength(0);
  });

  it("two workers racing over 1,200 due enrollments send each step once", async () => {
    const now = new Date();
    const s = await activeSequence({ emails: [email("Race", 0)] }, now);
    const emails = Array.from({ length: 1200 }, (_, i) => `race-${i}@seq.test`);
    await createContactsBulk(bed.t.db, emails.map((e) => ({ email: e })));
    await bed.t.db.execute(sql`select postline_sequences_enroll((select jsonb_agg(jsonb_build_object('sequence_id', ${s.id}::uuid, 'contact_id', id)) from contacts where email like 'race-%'), ${now.toISOString()}::timestamptz)`);
    const [a, b] = await Promise.all([run(now), run(now)]);
    expect(a.sending.sent + b.sending.sent).toBe(1200);
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
    const rows = await bed.t.db.execute<{ n: number }>(sql`select count(*)::int as n from sequence_enrollments where sequence_id = ${s.id}::uuid and status = 'completed'`);
    expect(rows.rows[0].n).toBe(1200);
  });

  it("a crash after Postmark accepted a batch but before the answer was recorded: recovery adopts it, nobody gets it twice", async () => {
    const now = new Date();
    const s = await activeSequence({ emails: [email("Crash", 0), email("After", 1, "minutes")] }, now);
    const people = await Promise.all(Array.from({ length: 5 }, () => contact("crash")));
    for (const p of people) await enrollContact(bed.t.db, { sequenceId: s.id, contactId: p.id }, now);
    const deps = { ...bed.fixture.deps, now: () => now };
    const claim = await claimDueSequenceSteps(bed.t.db, deps);
    expect(claim?.batch?.messages).toHaveLength(5);
    // Postmark accepts the batch, then the process "dies" before it reads the answer.
    const lost = { ...deps, postmark: Object.assign(Object.create(deps.postmark), { sendEmailBatch: async (emails: never[]) => { await deps.postmark.sendEmailBatch(emails); throw new Error("socket hang up"); } }) };
    await sendSequenceBatch(bed.t.db, { batch: claim!.batch!, cache: new Map() }, lost);
    const open = await bed.t.db.select().from(sendBatches).where(eq(sendBatches.id, claim!.batch!.batchId));
    expect(open[0].status).not.toBe("done");
    // Ten minutes later (past every recheck), the next run asks Postmark and adopts the five.
    await run(new Date(now.getTime() + 10 * 60_000));
    for (const p of people) expect(recordsTo(p.email).map((r) => r.subject)).toEqual(["Crash", "After"]);
    const rows = await bed.t.db.select().from(messages).where(eq(messages.sequenceId, s.id));
    expect(rows.every((m) => m.status === "sent" && m.postmarkMessageId)).toBe(true);
  });

  it("a crash between the claim and the call: the batch is checked against Postmark, queued again and sent once", async () => {
    const now = new Date();
    const s = await activeSequence({ emails: [email("Never called", 0)] }, now);
    const p = await contact("claimed");
    await enrollContact(bed.t.db, { sequenceId: s.id, contactId: p.id }, now);
    const claim = await claimDueSequenceSteps(bed.t.db, { ...bed.fixture.deps, now: () => now });
    expect(claim?.batch?.messages).toHaveLength(1);
    // The worker dies here. A run at the same moment sends nothing (the batch is not overdue yet).
    await run(now);
    expect(recordsTo(p.email)).toHaveLength(0);
    await run(new Date(now.getTime() + 5 * 60_000));
    expect(recordsTo(p.email)).toHaveLength(1);
    const [m] = await bed.t.db.select().from(messages).where(eq(messages.contactId, p.id));
    expect(m).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("exits: unsubscribing, a chosen tag, a chosen list; a suppressed contact is skipped with the reason", async () => {
    const now = new Date();
    const vip = await createTag(bed.t.db, { name: `vip-${++seq}` });
    const buyers = await createList(bed.t.db, { name: `buyers-${++seq}` });
    const s = await activeSequence({ emails: [email("One", 1, "hours"), email("Two", 1)], exit: { tag_ids: [vip.id], list_ids: [buyers.id] } }, now);
    const [u, t, l, b] = await Promise.all([contact("unsub"), contact("tagged"), contact("listed"), contact("bounced")]);
    for (const c of [u, t, l, b]) await enrollContact(bed.t.db, { sequenceId: s.id, contactId: c.id }, now);
    await bed.t.db.update(contacts).set({ status: "unsubscribed" }).where(eq(contacts.id, u.id));
    await tagContact(bed.t.db, { contactId: t.id, tagNames: [vip.name] }, now);
    await addContactsToList(bed.t.db, { listId: buyers.id, contactIds: [l.id] });
    expect(await enrollment(s.id, u.id)).toMatchObject({ status: "exited", exitReason: "unsubscribed" });
    expect(await enrollment(s.id, t.id)).toMatchObject({ status: "exited", exitReason: "tag_added" });
    expect(await enrollment(s.id, l.id)).toMatchObject({ status: "exited", exitReason: "joined_list" });
    // A status written without the trigger seeing it (a raw bulk fix) is caught before sending.
    await bed.t.db.execute(sql`alter table contacts disable trigger contacts_sequence_exits`);
    await bed.t.db.update(contacts).set({ status: "bounced" }).where(eq(contacts.id, b.id));
    await bed.t.db.execute(sql`alter table contacts enable trigger contacts_sequence_exits`);
    await run(new Date(now.getTime() + 2 * 3_600_000));
    expect(await enrollment(s.id, b.id)).toMatchObject({ status: "exited", exitReason: "bounced" });
    for (const c of [u, t, l, b]) expect(recordsTo(c.email)).toHaveLength(0);
  });

  it("triggers: a tag and a list enrol in the same transaction; enrol once unless re-enrolment is on", async () => {
    const now = new Date();
    const tag = await createTag(bed.t.db, { name: `trial-${++seq}` });
    const list = await createList(bed.t.db, { name: `news-${++seq}` });
    const byTag = await activeSequence({ emails: [email("Tagged", 0)], trigger: { type: "tag", id: tag.id } }, now);
    const byList = await activeSequence({ emails: [email("Listed", 0)], trigger: { type: "list", id: list.id }, reenroll: true }, now);
    const c = await contact("trig");
    await tagContact(bed.t.db, { contactId: c.id, tagNames: [tag.name] }, now);
    await addContactsToList(bed.t.db, { listId: list.id, contactIds: [c.id] });
    expect(await enrollment(byTag.id, c.id)).toMatchObject({ status: "active" });
    expect(await enrollment(byList.id, c.id)).toMatchObject({ status: "active" });
    await run(new Date(Date.now() + 1000));
    expect(recordsTo(c.email).map((r) => r.subject).sort()).toEqual(["Listed", "Tagged"]);
    // Enrol again: the once-only sequence refuses, the re-enrolling one accepts.
    await expect(enrollContact(bed.t.db, { sequenceId: byTag.id, contactId: c.id }, new Date())).rejects.toMatchObject({ code: "already_enrolled" });
    const again = await enrollContact(bed.t.db, { sequenceId: byList.id, contactId: c.id }, new Date());
    expect(again.status).toBe("active");
    await expect(enrollContact(bed.t.db, { sequenceId: byList.id, contactId: c.id }, new Date())).rejects.toMatchObject({ code: "already_enrolled" });
  });

  it("editing: a changed email goes out as changed, a deleted one is skipped, appended emails continue completed enrollments only when asked", async () => {
    const t0 = new Date("2026-06-01T10:00:00Z");
    const s = await activeSequence({ emails: [email("First", 0), email("Second", 1), email("Third", 2)] }, t0);
    const early = await contact("edit-early");
    await enrollContact(bed.t.db, { sequenceId: s.id, contactId: early.id }, t0);
    await run(t0);
    const [first, second, third] = await listSequenceEmails(bed.t.db, s.id);
    const keep = (e: typeof first, subject = e.subject) => ({ id: e.id, subject, html: e.html, delay: { amount: e.delayAmount, unit: e.delayUnit } });
    // Second is deleted, Third rewritten.
    await updateSequence(bed.t.db, { id: s.id, patch: { emails: [keep(first), keep(third, "Third, rewritten")] } }, t0);
    expect((await enrollment(s.id, early.id)).nextEmailId).toBe(third.id);
    for (let d = 1; d <= 3; d++) await run(new Date(t0.getTime() + d * 86_400_000 + 60_000));
    expect(recordsTo(early.email).map((r) => r.subject)).toEqual(["First", "Third, rewritten"]);
    expect(await enrollment(s.id, early.id)).toMatchObject({ status: "completed" });

    // Appending without the choice leaves completed enrollments alone; with it, they continue.
    const t1 = new Date(t0.getTime() + 4 * 86_400_000);
    const [a, b] = await listSequenceEmails(bed.t.db, s.id);
    await updateSequence(bed.t.db, { id: s.id, patch: { emails: [keep(a), keep(b), email("Fourth", 0)] } }, t1);
    expect(await enrollment(s.id, early.id)).toMatchObject({ status: "completed" });
    const live = await listSequenceEmails(bed.t.db, s.id);
    await updateSequence(bed.t.db, { id: s.id, patch: { emails: [...live.map((e) => keep(e)), email("Fifth", 0)], continue_completed: true } }, t1);
    await run(t1);
    expect(recordsTo(early.email).map((r) => r.subject)).toEqual(["First", "Third, rewritten", "Fifth"]);
  });

  it("a changed delay moves the due time of those waiting for that email", async () => {
    const t0 = new Date("2026-06-01T10:00:00Z");
    const s = await activeSequence({ emails: [email("A", 0), email("B", 3)] }, t0);
    const c = await contact("delay");
    await enrollContact(bed.t.db, { sequenceId: s.id, contactId: c.id }, t0);
    await run(t0);
    const [a, b] = await listSequenceEmails(bed.t.db, s.id);
    await updateSequence(bed.t.db, { id: s.id, patch: { emails: [{ id: a.id, subject: "A", html: a.html, delay: { amount: 0, unit: "days" } }, { id: b.id, subject: "B", html: b.html, delay: { amount: 1, unit: "hours" } }] } }, t0);
    expect((await enrollment(s.id, c.id)).nextDueAt?.toISOString()).toBe("2026-06-01T11:00:00.000Z");
  });

  it("pausing holds every enrollment; resuming spreads what fell due, or sends it now", async () => {
    const t0 = new Date("2026-06-01T10:00:00Z");
    const s = await activeSequence({ emails: [email("Held", 1, "hours")] }, t0);
    const people = await Promise.all(Array.from({ length: 4 }, () => contact("pause")));
    for (const p of people) await enrollContact(bed.t.db, { sequenceId: s.id, contactId: p.id }, t0);
    await pauseSequence(bed.t.db, { id: s.id }, t0);
    const t1 = new Date(t0.getTime() + 5 * 3_600_000);
    await run(t1);
    for (const p of people) expect(recordsTo(p.email)).toHaveLength(0);
    await activateSequence(bed.t.db, { id: s.id, resume: { due: "spread", spread_minutes: 60 }, by: MARKETER }, t1);
    const due = (await bed.t.db.select().from(sequenceEnrollments).where(eq(sequenceEnrollments.sequenceId, s.id))).map((e) => (e.nextDueAt!.getTime() - t1.getTime()) / 60_000).sort((x, y) => x - y);
    expect(due).toEqual([0, 15, 30, 45]);
    await run(t1);
    expect(people.filter((p) => recordsTo(p.email).length === 1)).toHaveLength(1);
    await run(new Date(t1.getTime() + 60 * 60_000));
    for (const p of people) expect(recordsTo(p.email)).toHaveLength(1);
  });
});
