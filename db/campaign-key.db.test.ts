import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";

/**
 * messages.campaign_id's foreign key, checked a statement at a time by triggers (db/functions/
 * messages_campaign_inserted, messages_campaign_updated, campaigns_deleted_messages) instead of a
 * declared key's check on every row: it must refuse and lock exactly as the declared key did.
 */

let t: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  t = await createTestDatabase();
  client = new pg.Client({ connectionString: t.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await t.drop();
});

const UNKNOWN = "00000000-0000-4000-8000-00000000beef";

async function campaign(name: string): Promise<string> {
  const r = await client.query<{ id: string }>(`insert into campaigns (name, subject, html, from_email) values ($1, 's', '<p>x</p>', 'a@b.test') returning id`, [name]);
  return r.rows[0].id;
}

/** Inserts campaign messages for the given campaign ids (null: a single email), in one statement. */
function insertMessages(c: pg.ClientBase, campaignIds: (string | null)[]) {
  return c.query(
    `insert into messages (kind, campaign_id, to_email, from_email, subject, message_stream, status)
     select case when id is null then 'single' else 'campaign' end::message_kind, id::uuid, 'r' || n || '@key.test', 'a@b.test', 's', 'broadcast', 'queued'
     from unnest($1::text[]) with ordinality u(id, n)`,
    [campaignIds],
  );
}

async function refusal(work: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof pg.DatabaseError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

/** A second session, for what happens while the test's own transaction is open. */
async function withOtherSession(work: (other: pg.Client) => Promise<void>): Promise<void> {
  const other = new pg.Client({ connectionString: t.url });
  await other.connect();
  try {
    await work(other);
  } finally {
    await client.query("rollback").catch(() => {});
    await other.query("rollback").catch(() => {});
    await other.end();
  }
}

const count = async (campaignId: string) => Number((await client.query(`select count(*) from messages where campaign_id = $1`, [campaignId])).rows[0].count);

describe("messages.campaign_id, checked a statement at a time (real PostgreSQL)", () => {
  it("takes a statement whose campaigns all exist, and single emails with none", async () => {
    const a = await campaign("a");
    const b = await campaign("b");
    await insertMessages(client, [a, a, b, null, a]);
    expect([await count(a), await count(b)]).toEqual([3, 1]);
  });

  it("refuses a whole statement if one row names a campaign that does not exist, as the declared key did", async () => {
    const a = await campaign("c");
    const error = await refusal(insertMessages(client, [a, a, UNKNOWN, a]));
    expect(error).toMatchObject({ code: "23503", constraint: "messages_campaign_id_campaigns_id_fk", table: "messages" });
    expect(error.detail).toBe(`Key (campaign_id)=(${UNKNOWN}) is not present in table "campaigns".`);
    expect(await count(a)).toBe(0);
  });

  it("refuses an update to a campaign that does not exist, and lets sending's updates (which never name campaign_id) through", async () => {
    const a = await campaign("d");
    const b = await campaign("e");
    await insertMessages(client, [a]);
    expect(await refusal(client.query(`update messages set campaign_id = $1 where campaign_id = $2`, [UNKNOWN, a]))).toMatchObject({ code: "23503" });
    await client.query(`update messages set campaign_id = $1 where campaign_id = $2`, [b, a]);
    await client.query(`update messages set status = 'sent' where campaign_id = $1`, [b]);
    expect([await count(a), await count(b)]).toEqual([0, 1]);
  });

  it("holds the campaign as the declared key did: it cannot be deleted until the inserting transaction ends", async () => {
    const a = await campaign("f");
    await withOtherSession(async (other) => {
      await client.query("begin");
      await insertMessages(client, [a, a]);
      await other.query("set lock_timeout = '300ms'");
      expect(await refusal(other.query(`delete from campaigns where id = $1`, [a]))).toMatchObject({ code: "55P03" }); // lock_not_available
      await client.query("commit");
      // Once it committed, the delete goes through and takes the campaign's messages with it.
      await other.query(`delete from campaigns where id = $1`, [a]);
      expect(await count(a)).toBe(0);
    });
  });

  it("refuses an insert for a campaign deleted by a transaction that committed meanwhile", async () => {
    const a = await campaign("g");
    await withOtherSession(async (other) => {
      await other.query("begin");
      await other.query(`delete from campaigns where id = $1`, [a]);
      const inserting = refusal(insertMessages(client, [a]));
      await new Promise((r) => setTimeout(r, 200)); // the insert now waits for the delete's row lock
      await other.query("commit");
      expect(await inserting).toMatchObject({ code: "23503" });
      expect(await count(a)).toBe(0);
    });
  });

  it("refuses changing the id of a campaign that has messages", async () => {
    const a = await campaign("h");
    await insertMessages(client, [a]);
    expect(await refusal(client.query(`update campaigns set id = $1 where id = $2`, [UNKNOWN, a]))).toMatchObject({ code: "23503", constraint: "messages_campaign_id_campaigns_id_fk" });
    expect(await count(a)).toBe(1);
  });
});
