/**
 * The subject each recipient received, for the pages people read (a message, a contact's history, the
 * Messages list). A campaign's message row starts with the campaign's template ("Hello {{ name }}")
 * when the audience is frozen; sending writes the personalized subject over it in the same update that
 * records Postmark's answer (lib/sending/record-results.ts). Rows sent before that, or never sent
 * (skipped, cancelled, still queued), still hold the template: they are rendered here from the
 * contact's current data, or shown as the template when the contact is gone.
 */
import { inArray } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { campaigns, contacts } from "@/db/schema";
import { compileTemplate, renderTemplate, type CompiledTemplate } from "@/lib/campaigns/template";

/**
 * - `sent`: what the recipient received, as stored.
 * - `rendered`: rebuilt now from the template and the contact's current name and fields (the row kept
 *   only the template); what the recipient received unless the contact changed since.
 * - `template`: the campaign's template, unrendered (the contact is gone).
 */
export type SubjectSource = "sent" | "rendered" | "template";

export interface ShownSubject {
  text: string;
  source: SubjectSource;
}

export interface SubjectRow {
  id: string;
  campaignId: string | null;
  contactId: string | null;
  toEmail: string;
  subject: string;
}

/** The subject to show for each row, by row id; two small lookups by primary key, only when needed. */
export async function listShownSubjects(db: DbOrTx, rows: SubjectRow[]): Promise<Map<string, ShownSubject>> {
  const out = new Map<string, ShownSubject>();
  const campaignIds = [...new Set(rows.flatMap((r) => (r.campaignId && r.subject.includes("{{") ? [r.campaignId] : [])))];
  const templates = new Map<string, string>();
  if (campaignIds.length) {
    for (const c of await db.select({ id: campaigns.id, subject: campaigns.subject }).from(campaigns).where(inArray(campaigns.id, campaignIds))) templates.set(c.id, c.subject);
  }
  // A row still holds its template when its subject is the campaign's: a rendered subject equals the
  // template only when the template has no variable, and then rendering changes nothing.
  const pending = rows.filter((r) => r.campaignId && templates.get(r.campaignId) === r.subject);
  for (const r of rows) out.set(r.id, { text: r.subject, source: "sent" });
  if (pending.length === 0) return out;
  const contactIds = [...new Set(pending.flatMap((r) => (r.contactId ? [r.contactId] : [])))];
  const people = new Map<string, { name: string; fields: Record<string, string> }>();
  if (contactIds.length) {
    for (const p of await db.select({ id: contacts.id, name: contacts.name, fields: contacts.fields }).from(contacts).where(inArray(contacts.id, contactIds))) people.set(p.id, p);
  }
  const compiled = new Map<string, CompiledTemplate | null>();
  for (const r of pending) {
    if (!compiled.has(r.subject)) compiled.set(r.subject, compileOrNull(r.subject));
    const template = compiled.get(r.subject);
    if (template && template.variables.length === 0) continue; // the same text for everyone: as sent
    const person = r.contactId ? people.get(r.contactId) : undefined;
    if (!template || !person) {
      out.set(r.id, { text: r.subject, source: "template" });
      continue;
    }
    // A subject never carries the unsubscribe link in practice; rendered empty rather than a live token.
    const text = renderTemplate({ template, recipient: { email: r.toEmail, name: person.name, fields: person.fields, unsubscribeUrl: "" }, mode: "text" });
    out.set(r.id, { text, source: "rendered" });
  }
  return out;
}

export async function getShownSubject(db: DbOrTx, row: SubjectRow): Promise<ShownSubject> {
  return (await listShownSubjects(db, [row])).get(row.id)!;
}

function compileOrNull(source: string): CompiledTemplate | null {
  try {
    return compileTemplate(source);
  } catch {
    return null;
  }
}
