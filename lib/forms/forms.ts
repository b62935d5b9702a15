import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db";
import { formCounts, formLists, forms, formTags, lists, tags, type FormField } from "@/db/schema";
import { assertListsExist, fieldNameSchema } from "@/lib/contacts/contacts";
import { uuidArray } from "@/lib/http/id";
import { resolveTags, tagNamesSchema, type TagRef } from "@/lib/contacts/tags";
import { AppError, notFound } from "@/lib/errors";
import { idField } from "@/lib/http/id";

export type Form = typeof forms.$inferSelect;
export type { FormField };

/** What a form has seen: accepted submissions, confirmations, submissions refused as bots. */
export interface FormTotals {
  submissions: number;
  confirmed: number;
  refusedAsBot: number;
}
/** A form with its totals. */
export type CountedForm = Form & FormTotals;
/** A form with its totals and the lists and tags a confirmed subscriber joins. */
export type FormWithTargets = CountedForm & { lists: { id: string; name: string }[]; tags: TagRef[] };

/** Shards of a form's counts (db/schema/forms.ts formCounts); the same number as postline_form_signup.sql's. */
export const FORM_COUNT_SHARDS = 16;

/** Adds to a form's counts in the shard of this connection, so writers on other connections never wait for it. */
export async function addToFormCounts(db: DbOrTx, formId: string, add: Partial<FormTotals>): Promise<void> {
  await db
    .insert(formCounts)
    .values({ formId, shard: sql`pg_backend_pid() % ${FORM_COUNT_SHARDS}`, submissions: add.submissions ?? 0, confirmed: add.confirmed ?? 0, refusedAsBot: add.refusedAsBot ?? 0 })
    .onConflictDoUpdate({
      target: [formCounts.formId, formCounts.shard],
      set: {
        submissions: sql`${formCounts.submissions} + excluded.submissions`,
        confirmed: sql`${formCounts.confirmed} + excluded.confirmed`,
        refusedAsBot: sql`${formCounts.refusedAsBot} + excluded.refused_as_bot`,
      },
    });
}

/** The forms with their totals (each the sum of its shards). */
async function withTotals<F extends Form>(db: DbOrTx, rows: F[]): Promise<(F & FormTotals)[]> {
  if (rows.length === 0) return [];
  const sums = await db
    .select({
      formId: formCounts.formId,
      submissions: sql<number>`sum(${formCounts.submissions})::int`,
      confirmed: sql<number>`sum(${formCounts.confirmed})::int`,
      refusedAsBot: sql<number>`sum(${formCounts.refusedAsBot})::int`,
    })
    .from(formCounts)
    .where(sql`${formCounts.formId} = any(${uuidArray(rows.map((r) => r.id))})`)
    .groupBy(formCounts.formId);
  const byForm = new Map(sums.map((s) => [s.formId, s]));
  return rows.map((r) => {
    const s = byForm.get(r.id);
    return { ...r, submissions: s?.submissions ?? 0, confirmed: s?.confirmed ?? 0, refusedAsBot: s?.refusedAsBot ?? 0 };
  });
}

/** What `{{ confirm_url }}` in a confirmation email becomes: the signed link. */
export const CONFIRM_URL_TAG = /\{\{\s*confirm_url\s*\}\}/g;

export const FORM_DEFAULTS = {
  heading: "Subscribe to our newsletter",
  intro: "",
  consentText: "By subscribing you agree to receive our emails. You can unsubscribe at any time with the link in each email.",
  submitLabel: "Subscribe",
  confirmationSubject: "Please confirm your subscription",
  confirmationHtml:
    '<p>Thanks for signing up!</p><p>Please confirm your subscription by opening this link:</p><p><a href="{{ confirm_url }}">Confirm my subscription</a></p><p>If you did not sign up, ignore this email: nothing will happen.</p>',
  confirmationText: "Thanks for signing up!\n\nPlease confirm your subscription by opening this link:\n{{ confirm_url }}\n\nIf you did not sign up, ignore this email: nothing will happen.",
  thankYouDoubleOptIn: "Almost done: we sent you an email. Open the link in it to confirm your subscription.",
  thankYouSingleOptIn: "Thank you, you are subscribed.",
  confirmedMessage: "Your subscription is confirmed. Thank you!",
};

export const MAX_FIELDS = 20;

const text = (max: number, message: string) => z.string({ error: message }).trim().max(max, `At most ${String(max).replace(/\B(?=(\d{3})+(?!\d))/g, ",")} characters`);

const pageUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  }, "An http:// or https:// address")
  .nullable();

/** An origin a browser sends (`scheme://host[:port]`), written without a path. */
export const originSchema = z
  .string()
  .trim()
  .transform((v, ctx) => {
    try {
      const u = new URL(v);
      if ((u.protocol === "https:" || u.protocol === "http:") && (u.pathname === "/" || u.pathname === "") && !u.search && !u.hash && !u.username) return u.origin;
    } catch {
      // refused below
    }
    ctx.addIssue({ code: "custom", message: `"${v.slice(0, 100)}" is not an origin such as https://example.com` });
    return z.NEVER;
  });

const fieldInputSchema = z
  .preprocess(
    // The shared contract's field is `{ name, label, required? }` without a kind: the field called
    // "name" is the contact's name, any other a custom field of that name.
    (f) => (f && typeof f === "object" && !("kind" in f) ? { ...f, kind: (f as { name?: unknown }).name === "name" ? "name" : "custom" } : f),
    z.strictObject({
    kind: z.enum(["name", "custom"], { error: 'A field\'s kind is "name" or "custom"' }),
    name: fieldNameSchema.optional(),
    label: text(200, "A field needs a label").min(1, "Give the field a label"),
    required: z.boolean({ error: "required is true or false" }).default(false),
  })
  .transform((f) => (f.kind === "name" ? { ...f, name: undefined } : f))
  .superRefine((f, ctx) => {
    if (f.kind === "custom" && !f.name) ctx.addIssue({ code: "custom", path: ["name"], message: "Name the custom field (letters, digits, _)" });
  }),
  );

const formShape = {
  name: text(200, "Name the form").min(1, "Name the form"),
  email_label: text(200, "The email field's label").min(1, "Give the email field a label"),
  fields: z.array(fieldInputSchema).max(MAX_FIELDS, `At most ${MAX_FIELDS} fields`),
  heading: text(200, "A heading is text").min(1, "Give the page a heading"),
  intro: text(5000, "The introduction is text"),
  consent_text: text(5000, "The consent text is text"),
  submit_label: text(100, "The button's label").min(1, "Label the button"),
  double_opt_in: z.boolean({ error: "double_opt_in is true or false" }),
  confirmation_subject: text(500, "The email's subject").min(1, "Give the confirmation email a subject"),
  confirmation_html: text(100_000, "The email's HTML").min(1, "Write the confirmation email"),
  confirmation_text: text(100_000, "The email's text").min(1, "Write the confirmation email's text version"),
  thank_you_message: text(5000, "The thank-you message").min(1, "Write a thank-you message"),
  thank_you_url: pageUrl,
  confirmed_message: text(5000, "The confirmed message").min(1, "Write a confirmation message"),
  confirmed_url: pageUrl,
  allowed_origins: z.array(originSchema).max(50, "At most 50 origins"),
  list_ids: z.array(idField("Not a list id")).max(100),
  tags: tagNamesSchema,
  // The shared contract names tags by id; `tags` names them (missing ones created). Given together, both count.
  tag_ids: z.array(idField("Not a tag id")).max(100),
};

function checkForm(f: { double_opt_in?: boolean; confirmation_html?: string; confirmation_text?: string; fields?: z.infer<typeof fieldInputSchema>[] }, ctx: z.RefinementCtx) {
  if (f.double_opt_in === true) {
    for (const key of ["confirmation_html", "confirmation_text"] as const) {
      const body = f[key];
      if (body !== undefined && !body.match(CONFIRM_URL_TAG)) ctx.addIssue({ code: "custom", path: [key], message: "Put {{ confirm_url }} where the confirmation link goes" });
    }
  }
  const seen = new Set<string>();
  for (const [i, field] of (f.fields ?? []).entries()) {
    const key = field.kind === "name" ? "name" : `fields.${field.name}`;
    if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["fields", i], message: field.kind === "name" ? "The name field is there twice" : `The field ${field.name} is there twice` });
    seen.add(key);
  }
}

/** A new form: only `name` is needed; everything else has a default. */
export const formInputSchema = z
  .strictObject({
    ...formShape,
    email_label: formShape.email_label.default("Email"),
    fields: formShape.fields.default([]),
    heading: formShape.heading.default(FORM_DEFAULTS.heading),
    intro: formShape.intro.default(FORM_DEFAULTS.intro),
    consent_text: formShape.consent_text.default(FORM_DEFAULTS.consentText),
    submit_label: formShape.submit_label.default(FORM_DEFAULTS.submitLabel),
    double_opt_in: formShape.double_opt_in.default(true),
    confirmation_subject: formShape.confirmation_subject.default(FORM_DEFAULTS.confirmationSubject),
    confirmation_html: formShape.confirmation_html.default(FORM_DEFAULTS.confirmationHtml),
    confirmation_text: formShape.confirmation_text.default(FORM_DEFAULTS.confirmationText),
    thank_you_message: formShape.thank_you_message.optional(),
    thank_you_url: formShape.thank_you_url.default(null),
    confirmed_message: formShape.confirmed_message.default(FORM_DEFAULTS.confirmedMessage),
    confirmed_url: formShape.confirmed_url.default(null),
    allowed_origins: formShape.allowed_origins.default([]),
    list_ids: formShape.list_ids.default([]),
    tags: formShape.tags.default([]),
    tag_ids: formShape.tag_ids.optional(),
  })
  .superRefine(checkForm);
export type FormInput = z.input<typeof formInputSchema>;

/** A change: only the fields given change. */
export const formPatchSchema = z.strictObject(formShape).partial().superRefine(checkForm);
export type FormPatch = z.infer<typeof formPatchSchema>;

/** The API's PATCH: a change, and `archived` to archive or restore. */
export const formApiPatchSchema = z
  .strictObject({ ...formShape, archived: z.boolean({ error: "archived is true or false" }) })
  .partial()
  .superRefine(checkForm);

function storedFields(emailLabel: string, fields: z.infer<typeof fieldInputSchema>[]): FormField[] {
  return [
    { kind: "email", label: emailLabel, required: true },
    ...fields.map((f): FormField => (f.kind === "name" ? { kind: "name", label: f.label, required: f.required } : { kind: "custom", name: f.name, label: f.label, required: f.required })),
  ];
}

async function setTargets(tx: DbOrTx, formId: string, input: { list_ids?: string[]; tags?: string[]; tag_ids?: string[] }) {
  if (input.list_ids) {
    const listIds = [...new Set(input.list_ids)];
    await assertListsExist(tx, listIds);
    await tx.delete(formLists).where(eq(formLists.formId, formId));
    if (listIds.length) await tx.insert(formLists).values(listIds.map((listId) => ({ formId, listId })));
  }
  if (input.tags || input.tag_ids) {
    const byId = new Map((await resolveTags(tx, { names: input.tags ?? [], ids: input.tag_ids ?? [], createMissing: true })).map((t) => [t.id, t]));
    const resolved = [...byId.values()];
    await tx.delete(formTags).where(eq(formTags.formId, formId));
    if (resolved.length) await tx.insert(formTags).values(resolved.map((t) => ({ formId, tagId: t.id })));
  }
}

/** Creates a form with its lists and tags (missing tags are created, unknown lists refused), in one transaction. */
export async function createForm(db: DbOrTx, input: { form: FormInput; createdById: string | null }, now: Date): Promise<FormWithTargets> {
  const f = formInputSchema.parse(input.form);
  const id = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(forms)
      .values({
        name: f.name,
        fields: storedFields(f.email_label, f.fields),
        heading: f.heading,
        intro: f.intro,
        consentText: f.consent_text,
        submitLabel: f.submit_label,
        doubleOptIn: f.double_opt_in,
        confirmationSubject: f.confirmation_subject,
        confirmationHtml: f.confirmation_html,
        confirmationText: f.confirmation_text,
        thankYouMessage: f.thank_you_message ?? (f.double_opt_in ? FORM_DEFAULTS.thankYouDoubleOptIn : FORM_DEFAULTS.thankYouSingleOptIn),
        thankYouUrl: f.thank_you_url,
        confirmedMessage: f.confirmed_message,
        confirmedUrl: f.confirmed_url,
        allowedOrigins: f.allowed_origins,
        createdById: input.createdById,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: forms.id });
    await setTargets(tx, row.id, f);
    return row.id;
  });
  return getFormOrThrow(db, id);
}

/** Changes the fields given (lists and tags replace the set when given). An archived form can still be edited. */
export async function updateForm(db: DbOrTx, input: { id: string; patch: FormPatch }, now: Date): Promise<FormWithTargets> {
  const p = formPatchSchema.parse(input.patch);
  await db.transaction(async (tx) => {
    const [current] = await tx.select().from(forms).where(sql`${forms.id} = any(${uuidArray([input.id])})`).for("update");
    if (!current) throw notFound("Form");
    const doubleOptIn = p.double_opt_in ?? current.doubleOptIn;
    if (doubleOptIn) {
      // The stored bodies must carry the link once double opt-in is on, whichever of the two changed.
      for (const [key, body] of [["confirmation_html", p.confirmation_html ?? current.confirmationHtml], ["confirmation_text", p.confirmation_text ?? current.confirmationText]] as const) {
        if (!body.match(CONFIRM_URL_TAG)) throw new AppError("validation_failed", "Put {{ confirm_url }} where the confirmation link goes", { field: key });
      }
    }
    const emailField = current.fields.find((f) => f.kind === "email");
    await tx
      .update(forms)
      .set({
        ...(p.name !== undefined && { name: p.name }),
        ...((p.fields !== undefined || p.email_label !== undefined) && {
          fields: storedFields(p.email_label ?? emailField?.label ?? "Email", p.fields ?? current.fields.filter((f) => f.kind !== "email").map((f) => ({ kind: f.kind as "name" | "custom", name: f.name, label: f.label, required: f.required }))),
        }),
        ...(p.heading !== undefined && { heading: p.heading }),
        ...(p.intro !== undefined && { intro: p.intro }),
        ...(p.consent_text !== undefined && { consentText: p.consent_text }),
        ...(p.submit_label !== undefined && { submitLabel: p.submit_label }),
        ...(p.double_opt_in !== undefined && { doubleOptIn: p.double_opt_in }),
        ...(p.confirmation_subject !== undefined && { confirmationSubject: p.confirmation_subject }),
        ...(p.confirmation_html !== undefined && { confirmationHtml: p.confirmation_html }),
        ...(p.confirmation_text !== undefined && { confirmationText: p.confirmation_text }),
        ...(p.thank_you_message !== undefined && { thankYouMessage: p.thank_you_message }),
        ...(p.thank_you_url !== undefined && { thankYouUrl: p.thank_you_url }),
        ...(p.confirmed_message !== undefined && { confirmedMessage: p.confirmed_message }),
        ...(p.confirmed_url !== undefined && { confirmedUrl: p.confirmed_url }),
        ...(p.allowed_origins !== undefined && { allowedOrigins: p.allowed_origins }),
        updatedAt: now,
      })
      .where(eq(forms.id, current.id));
    await setTargets(tx, current.id, p);
  });
  const updated = await getFormOrThrow(db, input.id);
  forgetLiveForm(updated.id);
  return updated;
}

/** Archives (the hosted page and posts answer 404; the consent records stay) or restores a form. */
export async function setFormArchived(db: DbOrTx, input: { id: string; archived: boolean }, now: Date): Promise<Form> {
  const [row] = await db
    .update(forms)
    .set({ archivedAt: input.archived ? sql`coalesce(${forms.archivedAt}, ${now.toISOString()}::timestamptz)` : null, updatedAt: now })
    .where(sql`${forms.id} = any(${uuidArray([input.id])})`)
    .returning();
  if (!row) throw notFound("Form");
  forgetLiveForm(row.id);
  return row;
}

export async function getForm(db: DbOrTx, id: string): Promise<FormWithTargets | null> {
  const [form] = await db.select().from(forms).where(sql`${forms.id} = any(${uuidArray([id])})`).limit(1);
  if (!form) return null;
  const [[counted], formListRows, formTagRows] = await Promise.all([
    withTotals(db, [form]),
    db.select({ id: lists.id, name: lists.name }).from(formLists).innerJoin(lists, eq(lists.id, formLists.listId)).where(eq(formLists.formId, form.id)).orderBy(sql`lower(${lists.name})`),
    db.select({ id: tags.id, name: tags.name }).from(formTags).innerJoin(tags, eq(tags.id, formTags.tagId)).where(eq(formTags.formId, form.id)).orderBy(sql`lower(${tags.name})`),
  ]);
  return { ...counted, lists: formListRows, tags: formTagRows };
}

export async function getFormOrThrow(db: DbOrTx, id: string): Promise<FormWithTargets> {
  const form = await getForm(db, id);
  if (!form) throw notFound("Form");
  return form;
}

/** Forms, newest first; archived ones only when asked. */
export async function listForms(db: DbOrTx, { archived = false }: { archived?: boolean } = {}): Promise<CountedForm[]> {
  const rows = await db
    .select()
    .from(forms)
    .where(archived ? sql`${forms.archivedAt} is not null` : isNull(forms.archivedAt))
    .orderBy(desc(forms.createdAt), desc(forms.id));
  return withTotals(db, rows);
}

/** A live (not archived) form, read now: null for an unknown or archived one. */
export async function getLiveForm(db: DbOrTx, id: string): Promise<Form | null> {
  const [form] = await db.select().from(forms).where(and(sql`${forms.id} = any(${uuidArray([id])})`, isNull(forms.archivedAt))).limit(1);
  if (form) remember(form);
  else forgetLiveForm(id);
  return form ?? null;
}

/** How long a process serves a live form it read without reading it again. */
const LIVE_FORM_CACHE_MS = 5_000;
const LIVE_FORM_CACHE_SIZE = 1_000;
const liveForms = new Map<string, { form: Form; readAt: number }>();

/** Keeps a copy, newest last; past the size the oldest read goes first. */
function remember(form: Form): void {
  liveForms.delete(form.id);
  if (liveForms.size >= LIVE_FORM_CACHE_SIZE) liveForms.delete(liveForms.keys().next().value!);
  liveForms.set(form.id, { form, readAt: Date.now() });
}

/**
 * A live form for the public routes (the hosted page, its posts, CORS preflights), served from this
 * process's copy when it was read in the last LIVE_FORM_CACHE_MS: a rush of signups reads the form
 * once every few seconds, not once a post. A copy never decides what is written: the signup's
 * statement checks the form's version and writes nothing when it changed (submitForm then reads it
 * again). So an edit or an archive made through another process shows on accepted posts at once, and
 * on the hosted page and refused posts (a bot's, an invalid one) within seconds; one made through
 * this process, at once everywhere.
 */
export async function getLiveFormCached(db: DbOrTx, id: string): Promise<Form | null> {
  const kept = liveForms.get(id);
  if (kept && Date.now() - kept.readAt < LIVE_FORM_CACHE_MS) return kept.form;
  return getLiveForm(db, id);
}

/** Drops this process's copy of a form (it was edited or archived here). */
export function forgetLiveForm(id: string): void {
  liveForms.delete(id);
}

/**
 * The exact words a person saw before pressing the button, kept on their signup as consent: the
 * heading, the introduction, each field's label, the consent text and the button. One line each.
 */
export function shownText(form: Pick<Form, "heading" | "intro" | "fields" | "consentText" | "submitLabel">): string {
  return [form.heading, form.intro, ...form.fields.map((f) => `${f.label}${f.required ? " (required)" : ""}`), form.consentText, `[${form.submitLabel}]`]
    .map((s) => s.trim())
    .filter(Boolean)
    .join("\n");
}
