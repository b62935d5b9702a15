import { eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { campaigns, messages } from "@/db/schema";
import { createCampaign, getCampaignOrThrow, startCampaignSend } from "@/lib/campaigns/campaigns";
import { getCampaignOutcomes } from "@/lib/campaigns/stats";
import { createContact } from "@/lib/contacts/contacts";
import { useSendingTestbed } from "@/lib/tooling/testing/sending";
import { sendCampaignTest } from "./campaign-test";

const bed = useSendingTestbed();
const opts = { defaultFrom: "news@postline.test" };

const campaign = (name: string) =>
  createCampaign(bed.t.db, { name, subject: "Hello {{ name }} in {{ fields.city | default: \"town\" }}", html: '<p>Hi {{ name }} <a href="{{ unsubscribe_url }}">leave</a></p>', text: "Hi {{ name }}" }, opts);

describe("test sends (real PostgreSQL + Postmark sandbox)", () => {
  it("sends to each address on the transactional stream, [Test] before the subject, sample values without a contact", async () => {
    const c = await campaign("Test one");
    const sent = await sendCampaignTest(bed.t.db, { campaignId: c.id, to: "one@test.test, Two@test.test\nONE@test.test" }, bed.fixture.deps);
    expect(sent.map((m) => [m.toEmail, m.status, m.kind, m.campaignId, m.messageStream])).toEqual([
      ["one@test.test", "sent", "single", null, "outbound"],
      ["Two@test.test", "sent", "single", null, "outbound"],
    ]);
    const record = bed.fixture.sandbox.messages().find((r) => r.messageId === sent[0].postmarkMessageId)!;
    expect(record).toMatchObject({ subject: "[Test] Hello Ada Lovelace in London", tag: "campaign-test", stream: "outbound", metadata: { campaign_test: c.id } });
    expect(record.htmlBody).toContain("Hi Ada Lovelace");
    // The unsubscribe link unsubscribes nobody.
    expect(record.htmlBody).toContain("/u/test");
    expect(record.textBody).toBe("Hi Ada Lovelace");
  });

  it("personalizes as a chosen contact", async () => {
    const ann = await createContact(bed.t.db, { email: "ann@test-audience.test", name: "Ann", fields: { city: "Oslo" } });
    const c = await campaign("Test as Ann");
    const [m] = await sendCampaignTest(bed.t.db, { campaignId: c.id, to: ["reviewer@test.test"], contactId: ann.id }, bed.fixture.deps);
    expect(m).toMatchObject({ toEmail: "reviewer@test.test", subject: "[Test] Hello Ann in Oslo", status: "sent" });
    expect(m.htmlBody).toContain("Hi Ann");
  });

  it("refuses more than five addresses, an invalid address, none, and an unknown contact or campaign, sending nothing", async () => {
    const c = await campaign("Refused");
    const before = await bed.t.db.$count(messages);
    const six = ["a", "b", "c", "d", "e", "f"].map((x) => `${x}@test.test`);
    await expect(sendCampaignTest(bed.t.db, { campaignId: c.id, to: six }, bed.fixture.deps)).rejects.toMatchObject({ code: "validation_failed", status: 422, message: expect.stringContaining("at most 5") });
    await expect(sendCampaignTest(bed.t.db, { campaignId: c.id, to: "ok@test.test, not-an-address" }, bed.fixture.deps)).rejects.toMatchObject({ code: "validation_failed", message: expect.stringContaining("not-an-address") });
    await expect(sendCampaignTest(bed.t.db, { campaignId: c.id, to: " , \n" }, bed.fixture.deps)).rejects.toMatchObject({ code: "validation_failed" });
    await expect(sendCampaignTest(bed.t.db, { campaignId: c.id, to: ["x@test.test"], contactId: "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10" }, bed.fixture.deps)).rejects.toMatchObject({ code: "not_found" });
    await expect(sendCampaignTest(bed.t.db, { campaignId: c.id, to: ["x@test.test"], contactId: "not-an-id" }, bed.fixture.deps)).rejects.toMatchObject({ code: "not_found" });
    await expect(sendCampaignTest(bed.t.db, { campaignId: "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10", to: ["x@test.test"] }, bed.fixture.deps)).rejects.toMatchObject({ code: "not_found" });
    expect(await bed.t.db.$count(messages)).toBe(before);
  });

  it("is not counted in the campaign: no message of the campaign, no totals, its status unchanged, also after it was sent", async () => {
    await createContact(bed.t.db, { email: "real@test-audience.test" });
    const c = await campaign("Uncounted");
    await sendCampaignTest(bed.t.db, { campaignId: c.id, to: ["a@test.test", "b@test.test"] }, bed.fixture.deps);
    expect(await bed.t.db.$count(messages, eq(messages.campaignId, c.id))).toBe(0);
    expect(await getCampaignOrThrow(bed.t.db, c.id)).toMatchObject({ status: "draft", recipientCount: 0, sentCount: 0 });

    const started = await startCampaignSend(bed.t.db, { campaignId: c.id, stream: "broadcast" }, new Date());
    const recipients = started.recipientCount;
    await sendCampaignTest(bed.t.db, { campaignId: c.id, to: ["c@test.test"] }, bed.fixture.deps);
    expect(await bed.t.db.$count(messages, eq(messages.campaignId, c.id))).toBe(recipients);
    const [row] = await bed.t.db.select().from(campaigns).where(eq(campaigns.id, c.id));
    expect(row).toMatchObject({ recipientCount: recipients, sentCount: 0 });
    expect((await getCampaignOutcomes(bed.t.db, c.id)).delivered).toBe(0);
    const tests = await bed.t.db.select().from(messages).where(isNull(messages.campaignId));
    expect(tests.filter((m) => m.metadata.campaign_test === c.id)).toHaveLength(3);
  });
});
