import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";

/**
 * A migration that has shipped is never edited: a database that applied it would keep the old text
 * while a fresh install gets the new one. db/shipped-migrations.json lists every shipped migration
 * with its sha256; db/migrations.test.ts holds the files to it, and the runner (below) holds every
 * database to its files.
 */

export const shippedManifestPath = path.join(path.dirname(fileURLToPath(import.meta.url)), "shipped-migrations.json");

export interface ShippedManifest {
  /** File name -> sha256 of its text. */
  shipped: Record<string, string>;
  /** File name -> texts (sha256) that databases applied before the file was edited in place. */
  earlierVersions: Record<string, string[]>;
}

export function readShippedManifest(file = shippedManifestPath): ShippedManifest {
  const { shipped, earlierVersions } = JSON.parse(fs.readFileSync(file, "utf8")) as ShippedManifest;
  return { shipped, earlierVersions: earlierVersions ?? {} };
}

/** What drizzle records for a migration: the sha256 of the file's text (drizzle-orm/migrator.js). */
export function migrationHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface JournalEntry {
  tag: string;
  when: number;
}

export function readJournal(migrationsFolder: string): JournalEntry[] {
  return (JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta/_journal.json"), "utf8")) as { entries: JournalEntry[] }).entries;
}

/**
 * Refuses a database whose applied migrations no longer match their files. Drizzle tells migrations
 * apart by their `when` alone and never compares hashes, so an edited migration would otherwise pass
 * silently. A row no file matches was written by a newer release (rolling deploys): left alone.
 */
export async function assertAppliedMigrationsUnchanged(client: pg.Client, migrationsFolder: string, manifest: ShippedManifest): Promise<void> {
  const { rows: exists } = await client.query<{ present: boolean }>("select to_regclass('drizzle.__drizzle_migrations') is not null as present");
  if (!exists[0].present) return;
  const { rows: applied } = await client.query<{ hash: string; created_at: string }>("select hash, created_at::text from drizzle.__drizzle_migrations order by created_at");
  const byWhen = new Map(readJournal(migrationsFolder).map((entry) => [String(entry.when), entry]));
  for (const row of applied) {
    const entry = byWhen.get(row.created_at);
    if (!entry) continue;
    const file = `${entry.tag}.sql`;
    const onDisk = migrationHash(fs.readFileSync(path.join(migrationsFolder, file), "utf8"));
    if (row.hash === onDisk || manifest.earlierVersions[file]?.includes(row.hash)) continue;
    throw new Error(
      `db/migrations/${file} is not the text this database applied (sha256 ${row.hash.slice(0, 12)}… applied, ${onDisk.slice(0, 12)}… on disk). ` +
        `A migration that has shipped is never edited: restore it (git checkout origin/main -- db/migrations/${file}) and put the change in a new ` +
        `migration, or in db/functions/ for a function or trigger.`,
    );
  }
}
