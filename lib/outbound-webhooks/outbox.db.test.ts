import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { messageEvents, messages, webhookDeliveries, webhookEvents } from "@/db/schema";
import { ingestPostmarkEvent } from "@/lib/ingest/ingest";
import { postmarkEventSchema } from "@/lib/ingest/postmark-payload";
import { outboundTestBed } from "@/lib/tooling/testing/outbound-bed";
import { deliverDue } from "./test-support";
import { createEndpoint } from "./endpoints";
import { enqueueEmailsSent, enqueueOutboundEvent } from "./outbox";

// Every receiver listens on 127.0.0.1; no test sends anything to another address.
const bed = outboundTestBed();
const { deps, receiver, liveEndpoint, delivered } = bed;

describe("the outbox", () => {
  it("is written in the caller's transaction: a rollback leaves no event and no delivery", async () => {
    const { endpoint } = await liveEndpoint();
    await bed.db
      .transaction(async (tx) => {
        await enqueueOutboundEvent(tx, delivered());
        throw new Error("the causing write failed");
      })
      .catch(() => {});
    expect(await bed.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id))).toHaveLength(0);
  });

  it("fans one event out to every active subscriber in one statement, and only those", async () => {
    const a = await liveEndpoint({ events: ["Email.Delivered"] });
    const b = await liveEndpoint({ events: ["Email.Delivered", "Email.Opened"] });
    const other = await liveEndpoint({ events: ["Email.Opened"] });
    const pending = await createEndpoint(bed.db, { settings: { event: "Email.Delivered", url: a.receiver.url("/p") } }, deps);
    const before = (await bed.db.select({ n: sql<number>`count(*)::int` }).from(webhookEvents))[0].n;
    const n = await bed.db.transaction((tx) => enqueueOutboundEvent(tx, delivered()));
    expect(n).toBe(2);
    const ids = [a.endpoint.id, b.endpoint.id, other.endpoint.id, pending.id];
    const rows = (await bed.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.status, "pending"))).filter((r) => ids.includes(r.endpointId));
    expect(new Set(rows.map((r) => r.endpointId))).toEqual(new Set([a.endpoint.id, b.endpoint.id]));
    expect(rows.some((r) => r.endpointId === other.endpoint.id || r.endpointId === pending.id)).toBe(false);
    expect((await bed.db.select({ n: sql<number>`count(*)::int` }).from(webhookEvents))[0].n).toBe(before + 1);
    // No subscriber: not even the event row is written.
    await bed.db.transaction((tx) => enqueueOutboundEvent(tx, { event: "User.LoggedIn", data: {}, occurredAt: bed.clock }));
    expect((await bed.db.select({ n: sql<number>`count(*)::int` }).from(webhookEvents))[0].n).toBe(before + 1);
  });

  it("announces a whole sent batch as Email.Sent with one statement", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint({ events: ["Email.Sent"] });
    const rows = await bed.db
      .insert(messages)
      .values(Array.from({ length: 5 }, (_, i) => ({ kind: "single" as const, toEmail: `s${i}@example.com`, fromEmail: "f@postline.test", subject: `S${i}`, messageStream: "outbound", status: "sent" as const, postmarkMessageId: `pm-sent-${i}-${Date.now()}`, sentAt: new Date(bed.clock.getTime() - 1000) })))
      .returning();
    const n = await bed.db.transaction((tx) => enqueueEmailsSent(tx, [...rows.map((r) => ({ status: "sent", postmark_message_id: r.postmarkMessageId })), { status: "failed", postmark_message_id: null }]));
    expect(n).toBe(5);
    await deliverDue(bed.db, deps);
    const bodies = rec.received.map((r) => JSON.parse(r.body));
    expect(bodies).toHaveLength(5);
    expect(bodies[0]).toMatchObject({ event: "Email.Sent", data: { recipient: expect.stringMatching(/@example\.com$/), subject: expect.stringMatching(/^S\d$/) } });
    expect(new Set(bodies.map((b) => b.data.message_id))).toEqual(new Set(rows.map((r) => r.id)));
    expect(endpoint.events).toEqual(["Email.Sent"]);
  });

  it("is written in ingestion's transaction: a stored Postmark event announces itself, and a failed commit leaves neither", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint({ events: ["Email.Delivered", "Email.Opened"] });
    const pm = `pm-ingest-${Date.now()}`;
    const [m] = await bed.db
      .insert(messages)
      .values({ kind: "single", toEmail: "ivy@example.com", fromEmail: "f@postline.test", subject: "Hi", messageStream: "outbound", status: "sent", postmarkMessageId: pm, sentAt: new Date() })
      .returning();
    const deliveredAt = new Date(bed.clock.getTime() - 2000).toISOString();
    const delivery = postmarkEventSchema.parse({ RecordType: "Delivery", MessageID: pm, Recipient: "ivy@example.com", DeliveredAt: deliveredAt, MessageStream: "outbound", Metadata: {}, Details: "ok" });
    expect((await ingestPostmarkEvent(bed.db, delivery)).outcome).toBe("stored");
    // A retried post is a duplicate: announced once.
    expect((await ingestPostmarkEvent(bed.db, delivery)).outcome).toBe("duplicate");
    await deliverDue(bed.db, deps);
    expect(rec.received.map((r) => JSON.parse(r.body))).toEqual([
      expect.objectContaining({ event: "Email.Delivered", data: expect.objectContaining({ message_id: m.id, postmark_message_id: pm, recipient: "ivy@example.com", delivered_at: deliveredAt }) }),
    ]);

    // Make the commit fail after everything was written (a deferred check on the outbox): the event,
    // the message change and the outbox row all disappear together.
    await bed.db.execute(sql`
      create function fail_commit() returns trigger language plpgsql as $$ begin raise exception 'commit refused for the test'; end $$;
      create constraint trigger fail_commit after insert on webhook_deliveries deferrable initially deferred for each row execute function fail_commit();`);
    try {
      const open = postmarkEventSchema.parse({ RecordType: "Open", MessageID: pm, Recipient: "ivy@example.com", ReceivedAt: new Date(bed.clock.getTime() - 1000).toISOString(), FirstOpen: true, MessageStream: "outbound", Metadata: {} });
      await expect(ingestPostmarkEvent(bed.db, open)).rejects.toThrow();
      expect(await bed.db.select().from(messageEvents).where(and(eq(messageEvents.postmarkMessageId, pm), eq(messageEvents.recordType, "Open")))).toHaveLength(0);
      expect((await bed.db.select().from(messages).where(eq(messages.id, m.id)))[0].status).toBe("delivered");
      expect(await bed.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.event, "Email.Opened")))).toHaveLength(0);
    } finally {
      await bed.db.execute(sql`drop trigger fail_commit on webhook_deliveries; drop function fail_commit();`);
    }
  });
});
