/**
 * The CSV import against a real PostgreSQL (issue 14.6): a row whose bytes are not UTF-8 is skipped and
 * reported while the rest imports; strict encoding refuses the file whole; a column mapping is applied;
 * the API route reads `mapping` and `strict_encoding` from its query.
 */
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts, listMemberships } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { routeTestEnv } from "@/lib/tooling/testing/route-env";
import { createContact, createList } from "./contacts";
import { importContactsCsv } from "./import-csv";
import { parseMapping } from "./import-mapping";

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
