import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { migrationsFolder } from "./migrate";
import { readRepeatableFiles } from "./repeatable-sql";
import { migrationHash, readJournal, readShippedManifest } from "./shipped-migrations";

/**
 * A migration that has shipped is never edited (db/README.md): a database that applied it keeps the
 * old text. db/shipped-migrations.json holds the sha256 of every shipped migration; adding a migration
 * means adding it there, deliberately.
 */

const manifest = readShippedManifest();
const journal = readJournal(migrationsFolder);
const hashOf = (file: string) => migrationHash(fs.readFileSync(path.join(migrationsFolder, file), "utf8"));

describe("shipped migrations", () => {
  it("are byte-identical to what shipped", () => {
    const changed = Object.entries(manifest.shipped)
      .filter(([file, sha]) => !fs.existsSync(path.join(migrationsFolder, file)) || hashOf(file) !== sha)
      .map(([file]) => file);
    expect(changed, "A shipped migration was edited or removed: restore it (git checkout origin/main -- db/migrations/<file>) and make the change in a new migration, or in db/functions/").toEqual([]);
  });

  it("include every migration in the journal: a new one is listed deliberately", () => {
    const unlisted = journal.map((e) => `${e.tag}.sql`).filter((file) => !(file in manifest.shipped));
    const lines = unlisted.map((file) => `"${file}": "${hashOf(file)}"`);
    expect(lines, "Add these lines to \"shipped\" in db/shipped-migrations.json (see db/README.md, \"Adding a migration\")").toEqual([]);
  });

  it("are the journal's files, and the journal's files only", () => {
    const onDisk = fs.readdirSync(migrationsFolder).filter((f) => f.endsWith(".sql")).sort();
    expect(onDisk).toEqual(journal.map((e) => `${e.tag}.sql`).sort());
  });

  it("are dated in journal order (drizzle applies only those dated after a database's last), but for the one pair that shipped out of order", () => {
    const journal = readJournal(migrationsFolder);
    const outOfOrder = journal.slice(1).filter((e, i) => e.when <= journal[i].when).map((e) => e.tag);
    // 0018 was generated before 0017 and merged after it; db/migrate.ts applyMigrationsSkippedByOrder
    // mends databases that took 0017 first. A new pair like it means a merge must regenerate the later one.
    expect(outOfOrder).toEqual(["0018_segments"]);
  });

  it("release fixtures hold migrations as they shipped (current or an accepted earlier version)", () => {
    const testing = path.join(import.meta.dirname, "testing");
    for (const release of fs.readdirSync(testing).filter((d) => d.startsWith("release-"))) {
      for (const file of fs.readdirSync(path.join(testing, release)).filter((f) => f.endsWith(".sql"))) {
        const sha = migrationHash(fs.readFileSync(path.join(testing, release, file), "utf8"));
        expect([manifest.shipped[file], ...(manifest.earlierVersions[file] ?? [])], `${release}/${file}`).toContain(sha);
      }
    }
  });
});

describe("db/functions", () => {
  it("each file defines the function or trigger it is named after, in an order that puts what is called first", () => {
    const order = readRepeatableFiles().map((f) => f.name);
    expect(order).toContain("postline_ingest_events");
    const before = (a: string, b: string) => expect(order.indexOf(a), `${a} before ${b}`).toBeLessThan(order.indexOf(b));
    before("postline_enqueue_outbound", "postline_apply_events");
    before("postline_apply_events", "postline_ingest_events");
    before("postline_contacts_updated", "contacts_updated_outbox");
  });

  const folderWith = (files: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "postline-fn-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };

  it("refuses a file that defines something else than its name, or with a plain CREATE", () => {
    expect(() => readRepeatableFiles(folderWith({ "postline_a.sql": "CREATE OR REPLACE FUNCTION postline_b() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;" }))).toThrow(
      /postline_a\.sql: must define exactly one function or trigger, named postline_a \(found postline_b\)/,
    );
    expect(() => readRepeatableFiles(folderWith({ "postline_a.sql": "CREATE FUNCTION postline_a() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;" }))).toThrow(/use CREATE OR REPLACE/);
  });

  it("orders by what a file's code mentions, not its comments, and refuses a cycle", () => {
    const files = {
      "postline_a.sql": "-- postline_c is only mentioned here\nCREATE OR REPLACE FUNCTION postline_a() RETURNS int LANGUAGE sql AS $$ SELECT postline_b() $$;",
      "postline_b.sql": "CREATE OR REPLACE FUNCTION postline_b() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
      "postline_c.sql": "CREATE OR REPLACE FUNCTION postline_c() RETURNS int LANGUAGE sql AS $$ SELECT postline_a() $$;",
    };
    expect(readRepeatableFiles(folderWith(files)).map((f) => f.name)).toEqual(["postline_b", "postline_a", "postline_c"]);
    const cycle = { ...files, "postline_b.sql": "CREATE OR REPLACE FUNCTION postline_b() RETURNS int LANGUAGE sql AS $$ SELECT postline_c() $$;" };
    expect(() => readRepeatableFiles(folderWith(cycle))).toThrow(/cannot be ordered: postline_a \(needs postline_b\); postline_b \(needs postline_c\); postline_c \(needs postline_a\)/);
  });
});
