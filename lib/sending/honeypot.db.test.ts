import { describe, expect, it } from "vitest";
import { createCampaign, startCampaignSend } from "@/lib/campaigns/campaigns";
import { createContact, createList } from "@/lib/contacts/contacts";
import { honeypotLink } from "@/lib/engagement/honeypot";
import { sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { advanceSending } from "./advance-sending";
import { sendCampaignTest } from "./campaign-test";

const bed = useSendingTestbed();
const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

async function campaignTo(name: string, honeypot?: boolean) {
  const list = await createList(bed.t.db, { name });
  await createContact(bed.t.db, { email: `${name}@honeypot.test`, name: "Ada", list_ids: [list.id] });
  const html = '<html><body><p>Hello {{ name }}, <a href="https://shop.example/sale">see the sale</a></p></body></html>';
  return createCampaign(bed.t.db, { name, subject: "Hi", html, list_ids: [list.id], ...(honeypot === undefined ? {} : { honeypot }) }, { defaultFrom: "news@postline.test" });
}

async function sentTo(email: string) {
  return sandboxRecords(bed.fixture.sandbox).find((r) => r.to === email)!;
}

describe("the honeypot link in sent mail (real PostgreSQL + Postmark sandbox)", () => {
  it("a campaign carries it by default: once, hidden, in the HTML only", async () => {
    const c = await campaignTo("default-on");
    expect(c.honeypot).toBe(true);
    await startCampaignSend(bed.t.db, { campaignId: c.id, stream: "broadcast" }, new Date());
    await advanceSending(bed.t.db, { budgetMs: 30_000 }, bed.fixture.deps);
    const record = await sentTo("default-on@honeypot.test");
    const link = honeypotLink(bed.fixture.deps.appUrl, c.id);
    expect(count(record.htmlBody!, link)).toBe(1);
    expect(record.htmlBody).toMatch(/<div aria-hidden="true" style="display:none[^"]*"><a href="[^"]+\/h\/[^"]+" tabindex="-1" aria-hidden="true" style="display:none">/);
    expect(record.htmlBody).toMatch(/<\/a><\/div><\/body><\/html>$/);
    expect(record.textBody).toContain("see the sale (https://shop.example/sale)");
    expect(record.textBody).not.toContain("/h/");
  });

  it("a campaign with it off carries no trace of it", async () => {
    const c = await campaignTo("off", false);
    await startCampaignSend(bed.t.db, { campaignId: c.id, stream: "broadcast" }, new Date());
    await advanceSending(bed.t.db, { budgetMs: 30_000 }, bed.fixture.deps);
    const record = await sentTo("off@honeypot.test");
    expect(record.htmlBody).toContain("see the sale");
    expect(record.htmlBody).not.toContain("/h/");
    expect(record.htmlBody).not.toContain("aria-hidden");
  });

  it("a test send carries it as a real send does, and its derived plain text does not", async () => {
    const on = await campaignTo("test-on");
    const off = await campaignTo("test-off", false);
    const [withLink] = await sendCampaignTest(bed.t.db, { campaignId: on.id, to: ["reviewer-on@honeypot.test"] }, bed.fixture.deps);
    const [without] = await sendCampaignTest(bed.t.db, { campaignId: off.id, to: ["reviewer-off@honeypot.test"] }, bed.fixture.deps);
    const record = await sentTo("reviewer-on@honeypot.test");
    expect(count(record.htmlBody!, honeypotLink(bed.fixture.deps.appUrl, on.id))).toBe(1);
    expect(record.htmlBody).toMatch(/<\/a><\/div><\/body><\/html>$/);
    // No text part was written: it comes from the campaign's HTML, as in a real send, not the HTML sent.
    expect(record.textBody).toContain("see the sale (https://shop.example/sale)");
    expect(record.textBody).not.toContain("/h/");
    expect(withLink.textBody).not.toContain("/h/");
    expect((await sentTo("reviewer-off@honeypot.test")).htmlBody).not.toContain("/h/");
    expect(without.htmlBody).not.toContain("aria-hidden");
  });
});
