/**
 * The status marketers see is the human one (issue 15): filters, the message search, the CSV line and
 * the SQL form of the rule, on rows seeded as ingestion leaves them (first human open/click, classes).
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messages, type MessageStatus } from "@/db/schema";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { RECIPIENT_CSV_HEADER, recipientCsvLine } from "./csv";
import { humanStatus, humanStatusSql, machineActivity } from "./human-status";
import { listCampaignRecipients, searchMessages, type RecipientFilter } from "./queries";

let t: TestDatabase;
let campaignId: string;

const T = (s: number) => new Date(Date.UTC(2026, 2, 1, 9, 0, s));

/** Recipients by local part, each what ingestion leaves for one kind of engagement. */
const SEEDS: { local: string; status: MessageStatus; opened?: boolean; clicked?: boolean; humanOpen?: boolean; humanClick?: boolean; open?: string[]; click?: string[] }[] = [
  { local: "person", status: "opened", opened: true, humanOpen: true, open: ["human"] },
  { local: "mpp", status: "opened", opened: true, open: ["apple_mpp"] },
  { local: "scanner", status: "clicked", opened: true, clicked: true, open: ["link_scanner"], click: ["link_scanner"] },
  // An Apple Mail user who clicked: the proxy prefetched, the person clicked (so opened).
  { local: "mppclick", status: "clicked", opened: true, clicked: true, humanOpen: true, humanClick: true, open: ["apple_mpp"], click: ["human"] },
  { local: "gmail", status: "opened", opened: true, humanOpen: true, open: ["image_proxy"] },
  { local: "uncertain", status: "opened", opened: true, open: ["unknown"] },
  { local: "plain", status: "delivered" },
  { local: "waiting", status: "sent" },
  { local: "bounced", status: "bounced" },
  { local: "unsub", status: "unsubscribed", opened: true, humanOpen: true, open: ["human"] },
];

beforeAll(async () => {
  t = await createTestDatabase();
  campaignId = (await createCampaign(t.db, { name: "human", subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" })).id;
  await t.db.insert(messages).values(
    SEEDS.map((s, i) => ({
      kind: "campaign" as const,
      campaignId,
      toEmail: `${s.local}@human.test`,
      fromEmail: "f@postline.test",
      subject: "s",
      messageStream: "broadcast",
      status: s.status,
      postmarkMessageId: `human-${i}`,
      sentAt: T(0),
      deliveredAt: s.status === "sent" || s.status === "bounced" ? null : T(1),
      firstOpenedAt: s.opened ? T(2) : null,
      openCount: s.opened ? 1 : 0,
      firstClickedAt: s.clicked ? T(3) : null,
      clickCount: s.clicked ? 1 : 0,
      firstHumanOpenedAt: s.humanOpen ? T(4) : null,
      firstHumanClickedAt: s.humanClick ? T(4) : null,
      openClasses: s.open ?? [],
      clickClasses: s.click ?? [],
    })),
  );
});
afterAll(() => t.drop());

const locals = (rows: { toEmail: string }[]) => rows.map((r) => r.toEmail.split("@")[0]).sort();
const filtered = async (filter: RecipientFilter, machine = false) => locals((await listCampaignRecipients(t.db, { campaignId, filter, machine, limit: 500 })).rows);

describe("the human status (real PostgreSQL)", () => {
  it("reads opened and clicked from a person's activity; machine-only opens and clicks leave a message delivered", async () => {
    const rows = (await listCampaignRecipients(t.db, { campaignId, limit: 500 })).rows;
    const status = Object.fromEntries(rows.map((m) => [m.toEmail.split("@")[0], humanStatus(m)]));
    expect(status).toEqual({
      person: "opened",
      mpp: "delivered",
      scanner: "delivered",
      mppclick: "clicked",
      gmail: "opened",
      uncertain: "delivered",
      plain: "delivered",
      waiting: "sent",
      bounced: "bounced",
      unsub: "unsubscribed",
    });
    const machine = Object.fromEntries(rows.map((m) => [m.toEmail.split("@")[0], machineActivity(m)]));
    expect(machine).toMatchObject({
      person: [],
      mpp: ["opened_apple_mpp_only"],
      scanner: ["opened_link_scanner_only", "clicked_link_scanner"],
      // A person opened (by clicking): Apple's prefetch is no longer worth a note.
      mppclick: [],
      gmail: [],
      uncertain: ["opened_uncertain"],
    });
  });

  it("the SQL rule agrees with the TypeScript one on every row", async () => {
    const rows = await t.db.select({ m: messages, sqlStatus: humanStatusSql() }).from(messages).where(eq(messages.campaignId, campaignId));
    expect(rows.map((r) => [r.m.toEmail, r.sqlStatus])).toEqual(rows.map((r) => [r.m.toEmail, humanStatus(r.m)]));
  });

  it("filters: Opened and Clicked mean a person; Unopened is delivered with no person's open, machine-only opens included", async () => {
    expect(await filtered("opened")).toEqual(["gmail", "mppclick", "person", "unsub"]);
    expect(await filtered("clicked")).toEqual(["mppclick"]);
    expect(await filtered("unopened")).toEqual(["mpp", "plain", "scanner", "uncertain"]);
    expect(await filtered("delivered")).toHaveLength(8);
  });

  it("'count machine-only opens as opened' gives Opened and Unopened their any-open meaning; Clicked stays a person's", async () => {
    expect(await filtered("opened", true)).toEqual(["gmail", "mpp", "mppclick", "person", "scanner", "uncertain", "unsub"]);
    expect(await filtered("unopened", true)).toEqual(["plain"]);
    expect(await filtered("clicked", true)).toEqual(["mppclick"]);
  });

  it("the message search filters by the human status", async () => {
    const find = async (humanStatus: MessageStatus) => locals((await searchMessages(t.db, { campaignId, humanStatus })).rows);
    expect(await find("delivered")).toEqual(["mpp", "plain", "scanner", "uncertain"]);
    expect(await find("opened")).toEqual(["gmail", "person"]);
    expect(await find("clicked")).toEqual(["mppclick"]);
    // The raw status keeps its any-open meaning (the API's `status`).
    expect(locals((await searchMessages(t.db, { campaignId, status: "opened" })).rows)).toEqual(["gmail", "mpp", "person", "uncertain"]);
  });

  it("the CSV line: the status column is the human one, new columns appended after the old ones", async () => {
    expect(RECIPIENT_CSV_HEADER.slice(0, 11)).toEqual(["email", "status", "postmark_message_id", "sent_at", "delivered_at", "first_opened_at", "opens", "first_clicked_at", "clicks", "bounced_at", "error"]);
    expect(RECIPIENT_CSV_HEADER.slice(11)).toEqual(["first_human_opened_at", "first_human_clicked_at", "machine_open_classes", "machine_click_classes", "status_including_machines"]);
    const [scanner] = (await listCampaignRecipients(t.db, { campaignId, search: "scanner@", limit: 5 })).rows;
    const cells = recipientCsvLine(scanner).trimEnd().split(",");
    expect(cells).toHaveLength(RECIPIENT_CSV_HEADER.length);
    expect(cells[1]).toBe("delivered");
    expect(cells.slice(11)).toEqual(["", "", "link_scanner", "link_scanner", "clicked"]);
    const [mppclick] = (await listCampaignRecipients(t.db, { campaignId, search: "mppclick@", limit: 5 })).rows;
    expect(recipientCsvLine(mppclick).trimEnd().split(",").slice(11)).toEqual([T(4).toISOString(), T(4).toISOString(), "apple_mpp", "", "clicked"]);
  });
});

describe("the human filters at 100,000 recipients stay on an index (real PostgreSQL)", () => {
  it("Unopened, Opened and Clicked pages read the campaign's rows through an index, never a sequential scan", async () => {
    const big = (await createCampaign(t.db, { name: "big", subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" })).id;
    // Half opened by people, a fifth by Apple's proxy only, the rest delivered: 100,000 rows in one statement.
    await t.db.execute(sql`
      insert into messages (kind, campaign_id, to_email, from_email, subject, message_stream, status, sent_at, delivered_at, first_opened_at, first_human_opened_at, open_classes)
      select 'campaign', ${big}::uuid, 'r' || lpad(i::text, 6, '0') || '@big.test', 'f@postline.test', 's', 'broadcast',
             (case when i % 10 < 7 then 'opened' else 'delivered' end)::message_status, now(), now(),
             case when i % 10 < 7 then now() end, case when i % 10 < 5 then now() end,
             case when i % 10 between 5 and 6 then '{apple_mpp}'::text[] when i % 10 < 5 then '{human}'::text[] else '{}'::text[] end
      from generate_series(1, 100000) i`);
    await t.db.execute(sql`analyze messages`);
    for (const filter of ["unopened", "opened", "clicked"] as const) {
      for (const machine of [false, true]) {
        const page = await listCampaignRecipients(t.db, { campaignId: big, filter, machine, limit: 50 });
        expect(page.rows.length).toBe(filter === "clicked" ? 0 : 50);
      }
    }
    // The filters as listCampaignRecipients writes them; "clicked" matches nobody here, which without
    // migration 0015's partial indexes the planner answered with a scan of every message (180 ms).
    const wheres = {
      unopened: sql`status in ('delivered', 'opened', 'clicked') and first_human_opened_at is null`,
      opened: sql`first_human_opened_at is not null`,
      clicked: sql`first_human_clicked_at is not null`,
    };
    for (const [name, where] of Object.entries(wheres)) {
      for (const order of [sql`to_email, id`, sql`last_event_at desc, id desc`]) {
        const plan = await t.db.execute<{ "QUERY PLAN": string }>(sql`
          explain select * from messages where campaign_id = ${big}::uuid and ${where} order by ${order} limit 51`);
        expect(`${name}: ${plan.rows.map((r) => r["QUERY PLAN"]).join("\n")}`).not.toMatch(/Seq Scan/);
      }
    }
  });
});
