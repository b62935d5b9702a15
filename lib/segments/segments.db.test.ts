import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaigns, contacts, contactTags, formSignups, forms, listMemberships, lists, messages, tags } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { bruteForceMatches, type BruteContact } from "./brute-force";
import type { SegmentCondition, SegmentDefinition } from "./definition";
import { countSegment, createSegment, deleteSegment, getSegmentOrThrow, pageSegmentContacts, updateSegment } from "./segments";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const now = new Date("2025-06-15T12:00:00Z");
const DAY = 86_400_000;

// A deterministic seed: every condition has members and non-members, including values that are
// not numbers or dates where numbers and dates are compared.
function prng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

let seed: BruteContact[] = [];
let listIds: string[] = [];
let tagIds: string[] = [];
let formIds: string[] = [];

const formRow = (name: string, archivedAt: Date | null = null) => ({
  name,
  fields: [{ kind: "email" as const, label: "Email", required: true }],
  heading: name,
  confirmationSubject: "Confirm",
  confirmationHtml: "{{ confirm_url }}",
  confirmationText: "{{ confirm_url }}",
  thankYouMessage: "Thanks",
  confirmedMessage: "Confirmed",
  archivedAt,
});

async function seedContacts() {
  const rnd = prng(42);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  listIds = (await t.db.insert(lists).values([{ name: "Newsletter" }, { name: "Customers" }]).returning()).map((l) => l.id);
  tagIds = (await t.db.insert(tags).values([{ name: "vip" }, { name: "beta" }, { name: "churned" }]).returning()).map((x) => x.id);
  // The third form is archived: its signups still count.
  formIds = (await t.db.insert(forms).values([formRow("Newsletter form"), formRow("Webinar"), formRow("Old landing page", new Date(now.getTime() - 10 * DAY))]).returning()).map((f) => f.id);
  const [c1, c2] = await t.db.insert(campaigns).values([{ name: "One", fromEmail: "f@x.test", subject: "s", html: "h", status: "sent" }, { name: "Two", fromEmail: "f@x.test", subject: "s", html: "h", status: "sent" }]).returning();
  const statuses = ["subscribed", "subscribed", "subscribed", "unsubscribed", "bounced", "complained"] as const;
  const cities = ["Berlin", "berlin", "Oslo", "Rome", "Bern", ""];
  const ages = ["18", "42", " 7 ", "-3.5", "1e2", "n/a", "12abc", ""];
  const dates = ["2025-06-10", "2025-01-31", "2024-12-31T10:00:00Z", "2025-02-30", "soon", "2025-06-15"];
  for (let i = 0; i < 160; i++) {
    const fields: Record<string, string> = {};
    if (rnd() < 0.8) fields.city = pick(cities);
    if (rnd() < 0.7) fields.age = pick(ages);
    if (rnd() < 0.6) fields.renews = pick(dates);
    const createdAt = new Date(now.getTime() - Math.floor(rnd() * 200) * DAY - Math.floor(rnd() * DAY));
    const [row] = await t.db.insert(contacts).values({ email: `p${i}@seg.test`, fields, status: pick(statuses), createdAt }).returning();
    const inLists = listIds.filter(() => rnd() < 0.4);
    const withTags = tagIds.filter(() => rnd() < 0.35);
    if (inLists.length) await t.db.insert(listMemberships).values(inLists.map((listId) => ({ listId, contactId: row.id })));
    if (withTags.length) await t.db.insert(contactTags).values(withTags.map((tagId) => ({ tagId, contactId: row.id })));
    // Signups: some confirmed (recently or long ago), some never confirmed, some contacts through two forms.
    const signups: BruteContact["signups"] = [];
    for (const formId of formIds) {
      if (rnd() < 0.6) continue;
      const submittedAt = new Date(now.getTime() - Math.floor(rnd() * 120) * DAY);
      const confirmedAt = rnd() < 0.3 ? null : new Date(submittedAt.getTime() + Math.floor(rnd() * 2 * DAY));
      await t.db.insert(formSignups).values({ formId, contactId: row.id, submittedAt, submittedIp: "192.0.2.1", shownText: "Subscribe", values: { email: row.email }, confirmedAt });
      signups.push({ formId, confirmedAt });
    }
    const msgs: BruteContact["messages"] = [];
    for (const campaign of [c1, c2]) {
      const r = rnd();
      if (r < 0.3) continue;
      const sentAt = r < 0.4 ? null : new Date(now.getTime() - Math.floor(rnd() * 90) * DAY);
      const opened = sentAt && rnd() < 0.5 ? new Date(sentAt.getTime() + Math.floor(rnd() * 3) * DAY) : null;
      const clicked = opened && rnd() < 0.5 ? opened : null;
      await t.db.insert(messages).values({ kind: "campaign", campaignId: campaign.id, contactId: row.id, toEmail: row.email, fromEmail: "f@x.test", subject: "s", messageStream: "broadcast", status: sentAt ? "sent" : "queued", sentAt, firstHumanOpenedAt: opened, firstHumanClickedAt: clicked });
      msgs.push({ campaign: true, sentAt, firstHumanOpenedAt: opened, firstHumanClickedAt: clicked });
    }
    // A transactional (single) email a person opened: not "a campaign".
    if (rnd() < 0.2) {
      await t.db.insert(messages).values({ kind: "single", contactId: row.id, toEmail: row.email, fromEmail: "f@x.test", subject: "s", messageStream: "outbound", status: "sent", sentAt: now, firstHumanOpenedAt: now, firstHumanClickedAt: now });
      msgs.push({ campaign: false, sentAt: now, firstHumanOpenedAt: now, firstHumanClickedAt: now });
    }
    seed.push({ id: row.id, status: row.status, fields, createdAt, listIds: inLists, tagIds: withTags, signups, messages: msgs });
  }
}

async function members(definition: SegmentDefinition): Promise<string[]> {
  const all: string[] = [];
  let after: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof pageSegmentContacts>> = await pageSegmentContacts(t.db, { definition, after, limit: 37 }, now);
    all.push(...page.rows.map((c) => c.id));
    after = page.next;
  } while (after);
  return all.sort();
}

describe("segments: each condition against a brute-force filter over the same seed (real PostgreSQL)", () => {
  beforeAll(async () => {
    seed = [];
    await seedContacts();
    // The seed writes messages directly, as sending and ingestion would leave them; contact_engagement
    // is then what ingestion's own recompute makes of them (contact-engagement.db.test.ts covers the
    // real paths).
    await t.db.execute(sql`select postline_refresh_contact_engagement(array(select id from contacts))`);
  });

  const conditions = (): [string, SegmentCondition][] => [
    ["in lists (any)", { type: "lists", op: "any", list_ids: [listIds[0]] }],
    ["in either list", { type: "lists", op: "any", list_ids: listIds }],
    ["in no list of", { type: "lists", op: "none", list_ids: [listIds[1]] }],
    ["any tag", { type: "tags", op: "any", tag_ids: [tagIds[0], tagIds[1]] }],
    ["all tags", { type: "tags", op: "all", tag_ids: [tagIds[0], tagIds[1]] }],
    ["no tag", { type: "tags", op: "none", tag_ids: [tagIds[2]] }],
    ["city equals Berlin (exact)", { type: "field", key: "city", op: "equals", value: "Berlin" }],
    ["city not equals Berlin", { type: "field", key: "city", op: "not_equals", value: "Berlin" }],
    ["city contains ber", { type: "field", key: "city", op: "contains", value: "BER" }],
    ["city is set", { type: "field", key: "city", op: "is_set" }],
    ["city is not set", { type: "field", key: "city", op: "is_not_set" }],
    ["age > 10", { type: "field", key: "age", op: "gt", value: 10 }],
    ["age >= 18", { type: "field", key: "age", op: "gte", value: 18 }],
    ["age < 0", { type: "field", key: "age", op: "lt", value: 0 }],
    ["age <= 100", { type: "field", key: "age", op: "lte", value: 100 }],
    ["renews before 2025-02-01", { type: "field", key: "renews", op: "before", value: "2025-02-01" }],
    ["renews after 2025-01-31", { type: "field", key: "renews", op: "after", value: "2025-01-31" }],
    ["renews within the last 7 days", { type: "field", key: "renews", op: "within_last_days", days: 7 }],
    ["status is subscribed", { type: "status", op: "is", values: ["subscribed"] }],
    ["status is not unsubscribed or bounced", { type: "status", op: "is_not", values: ["unsubscribed", "bounced"] }],
    ["created between", { type: "created", op: "between", from: "2025-03-01", to: "2025-04-30" }],
    ["created in the last 30 days", { type: "created", op: "within_last_days", days: 30 }],
    ["opened in the last 30 days", { type: "engagement", op: "opened_within_days", days: 30 }],
    ["clicked in the last 60 days", { type: "engagement", op: "clicked_within_days", days: 60 }],
    ["never opened", { type: "engagement", op: "never_opened" }],
    ["did not open in the last 30 days", { type: "engagement", op: "not_opened_within_days", days: 30 }],
    ["did not click in the last 60 days", { type: "engagement", op: "not_clicked_within_days", days: 60 }],
    ["signed up through a form (confirmed)", { type: "form", op: "any", form_ids: [formIds[0]] }],
    ["signed up through either form, one archived", { type: "form", op: "any", form_ids: [formIds[1], formIds[2]] }],
    ["signed up through a form, confirmed in the last 30 days", { type: "form", op: "any", form_ids: formIds, days: 30 }],
    ["not signed up through a form", { type: "form", op: "none", form_ids: [formIds[0]] }],
    ["not signed up through a form in the last 60 days", { type: "form", op: "none", form_ids: [formIds[0], formIds[1]], days: 60 }],
    ["created after a date", { type: "created", op: "after", value: "2025-03-01" }],
    ["created before an instant", { type: "created", op: "before", value: "2025-04-15T06:30:00+02:00" }],
  ];

  it("every condition alone: the SQL count and members are the brute force's, and neither is trivial", async () => {
    for (const [name, condition] of conditions()) {
      const definition: SegmentDefinition = { match: "all", conditions: [condition] };
      const expected = seed.filter((c) => bruteForceMatches(definition, c, now)).map((c) => c.id).sort();
      expect(await countSegment(t.db, definition, now), name).toBe(expected.length);
      expect(await members(definition), name).toEqual(expected);
      expect(expected.length, `${name} matches someone`).toBeGreaterThan(0);
      expect(expected.length, `${name} leaves someone out`).toBeLessThan(seed.length);
    }
  });

  it("combinations: all, any and a nested group", async () => {
    const c = Object.fromEntries(conditions());
    const definitions: SegmentDefinition[] = [
      { match: "all", conditions: [c["any tag"], c["city equals Berlin (exact)"], c["status is not unsubscribed or bounced"]] },
      { match: "any", conditions: [c["opened in the last 30 days"], c["created in the last 30 days"], c["age >= 18"]] },
      { match: "all", conditions: [c["in either list"], { match: "any", conditions: [c["never opened"], c["renews before 2025-02-01"]] }, c["no tag"]] },
      { match: "all", conditions: [c["signed up through a form (confirmed)"], c["not signed up through a form in the last 60 days"], c["status is subscribed"]] },
      { match: "any", conditions: [c["signed up through either form, one archived"], { match: "all", conditions: [c["in lists (any)"], c["not signed up through a form"]] }] },
      { match: "all", conditions: [] },
      // Unions of sets that lib/segments/count.ts counts from their indexes.
      { match: "any", conditions: [c["opened in the last 30 days"], c["created in the last 30 days"], c["in lists (any)"]] },
      { match: "any", conditions: [c["any tag"], { match: "all", conditions: [c["signed up through a form (confirmed)"]] }, c["never opened"], c["all tags"]] },
      { match: "all", conditions: [{ match: "any", conditions: [c["clicked in the last 60 days"], c["in either list"]] }] },
    ];
    for (const definition of definitions) {
      const expected = seed.filter((x) => bruteForceMatches(definition, x, now)).map((x) => x.id).sort();
      expect(await countSegment(t.db, definition, now)).toBe(expected.length);
      expect(await members(definition)).toEqual(expected);
    }
  });

  it("a form condition: an archived form is a valid target (its signups still count), an unconfirmed signup never counts", async () => {
    const s = await createSegment(t.db, { name: "Old page", definition: { match: "all", conditions: [{ type: "form", op: "any", form_ids: [formIds[2]] }] } }, now);
    const confirmed = seed.filter((c) => c.status !== "pending" && c.signups.some((x) => x.formId === formIds[2] && x.confirmedAt)).length;
    const submittedOnly = seed.filter((c) => c.signups.some((x) => x.formId === formIds[2] && !x.confirmedAt) && !c.signups.some((x) => x.formId === formIds[2] && x.confirmedAt));
    expect(submittedOnly.length).toBeGreaterThan(0);
    expect(await countSegment(t.db, s.definition, now)).toBe(confirmed);
    expect(await members(s.definition)).not.toContain(submittedOnly[0].id);
    await deleteSegment(t.db, { id: s.id });
  });

  it("a pending contact (signing up, not confirmed) is never in a segment", async () => {
    // The enum value arrives with signup forms (migration 0017); until then, skip what cannot exist.
    const hasPending = (await t.db.execute<{ ok: boolean }>(sql`select exists (select 1 from pg_enum e join pg_type ty on ty.oid = e.enumtypid where ty.typname = 'contact_status' and e.enumlabel = 'pending') as ok`)).rows[0].ok;
    if (!hasPending) return;
    const [p] = await t.db.insert(contacts).values({ email: "pending@seg.test", status: "pending" as never, fields: { city: "Berlin" } }).returning();
    expect(await members({ match: "all", conditions: [{ type: "field", key: "city", op: "equals", value: "Berlin" }] })).not.toContain(p.id);
    await t.db.execute(sql`delete from contacts where id = ${p.id}::uuid`);
  });
});

describe("saved segments (real PostgreSQL)", () => {
  it("create validates: unknown list, tag and field, contradictions; nothing is stored on refusal", async () => {
    const UNKNOWN = "00000000-0000-4000-8000-000000000000";
    const refuse = (definition: SegmentDefinition) => createSegment(t.db, { name: "Bad", definition }, now);
    await expect(refuse({ match: "all", conditions: [{ type: "lists", op: "any", list_ids: [UNKNOWN] }] })).rejects.toMatchObject({ code: "unknown_list", status: 422, details: { conditions: ["conditions.0"] } });
    await expect(refuse({ match: "all", conditions: [{ type: "status", op: "is", values: ["subscribed"] }, { type: "tags", op: "all", tag_ids: [UNKNOWN] }] })).rejects.toMatchObject({ code: "unknown_tag", details: { conditions: ["conditions.1"] } });
    await expect(refuse({ match: "all", conditions: [{ type: "field", key: "shoe_size", op: "gt", value: 40 }] })).rejects.toMatchObject({ code: "unknown_field", message: 'No contact has a custom field "shoe_size"' });
    await expect(refuse({ match: "all", conditions: [{ type: "status", op: "is", values: ["subscribed"] }, { type: "status", op: "is", values: ["bounced"] }] })).rejects.toMatchObject({
      code: "contradictory_segment",
      message: "Contradictory segment: conditions.0 (status is subscribed) and conditions.1 (status is bounced) cannot both hold",
      details: { conditions: [{ paths: ["conditions.0", "conditions.1"] }] },
    });
    const [form] = await t.db.insert(forms).values(formRow("Validation form")).returning();
    await expect(refuse({ match: "all", conditions: [{ type: "form", op: "any", form_ids: [form.id, UNKNOWN] }] })).rejects.toMatchObject({ code: "unknown_form", status: 422, message: `Unknown form id: ${UNKNOWN}`, details: { conditions: ["conditions.0"] } });
    await expect(refuse({ match: "all", conditions: [{ type: "form", op: "any", form_ids: [form.id], days: 7 }, { type: "form", op: "none", form_ids: [form.id, UNKNOWN], days: 30 }] })).rejects.toMatchObject({
      code: "contradictory_segment",
      details: { conditions: [{ paths: ["conditions.0", "conditions.1"] }] },
    });
    expect((await t.db.execute<{ n: number }>(sql`select count(*)::int as n from segments`)).rows[0].n).toBe(0);
  });

  it("create, read, update, delete; a segment a draft campaign targets or excludes cannot be deleted (segment_in_use)", async () => {
    const definition: SegmentDefinition = { match: "all", conditions: [{ type: "field", key: "city", op: "equals", value: "Oslo" }] };
    const s = await createSegment(t.db, { name: "Oslo", definition }, now);
    expect(await getSegmentOrThrow(t.db, s.id)).toMatchObject({ name: "Oslo", definition });
    const renamed = await updateSegment(t.db, { id: s.id, name: "Oslo people" }, now);
    expect(renamed).toMatchObject({ name: "Oslo people", definition });
    await expect(updateSegment(t.db, { id: s.id, definition: { match: "all", conditions: [{ type: "field", key: "nope", op: "is_set" }] } }, now)).rejects.toMatchObject({ code: "unknown_field" });
    const [draft] = await t.db.insert(campaigns).values({ name: "Waiting", fromEmail: "f@x.test", subject: "s", html: "h" }).returning();
    await t.db.execute(sql`insert into campaign_segments (campaign_id, segment_id, exclude) values (${draft.id}::uuid, ${s.id}::uuid, true)`);
    await expect(deleteSegment(t.db, { id: s.id })).rejects.toMatchObject({ code: "segment_in_use", status: 409, message: '"Oslo people" is used by "Waiting", not sent yet: change their audience first' });
    await t.db.execute(sql`update campaigns set status = 'sent' where id = ${draft.id}::uuid`);
    expect(await deleteSegment(t.db, { id: s.id })).toEqual({ name: "Oslo people" });
    await expect(getSegmentOrThrow(t.db, s.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(deleteSegment(t.db, { id: "nope" })).rejects.toMatchObject({ code: "not_found" });
  });
});
