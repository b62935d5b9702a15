import fs from "node:fs";
import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts, messageEvents, messages } from "@/db/schema";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { createContact } from "@/lib/contacts/contacts";
import { sharedDir } from "@/lib/local/postmark-sandbox/test-support";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { ingestPostmarkEvent } from "./ingest";
import { postmarkEventSchema } from "./postmark-payload";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

async function sentMessage(email: string, pm: string) {
  const contact = await createContact(t.db, { email });
  const campaign = await createCampaign(t.db, { name: email, subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
  await t.db.insert(messages).values({ kind: "campaign", campaignId: campaign.id, contactId: contact.id, toEmail: email, fromEmail: "f@postline.test", subject: "s", messageStream: "broadcast", status: "sent", postmarkMessageId: pm, sentAt: new Date() });
  return contact;
}

describe("bounces whose Metadata carries an ID of its own (real PostgreSQL)", () => {
  it("stores both bounces and suppresses both contacts, though a sender set Metadata {\"ID\":\"7\"} on each", async () => {
    // Postmark's test payload puts Metadata first; POST /api/v1/emails lets a sender set a metadata key ID.
    const template = fs.readFileSync(path.join(sharedDir(), "postmark/webhooks/bounce-hard-test-payload.json"), "utf8");
    const bounces = [
      { email: "first@bounce-id.test", pm: "pm-bounce-id-1", id: "4323372036854775801" },
      { email: "second@bounce-id.test", pm: "pm-bounce-id-2", id: "4323372036854775802" },
    ];
    const contactIds = [];
    for (const b of bounces) {
      contactIds.push((await sentMessage(b.email, b.pm)).id);
      const rawText = template
        .replace(/"Metadata": \{[^}]*\}/, '"Metadata": {"ID":"7"}')
        .replace('"ID": 42', `"ID": ${b.id}`)
        .replace("00000000-0000-0000-0000-000000000000", b.pm)
        .replace("john@example.com", b.email);
      const result = await ingestPostmarkEvent(t.db, postmarkEventSchema.parse(JSON.parse(rawText)), { rawText });
      expect(result.outcome).toBe("stored");
    }
    const events = await t.db.select().from(messageEvents).where(inArray(messageEvents.postmarkMessageId, bounces.map((b) => b.pm)));
    expect(events.map((e) => (e.details as { bounceId: string }).bounceId).sort()).toEqual(bounces.map((b) => b.id));
    const rows = await t.db.select().from(contacts).where(inArray(contacts.id, contactIds));
    expect(rows.map((c) => c.status)).toEqual(["bounced", "bounced"]);
    for (const b of bounces) {
      const [m] = await t.db.select().from(messages).where(eq(messages.postmarkMessageId, b.pm));
      expect(m.status).toBe("bounced");
    }
  });
});
