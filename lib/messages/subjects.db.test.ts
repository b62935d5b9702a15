import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { contacts, messages } from "@/db/schema";
import { advanceSending } from "@/lib/sending/advance-sending";
import type { SendingDeps } from "@/lib/sending/deps";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { startedCampaignTo, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { searchMessages } from "./queries";
import { getShownSubject, listShownSubjects } from "./subjects";

const bed = useSendingTestbed();

async function rowsOf(campaignId: string) {
  return bed.t.db.select().from(messages).where(eq(messages.campaignId, campaignId)).orderBy(messages.toEmail);
}

describe("the subject each recipient received (real PostgreSQL + Postmark sandbox)", () => {
  it("stores each campaign recipient's personalized subject when it is sent, and shows it as sent", async () => {
    const { campaign } = await startedCampaignTo(bed, 3, "subj-sent");
    // Frozen audience: the rows hold the template until they are sent.
    expect((await rowsOf(campaign.id)).map((r) => r.subject)).toEqual(["Hi {{ name }}", "Hi {{ name }}", "Hi {{ name }}"]);
    await advanceSending(bed.t.db, { budgetMs: 10_000 }, bed.fixture.deps);
    const rows = await rowsOf(campaign.id);
    expect(rows.map((r) => r.subject)).toEqual(["Hi Person 0", "Hi Person 1", "Hi Person 2"]);
    const shown = await listShownSubjects(bed.t.db, rows);
    expect(rows.map((r) => shown.get(r.id))).toEqual([0, 1, 2].map((i) => ({ text: `Hi Person ${i}`, source: "sent" })));
    // What the Messages list and a contact's history read.
    const page = await searchMessages(bed.t.db, { campaignId: campaign.id });
    expect([...(await listShownSubjects(bed.t.db, page.rows)).values()].map((s) => s.text).sort()).toEqual(["Hi Person 0", "Hi Person 1", "Hi Person 2"]);
  });

  it("stores the subject of a recipient Postmark refused too (what was attempted)", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 2, "subj-refused");
    bed.fixture.sandbox.markInactive(emails[1], "broadcast");
    await advanceSending(bed.t.db, { budgetMs: 10_000 }, bed.fixture.deps);
    const rows = await rowsOf(campaign.id);
    expect(rows.map((r) => [r.status, r.subject])).toEqual([
      ["sent", "Hi Person 0"],
      ["failed", "Hi Person 1"],
    ]);
  });

  it("a batch whose answer was lost takes the subject from Postmark's record when it is adopted", async () => {
    const { campaign } = await startedCampaignTo(bed, 2, "subj-lost");
    let now = new Date();
    const lossy: SendingDeps = {
      ...bed.fixture.deps,
      now: () => now,
      postmark: new Proxy(bed.fixture.deps.postmark, {
        get(target, prop, receiver) {
          if (prop !== "sendEmailBatch") return Reflect.get(target, prop, receiver);
          return async (msgs: unknown[]) => {
            await target.sendEmailBatch(msgs as never);
            throw Object.assign(new Error("socket hang up"), { statusCode: 0 });
          };
        },
      }),
    };
    await advanceSending(bed.t.db, { budgetMs: 10_000, concurrency: 1 }, lossy);
    expect((await rowsOf(campaign.id)).map((r) => r.subject)).toEqual(["Hi {{ name }}", "Hi {{ name }}"]);
    now = new Date(now.getTime() + 10 * 60_000);
    const later = await advanceSending(bed.t.db, { budgetMs: 10_000 }, { ...bed.fixture.deps, now: () => now });
    expect(later.recovered).toMatchObject({ adopted: 2 });
    expect((await rowsOf(campaign.id)).map((r) => r.subject)).toEqual(["Hi Person 0", "Hi Person 1"]);
  });

  it("a row that kept its template (sent before subjects were stored, or never sent) is personalized from its contact, or shown as the template when the contact is gone", async () => {
    const { campaign } = await startedCampaignTo(bed, 2, "subj-old");
    const [first, second] = await rowsOf(campaign.id);
    expect(await getShownSubject(bed.t.db, first)).toEqual({ text: "Hi Person 0", source: "rendered" });
    await bed.t.db.delete(contacts).where(eq(contacts.id, second.contactId!));
    const orphan = (await rowsOf(campaign.id))[1];
    expect(orphan.contactId).toBeNull();
    expect(await getShownSubject(bed.t.db, orphan)).toEqual({ text: "Hi {{ name }}", source: "template" });
  });

  it("a template without variables is the same for everyone: shown as sent", async () => {
    const { campaign } = await startedCampaignTo(bed, 1, "subj-plain");
    await bed.t.db.execute(sql`update campaigns set subject = 'Plain {{' where id = ${campaign.id}::uuid`);
    await bed.t.db.update(messages).set({ subject: "Plain {{" }).where(eq(messages.campaignId, campaign.id));
    const [row] = await rowsOf(campaign.id);
    expect(await getShownSubject(bed.t.db, row)).toEqual({ text: "Plain {{", source: "sent" });
  });

  it("single emails keep the subject they were sent with", async () => {
    const to = "single-subject@dispatch.test";
    const sent = await sendSingleEmail(bed.t.db, { to, subject: "Your {{ email }} receipt", text: "t", from: "news@postline.test", personalize: true }, bed.fixture.deps);
    const [row] = await bed.t.db.select().from(messages).where(eq(messages.id, sent.id));
    expect(row.subject).toBe(`Your ${to} receipt`);
    expect(await getShownSubject(bed.t.db, row)).toEqual({ text: `Your ${to} receipt`, source: "sent" });
  });

  it("answers an empty list without a query", async () => {
    expect((await listShownSubjects(bed.t.db, [])).size).toBe(0);
  });
});
