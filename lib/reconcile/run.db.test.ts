import { inspect } from "node:util";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { alerts, messageEvents, messages, reconcileRuns } from "@/db/schema";
import { createContactsBulk } from "@/lib/contacts/contacts";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { useSendingTestbed } from "@/lib/tooling/testing/sending";
import { reconcile } from "./run";

const bed = useSendingTestbed();

async function sendSilently(addresses: string[]) {
  await createContactsBulk(bed.t.db, addresses.map((email) => ({ email })));
  const sent = [];
  for (const to of addresses) sent.push(await sendSingleEmail(bed.t.db, { to, from: "me@postline.test", subject: "s", html: '<a href="https://e.test/l">l</a>' }, bed.fixture.deps));
  // At the sandbox's fast pace a click comes 11–12 s after delivery.
  await bed.fixture.sandbox.flushWebhooks({ timeoutMs: 30_000 });
  return sent;
}

const later = (minutes: number) => () => new Date(Date.now() + minutes * 60_000);

describe("reconciliation runs (sandbox with .silent recipients, real PostgreSQL)", () => {
  it("records a database failure as a generic message and an error id, never the driver's text (which the resync routes would answer)", async () => {
    const [m] = await sendSilently(["open.silent+dberror@rec.test"]);
    // Every event write fails with a message that carries the row's values, as driver errors can.
    await bed.t.db.execute(sql`create function fail_event_insert() returns trigger language plpgsql as $$
      begin raise exception 'secret-param: %', new.recipient; end $$`);
    await bed.t.db.execute(sql`create trigger fail_event_insert before insert on message_events for each row execute function fail_event_insert()`);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const run = await reconcile(bed.t.db, { trigger: "cron" }, { postmark: bed.fixture.deps.postmark, now: later(15) });
      expect(run.errors.length).toBeGreaterThan(0);
      const [stored] = await bed.t.db.select().from(reconcileRuns).where(eq(reconcileRuns.id, run.runId!));
      for (const text of [JSON.stringify(run.errors), JSON.stringify(stored.errors)]) {
        expect(text).not.toMatch(/secret-param|dberror|insert|message_events/);
        expect(text).toMatch(/Something went wrong on our side \(error [0-9a-f]{12}\)/);
      }
      // The detail is in the server log, under the id the caller sees.
      const id = /error ([0-9a-f]{12})/.exec(run.errors[0])![1];
      expect(logged.mock.calls.some((call) => String(call[0]).includes(id) && inspect(call[1]).includes("secret-param"))).toBe(true);
    } finally {
      logged.mockRestore();
      await bed.t.db.execute(sql`drop trigger fail_event_insert on message_events`);
      // Out of the later tests' work lists.
      await bed.t.db.execute(sql`update messages set reconcile_count = 1000 where id = ${m.id}`);
    }
  });

  it("recovers every missed event after the grace period; a second run adds nothing", async () => {
    const sent = await sendSilently(["click.silent+a@rec.test", "open.silent+b@rec.test", "hardbounce.silent+c@rec.test", "delivered.silent+d@rec.test"]);
    // Inside the grace period nothing is asked.
    const early = await reconcile(bed.t.db, { trigger: "cron" }, { postmark: bed.fixture.deps.postmark, now: () => new Date() });
    expect(early.checked).toBe(0);

    const run = await reconcile(bed.t.db, { trigger: "cron" }, { postmark: bed.fixture.deps.postmark, now: later(15) });
    expect(run).toMatchObject({ checked: 4, recovered: 3 + 2 + 2 + 1, errors: [] });
    const statuses = Object.fromEntries((await bed.t.db.select().from(messages)).filter((m) => sent.some((s) => s.id === m.id)).map((m) => [m.toEmail, m.status]));
    expect(statuses).toEqual({ "click.silent+a@rec.test": "clicked", "open.silent+b@rec.test": "opened", "hardbounce.silent+c@rec.test": "bounced", "delivered.silent+d@rec.test": "delivered" });
    const sources = await bed.t.db.select({ source: messageEvents.source }).from(messageEvents);
    expect(sources.every((s) => s.source === "reconciliation")).toBe(true);

    const again = await reconcile(bed.t.db, { trigger: "cron" }, { postmark: bed.fixture.deps.postmark, now: later(15 + 7 * 60), recheckMs: 60_000 });
    expect(again.recovered).toBe(0);
    expect(await bed.t.db.$count(messageEvents)).toBe(8);
    const runs = await bed.t.db.select().from(reconcileRuns);
    expect(runs.every((r) => r.status === "done")).toBe(true);
  });

  it("an interrupted run (budget spent) is resumed by the next one", async () => {
    await bed.t.db.update(messages).set({ reconcileCount: 99 }); // earlier messages are done
    await sendSilently(Array.from({ length: 12 }, (_, i) => `delivered.silent+r${i}@rec.test`));
    // Each details call "takes" 10 s on the run's clock; a 35 s budget stops the run part-way.
    let clock = 0;
    const slow = new Proxy(bed.fixture.deps.postmark, {
      get(target, prop, receiver) {
        if (prop === "getOutboundMessageDetails") {
          return (id: string) => {
            clock += 10_000;
            return target.getOutboundMessageDetails(id);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const first = await reconcile(bed.t.db, { trigger: "cron" }, { postmark: slow, now: later(15), concurrency: 1, budgetMs: 35_000, elapsedClock: () => clock });
    expect(first.checked).toBe(4);
    expect(first.remaining).toBe(8);
    const second = await reconcile(bed.t.db, { trigger: "cron" }, { postmark: bed.fixture.deps.postmark, now: later(16), concurrency: 2 });
    expect(second.checked).toBe(8);
    expect(second.remaining).toBe(0);
    // Nothing was checked twice: every message carries exactly one check.
    const counts = await bed.t.db.select({ n: messages.reconcileCount }).from(messages).where(eq(messages.reconcileCount, 1));
    expect(counts).toHaveLength(12);
  });

  it("two overlapping runs do not both work: the second is skipped", async () => {
    // The second run starts while the first is inside its first Postmark call, so they overlap
    // whatever the machine's load (two runs merely started together could finish one after the other).
    await bed.t.db.update(messages).set({ reconcileCount: 99 });
    await sendSilently(["delivered.silent+overlap@rec.test"]);
    let second: Promise<Awaited<ReturnType<typeof reconcile>>> | null = null;
    const overlapping = new Proxy(bed.fixture.deps.postmark, {
      get(target, prop, receiver) {
        if (prop === "getOutboundMessageDetails") {
          return async (id: string) => {
            second ??= reconcile(bed.t.db, { trigger: "cron" }, { postmark: bed.fixture.deps.postmark, now: () => new Date() });
            await second;
            return target.getOutboundMessageDetails(id);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const first = await reconcile(bed.t.db, { trigger: "cron" }, { postmark: overlapping, now: () => new Date(Date.now() + 15 * 60_000) });
    expect(second).not.toBeNull();
    const b = await second!;
    expect([first.skipped, b.skipped]).toEqual([undefined, "another reconciliation run is in progress"]);
  });

  it("backs off when Postmark answers 429 and stops inside its budget", async () => {
    await bed.t.db.update(messages).set({ reconcileCount: 0, reconciledAt: null });
    bed.fixture.sandbox.setFaults({ rate429: 1 });
    const slept: number[] = [];
    const r = await reconcile(bed.t.db, { trigger: "cron" }, { postmark: bed.fixture.deps.postmark, now: later(15), budgetMs: 3_000, sleep: async (ms) => void slept.push(ms) });
    bed.fixture.sandbox.setFaults({});
    expect(r.checked).toBe(0);
    expect(slept.slice(0, 2)).toEqual([1000, 2000]);
    expect(r.remaining).toBeGreaterThan(0);
  });

  it("raises a silence alert when mail went out but no webhook came back", async () => {
    await bed.t.db.delete(alerts);
    const r = await reconcile(bed.t.db, { trigger: "cron" }, { postmark: bed.fixture.deps.postmark, now: later(45), budgetMs: 10_000 });
    expect(r.alerts).toEqual(["no_webhooks"]);
    const [alert] = await bed.t.db.select().from(alerts).where(eq(alerts.kind, "webhook_silence"));
    expect(alert.title).toMatch(/No Postmark webhooks for 30 minutes/);
  });
});
