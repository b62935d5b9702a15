import { spawn } from "node:child_process";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { messages } from "@/db/schema";
import { createCampaign, getCampaignOrThrow, startCampaignSend } from "@/lib/campaigns/campaigns";
import { createContactsBulk } from "@/lib/contacts/contacts";
import { sandboxRecords, useSendingTestbed, TEST_TOKEN } from "@/lib/tooling/testing/sending";
import { advanceSending } from "./advance-sending";

const bed = useSendingTestbed();

describe("a sending process killed with SIGKILL mid-campaign (real processes, PostgreSQL, sandbox)", () => {
  it("after recovery, every recipient received the campaign exactly once", async () => {
    const N = 3000;
    const emails = Array.from({ length: N }, (_, i) => `crash-${i}@dispatch.test`);
    await createContactsBulk(bed.t.db, emails.map((email) => ({ email })));
    const campaign = await createCampaign(bed.t.db, { name: "crash", subject: "s", html: "<p>h</p>" }, { defaultFrom: "news@postline.test" });
    await startCampaignSend(bed.t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    // Slow Postmark down so the kill lands while batches are in flight.
    bed.fixture.sandbox.setFaults({ latencyMs: 150 });

    // One process (node --import tsx), not tsx's CLI: that one runs the script in a child of its own,
    // which a SIGKILL to the CLI leaves running — the "crash" would not stop the worker.
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("lib/tooling/testing/sending-worker.ts"), JSON.stringify({ databaseUrl: bed.t.url, sandboxUrl: bed.fixture.sandbox.url, token: TEST_TOKEN })], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const countFor = () => sandboxRecords(bed.fixture.sandbox).filter((r) => r.to.startsWith("crash-")).length;
    const deadline = Date.now() + 60_000;
    while (countFor() < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await exited;
    const atKill = countFor();
    expect(atKill).toBeGreaterThanOrEqual(1000);
    expect(atKill).toBeLessThan(N);
    // The worker is really gone: nothing more reaches Postmark from it.
    await new Promise((r) => setTimeout(r, 1000));
    expect(countFor()).toBe(atKill);
    bed.fixture.sandbox.setFaults({});

    // A new worker, later than every open batch's deadline, finishes the job.
    const later = new Date(Date.now() + 10 * 60_000);
    const result = await advanceSending(bed.t.db, { budgetMs: 60_000 }, { ...bed.fixture.deps, now: () => later });
    expect(result.completed).toContain(campaign.id);

    const perAddress = new Map<string, number>();
    for (const r of sandboxRecords(bed.fixture.sandbox)) if (r.to.startsWith("crash-")) perAddress.set(r.to, (perAddress.get(r.to) ?? 0) + 1);
    expect(emails.filter((e) => !perAddress.has(e))).toEqual([]);
    expect([...perAddress].filter(([, n]) => n > 1)).toEqual([]);
    const c = await getCampaignOrThrow(bed.t.db, campaign.id);
    expect(c).toMatchObject({ status: "sent", sentCount: N, failedCount: 0 });
    const statuses = await bed.t.db.select({ status: messages.status }).from(messages).where(eq(messages.campaignId, campaign.id));
    expect(statuses.every((s) => s.status === "sent")).toBe(true);
  }, 120_000);
});
