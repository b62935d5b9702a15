import { createHash, randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db";
import { contacts, formLists, formSignups, forms, formTags, lists, tags } from "@/db/schema";
import { emailSchema } from "@/lib/contacts/contacts";
import { tagContacts } from "@/lib/contacts/tags";
import { AppError, notFound } from "@/lib/errors";
import { parseId } from "@/lib/http/id";
import { enqueueOutboundEvent } from "@/lib/outbound-webhooks/outbox";
import { hitRateLimit, rateLimitStates, type RateLimitState } from "@/lib/rate-limit/rate-limit";
import { newMessageId } from "@/lib/sending/message-id";
import { singleEmailRow } from "@/lib/sending/single-email";
import type { FormDeps } from "./deps";
import { addToFormCounts, CONFIRM_URL_TAG, forgetLiveForm, getLiveForm, shownText, type Form } from "./forms";
import { createConfirmToken, verifyConfirmToken, verifyFillStamp } from "./tokens";

/** The hidden fields every form carries: a honeypot people never see, and the signed time it was shown. */
export const HONEYPOT_FIELD = "website";
export const FILL_STAMP_FIELD = "_ts";

export interface FormSubmission {
  formId: string;
  /** The live form when the caller has already read it (the route does, to render errors), so it is read once. */
  form?: Form;
  /** The posted values, flat: `email`, `name`, `fields.<name>`, and the two hidden fields. */
  values: Record<string, string>;
  ip: string;
  userAgent: string;
  /** The Origin header; null when the client sent none (a server posting, an old browser). */
  origin: string | null;
  /** Postline's own origin (the hosted page), always allowed. */
  appOrigin: string;
  /**
   * Whether the signed fill stamp must be there (default true: the hosted page and the snippet carry it).
   * A site's script posting JSON may not have one; when it sends one, it is checked like any other.
   */
  stampRequired?: boolean;
}

/**
 * What a submission answers. Every accepted-looking outcome is the same to the caller (a new address, a
 * known one, a suppressed one, a bot, an address over its limit), so nobody learns from the answer
 * whether an address is a contact. `confirmationMessageId` is the queued confirmation email to send
 * after the response (null when none is due); `signupId` is for tests and logs, never shown.
 */
export interface SubmitResult {
  form: Form;
  confirmationMessageId: string | null;
  signupId: string | null;
  outcome: "pending" | "subscribed" | "bot" | "throttled" | "suppressed";
}

function fieldKey(f: Form["fields"][number]): string {
  return f.kind === "email" ? "email" : f.kind === "name" ? "name" : `fields.${f.name}`;
}

/**
 * Checks posted values against the form's fields: each error under the input's name, like the
 * dashboard's forms, so the hosted page shows it beside its field and JSON callers get it in details.
 */
export function validateSubmission(form: Form, values: Record<string, string>): { email: string; name: string | null; fields: Record<string, string> } {
  const errors: Record<string, string> = {};
  // A custom field is posted as `fields.<name>` (the hosted page, the snippet) or by its bare name (the
  // shared contract's JSON: `{ "email", "company" }`); both are accepted.
  const custom = form.fields.filter((f) => f.kind === "custom").map((f) => f.name!);
  const known = new Set([...form.fields.map(fieldKey), ...custom, HONEYPOT_FIELD, FILL_STAMP_FIELD]);
  for (const key of Object.keys(values)) if (!known.has(key)) errors[key.slice(0, 100)] = `This form has no field "${key.slice(0, 100)}"`;
  let email = "";
  let name: string | null = null;
  const fields: Record<string, string> = {};
  for (const f of form.fields) {
    const key = fieldKey(f);
    const value = (values[key] ?? (f.kind === "custom" ? values[f.name!] : undefined) ?? "").trim();
    if (!value) {
      if (f.required) errors[key] = f.kind === "email" ? "Enter your email address" : `Fill in ${f.label}`;
      continue;
    }
    if (f.kind === "email") {
      const parsed = emailSchema.safeParse(value);
      if (parsed.success) email = parsed.data;
      else errors[key] = parsed.error.issues[0].message;
    } else if (value.length > (f.kind === "name" ? 200 : 2000)) {
      errors[key] = `At most ${f.kind === "name" ? 200 : "2,000"} characters`;
    } else if (f.kind === "name") name = value;
    else fields[f.name!] = value;
  }
  const first = Object.keys(errors)[0];
  if (first) throw new AppError("validation_failed", errors[first], { field: first, fields: errors });
  return { email, name, fields };
}

/** A rate-limit key for an address that does not keep the address itself. */
function addressKey(email: string): string {
  return `form-address:${createHash("sha256").update(email.trim().toLowerCase()).digest("hex")}`;
}

/**
 * A form submission (hosted page, embedded form, JSON). In order: the form must be live; a browser
 * posting from an origin the form does not allow is `origin_not_allowed`; the source's rate limit
 * (`rate_limited`); a bot (honeypot filled, a missing or forged fill stamp, faster than `minFillMs`)
 * only counts in `refused_as_bot` and gets the usual answer; invalid values are `validation_failed`
 * naming each field; an address past its own limit gets the usual answer with nothing written.
 *
 * Then one statement (db/functions/postline_form_signup.sql, atomic): a new address becomes a `pending`
 * contact (with the name and fields sent); a known one keeps its status and details until it confirms;
 * a bounced or complained contact, or an address erased after it bounced or complained, is left alone
 * and gets no email (one erased while unsubscribed comes back `pending`: only its confirmation
 * subscribes it again). The signup (the consent record) is written with the exact text the form showed,
 * the form's counter moves, and the confirmation email is queued with them (sent after the response
 * by the caller). Without double opt-in, the submission is the confirmation: the same statement, then
 * confirmSignup's effects, in one transaction.
 */
export async function submitForm(db: Db, input: FormSubmission, deps: FormDeps, now: Date): Promise<SubmitResult> {
  const form = input.form ?? (await getLiveForm(db, input.formId));
  if (!form) throw notFound("Form");
  const result = await submitTo(db, form, input, deps, now);
  if (result !== STALE_FORM) return result;
  // Archived or edited since this post read it (a cached copy): read it again and submit against that, once.
  forgetLiveForm(form.id);
  const fresh = await getLiveForm(db, form.id);
  if (!fresh) throw notFound("Form");
  const again = await submitTo(db, fresh, input, deps, now);
  if (again === STALE_FORM) throw new AppError("conflict", "This form changed while you signed up; please submit again");
  return again;
}

/** What submitTo answers when the form it was given is no longer the stored one (nothing was written). */
const STALE_FORM = Symbol("stale form");
/** The signup's statement wrote nothing: the form changed, or these limits' states (one was over). */
type Unwritten = typeof STALE_FORM | RateLimitState[];
type Written = Extract<SignupStatement, { outcome: "written" | "suppressed" }>;

async function submitTo(db: Db, form: Form, input: FormSubmission, deps: FormDeps, now: Date): Promise<SubmitResult | typeof STALE_FORM> {
  if (input.origin !== null && input.origin !== input.appOrigin && !form.allowedOrigins.includes(input.origin)) {
    throw new AppError("origin_not_allowed", `This form does not accept posts from ${input.origin.slice(0, 200)}`);
  }
  const sourceLimit = { key: `form-source:${input.ip}`, rule: deps.limits.perSource };
  const refuseSource = (source: RateLimitState) => {
    if (source.limited) throw new AppError("rate_limited", "Too many signups from your network; try again in a few minutes", { retry_after: Math.ceil((source.resetAt.getTime() - now.getTime()) / 1000) });
  };

  const stamp = input.values[FILL_STAMP_FIELD];
  const shownAt = verifyFillStamp(deps.key, form.id, stamp);
  const stampFails = stamp === undefined ? input.stampRequired !== false : !shownAt || now.getTime() - shownAt.getTime() < deps.minFillMs;
  if ((input.values[HONEYPOT_FIELD] ?? "") !== "" || stampFails) {
    refuseSource(await hitRateLimit(db, sourceLimit, now));
    await addToFormCounts(db, form.id, { refusedAsBot: 1 });
    return { form, confirmationMessageId: null, signupId: null, outcome: "bot" };
  }
  let values: ReturnType<typeof validateSubmission>;
  try {
    values = validateSubmission(form, input.values);
  } catch (invalid) {
    // An invalid post still counts against its source (a flood of them is still a flood).
    refuseSource(await hitRateLimit(db, sourceLimit, now));
    throw invalid;
  }
  const limits = [sourceLimit, { key: addressKey(values.email), rule: deps.limits.perAddress }];
  const signupId = randomUUID();
  const submitted: Record<string, string> = { email: values.email };
  if (values.name !== null) submitted.name = values.name;
  for (const [k, v] of Object.entries(values.fields)) submitted[`fields.${k}`] = v;
  const signup = {
    form_id: form.id,
    // The form as this post read it (possibly from the cache): the statement writes nothing if it changed since.
    form_version: form.updatedAt.getTime(),
    // The source and the address are counted in the same statement: a person's post costs one round trip.
    limits: limits.map((l) => ({ key: l.key, window_ms: l.rule.windowMs, limit: l.rule.limit })),
    signup_id: signupId,
    email: values.email,
    name: values.name,
    fields: values.fields,
    status_reason: `Signed up through the form "${form.name}"`,
    submitted_at: now.toISOString(),
    submitted_ip: input.ip,
    submitted_user_agent: input.userAgent.slice(0, 1000),
    shown_text: shownText(form),
    values: submitted,
    expires_at: form.doubleOptIn ? new Date(now.getTime() + deps.confirmTtlMs).toISOString() : null,
  };
  /**
   * The statement's answer when it wrote the signup (or left a suppressed address alone); else the form
   * changed (nothing written), or a limit was over (only the limits' hits written): see `unwritten`.
   */
  const write = async (db: DbOrTx, confirmation: ReturnType<typeof singleEmailRow> | null): Promise<Written | Unwritten> => {
    const result = await callFormSignup(db, signup, confirmation);
    if (result.outcome === "conflict") throw new AppError("conflict", "Your signup crossed another change; please submit again");
    if (result.outcome === "stale_form") return STALE_FORM;
    if (result.outcome === "limited") return rateLimitStates(limits, result.hits);
    return result;
  };
  /** A source over its limit is `rate_limited`; an address over its own gets the usual answer. */
  const unwritten = (why: Unwritten): SubmitResult | typeof STALE_FORM => {
    if (why === STALE_FORM) return STALE_FORM;
    refuseSource(why[0]);
    return { form, confirmationMessageId: null, signupId: null, outcome: "throttled" };
  };

  if (!form.doubleOptIn) {
    // Without double opt-in the submission is the confirmation: the same writes, then confirmSignup's
    // effects, in one transaction (which commits the limits' hits of a post refused by them).
    const done = await db.transaction(async (tx) => {
      const written = await write(tx, null);
      if (written === STALE_FORM || Array.isArray(written)) return written;
      if (written.outcome === "suppressed") return { form, confirmationMessageId: null, signupId: null, outcome: "suppressed" as const };
      const [contact] = await tx.select().from(contacts).where(eq(contacts.id, written.contact_id));
      const [row] = await tx.select().from(formSignups).where(eq(formSignups.id, signupId));
      await applyConfirmation(tx, { signup: row, form, contact, ip: input.ip, userAgent: input.userAgent }, now);
      return { form, confirmationMessageId: null, signupId, outcome: "subscribed" as const };
    });
    return done === STALE_FORM || Array.isArray(done) ? unwritten(done) : done;
  }

  // Double opt-in: one statement writes the contact, the confirmation email and the signup (see the SQL).
  const messageId = newMessageId();
  const url = confirmUrl(deps, signupId);
  const confirmation = singleEmailRow(
    {
      to: values.email,
      from: deps.from,
      subject: form.confirmationSubject,
      html: form.confirmationHtml.replace(CONFIRM_URL_TAG, escapeAttribute(url)),
      text: form.confirmationText.replace(CONFIRM_URL_TAG, url),
      tag: "form-confirmation",
      metadata: { form_id: form.id, signup_id: signupId },
      // The link must reach Postline as it is: no click-tracking redirect, no tracking pixel.
      trackOpens: false,
      trackLinks: false,
    },
    { id: messageId, contactId: null },
    deps.sending,
  );
  const written = await write(db, confirmation);
  if (written === STALE_FORM || Array.isArray(written)) return unwritten(written);
  if (written.outcome === "suppressed") return { form, confirmationMessageId: null, signupId: null, outcome: "suppressed" };
  return { form, confirmationMessageId: messageId, signupId, outcome: "pending" };
}

/** What postline_form_signup (db/functions) answers. */
type SignupStatement =
  | { outcome: "written"; contact_id: string; status: string }
  | { outcome: "suppressed"; contact_id?: string; status?: string }
  | { outcome: "conflict" }
  | { outcome: "stale_form" }
  | { outcome: "limited"; hits: { key: string; count: number; window_start: string }[] };

const SIGNUP_SQL = "select postline_form_signup($1::jsonb, $2::jsonb) as result";

/**
 * Calls the signup's statement. Outside a transaction it is a named prepared statement on the pool's
 * connection: the hottest public write is parsed once per connection, not built and parsed per post.
 */
async function callFormSignup(db: DbOrTx, signup: object, confirmation: object | null): Promise<SignupStatement> {
  const values = [JSON.stringify(signup), confirmation ? JSON.stringify(confirmation) : null];
  if ("$client" in db) return (await db.$client.query<{ result: SignupStatement }>({ name: "postline_form_signup", text: SIGNUP_SQL, values })).rows[0].result;
  return (await db.execute<{ result: SignupStatement }>(sql`select postline_form_signup(${values[0]}::jsonb, ${values[1]}::jsonb) as result`)).rows[0].result;
}

/** The link in the confirmation email: `/c/{token}` (the token names the signup, and so the form). */
export function confirmUrl(deps: Pick<FormDeps, "key" | "sending">, signupId: string): string {
  return `${deps.sending.appUrl}/c/${createConfirmToken(deps.key, signupId)}`;
}

/** The form a confirmation token's signup belongs to, or null when the token is forged or its signup gone. */
export async function formIdOfConfirmToken(db: DbOrTx, token: string, deps: Pick<FormDeps, "key">): Promise<string | null> {
  const signupId = verifyConfirmToken(deps.key, token);
  if (!signupId) return null;
  const [row] = await db.select({ formId: formSignups.formId }).from(formSignups).where(eq(formSignups.id, signupId)).limit(1);
  return row?.formId ?? null;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

type Signup = typeof formSignups.$inferSelect;

/** What the confirmation page shows before the button is pressed (GET changes nothing: link scanners fetch it). */
export async function resolveConfirmation(db: DbOrTx, input: { formId: string; token: string }, deps: Pick<FormDeps, "key">, now: Date): Promise<{ form: Form; signup: Signup; state: "ready" | "confirmed" }> {
  const signupId = verifyConfirmToken(deps.key, input.token);
  if (!signupId) throw new AppError("invalid_token", "This confirmation link is not valid");
  const [row] = await db.select({ signup: formSignups, form: forms }).from(formSignups).innerJoin(forms, eq(forms.id, formSignups.formId)).where(eq(formSignups.id, signupId)).limit(1);
  // A signup whose contact was erased is gone with it; a link for another form's page is not this form's.
  if (!row || row.form.id !== parseId(input.formId)) throw new AppError("invalid_token", "This confirmation link is no longer valid");
  if (row.signup.confirmedAt) return { ...row, state: "confirmed" };
  if (row.signup.expiresAt && row.signup.expiresAt.getTime() <= now.getTime()) throw new AppError("link_expired", "This confirmation link has expired; sign up again to get a new one");
  return { ...row, state: "ready" };
}

/**
 * The confirm button (POST). Idempotent: a replay answers `alreadyConfirmed` and changes nothing. An
 * expired link is `link_expired`, a forged one `invalid_token`; a contact that bounced or complained
 * meanwhile is not reactivated (`contact_suppressed`).
 */
export async function confirmSignup(
  db: Db,
  input: { formId: string; token: string; ip: string; userAgent: string },
  deps: Pick<FormDeps, "key">,
  now: Date,
): Promise<{ form: Form; alreadyConfirmed: boolean }> {
  const found = await resolveConfirmation(db, input, deps, now);
  return db.transaction(async (tx) => {
    // Signup, then contact: the order submitForm's single opt-in takes them in too.
    const [signup] = await tx.select().from(formSignups).where(eq(formSignups.id, found.signup.id)).for("update");
    if (!signup) throw new AppError("invalid_token", "This confirmation link is no longer valid");
    if (signup.confirmedAt) return { form: found.form, alreadyConfirmed: true };
    const [contact] = await tx.select().from(contacts).where(eq(contacts.id, signup.contactId)).for("update");
    const [form] = await tx.select().from(forms).where(eq(forms.id, signup.formId));
    await applyConfirmation(tx, { signup, form, contact, ip: input.ip, userAgent: input.userAgent }, now);
    return { form, alreadyConfirmed: false };
  });
}

/**
 * A confirmed signup's effects, in the caller's transaction with the signup and the contact locked:
 * the contact becomes subscribed with what it sent (name, custom fields), joins the form's lists and
 * tags (Contact.Tagged for each new tag), the consent is completed, the form counts it, and
 * Contact.Subscribed is announced with the consent record.
 */
async function applyConfirmation(
  tx: DbOrTx,
  { signup, form, contact, ip, userAgent }: { signup: Signup; form: Form; contact: typeof contacts.$inferSelect; ip: string; userAgent: string },
  now: Date,
): Promise<void> {
  if (contact.status === "bounced" || contact.status === "complained") {
    throw new AppError("contact_suppressed", "This address cannot be subscribed: mail to it bounced or was reported as spam");
  }
  const name = signup.values.name;
  const fields: Record<string, string> = { ...contact.fields };
  for (const [k, v] of Object.entries(signup.values)) if (k.startsWith("fields.")) fields[k.slice(7)] = v;
  const [updated] = await tx
    .update(contacts)
    .set({
      status: "subscribed",
      ...(contact.status !== "subscribed" && { statusReason: `Confirmed through the form "${form.name}"`, statusChangedAt: now }),
      ...(name ? { name } : {}),
      fields,
      updatedAt: now,
    })
    .where(eq(contacts.id, contact.id))
    .returning();
  const joined = await tx.execute<{ id: string; name: string }>(sql`
    with added as (
      insert into list_memberships (list_id, contact_id, created_at)
      select fl.list_id, ${contact.id}::uuid, ${now.toISOString()}::timestamptz from form_lists fl where fl.form_id = ${form.id}::uuid
      on conflict do nothing)
    select l.id, l.name from form_lists fl join lists l on l.id = fl.list_id where fl.form_id = ${form.id}::uuid order by lower(l.name)`);
  const formTagRows = await tx.select({ id: tags.id, name: tags.name }).from(formTags).innerJoin(tags, eq(tags.id, formTags.tagId)).where(eq(formTags.formId, form.id)).orderBy(sql`lower(${tags.name})`);
  if (formTagRows.length) await tagContacts(tx, { contactIds: [contact.id], tagIds: formTagRows.map((t) => t.id) }, now);
  const [confirmed] = await tx
    .update(formSignups)
    .set({ confirmedAt: now, confirmedIp: ip, confirmedUserAgent: userAgent.slice(0, 1000) })
    .where(eq(formSignups.id, signup.id))
    .returning();
  await addToFormCounts(tx, form.id, { confirmed: 1 });
  await enqueueOutboundEvent(tx, {
    event: "Contact.Subscribed",
    occurredAt: now,
    data: {
      contact_id: updated.id,
      email: updated.email,
      name: updated.name,
      fields: updated.fields,
      previous_status: contact.status,
      form: { id: form.id, name: form.name },
      lists: joined.rows.map((l) => ({ id: l.id, name: l.name })),
      tags: formTagRows,
      consent: consentPayload(confirmed, form.doubleOptIn),
      subscribed_at: now.toISOString(),
    },
  });
}

/** A consent record as the API, the export and Contact.Subscribed carry it. */
export function consentPayload(s: Signup, doubleOptIn: boolean | null) {
  return {
    signup_id: s.id,
    form_id: s.formId,
    double_opt_in: doubleOptIn ?? s.expiresAt !== null,
    submitted_at: s.submittedAt.toISOString(),
    submitted_ip: s.submittedIp,
    submitted_user_agent: s.submittedUserAgent,
    shown_text: s.shownText,
    values: s.values,
    expires_at: s.expiresAt?.toISOString() ?? null,
    confirmed_at: s.confirmedAt?.toISOString() ?? null,
    confirmed_ip: s.confirmedIp,
    confirmed_user_agent: s.confirmedUserAgent,
  };
}

/** A contact's consent records (its signups, newest first) with their forms' names. */
export async function listContactSignups(db: DbOrTx, contactId: string): Promise<(Signup & { formName: string })[]> {
  const id = parseId(contactId);
  if (!id) return [];
  const rows = await db
    .select({ signup: formSignups, formName: forms.name })
    .from(formSignups)
    .innerJoin(forms, eq(forms.id, formSignups.formId))
    .where(eq(formSignups.contactId, id))
    .orderBy(sql`${formSignups.submittedAt} desc, ${formSignups.id} desc`);
  return rows.map((r) => ({ ...r.signup, formName: r.formName }));
}
