import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { migrationsFolder } from "../migrate";
import { applyRepeatableSql } from "../repeatable-sql";
import { withClient } from "./empty-database";

/**
 * Brings an empty database to the schema as it stood before migration `tag` (db/migrations with its
 * journal cut there), with the functions and triggers the runner had applied: a database populated
 * before that migration shipped, for testing what the migration does to its rows.
 */
export async function migrateToBefore(url: string, tag: string): Promise<void> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "postline-migrations-"));
  try {
    fs.cpSync(migrationsFolder, folder, { recursive: true });
    const journalPath = path.join(folder, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
    const cut = journal.entries.findIndex((e) => e.tag === tag);
    if (cut <= 0) throw new Error(`no migration ${tag} after the first`);
    journal.entries = journal.entries.slice(0, cut);
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    await withClient(url, async (client) => {
      await migrate(drizzle({ client }), { migrationsFolder: folder });
      await applyRepeatableSql(client);
    });
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
