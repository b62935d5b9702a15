import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { forged } from "@/lib/tooling/testing/base64url";
import { contacts, formSignups, webhookEndpoints } from "@/db/schema";
import { createContact, createList, updateContact } from "@/lib/contacts/contacts";
import { eraseContact } from "@/lib/contacts/erase";
import { createTag } from "@/lib/contacts/tags";
import { AppError } from "@/lib/errors";
import { sampleEventData } from "@/lib/outbound-webhooks/events";
import { sendQueuedSingleEmail } from "@/lib/sending/single-email";
import { sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { erasePendingContacts } from "./cleanup";
import { FORM_DEFAULT_LIMITS, type FormDeps } from "./deps";
import { createForm, getFormOrThrow, getLiveFormCached, listForms, setFormArchived, updateForm } from "./forms";
import { confirmSignup, listContactSignups, resolveConfirmation, submitForm, type FormSubmission } from "./signups";
import { createConfirmToken, createFillStamp, formsKey } from "./tokens";

const bed = useSendingTestbed();
const key = formsKey("f".repeat(32));
const now = new Date("2026-04-01T10:00:00.000Z");
const APP = "http://127.0.0.1:3999";

function deps(overrides: Partial<FormDeps> = {}): FormDeps {
  return { key, sending: bed.fixture.deps, from: "news@postline.test", minFillMs: 2_000, confirmTtlMs: 48 * 3_600_000, limits: FORM_DEFAULT_LIMITS, ...overrides };
}

let ipSeq = 0;
/** A person's submission: shown 10 s before `at`, a fresh source address each time unless given. */
function submission(formId: string, values: Record<string, string>, extra: Partial<FormSubmission> & { at?: Date } = {}): FormSubmission {
  const at = extra.at ?? now;
  return {
    formId,
    values: { _ts: createFillStamp(key, formId, new Date(at.getTime() - 10_000)), website: "", ...values },
    ip: extra.ip ?? `198.51.100.${(ipSeq++ % 250) + 1}`,
    userAgent: extra.userAgent ?? "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    origin: extra.origin ?? null,
    appOrigin: APP,
  };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

async function counts(formId: string) {
  const f = await getFormOrThrow(bed.t.db, formId);
  return { submissions: f.submissions, confirmed: f.confirmed, bots: f.refusedAsBot };
}

async function contactByEmail(email: string) {
  const [c] = await bed.t.db.select().from(contacts).where(sql`lower(${contacts.email}) = lower(${email})`);
  return c ?? null;
}

async function announced(event: string) {
  const rows = await bed.t.db.execute<{ data: Record<string, unknown> }>(sql`select data from webhook_events where event = ${event} order by occurred_at, id`);
  return rows.rows.map((r) => r.data);
}

function tokenFromEmail(to: string): string {
  const record = sandboxRecords(bed.fixture.sandbox).filter((r) => r.to === to).at(-1);
  if (!record) throw new Error(`no email to ${to}`);
  const match = /\/c\/([A-Za-z0-9_.-]+)/.exec(record.textBody ?? "");
  if (!match) throw new Error("no confirmation link in the email");
  return match[1];
}

async function submitAndSend(s: FormSubmission, d = deps(), at = now) {
  const result = await submitForm(bed.t.db, s, d, at);
  if (result.confirmationMessageId) await sendQueuedSingleEmail(bed.t.db, { messageId: result.confirmationMessageId }, bed.fixture.deps);
  return result;
}

let formSeq = 0;
async function newForm(input: Record<string, unknown> = {}) {
  const n = ++formSeq;
  const list = await createList(bed.t.db, { name: `Form list ${n}` });
  return createForm(bed.t.db, { form: { name: `Form ${n}`, fields: [{ kind: "name", label: "Your name", required: false }, { kind: "custom", name: "company", label: "Company", required: true }], list_ids: [list.id], tags: [`from-form-${n}`], ...input }, createdById: null }, now);
}

beforeEach(() => bed.fixture.sandbox.setFaults({}));

describe("forms: create and edit (real PostgreSQL)", () => {
  it("creates a form with defaults, its lists and tags (missing tags created), and edits only what is given", async () => {
    const form = await newForm();
    expect(form.doubleOptIn).toBe(true);
    expect(form.fields.map((f) => f.kind)).toEqual(["email", "name", "custom"]);
    expect(form.confirmationHtml).toContain("{{ confirm_url }}");
    expect(form.lists).toHaveLength(1);
    expect(form.tags.map((t) => t.name)).toEqual([`from-form-${formSeq}`]);
    const edited = await updateForm(bed.t.db, { id: form.id, patch: { heading: "Join us", allowed_origins: ["https://Example.com/"] } }, now);
    expect(edited.heading).toBe("Join us");
    expect(edited.allowedOrigins).toEqual(["https://example.com"]);
    expect(edited.tags).toEqual(form.tags);
  });

  it("refuses bad input naming the field, writing nothing", async () => {
    const before = (await bed.t.db.execute(sql`select count(*)::int as n from forms`)).rows[0];
    await expect(createForm(bed.t.db, { form: { name: "" }, createdById: null }, now)).rejects.toThrow(/Name the form/);
    await expect(createForm(bed.t.db, { form: { name: "x", confirmation_text: "no link here" }, createdById: null }, now)).rejects.toThrow(/confirm_url/);
    await expect(createForm(bed.t.db, { form: { name: "x", allowed_origins: ["https://example.com/path"] }, createdById: null }, now)).rejects.toThrow(/not an origin/);
    await expect(createForm(bed.t.db, { form: { name: "x", thank_you_url: "javascript:alert(1)" }, createdById: null }, now)).rejects.toThrow(/http/);
    await expect(createForm(bed.t.db, { form: { name: "x", fields: [{ kind: "custom", name: "bad name", label: "B" }] }, createdById: null }, now)).rejects.toThrow();
    expect(await refusal(createForm(bed.t.db, { form: { name: "x", list_ids: ["00000000-0000-4000-8000-000000000000"] }, createdById: null }, now))).toMatchObject({ code: "unknown_list" });
    expect((await bed.t.db.execute(sql`select count(*)::int as n from forms`)).rows[0]).toEqual(before);
    const form = await newForm();
    expect(await refusal(updateForm(bed.t.db, { id: form.id, patch: { confirmation_html: "<p>no link</p>" } }, now))).toMatchObject({ code: "validation_failed" });
    // Off, the link is not needed.
    expect((await updateForm(bed.t.db, { id: form.id, patch: { double_opt_in: false, confirmation_html: "<p>no link</p>" } }, now)).doubleOptIn).toBe(false);
  });
});

describe("submitting a form and confirming (real PostgreSQL + Postmark sandbox)", () => {
  it("a new address becomes pending, gets a signed link on the transactional stream, and confirming subscribes it with lists, tags and consent", async () => {
    await bed.t.db.insert(webhookEndpoints).values({ url: "https://hooks.example.com/forms", events: ["Contact.Subscribed", "Contact.Tagged"], status: "active", rateLimit: 10, rateLimitPeriod: "second", secret: "s".repeat(40), verificationToken: "v" });
    const form = await newForm();
    const s = submission(form.id, { email: "ada@forms.test", name: "Ada", "fields.company": "Analytical" }, { userAgent: "UA-submit" });
    const result = await submitAndSend(s);
    expect(result.outcome).toBe("pending");
    const pending = await contactByEmail("ada@forms.test");
    expect(pending).toMatchObject({ status: "pending", name: "Ada", fields: { company: "Analytical" } });
    const mail = sandboxRecords(bed.fixture.sandbox).filter((r) => r.to === "ada@forms.test");
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ stream: "outbound", subject: "Please confirm your subscription", trackOpens: false });
    expect(mail[0].htmlBody).toContain(`${APP}/c/`);
    expect(await counts(form.id)).toEqual({ submissions: 1, confirmed: 0, bots: 0 });

    const token = tokenFromEmail("ada@forms.test");
    // Opening the link (a GET, or a scanner) changes nothing.
    expect((await resolveConfirmation(bed.t.db, { formId: form.id, token }, deps(), now)).state).toBe("ready");
    expect((await contactByEmail("ada@forms.test"))!.status).toBe("pending");

    const later = new Date(now.getTime() + 60_000);
    const confirmed = await confirmSignup(bed.t.db, { formId: form.id, token, ip: "203.0.113.9", userAgent: "UA-confirm" }, deps(), later);
    expect(confirmed.alreadyConfirmed).toBe(false);
    const contact = (await contactByEmail("ada@forms.test"))!;
    expect(contact.status).toBe("subscribed");
    const memberships = await bed.t.db.execute(sql`select list_id from list_memberships where contact_id = ${contact.id}`);
    expect(memberships.rows.map((r) => r.list_id)).toEqual(form.lists.map((l) => l.id));
    const [consent] = await listContactSignups(bed.t.db, contact.id);
    expect(consent).toMatchObject({ formName: form.name, submittedIp: s.ip, submittedUserAgent: "UA-submit", confirmedIp: "203.0.113.9", confirmedUserAgent: "UA-confirm", confirmedAt: later });
    expect(consent.shownText).toContain(form.consentText);
    expect(consent.shownText).toContain("Company (required)");
    expect(await counts(form.id)).toEqual({ submissions: 1, confirmed: 1, bots: 0 });

    const [subscribed] = await announced("Contact.Subscribed");
    expect(subscribed).toMatchObject({ contact_id: contact.id, email: "ada@forms.test", previous_status: "pending", form: { id: form.id }, tags: form.tags, consent: { confirmed_ip: "203.0.113.9", submitted_ip: s.ip } });
    expect(Object.keys(sampleEventData("Contact.Subscribed", now)).sort()).toEqual(Object.keys(subscribed).sort());
    expect((await announced("Contact.Tagged")).filter((d) => d.contact_id === contact.id)).toHaveLength(1);

    // A replay says so and changes nothing.
    const replay = await confirmSignup(bed.t.db, { formId: form.id, token, ip: "203.0.113.10", userAgent: "again" }, deps(), new Date(later.getTime() + 1000));
    expect(replay.alreadyConfirmed).toBe(true);
    expect(await counts(form.id)).toEqual({ submissions: 1, confirmed: 1, bots: 0 });
    expect(await announced("Contact.Subscribed")).toHaveLength(1);
  });

  it("an address erased while unsubscribed comes back pending, and subscribed only through its confirmation", async () => {
    const form = await newForm();
    const left = await createContact(bed.t.db, { email: "left@forms.test" });
    await bed.t.db.update(contacts).set({ status: "unsubscribed" }).where(sql`${contacts.id} = ${left.id}`);
    await eraseContact(bed.t.db, { contactId: left.id, actor: "test" }, now);
    const result = await submitAndSend(submission(form.id, { email: "left@forms.test", "fields.company": "Back" }));
    expect(result.outcome).toBe("pending");
    expect((await contactByEmail("left@forms.test"))!.status).toBe("pending");
    await confirmSignup(bed.t.db, { formId: form.id, token: tokenFromEmail("left@forms.test"), ip: "203.0.113.7", userAgent: "Firefox" }, deps(), new Date(now.getTime() + 60_000));
    expect((await contactByEmail("left@forms.test"))!.status).toBe("subscribed");
  });

  it("a marketer cannot subscribe a pending contact by hand (only its confirmation can), but can drop it", async () => {
    const form = await newForm();
    await submitAndSend(submission(form.id, { email: "waiting@forms.test", "fields.company": "W" }));
    const pending = (await contactByEmail("waiting@forms.test"))!;
    expect(pending.status).toBe("pending");
    expect(await refusal(updateContact(bed.t.db, { id: pending.id, patch: { status: "subscribed" }, actor: "mia@postline.test" }, now))).toMatchObject({ code: "contact_pending", status: 409 });
    expect((await contactByEmail("waiting@forms.test"))!.status).toBe("pending");
    await updateContact(bed.t.db, { id: pending.id, patch: { status: "unsubscribed" }, actor: "mia@postline.test" }, now);
    expect((await contactByEmail("waiting@forms.test"))!.status).toBe("unsubscribed");
  });

  it("takes the shared contract's shapes: fields without a kind, and a submission with custom fields by their bare names", async () => {
    const tag = await createTag(bed.t.db, { name: "contract-tag" });
    const form = await newForm({ fields: [{ name: "name", label: "Name" }, { name: "company", label: "Company", required: true }], tags: [], tag_ids: [tag.id] });
    expect(form.tags.map((t) => t.name)).toEqual(["contract-tag"]);
    await expect(newForm({ tags: [], tag_ids: ["00000000-0000-4000-8000-000000000000"] })).rejects.toMatchObject({ code: "unknown_tag" });
    expect(form.fields.map((f) => [f.kind, f.name ?? null])).toEqual([["email", null], ["name", null], ["custom", "company"]]);
    const result = await submitAndSend(submission(form.id, { email: "bare@forms.test", name: "Bare Names", company: "Acme" }));
    expect(result.outcome).toBe("pending");
    const [signup] = await listContactSignups(bed.t.db, (await contactByEmail("bare@forms.test"))!.id);
    expect(signup.values).toEqual({ email: "bare@forms.test", name: "Bare Names", "fields.company": "Acme" });
    await expect(submitForm(bed.t.db, submission(form.id, { email: "bare2@forms.test", company: "" }), deps(), now)).rejects.toMatchObject({ code: "validation_failed" });
    // A site's script posting JSON without the page's stamp is taken (when not required); with a forged one it is a bot.
    const { _ts: _unused, ...noStamp } = submission(form.id, { email: "script@forms.test", company: "Acme" }).values;
    expect((await submitForm(bed.t.db, { ...submission(form.id, {}), values: noStamp, stampRequired: false }, deps(), now)).outcome).toBe("pending");
    expect((await submitForm(bed.t.db, { ...submission(form.id, {}), values: { ...noStamp, email: "script2@forms.test" } }, deps(), now)).outcome).toBe("bot");
    expect((await submitForm(bed.t.db, { ...submission(form.id, {}), values: { ...noStamp, email: "script3@forms.test", _ts: "1.forged" }, stampRequired: false }, deps(), now)).outcome).toBe("bot");
  });

  it("refuses a forged, expired or foreign-form link with a clear code, and confirms nothing", async () => {
    const form = await newForm();
    await submitAndSend(submission(form.id, { email: "late@forms.test", "fields.company": "C" }));
    const token = tokenFromEmail("late@forms.test");
    const other = await newForm();
    expect(await refusal(confirmSignup(bed.t.db, { formId: form.id, token: forged(token), ip: "1.1.1.1", userAgent: "" }, deps(), now))).toMatchObject({ code: "invalid_token" });
    expect(await refusal(confirmSignup(bed.t.db, { formId: form.id, token: createConfirmToken(formsKey("x".repeat(32)), "00000000-0000-4000-8000-000000000000"), ip: "1.1.1.1", userAgent: "" }, deps(), now))).toMatchObject({ code: "invalid_token" });
    expect(await refusal(confirmSignup(bed.t.db, { formId: form.id, token: "garbage", ip: "1.1.1.1", userAgent: "" }, deps(), now))).toMatchObject({ code: "invalid_token" });
    expect(await refusal(confirmSignup(bed.t.db, { formId: other.id, token, ip: "1.1.1.1", userAgent: "" }, deps(), now))).toMatchObject({ code: "invalid_token" });
    const expired = new Date(now.getTime() + 48 * 3_600_000 + 1);
    expect(await refusal(confirmSignup(bed.t.db, { formId: form.id, token, ip: "1.1.1.1", userAgent: "" }, deps(), expired))).toMatchObject({ code: "link_expired", status: 410 });
    expect((await contactByEmail("late@forms.test"))!.status).toBe("pending");
    expect(await counts(form.id)).toMatchObject({ confirmed: 0 });
  });

  it("answers the same for an existing, an unsubscribed, a bounced and an erased-suppressed address; only the first two get an email, and none changes status before confirming", async () => {
    const form = await newForm();
    const known = await createContact(bed.t.db, { email: "known@forms.test", name: "Known" });
    const unsub = await createContact(bed.t.db, { email: "unsub@forms.test" });
    await bed.t.db.update(contacts).set({ status: "unsubscribed" }).where(sql`${contacts.id} = ${unsub.id}`);
    const bounced = await createContact(bed.t.db, { email: "bounced@forms.test" });
    await bed.t.db.update(contacts).set({ status: "bounced" }).where(sql`${contacts.id} = ${bounced.id}`);
    const gone = await createContact(bed.t.db, { email: "gone@forms.test" });
    await bed.t.db.update(contacts).set({ status: "complained" }).where(sql`${contacts.id} = ${gone.id}`);
    await eraseContact(bed.t.db, { contactId: gone.id, actor: "test" }, now);

    const results = [];
    for (const email of ["known@forms.test", "unsub@forms.test", "bounced@forms.test", "gone@forms.test"]) {
      results.push(await submitAndSend(submission(form.id, { email, name: "Someone Else", "fields.company": "X" })));
    }
    expect(results.map((r) => r.outcome)).toEqual(["pending", "pending", "suppressed", "suppressed"]);
    const sentTo = new Set(sandboxRecords(bed.fixture.sandbox).map((r) => r.to));
    expect(["known@forms.test", "unsub@forms.test", "bounced@forms.test", "gone@forms.test"].map((e) => sentTo.has(e))).toEqual([true, true, false, false]);
    expect((await contactByEmail("known@forms.test"))).toMatchObject({ status: "subscribed", name: "Known" });
    expect((await contactByEmail("unsub@forms.test"))!.status).toBe("unsubscribed");
    expect((await contactByEmail("bounced@forms.test"))!.status).toBe("bounced");
    expect(await contactByEmail("gone@forms.test")).toBeNull();

    // The unsubscribed one is subscribed again only by its confirmation; the known one takes the name it sent.
    await confirmSignup(bed.t.db, { formId: form.id, token: tokenFromEmail("unsub@forms.test"), ip: "1.1.1.1", userAgent: "" }, deps(), now);
    await confirmSignup(bed.t.db, { formId: form.id, token: tokenFromEmail("known@forms.test"), ip: "1.1.1.1", userAgent: "" }, deps(), now);
    expect((await contactByEmail("unsub@forms.test"))!.status).toBe("subscribed");
    expect((await contactByEmail("known@forms.test"))).toMatchObject({ status: "subscribed", name: "Someone Else", fields: { company: "X" } });
  });

  it("a contact that bounced after signing up is not reactivated by its link", async () => {
    const form = await newForm();
    await submitAndSend(submission(form.id, { email: "bounce-later@forms.test", "fields.company": "C" }));
    await bed.t.db.update(contacts).set({ status: "bounced" }).where(sql`lower(${contacts.email}) = 'bounce-later@forms.test'`);
    expect(await refusal(confirmSignup(bed.t.db, { formId: form.id, token: tokenFromEmail("bounce-later@forms.test"), ip: "1.1.1.1", userAgent: "" }, deps(), now))).toMatchObject({ code: "contact_suppressed" });
    expect((await contactByEmail("bounce-later@forms.test"))!.status).toBe("bounced");
  });

  it("without double opt-in, the submission is the confirmation", async () => {
    const form = await newForm({ double_opt_in: false });
    const before = sandboxRecords(bed.fixture.sandbox).length;
    const result = await submitAndSend(submission(form.id, { email: "single@forms.test", "fields.company": "C" }, { ip: "192.0.2.44" }));
    expect(result).toMatchObject({ outcome: "subscribed", confirmationMessageId: null });
    const contact = (await contactByEmail("single@forms.test"))!;
    expect(contact.status).toBe("subscribed");
    const [consent] = await listContactSignups(bed.t.db, contact.id);
    expect(consent).toMatchObject({ expiresAt: null, confirmedIp: "192.0.2.44", submittedIp: "192.0.2.44" });
    expect(sandboxRecords(bed.fixture.sandbox).length).toBe(before);
    expect(await counts(form.id)).toEqual({ submissions: 1, confirmed: 1, bots: 0 });

    // Its limits are counted in the same transaction, and a refused post's hit still counts.
    const d = deps({ limits: { perSource: { limit: 2, windowMs: 60_000 }, perAddress: { limit: 1, windowMs: 60_000 } } });
    const post = (email: string) => submitForm(bed.t.db, submission(form.id, { email, "fields.company": "C" }, { ip: "192.0.2.45" }), d, now);
    expect((await post("single-a@forms.test")).outcome).toBe("subscribed");
    expect((await post("single-a@forms.test")).outcome).toBe("throttled");
    expect(await refusal(post("single-b@forms.test"))).toMatchObject({ code: "rate_limited", details: { retry_after: 60 } });
    expect(await refusal(post("single-c@forms.test"))).toMatchObject({ code: "rate_limited" });
    const [source] = (await bed.t.db.execute<{ count: number }>(sql`select count from rate_limits where key = 'form-source:192.0.2.45'`)).rows;
    expect(source.count).toBe(4);
    expect(await contactByEmail("single-b@forms.test")).toBeNull();
    expect(await counts(form.id)).toEqual({ submissions: 2, confirmed: 2, bots: 0 });
  });
});

describe("bad input and abuse (real PostgreSQL)", () => {
  it("a bot (honeypot filled, too fast, missing or forged stamp, another form's stamp) leaves only the counter", async () => {
    const form = await newForm();
    const other = await newForm();
    const signupsBefore = (await bed.t.db.execute(sql`select count(*)::int as n from form_signups`)).rows[0];
    const bots = [
      submission(form.id, { email: "bot1@forms.test", website: "http://spam.example", "fields.company": "C" }),
      submission(form.id, { email: "bot2@forms.test", _ts: createFillStamp(key, form.id, new Date(now.getTime() - 500)), "fields.company": "C" }),
      submission(form.id, { email: "bot3@forms.test", _ts: "", "fields.company": "C" }),
      submission(form.id, { email: "bot4@forms.test", _ts: `${now.getTime() - 60_000}.AAAAAAAAAAAAAAAAAAAAAA`, "fields.company": "C" }),
      submission(form.id, { email: "bot5@forms.test", _ts: createFillStamp(key, other.id, new Date(now.getTime() - 60_000)), "fields.company": "C" }),
      // A bot's garbage is not even validated: it gets the same calm answer.
      submission(form.id, { email: "not an address", website: "x" }),
    ];
    for (const b of bots) expect((await submitForm(bed.t.db, b, deps(), now)).outcome).toBe("bot");
    expect(await counts(form.id)).toEqual({ submissions: 0, confirmed: 0, bots: 6 });
    for (const n of [1, 2, 3, 4, 5]) expect(await contactByEmail(`bot${n}@forms.test`)).toBeNull();
    expect((await bed.t.db.execute(sql`select count(*)::int as n from form_signups`)).rows[0]).toEqual(signupsBefore);
  });

  it("refuses missing and malformed fields, unknown fields, a foreign origin, an unknown or archived form", async () => {
    const form = await newForm({ allowed_origins: ["https://shop.example"] });
    const missing = await refusal(submitForm(bed.t.db, submission(form.id, { email: "" }), deps(), now));
    expect(missing).toMatchObject({ code: "validation_failed", details: { field: "email", fields: { email: "Enter your email address", "fields.company": "Fill in Company" } } });
    expect(await refusal(submitForm(bed.t.db, submission(form.id, { email: "nope@", "fields.company": "C" }), deps(), now))).toMatchObject({ code: "validation_failed", details: { field: "email" } });
    expect(await refusal(submitForm(bed.t.db, submission(form.id, { email: "a@forms.test", "fields.company": "C", admin: "1" }), deps(), now))).toMatchObject({ code: "validation_failed", details: { field: "admin" } });
    expect(await refusal(submitForm(bed.t.db, submission(form.id, { email: "a@forms.test", "fields.company": "x".repeat(2001) }), deps(), now))).toMatchObject({ details: { field: "fields.company" } });
    expect(await refusal(submitForm(bed.t.db, submission(form.id, { email: "a@forms.test", "fields.company": "C" }, { origin: "https://evil.example" }), deps(), now))).toMatchObject({ code: "origin_not_allowed", status: 403 });
    expect((await submitForm(bed.t.db, submission(form.id, { email: "ok-origin@forms.test", "fields.company": "C" }, { origin: "https://shop.example" }), deps(), now)).outcome).toBe("pending");
    expect((await submitForm(bed.t.db, submission(form.id, { email: "own-origin@forms.test", "fields.company": "C" }, { origin: APP }), deps(), now)).outcome).toBe("pending");
    expect(await refusal(submitForm(bed.t.db, submission("00000000-0000-4000-8000-000000000000", { email: "a@forms.test" }), deps(), now))).toMatchObject({ code: "not_found" });
    expect(await refusal(submitForm(bed.t.db, submission("not-an-id", { email: "a@forms.test" }), deps(), now))).toMatchObject({ code: "not_found" });
    await setFormArchived(bed.t.db, { id: form.id, archived: true }, now);
    expect(await refusal(submitForm(bed.t.db, submission(form.id, { email: "a@forms.test", "fields.company": "C" }), deps(), now))).toMatchObject({ code: "not_found" });
    expect(await contactByEmail("a@forms.test")).toBeNull();
    expect(await counts(form.id)).toMatchObject({ submissions: 2 });
  });

  it("a post made with a copy of the form read before another process edited or archived it writes against the stored form, or nothing", async () => {
    const form = await newForm({ consent_text: "Old consent." });
    // Another process's edit: the row changes under this process's copy (no call here forgets it).
    const cached = await getLiveFormCached(bed.t.db, form.id);
    expect(cached?.consentText).toBe("Old consent.");
    await bed.t.db.execute(sql`update forms set consent_text = 'New consent.', updated_at = updated_at + interval '1 second' where id = ${form.id}::uuid`);
    expect((await getLiveFormCached(bed.t.db, form.id))?.consentText).toBe("Old consent.");
    const posted = await submitForm(bed.t.db, { ...submission(form.id, { email: "stale-copy@forms.test", "fields.company": "C" }), form: cached! }, deps(), now);
    expect(posted.outcome).toBe("pending");
    expect(posted.form.consentText).toBe("New consent.");
    const [signup] = await bed.t.db.select().from(formSignups).where(sql`${formSignups.id} = ${posted.signupId}::uuid`);
    expect(signup.shownText).toContain("New consent.");
    expect(signup.shownText).not.toContain("Old consent.");
    // The post read it again, so the copy is the stored form now.
    expect((await getLiveFormCached(bed.t.db, form.id))?.consentText).toBe("New consent.");

    // Archived elsewhere: the post with the old copy is not_found, and nothing is written or counted.
    const copy = (await getLiveFormCached(bed.t.db, form.id))!;
    await bed.t.db.execute(sql`update forms set archived_at = now(), updated_at = updated_at + interval '1 second' where id = ${form.id}::uuid`);
    const limitsBefore = (await bed.t.db.execute(sql`select count(*)::int as n, coalesce(sum(count), 0)::int as hits from rate_limits`)).rows[0];
    expect(await refusal(submitForm(bed.t.db, { ...submission(form.id, { email: "archived-copy@forms.test", "fields.company": "C" }), form: copy }, deps(), now))).toMatchObject({ code: "not_found" });
    expect(await contactByEmail("archived-copy@forms.test")).toBeNull();
    expect(await counts(form.id)).toMatchObject({ submissions: 1 });
    expect((await bed.t.db.execute(sql`select count(*)::int as n, coalesce(sum(count), 0)::int as hits from rate_limits`)).rows[0]).toEqual(limitsBefore);
    expect(await getLiveFormCached(bed.t.db, form.id)).toBeNull();

    // An edit through this process forgets its copy at once.
    await setFormArchived(bed.t.db, { id: form.id, archived: false }, now);
    expect((await getLiveFormCached(bed.t.db, form.id))?.archivedAt).toBeNull();
    await updateForm(bed.t.db, { id: form.id, patch: { consent_text: "Newest consent." } }, now);
    expect((await getLiveFormCached(bed.t.db, form.id))?.consentText).toBe("Newest consent.");
  });

  it("counts signups made at once on many connections exactly, none waiting on another's count", async () => {
    const form = await newForm();
    const d = deps();
    // Sixteen at a time on the pool's connections: each adds to its connection's shard.
    await Promise.all(
      Array.from({ length: 64 }, (_, i) => submitForm(bed.t.db, submission(form.id, { email: `rush${i}@forms.test`, "fields.company": "C" }), d, now)),
    );
    await submitForm(bed.t.db, submission(form.id, { email: "bot@forms.test", website: "http://spam.example" }), d, now);
    expect(await counts(form.id)).toEqual({ submissions: 64, confirmed: 0, bots: 1 });
    const shards = await bed.t.db.execute<{ shard: number; submissions: number }>(sql`select shard, submissions from form_counts where form_id = ${form.id}::uuid`);
    expect(shards.rows.length).toBeGreaterThan(1);
    expect(shards.rows.every((r) => r.shard >= 0 && r.shard < 16)).toBe(true);
    // Listing forms sums the same shards.
    const listed = (await listForms(bed.t.db)).find((f) => f.id === form.id)!;
    expect({ submissions: listed.submissions, bots: listed.refusedAsBot }).toEqual({ submissions: 64, bots: 1 });
  });

  it("10,000 submissions of one address: the per-address limit holds (same answer, nothing more written or sent); one source is refused past its own limit", async () => {
    const form = await newForm();
    const d = deps();
    const total = 10_000;
    const outcomes = new Map<string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const i = next++;
          const r = await submitForm(bed.t.db, submission(form.id, { email: "flood@forms.test", "fields.company": "C" }, { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }), d, now);
          outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(outcomes)).toEqual({ pending: FORM_DEFAULT_LIMITS.perAddress.limit, throttled: total - FORM_DEFAULT_LIMITS.perAddress.limit });
    const contact = (await contactByEmail("flood@forms.test"))!;
    const signups = await listContactSignups(bed.t.db, contact.id);
    expect(signups).toHaveLength(FORM_DEFAULT_LIMITS.perAddress.limit);
    // Every signup has its queued email, and nothing else was queued to the address.
    const queued = await bed.t.db.execute(sql`select count(*)::int as n from messages where lower(to_email) = 'flood@forms.test'`);
    expect(queued.rows[0]).toEqual({ n: FORM_DEFAULT_LIMITS.perAddress.limit });
    expect(signups.every((s) => s.messageId)).toBe(true);
    expect(await counts(form.id)).toMatchObject({ submissions: FORM_DEFAULT_LIMITS.perAddress.limit });

    // One source: 429 past its limit, whatever the address.
    const seen: string[] = [];
    for (let i = 0; i < FORM_DEFAULT_LIMITS.perSource.limit + 5; i++) {
      try {
        seen.push((await submitForm(bed.t.db, submission(form.id, { email: `src${i}@forms.test`, "fields.company": "C" }, { ip: "192.0.2.200" }), d, now)).outcome);
      } catch (error) {
        seen.push((error as AppError).code);
      }
    }
    expect(seen.filter((s) => s === "pending")).toHaveLength(FORM_DEFAULT_LIMITS.perSource.limit);
    expect(seen.slice(FORM_DEFAULT_LIMITS.perSource.limit)).toEqual(Array(5).fill("rate_limited"));
  }, 240_000);

  it("a confirmation racing a second submission of the same address: both land, the contact ends subscribed, the second signup waits for its own link", async () => {
    const form = await newForm();
    await submitAndSend(submission(form.id, { email: "race@forms.test", "fields.company": "C" }));
    const token = tokenFromEmail("race@forms.test");
    const [confirmed, second] = await Promise.all([
      confirmSignup(bed.t.db, { formId: form.id, token, ip: "1.1.1.1", userAgent: "" }, deps(), now),
      submitForm(bed.t.db, submission(form.id, { email: "RACE@forms.test", "fields.company": "D" }), deps(), now),
    ]);
    expect(confirmed.alreadyConfirmed).toBe(false);
    expect(second.outcome).toBe("pending");
    const contact = (await contactByEmail("race@forms.test"))!;
    expect(contact.status).toBe("subscribed");
    const signups = await listContactSignups(bed.t.db, contact.id);
    expect(signups).toHaveLength(2);
    expect(signups.filter((s) => s.confirmedAt)).toHaveLength(1);
    const [{ n }] = (await bed.t.db.execute<{ n: number }>(sql`select count(*)::int as n from contacts where lower(email) = 'race@forms.test'`)).rows;
    expect(n).toBe(1);
  });
});

describe("erasing contacts that never confirmed (real PostgreSQL)", () => {
  it("erases pending contacts whose every link expired more than the configured days ago, and only those; no suppression hash stays", async () => {
    const form = await newForm();
    const old = new Date(now.getTime() - 20 * 86_400_000);
    await submitForm(bed.t.db, submission(form.id, { email: "stale@forms.test", "fields.company": "C" }, { at: old }), deps(), old);
    await submitForm(bed.t.db, submission(form.id, { email: "fresh-again@forms.test", "fields.company": "C" }, { at: old }), deps(), old);
    await submitForm(bed.t.db, submission(form.id, { email: "fresh-again@forms.test", "fields.company": "C" }), deps(), now);
    await submitForm(bed.t.db, submission(form.id, { email: "confirmed-old@forms.test", "fields.company": "C" }, { at: old }), { ...deps(), sending: bed.fixture.deps }, old);
    const [oldSignup] = await bed.t.db.select().from(formSignups).innerJoin(contacts, sql`${contacts.id} = ${formSignups.contactId}`).where(sql`lower(${contacts.email}) = 'confirmed-old@forms.test'`);
    await confirmSignup(bed.t.db, { formId: form.id, token: createConfirmToken(key, oldSignup.form_signups.id), ip: "1.1.1.1", userAgent: "" }, deps(), new Date(old.getTime() + 60_000));

    expect(await erasePendingContacts(bed.t.db, { days: 7 }, now)).toBe(1);
    expect(await contactByEmail("stale@forms.test")).toBeNull();
    expect((await contactByEmail("fresh-again@forms.test"))!.status).toBe("pending");
    expect((await contactByEmail("confirmed-old@forms.test"))!.status).toBe("subscribed");
    const hashes = await bed.t.db.execute(sql`select 1 from suppressed_addresses where address_hash = postline_address_hash('stale@forms.test')`);
    expect(hashes.rows).toHaveLength(0);
    const leftover = await bed.t.db.execute(sql`select count(*)::int as n from messages where lower(to_email) = 'stale@forms.test'`);
    expect(leftover.rows[0]).toEqual({ n: 0 });
    expect(await erasePendingContacts(bed.t.db, { days: 7 }, now)).toBe(0);
    expect((await getFormOrThrow(bed.t.db, form.id)).submissions).toBe(4);
  });
});
