import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { messages } from "@/db/schema";
import { getCampaignOutcomes } from "@/lib/campaigns/stats";
import { startedCampaignTo, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { advanceSending } from "./advance-sending";
import { createUnsubscribeToken } from "./unsubscribe-token";
import { unsubscribeByToken } from "./unsubscribe";

const bed = useSendingTestbed();

describe("unsubscribing from a campaign message (real PostgreSQL)", () => {
  it("an unsubscribe from a sent message ends it as unsubscribed and counts once in the campaign's totals", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 2);
    await advanceSending(bed.t.db, { budgetMs: 10_000 }, bed.fixture.deps);
    const [target] = await bed.t.db.select().from(messages).where(eq(messages.toEmail, emails[0]));
    const token = createUnsubscribeToken(bed.fixture.deps.unsubscribeKey, target.id);
    expect((await unsubscribeByToken(bed.t.db, { key: bed.fixture.deps.unsubscribeKey, token, how: "page" }, new Date())).changed).toBe(true);
    expect((await unsubscribeByToken(bed.t.db, { key: bed.fixture.deps.unsubscribeKey, token, how: "one-click" }, new Date())).changed).toBe(false);
    const [after] = await bed.t.db.select().from(messages).where(eq(messages.id, target.id));
    expect(after.status).toBe("unsubscribed");
    expect((await getCampaignOutcomes(bed.t.db, campaign.id)).unsubscribed).toBe(1);
  });
});
