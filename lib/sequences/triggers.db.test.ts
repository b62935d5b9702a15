import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DbOrTx } from "@/db";
import { contacts, sequenceEnrollments, webhookEndpoints } from "@/db/schema";
import { createContact, createContactsBulk, createList } from "@/lib/contacts/contacts";
import { importContactsCsv } from "@/lib/contacts/import-csv";
import { addContactsToList, removeContactsFromList } from "@/lib/contacts/lists";
import { createTag, tagContacts } from "@/lib/contacts/tags";
import { FORM_DEFAULT_LIMITS, type FormDeps } from "@/lib/forms/deps";
import { createForm } from "@/lib/forms/forms";
import { confirmSignup, submitForm, type FormSubmission } from "@/lib/forms/signups";
import { createFillStamp, formsKey } from "@/lib/forms/tokens";
import { sendQueuedSingleEmail } from "@/lib/sending/single-email";
import { sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { activateSequence, createSequence, pauseSequence, type SequenceInput } from "./sequences";

// The enrollment triggers (db/functions/postline_sequences_*.sql) against the real PostgreSQL: the form
// trigger, and the list and tag triggers under an import and a bulk tag, with and without a sequence listening.
const bed = useSendingTestbed();
// An endpoint subscribing Sequence.Enrolled, so enrolments are announced and can be counted.
beforeAll(async () => {
  await bed.t.db.insert(webhookEndpoints).values({ url: "https://hooks.example.com/in", events: ["Sequence.Enrolled"], status: "active", rateLimit: 10, rateLimitPeriod: "second", secret: "s".repeat(40), verificationToken: "v" });
});
const key = formsKey("s".repeat(32));
const now = new Date();
let n = 0;

const email = { subject: "Welcome {{ name }}", html: "<p>Hi</p>", delay: { amount: 1, unit: "days" as const } };

async function activeSequence(input: Partial<SequenceInput>) {
  const s = await createSequence(bed.t.db, { name: `trigger seq ${++n}`, emails: [email], ...input }, { defaultFrom: "drip@postline.test" }, now);
  return activateSequence(bed.t.db, { id: s.id, by: { role: "marketer", userId: null } }, now);
}

/** Creates `count` contacts `prefix-i@domain` at once and answers their ids. */
async function bulk(prefix: string, count: number): Promise<string[]> {
  await createContactsBulk(bed.t.db, Array.from({ length: count }, (_, i) => ({ email: `${prefix}-${i}@bulk.test` })));
  const rows = await bed.t.db.execute<{ id: string }>(sql`select id from contacts where email like ${`${prefix}-%@bulk.test`}`);
  return rows.rows.map((r) => r.id);
}

async function enrolled(sequenceId: string): Promise<string[]> {
  const rows = await bed.t.db.select({ email: contacts.email }).from(sequenceEnrollments).innerJoin(contacts, eq(contacts.id, sequenceEnrollments.contactId)).where(eq(sequenceEnrollments.sequenceId, sequenceId));
  return rows.map((r) => r.email).sort();
}

async function events(event: string, sequenceId: string) {
  const r = await bed.t.db.execute<{ n: number }>(sql`select count(*)::int as n from webhook_events where event = ${event} and data->'sequence'->>'id' = ${sequenceId}`);
  return r.rows[0].n;
}

/**
 * Runs `work` in a transaction and answers how often it called the enrol and exit functions
 * (track_functions, counted for the transaction): 0 means the triggers left at their first check.
 */
async function callsDuring(work: (tx: DbOrTx) => Promise<unknown>): Promise<{ enroll: number; exit: number }> {
  return bed.t.db.transaction(async (tx) => {
    await tx.execute(sql`set local track_functions = 'pl'`);
    // Counts a connection has not flushed yet show too: take the difference.
    const count = async () =>
      (
        await tx.execute<{ enroll: number; exit: number }>(sql`
          select coalesce(pg_stat_get_xact_function_calls('postline_sequences_enroll'::regproc), 0)::int as enroll,
                 coalesce(pg_stat_get_xact_function_calls('postline_sequences_exit'::regproc), 0)::int as exit`)
      ).rows[0];
    const before = await count();
    await work(tx);
    const after = await count();
    return { enroll: after.enroll - before.enroll, exit: after.exit - before.exit };
  });
}

function formDeps(): FormDeps {
  return { key, sending: bed.fixture.deps, from: "news@postline.test", minFillMs: 2_000, confirmTtlMs: 48 * 3_600_000, limits: FORM_DEFAULT_LIMITS };
}

let ip = 0;
function submission(formId: string, address: string): FormSubmission {
  return {
    formId,
    values: { _ts: createFillStamp(key, formId, new Date(now.getTime() - 10_000)), website: "", email: address },
    ip: `198.51.100.${(ip++ % 250) + 1}`,
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    origin: null,
    appOrigin: "http://127.0.0.1:3999",
  };
}

function confirmToken(to: string): string {
  const record = sandboxRecords(bed.fixture.sandbox).filter((r) => r.to === to).at(-1);
  const match = /\/c\/([A-Za-z0-9_.-]+)/.exec(record?.textBody ?? "");
  if (!match) throw new Error(`no confirmation link to ${to}`);
  return match[1];
}

describe("the form trigger (real PostgreSQL)", () => {
  it("double opt-in: the contact enrols when it confirms, never while pending, once however often it confirms", async () => {
    const list = await createList(bed.t.db, { name: "Form trigger list" });
    const form = await createForm(bed.t.db, { form: { name: "Double opt-in form", list_ids: [list.id] }, createdById: null }, now);
    const s = await activeSequence({ trigger: { type: "form", id: form.id } });
    // The list the form adds to enrols too: a pending contact must not enrol through it either.
    const byList = await activeSequence({ trigger: { type: "list", id: list.id } });

    const result = await submitForm(bed.t.db, submission(form.id, "dana@form-trigger.test"), formDeps(), now);
    expect(result.outcome).toBe("pending");
    await sendQueuedSingleEmail(bed.t.db, { messageId: result.confirmationMessageId! }, bed.fixture.deps);
    expect(await enrolled(s.id)).toEqual([]);

    // A pending contact joining a list by another path (an admin adding it) does not enrol either.
    const [pending] = await bed.t.db.select().from(contacts).where(eq(contacts.email, "dana@form-trigger.test"));
    expect(pending.status).toBe("pending");
    await addContactsToList(bed.t.db, { listId: list.id, contactIds: [pending.id] });
    expect(await enrolled(byList.id)).toEqual([]);

    const token = confirmToken("dana@form-trigger.test");
    await confirmSignup(bed.t.db, { formId: form.id, token, ip: "203.0.113.1", userAgent: "UA" }, formDeps(), now);
    expect(await enrolled(s.id)).toEqual(["dana@form-trigger.test"]);
    expect(await events("Sequence.Enrolled", s.id)).toBe(1);
    const replay = await confirmSignup(bed.t.db, { formId: form.id, token, ip: "203.0.113.1", userAgent: "UA" }, formDeps(), now);
    expect(replay.alreadyConfirmed).toBe(true);
    expect(await enrolled(s.id)).toEqual(["dana@form-trigger.test"]);
    expect(await events("Sequence.Enrolled", s.id)).toBe(1);
  });

  it("single opt-in: the submission is the confirmation and enrols at once; another form's, a paused or a draft sequence's does not", async () => {
    const form = await createForm(bed.t.db, { form: { name: "Single opt-in form", double_opt_in: false }, createdById: null }, now);
    const other = await createForm(bed.t.db, { form: { name: "Other form", double_opt_in: false }, createdById: null }, now);
    const s = await activeSequence({ trigger: { type: "form", id: form.id } });
    const paused = await pauseSequence(bed.t.db, { id: (await activeSequence({ trigger: { type: "form", id: form.id } })).id }, now);
    const draft = await createSequence(bed.t.db, { name: "draft form seq", emails: [email], trigger: { type: "form", id: form.id } }, { defaultFrom: "drip@postline.test" }, now);

    const result = await submitForm(bed.t.db, submission(form.id, "eve@form-trigger.test"), formDeps(), now);
    expect(result.outcome).toBe("subscribed");
    await submitForm(bed.t.db, submission(other.id, "finn@form-trigger.test"), formDeps(), now);
    expect(await enrolled(s.id)).toEqual(["eve@form-trigger.test"]);
    expect(await enrolled(paused.id)).toEqual([]);
    expect(await enrolled(draft.id)).toEqual([]);
  });
});

describe("the list and tag triggers under bulk changes (real PostgreSQL)", () => {
  const csv = (prefix: string, count: number) => new TextEncoder().encode(["email,name", ...Array.from({ length: count }, (_, i) => `${prefix}-${i}@import.test,Person ${i}`)].join("\n"));

  it("an import into a list no sequence listens to enrols nobody and never calls the enrol function; into a listened list it enrols every subscribed row once", async () => {
    const quiet = await createList(bed.t.db, { name: "Quiet list" });
    const listened = await createList(bed.t.db, { name: "Listened list" });

    // No sequence uses lists at all: the trigger leaves at its first look.
    expect(await callsDuring((tx) => addContactsToList(tx, { listId: quiet.id, contactIds: [] }))).toEqual({ enroll: 0, exit: 0 });
    await importContactsCsv(bed.t.db, csv("before", 1500), { listId: quiet.id });

    const s = await activeSequence({ trigger: { type: "list", id: listened.id } });
    // A sequence listens to another list: an import into the quiet one still calls nothing.
    const quietIds = await bulk("quietbulk", 1500);
    expect(await callsDuring((tx) => addContactsToList(tx, { listId: quiet.id, contactIds: quietIds }))).toEqual({ enroll: 0, exit: 0 });
    await importContactsCsv(bed.t.db, csv("quiet", 1500), { listId: quiet.id });
    expect(await enrolled(s.id)).toEqual([]);

    // Into the listened list: every subscribed row enrols once, an unsubscribed one does not.
    const gone = await createContact(bed.t.db, { email: "listened-7@import.test" });
    await bed.t.db.update(contacts).set({ status: "unsubscribed" }).where(eq(contacts.id, gone.id));
    const report = await importContactsCsv(bed.t.db, csv("listened", 1500), { listId: listened.id });
    expect(report.created + report.updated).toBe(1500);
    const got = await enrolled(s.id);
    expect(got).toHaveLength(1499);
    expect(got).not.toContain("listened-7@import.test");
    expect(await events("Sequence.Enrolled", s.id)).toBe(1499);
    // Importing the same file again adds no membership: nobody enrols twice.
    await importContactsCsv(bed.t.db, csv("listened", 1500), { listId: listened.id });
    expect(await enrolled(s.id)).toHaveLength(1499);
    // Contacts already in the quiet list stay out of the listened sequence.
    expect(got.some((e) => !e.startsWith("listened-"))).toBe(false);
  });

  it("rejoining a list: an active enrollment is never doubled; a completed one enrols again only in a sequence that re-enrols", async () => {
    const list = await createList(bed.t.db, { name: `Rejoin ${++n}` });
    const once = await activeSequence({ trigger: { type: "list", id: list.id } });
    const again = await activeSequence({ trigger: { type: "list", id: list.id }, reenroll: true });
    const ids = await bulk(`rejoin${n}`, 3);
    const rejoin = async () => {
      await removeContactsFromList(bed.t.db, { listId: list.id, contactIds: ids });
      await addContactsToList(bed.t.db, { listId: list.id, contactIds: ids });
    };
    const statuses = async (sequenceId: string) =>
      (await bed.t.db.select({ status: sequenceEnrollments.status }).from(sequenceEnrollments).where(eq(sequenceEnrollments.sequenceId, sequenceId))).map((r) => r.status).sort();
    await addContactsToList(bed.t.db, { listId: list.id, contactIds: ids });
    await rejoin();
    expect([await statuses(once.id), await statuses(again.id)]).toEqual([["active", "active", "active"], ["active", "active", "active"]]);
    // The first contact completes both sequences; rejoining enrols it again only where re-enrolment is on.
    await bed.t.db.update(sequenceEnrollments).set({ status: "completed", completedAt: now, nextEmailId: null, nextDueAt: null }).where(eq(sequenceEnrollments.contactId, ids[0]));
    await rejoin();
    expect(await statuses(once.id)).toEqual(["active", "active", "completed"]);
    expect(await statuses(again.id)).toEqual(["active", "active", "active", "completed"]);
  });

  it("a bulk tag with no sequence on that tag calls nothing; with one, it enrols each contact once; an exit tag takes them out", async () => {
    const ids = await bulk("tagged", 2000);
    const plain = await createTag(bed.t.db, { name: "plain" });
    const vip = await createTag(bed.t.db, { name: "vip" });
    const stop = await createTag(bed.t.db, { name: "stop" });

    expect(await callsDuring((tx) => tagContacts(tx, { contactIds: ids, tagIds: [plain.id] }, now))).toEqual({ enroll: 0, exit: 0 });

    const s = await activeSequence({ trigger: { type: "tag", id: vip.id }, exit: { tag_ids: [stop.id] } });
    // Neither the enrol nor the exit tag: still nothing called.
    const other = await createTag(bed.t.db, { name: "other" });
    expect(await callsDuring((tx) => tagContacts(tx, { contactIds: ids, tagIds: [other.id] }, now))).toEqual({ enroll: 0, exit: 0 });
    expect(await enrolled(s.id)).toEqual([]);

    expect(await callsDuring((tx) => tagContacts(tx, { contactIds: ids, tagIds: [vip.id] }, now))).toEqual({ enroll: 1, exit: 0 });
    expect(await enrolled(s.id)).toHaveLength(2000);
    await tagContacts(bed.t.db, { contactIds: ids, tagIds: [vip.id] }, now);
    expect(await enrolled(s.id)).toHaveLength(2000);

    await tagContacts(bed.t.db, { contactIds: ids.slice(0, 500), tagIds: [stop.id] }, now);
    const rows = await bed.t.db.select({ status: sequenceEnrollments.status, reason: sequenceEnrollments.exitReason, n: sql<number>`count(*)::int` }).from(sequenceEnrollments).where(and(eq(sequenceEnrollments.sequenceId, s.id))).groupBy(sequenceEnrollments.status, sequenceEnrollments.exitReason).orderBy(sequenceEnrollments.status);
    expect(rows).toEqual([
      { status: "active", reason: null, n: 1500 },
      { status: "exited", reason: "tag_added", n: 500 },
    ]);
  });

  it("a contacts update that leaves everyone subscribed exits nobody and calls nothing; unsubscribing exits with the reason", async () => {
    const list = await createList(bed.t.db, { name: "Status list" });
    const s = await activeSequence({ trigger: { type: "list", id: list.id } });
    await addContactsToList(bed.t.db, { listId: list.id, contactIds: await bulk("status", 300) });
    expect(await enrolled(s.id)).toHaveLength(300);
    expect(await callsDuring((tx) => tx.execute(sql`update contacts set name = 'Renamed' where email like 'status-%'`))).toEqual({ enroll: 0, exit: 0 });
    expect(await callsDuring((tx) => tx.execute(sql`update contacts set status = 'unsubscribed' where email = 'status-3@bulk.test'`))).toEqual({ enroll: 0, exit: 1 });
    const [row] = await bed.t.db.select().from(sequenceEnrollments).innerJoin(contacts, eq(contacts.id, sequenceEnrollments.contactId)).where(eq(contacts.email, "status-3@bulk.test"));
    expect(row.sequence_enrollments).toMatchObject({ status: "exited", exitReason: "unsubscribed" });
  });
});
