/**
 * A test send of broadcast content (a campaign, a sequence email) as it stands: personalized as a
 * chosen contact (or sample values), to up to five addresses, each as a single email on the
 * transactional stream with "[Test]" before the subject. A test message belongs to nothing it tests
 * (campaign_id and sequence ids null); its tag and Metadata name what it tested, so it never counts
 * in that campaign's or sequence's numbers.
 */
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { contacts } from "@/db/schema";
import { parseTestAddresses, SAMPLE_RECIPIENT } from "@/lib/campaigns/preview-recipients";
import { htmlToText, renderTemplate, type Recipient } from "@/lib/campaigns/template";
import { AppError, notFound } from "@/lib/errors";
import { parseId } from "@/lib/http/id";
import type { SendingDeps } from "./deps";
import { compilePart, sendSingleEmail, type SingleEmailResult } from "./single-email";

export interface TestContent {
  fromEmail: string;
  subject: string;
  html: string;
  text: string | null;
  /** What the HTML gets last, as in a real send (a campaign's honeypot link). */
  finishHtml?: (html: string) => string;
}

export async function sendTestEmail(
  db: Db,
  input: { content: TestContent; to: string | readonly string[]; contactId?: string | null; tag: string; metadata: Record<string, string> },
  deps: SendingDeps,
): Promise<SingleEmailResult[]> {
  const { content } = input;
  const { addresses, error } = parseTestAddresses(input.to);
  if (error) throw new AppError("validation_failed", error, [{ path: "to", message: error }]);
  let contact: { email: string; name: string; fields: Record<string, string> } | null = null;
  if (input.contactId !== undefined && input.contactId !== null) {
    if (!parseId(input.contactId)) throw notFound("Contact");
    const [row] = await db.select({ email: contacts.email, name: contacts.name, fields: contacts.fields }).from(contacts).where(sql`${contacts.id} = ${input.contactId}::uuid`);
    if (!row) throw notFound("Contact");
    contact = row;
  }
  const subject = compilePart("subject", content.subject);
  const html = compilePart("html", content.html);
  // As a real send: the text part from the content's own HTML when it has none, so what finishHtml adds
  // (a honeypot link) never reaches it (sendSingleEmail would derive it from the final HTML).
  const text = compilePart("text", content.text?.trim() ? content.text : htmlToText(content.html));
  const finish = content.finishHtml ?? ((h: string) => h);
  const sent: SingleEmailResult[] = [];
  for (const to of addresses) {
    // A test's unsubscribe link must not unsubscribe anyone: it points at a page that knows no token.
    const recipient: Recipient = { ...(contact ?? { ...SAMPLE_RECIPIENT, email: to }), unsubscribeUrl: `${deps.appUrl}/u/test` };
    sent.push(
      await sendSingleEmail(
        db,
        {
          to,
          from: content.fromEmail,
          subject: `[Test] ${renderTemplate({ template: subject, recipient, mode: "text" })}`,
          html: finish(renderTemplate({ template: html, recipient, mode: "html" })),
          text: renderTemplate({ template: text, recipient, mode: "text" }),
          tag: input.tag,
          metadata: input.metadata,
        },
        deps,
      ),
    );
  }
  return sent;
}
