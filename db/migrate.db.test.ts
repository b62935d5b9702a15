import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase, migrationsFolder } from "./migrate";
import { functionsFolder } from "./repeatable-sql";
import { readJournal } from "./shipped-migrations";
import { catalogDump } from "./testing/catalog-dump";
import { createEmptyDatabase, withClient, type EmptyDatabase } from "./testing/empty-database";

/**
 * The migration runner on databases of its own (not the suite's template): a database left by an
 * earlier release ends exactly like a fresh install, an edited migration is refused, and the
 * functions of db/functions are applied when they change and dropped when removed.
 *
 * db/testing/release-<commit>/ holds db/migrations as it stood at that commit (`git show`, checked
 * in: clones may be shallow). 11af79c is the first 0007; 6a844c7 the last before its final edit.
 */

const RELEASES = fs.readdirSync(path.join(import.meta.dirname, "testing")).filter((d) => d.startsWith("release-"));

const created: EmptyDatabase[] = [];
async function emptyDatabase(label: string) {
  const db = await createEmptyDatabase(label);
  created.push(db);
  return db;
}
afterAll(async () => {
  for (const db of created) await db.drop();
});

const dump = (url: string) => withClient(url, (c) => catalogDump(c));

let fresh: EmptyDatabase;
let freshDump: Record<string, string[]>;
beforeAll(async () => {
  fresh = await emptyDatabase("fresh");
  await migrateDatabase(fresh.url);
  freshDump = await dump(fresh.url);
});

describe("upgrading a database an earlier release migrated (real PostgreSQL)", () => {
  it("knows the releases it tests", () => {
    expect(RELEASES).toEqual(expect.arrayContaining(["release-11af79c", "release-6a844c7"]));
  });

  it("a database migrated before an earlier-dated migration was merged gets it (0018 is dated before 0017)", async () => {
    // db/migrations as a database saw it before 0018_segments was merged: the journal up to 0017_forms.
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "postline-migrations-"));
    fs.cpSync(migrationsFolder, folder, { recursive: true });
    const journalPath = path.join(folder, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalPath, "utf8")) as { entries: { idx: number; tag: string; when: number }[] };
    const cut = journal.entries.findIndex((e) => e.tag === "0018_segments");
    expect(journal.entries[cut].when).toBeLessThan(journal.entries[cut - 1].when);
    journal.entries = journal.entries.slice(0, cut);
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    const db = await emptyDatabase("skipped_by_order");
    await withClient(db.url, (client) => migrate(drizzle({ client }), { migrationsFolder: folder }));
    // drizzle alone would now skip 0018 (dated before the database's last migration) and apply only later ones.
    await migrateDatabase(db.url);
    expect(await dump(db.url)).toEqual(freshDump);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  for (const release of RELEASES) {
    it(`${release}: today's migrations leave the same schema and function bodies as a fresh install`, async () => {
      const db = await emptyDatabase(release.replace(/\W/g, "_"));
      // The runner of that time: drizzle's migrate, nothing else.
      await withClient(db.url, (client) => migrate(drizzle({ client }), { migrationsFolder: path.join(import.meta.dirname, "testing", release) }));
      const before = await dump(db.url);
      // The point of the test: that release's functions are not today's.
      expect(before.functions).not.toEqual(freshDump.functions);

      await migrateDatabase(db.url);
      expect(await dump(db.url)).toEqual(freshDump);
    });
  }

  it("applies an unchanged function file once: a second run changes nothing", async () => {
    const recorded = () => withClient(fresh.url, async (c) => (await c.query("select name, checksum, applied_at from drizzle.postline_repeatable_sql order by name")).rows);
    const first = await recorded();
    expect(first.map((r) => r.name)).toEqual(fs.readdirSync(functionsFolder).filter((f) => f.endsWith(".sql")).map((f) => f.replace(/\.sql$/, "")).sort());
    await migrateDatabase(fresh.url);
    expect(await recorded()).toEqual(first);
  });
});

describe("a shipped migration edited after a database applied it (real PostgreSQL)", () => {
  it("is refused before anything is applied, naming the file", async () => {
    const db = await emptyDatabase("edited");
    await migrateDatabase(db.url);
    const when = readJournal(migrationsFolder).find((e) => e.tag === "0003_alert_digests")!.when;
    // What an edit of the file looks like from the database's side: the hashes no longer agree.
    await withClient(db.url, (c) => c.query("update drizzle.__drizzle_migrations set hash = repeat('0', 64) where created_at = $1", [when]));
    await expect(migrateDatabase(db.url)).rejects.toThrow(/db\/migrations\/0003_alert_digests\.sql is not the text this database applied/);
  });
});

describe("db/functions: applied when changed, dropped when removed (real PostgreSQL)", () => {
  let folder: string;
  let db: EmptyDatabase;
  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "postline-functions-"));
    for (const f of fs.readdirSync(functionsFolder)) fs.copyFileSync(path.join(functionsFolder, f), path.join(folder, f));
    db = await emptyDatabase("functions");
    await migrateDatabase(db.url, { functionsFolder: folder });
  });
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  const write = (name: string, text: string) => fs.writeFileSync(path.join(folder, `${name}.sql`), text);
  const remove = (name: string) => fs.rmSync(path.join(folder, `${name}.sql`));
  const query = (sql: string) => withClient(db.url, async (c) => (await c.query(sql)).rows);
  const signatures = (name: string) => query(`select oid::regprocedure::text as s from pg_proc where proname = '${name}' order by 1`).then((rows) => rows.map((r) => r.s));

  it("creates a new function and its trigger, the function first whatever the names' order", async () => {
    write("postline_probe", "CREATE OR REPLACE FUNCTION postline_probe() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;\n");
    write("a_contacts_probe", "CREATE OR REPLACE TRIGGER a_contacts_probe AFTER INSERT ON contacts FOR EACH STATEMENT EXECUTE FUNCTION postline_probe();\n");
    await migrateDatabase(db.url, { functionsFolder: folder });
    expect(await query("select tgname from pg_trigger where tgname = 'a_contacts_probe'")).toHaveLength(1);
  });

  it("re-applies a changed body", async () => {
    write("postline_probe_value", "CREATE OR REPLACE FUNCTION postline_probe_value() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n");
    await migrateDatabase(db.url, { functionsFolder: folder });
    write("postline_probe_value", "CREATE OR REPLACE FUNCTION postline_probe_value() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;\n");
    await migrateDatabase(db.url, { functionsFolder: folder });
    expect(await query("select postline_probe_value() as v")).toEqual([{ v: 2 }]);
  });

  it("refuses a signature change that leaves the old signature behind, and takes one that drops it", async () => {
    write("postline_probe_value", "CREATE OR REPLACE FUNCTION postline_probe_value(n int) RETURNS int LANGUAGE sql AS $$ SELECT n $$;\n");
    await expect(migrateDatabase(db.url, { functionsFolder: folder })).rejects.toThrow(/postline_probe_value\.sql: postline_probe_value has 2 signatures/);
    // Refused as a whole: the new signature was rolled back with the rest.
    expect(await signatures("postline_probe_value")).toEqual(["postline_probe_value()"]);

    write("postline_probe_value", "DROP FUNCTION IF EXISTS postline_probe_value();\nCREATE OR REPLACE FUNCTION postline_probe_value(n int) RETURNS int LANGUAGE sql AS $$ SELECT n $$;\n");
    await migrateDatabase(db.url, { functionsFolder: folder });
    expect(await signatures("postline_probe_value")).toEqual(["postline_probe_value(integer)"]);
  });

  it("names the file whose SQL fails, and applies none of the batch", async () => {
    write("postline_probe_value", "DROP FUNCTION IF EXISTS postline_probe_value();\nCREATE OR REPLACE FUNCTION postline_probe_value(n int) RETURNS int LANGUAGE sql AS $$ SELECT n + 1 $$;\n");
    write("postline_probe_broken", "CREATE OR REPLACE FUNCTION postline_probe_broken() RETURNS int LANGUAGE sql AS $$ SELECT no_such_column FROM contacts $$;\n");
    await expect(migrateDatabase(db.url, { functionsFolder: folder })).rejects.toThrow(/db\/functions\/postline_probe_broken\.sql: column "no_such_column" does not exist/);
    expect(await query("select postline_probe_value(1) as v")).toEqual([{ v: 1 }]);
    remove("postline_probe_broken");
  });

  it("drops the function and the trigger whose files were removed", async () => {
    remove("a_contacts_probe");
    remove("postline_probe");
    remove("postline_probe_value");
    await migrateDatabase(db.url, { functionsFolder: folder });
    expect(await query("select tgname from pg_trigger where tgname = 'a_contacts_probe'")).toEqual([]);
    expect(await signatures("postline_probe")).toEqual([]);
    expect(await signatures("postline_probe_value")).toEqual([]);
    expect(await query("select name from drizzle.postline_repeatable_sql where name like '%probe%'")).toEqual([]);
    // What remains is exactly a fresh install.
    expect(await dump(db.url)).toEqual(freshDump);
  });
});
