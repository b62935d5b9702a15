/**
 * The CSV import against a real PostgreSQL (issue 14.6): a row whose bytes are not UTF-8 is skipped and
 * reported while the rest imports; strict encoding refuses the file whole; a column mapping is applied;
 * the API route reads `mapping` and `strict_encoding` from its query.
 */
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts, listMemberships, webhookEndpoints } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { routeTestEnv } from "@/lib/tooling/testing/route-env";
import { createContact, createList } from "./contacts";
import { importContactsCsv } from "./import-csv";
import { parseMapping } from "./import-mapping";
import { createTag, listContactTags, listTags } from "./tags";

const ROOT = path.resolve(import.meta.dirname, "../..");
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

let t: TestDatabase;
let key: string;
const saved = { ...process.env };
beforeAll(async () => {
  t = await createTestDatabase();
  Object.assign(process.env, routeTestEnv(t.url));
  key = (await createApiKey(t.db, { name: "import", role: "marketer" })).key;
});
afterAll(async () => {
  process.env = saved;
  await t?.drop();
});

const emailsLike = async (pattern: string) =>
  (await t.db.select({ email: contacts.email, name: contacts.name, fields: contacts.fields }).from(contacts)).filter((c) => c.email.includes(pattern)).sort((a, b) => a.email.localeCompare(b.email));

/** A file with one row saved in Latin-1 among UTF-8 rows. */
const mixedFile = (tag: string) =>
  Buffer.concat([
    Buffer.from(`email,name,city\nann@${tag}.test,Ann,Zürich\n`),
    Buffer.from(`zoe@${tag}.test,Zoë Müller,Köln\n`, "latin1"),
    Buffer.from(`bob@${tag}.test,Bob,Malmö\nnot-an-address,X,Y\nANN@${tag}.test,Ann again,Bern\n`),
  ]);

describe("CSV import", () => {
  it("skips the Latin-1 row, reports it and the other bad rows, and imports the rest", async () => {
    const list = await createList(t.db, { name: "Mixed" });
    const report = await importContactsCsv(t.db, mixedFile("mixed"), { listId: list.id });
    expect(report).toMatchObject({ totalRows: 5, created: 2, updated: 0 });
    expect(report.refused.map((r) => [r.row, r.code, r.email])).toEqual([
      [3, "invalid_encoding", "zoe@mixed.test"],
      [5, "invalid_email", "not-an-address"],
      [6, "duplicate", "ANN@mixed.test"],
    ]);
    expect(report.refused[2].reason).toBe("Duplicate of row 2");
    expect(await emailsLike("@mixed.test")).toEqual([
      { email: "ann@mixed.test", name: "Ann", fields: { city: "Zürich" } },
      { email: "bob@mixed.test", name: "Bob", fields: { city: "Malmö" } },
    ]);
    expect(await t.db.$count(listMemberships, eq(listMemberships.listId, list.id))).toBe(2);
  });

  it("with strict encoding refuses the whole file and writes nothing", async () => {
    await expect(importContactsCsv(t.db, mixedFile("strict"), { strictEncoding: true })).rejects.toMatchObject({ code: "invalid_encoding", status: 422, message: expect.stringContaining("line 3") });
    expect(await emailsLike("@strict.test")).toEqual([]);
  });

  it("applies a mapping: another header for the address, joined names, a renamed field, an ignored column", async () => {
    await createContact(t.db, { email: "old@mapped.test", name: "Old", fields: { tier: "gold" } });
    const file = Buffer.from("Contact,Given,Family,Town,Internal id\nnew@mapped.test,Ada,Lovelace,London,17\nold@mapped.test,,,Paris,18\n");
    const report = await importContactsCsv(t.db, file, { mapping: parseMapping("email,name,name,field:city,ignore") });
    expect(report).toMatchObject({ totalRows: 2, created: 1, updated: 1, refused: [] });
    expect(await emailsLike("@mapped.test")).toEqual([
      { email: "new@mapped.test", name: "Ada Lovelace", fields: { city: "London" } },
      { email: "old@mapped.test", name: "Old", fields: { tier: "gold", city: "Paris" } },
    ]);
  });
});

async function post(query: string, body: Buffer) {
  const mod = (await import(/* @vite-ignore */ path.join(ROOT, "app/api/v1/contacts/import/route.ts"))) as Record<string, Handler>;
  const res = await mod.POST(new Request(`http://127.0.0.1/api/v1/contacts/import${query}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "text/csv" }, body: new Uint8Array(body) }), { params: Promise.resolve({}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string }; data?: { created: number; refused: { row: number; code: string }[] } } };
}

describe("CSV import: a tags column", () => {
  it("tags each contact (existing tags matched whatever their case, missing ones created), announcing only new taggings, in the import's transaction", async () => {
    await t.db.insert(webhookEndpoints).values({ url: "https://hooks.example.com/import", events: ["Contact.Tagged"], status: "active", rateLimit: 10, rateLimitPeriod: "second", secret: "s".repeat(40), verificationToken: "v" });
    const vip = await createTag(t.db, { name: "VIP" });
    const old = await createContact(t.db, { email: "old@tagged-import.test" });
    await importContactsCsv(t.db, Buffer.from("email,tags\nold@tagged-import.test,vip\n"));
    const file = Buffer.from(
      "email,name,tags\n" +
        "ann@tagged-import.test,Ann,\"vip; Speakers\"\n" +
        "OLD@tagged-import.test,Old,\"VIP,speakers,speakers\"\n" +
        "bob@tagged-import.test,Bob,\n",
    );
    const report = await importContactsCsv(t.db, file, { now: new Date("2026-03-01T10:00:00.000Z") });
    expect(report).toMatchObject({ totalRows: 3, created: 2, updated: 1, refused: [] });
    const speakers = (await listTags(t.db)).find((x) => x.name === "Speakers")!;
    expect(speakers).toMatchObject({ contactCount: 2 });
    const [ann] = await t.db.select().from(contacts).where(eq(contacts.email, "ann@tagged-import.test"));
    expect(await listContactTags(t.db, ann.id)).toEqual([{ id: speakers.id, name: "Speakers" }, { id: vip.id, name: "VIP" }]);
    expect(await listContactTags(t.db, old.id)).toEqual([{ id: speakers.id, name: "Speakers" }, { id: vip.id, name: "VIP" }]);
    // old@ had VIP from the first import: the second announced only ann's two tags and old's Speakers.
    const events = await t.db.execute<{ email: string; tag: string }>(sql`
      select data->>'email' as email, data->'tag'->>'name' as tag from webhook_events where event = 'Contact.Tagged' order by 1, 2`);
    expect(events.rows).toEqual([
      { email: "ann@tagged-import.test", tag: "Speakers" },
      { email: "ann@tagged-import.test", tag: "VIP" },
      { email: "old@tagged-import.test", tag: "Speakers" },
      { email: "old@tagged-import.test", tag: "VIP" },
    ]);
  });

  it("a mapping's tags role, any header; a failed import leaves no tag behind", async () => {
    const report = await importContactsCsv(t.db, Buffer.from("E-mail,Labels\ncy@mapped-tags.test,Mapped\n"), { mapping: parseMapping("email,tags") });
    expect(report).toMatchObject({ created: 1 });
    const [cy] = await t.db.select().from(contacts).where(eq(contacts.email, "cy@mapped-tags.test"));
    expect((await listContactTags(t.db, cy.id)).map((x) => x.name)).toEqual(["Mapped"]);

    // A failure after the chunk was written (here the progress callback, which runs inside the transaction) undoes its tags too.
    const failing = importContactsCsv(t.db, Buffer.from("email,tags\ndee@rolled-back.test,Orphan\n"), {
      onProgress: (p) => {
        if (p.phase === "writing") throw new Error("connection lost");
      },
    });
    await expect(failing).rejects.toThrow("connection lost");
    expect((await listTags(t.db)).map((x) => x.name)).not.toContain("Orphan");
    expect(await emailsLike("rolled-back")).toEqual([]);
  });
});

describe("POST /api/v1/contacts/import", () => {
  it("skips the bad row by default and refuses the file with strict_encoding=true", async () => {
    const lax = await post("", mixedFile("api"));
    expect(lax.status).toBe(200);
    expect(lax.body.data).toMatchObject({ total_rows: 5, created: 2, refused: [{ row: 3, code: "invalid_encoding" }, { row: 5 }, { row: 6 }] });
    const strict = await post("?strict_encoding=true", mixedFile("api-strict"));
    expect(strict.status).toBe(422);
    expect(strict.body.error?.code).toBe("invalid_encoding");
    expect(await emailsLike("@api-strict.test")).toEqual([]);
    expect((await post("?strict_encoding=maybe", mixedFile("api-strict"))).status).toBe(422);
  });

  it("applies the mapping parameter and refuses one that does not fit the file", async () => {
    const file = Buffer.from("Mail,Who,Plan\ncy@api-map.test,Cy,pro\n");
    expect((await post("", file)).body.error?.code).toBe("missing_email_column");
    const mapped = await post(`?mapping=${encodeURIComponent("email,name,field:plan_tier")}`, file);
    expect(mapped.status).toBe(200);
    expect(await emailsLike("@api-map.test")).toEqual([{ email: "cy@api-map.test", name: "Cy", fields: { plan_tier: "pro" } }]);
    const short = await post("?mapping=email,name", file);
    expect(short.status).toBe(422);
    expect(short.body.error).toMatchObject({ code: "invalid_mapping", message: expect.stringContaining("the file's header has 3") });
    const bad = await post("?mapping=email,name,phone", file);
    expect(bad.body.error).toMatchObject({ code: "invalid_mapping", message: expect.stringContaining('"phone" is not a role') });
  });
});
