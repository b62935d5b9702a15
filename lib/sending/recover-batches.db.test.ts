import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { messages, sendBatches } from "@/db/schema";
import { humanStatus } from "@/lib/messages/human-status";
import { getCampaignOrThrow } from "@/lib/campaigns/campaigns";
import { deliveriesTo, startedCampaignTo, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { advanceSending } from "./advance-sending";
import { claimCampaignBatch } from "./claim-batch";
import type { SendingDeps } from "./deps";
import { recoverOpenBatches } from "./recover-batches";
import { sendSingleEmail } from "./single-email";

const bed = useSendingTestbed();
afterEach(async () => {
  bed.fixture.sandbox.setFaults({});
});

describe("recovering batches whose outcome is unknown (real PostgreSQL + Postmark sandbox)", () => {
  it("resolves a batch Postmark accepted but whose answer was lost, without sending it again", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 300);
    let now = new Date();
    // The call reaches Postmark, then the connection dies before we read the answer.
    const lossy: SendingDeps = {
      ...bed.fixture.deps,
      now: () => now,
      postmark: new Proxy(bed.fixture.deps.postmark, {
        get(target, prop, receiver) {
          if (prop === "sendEmailBatch") {
            return async (msgs: unknown[]) => {
              await target.sendEmailBatch(msgs as never);
              throw Object.assign(new Error("socket hang up"), { statusCode: 0 });
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      }),
    };
    const first = await advanceSending(bed.t.db, { budgetMs: 10_000, concurrency: 1 }, lossy);
    expect(first.sent).toBe(0);
    const [open] = await bed.t.db.select().from(sendBatches).where(eq(sendBatches.campaignId, campaign.id));
    expect(open.status).toBe("uncertain");
    expect(deliveriesTo(bed, emails).missing).toEqual([]);

    // Nothing is resent before the check is due …
    const early = await advanceSending(bed.t.db, { budgetMs: 10_000 }, { ...bed.fixture.deps, now: () => now });
    expect(early.sent).toBe(0);
    // … and when it is, Postmark's search proves every message was accepted: all adopted, none resent.
    now = new Date(now.getTime() + 10 * 60_000);
    const later = await advanceSending(bed.t.db, { budgetMs: 10_000 }, { ...bed.fixture.deps, now: () => now });
    expect(later.recovered).toMatchObject({ adopted: 300, requeued: 0 });
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
    expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "sent", sentCount: 300 });
  });

  it("sends a batch claimed by a worker that died before calling Postmark", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 40);
    let now = new Date();
    const deps = { ...bed.fixture.deps, now: () => now };
    const claimed = await claimCampaignBatch(bed.t.db, { campaignId: campaign.id }, deps);
    expect(claimed?.messages).toHaveLength(40);
    // The worker dies here. Another worker sees nothing to claim until the batch is overdue.
    expect((await advanceSending(bed.t.db, { budgetMs: 5_000 }, deps)).sent).toBe(0);
    now = new Date(now.getTime() + 10 * 60_000);
    const recovered = await recoverOpenBatches(bed.t.db, {}, deps);
    expect(recovered).toMatchObject({ batches: 1, adopted: 0, requeued: 40 });
    expect((await advanceSending(bed.t.db, { budgetMs: 10_000 }, deps)).sent).toBe(40);
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
  });

  it("keeps an unanswered single email open and adopts it later instead of resending", async () => {
    let now = new Date();
    bed.fixture.sandbox.setFaults({ rate5xx: 1 });
    const m = await sendSingleEmail(bed.t.db, { to: "maybe@single.test", from: "me@postline.test", subject: "x", text: "x" }, { ...bed.fixture.deps, now: () => now });
    // In flight until Postmark's record is found: queued with its batch, shown as sending.
    expect(m).toMatchObject({ status: "queued", batchId: expect.any(String) });
    expect(humanStatus(m)).toBe("sending");
    bed.fixture.sandbox.setFaults({});
    now = new Date(now.getTime() + 10 * 60_000);
    await advanceSending(bed.t.db, { budgetMs: 5_000 }, { ...bed.fixture.deps, now: () => now });
    const [after] = await bed.t.db.select().from(messages).where(eq(messages.id, m.id));
    // The sandbox's 5xx refused the message, so the search finds nothing and it is sent exactly once.
    expect(after.status).toBe("sent");
    expect(deliveriesTo(bed, ["maybe@single.test"])).toEqual({ missing: [], duplicated: [] });
  });
});
