import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import pg from "pg";
import { applyRepeatableSql, functionsFolder } from "./repeatable-sql";
import { assertAppliedMigrationsUnchanged, readJournal, readShippedManifest } from "./shipped-migrations";

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

// Any number of instances may start at once; one advisory lock makes them migrate one after another.
const MIGRATION_LOCK_ID = 7_301_001;

export interface MigrateOptions {
  /** For tests: another folder of functions and triggers than db/functions. */
  functionsFolder?: string;
}

/**
 * Brings a database to this release, on one dedicated connection under an advisory lock: refuses it
 * if a migration it applied was edited since (db/shipped-migrations.ts), applies the pending drizzle-kit
 * migrations, then the functions and triggers of db/functions that changed (db/repeatable-sql.ts).
 */
export async function migrateDatabase(databaseUrl: string, options: MigrateOptions = {}): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "postline-migrate" });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    await assertAppliedMigrationsUnchanged(client, migrationsFolder, readShippedManifest());
    await applyMigrationsSkippedByOrder(client, migrationsFolder);
    await migrate(drizzle({ client }), { migrationsFolder });
    await applyRepeatableSql(client, options.functionsFolder ?? functionsFolder);
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await client.end();
  }
}

/**
 * drizzle's migrator applies only the migrations dated (journal `when`) after the last one a database
 * recorded. Branches merged out of the order they were generated in leave a journal whose dates are not
 * in its order (0018_segments is dated before 0017_forms): a database that had 0017 before 0018 was
 * merged would never get 0018. This applies, in journal order and in one transaction, every migration
 * dated before the database's last one that it never recorded (drizzle records a migration's date as
 * its `created_at`), as drizzle would have; drizzle then applies the rest.
 */
export async function applyMigrationsSkippedByOrder(client: pg.Client, folder: string): Promise<string[]> {
  const exists = await client.query(`select to_regclass('drizzle.__drizzle_migrations') is not null as yes`);
  if (!exists.rows[0].yes) return [];
  const recorded = await client.query<{ created_at: string }>(`select created_at from drizzle.__drizzle_migrations`);
  if (recorded.rows.length === 0) return [];
  const dates = new Set(recorded.rows.map((r) => Number(r.created_at)));
  const last = Math.max(...dates);
  const journal = readJournal(folder);
  const skipped = readMigrationFiles({ migrationsFolder: folder })
    .map((m, i) => ({ ...m, tag: journal[i].tag }))
    .filter((m) => m.folderMillis <= last && !dates.has(m.folderMillis));
  if (skipped.length === 0) return [];
  await client.query("begin");
  try {
    for (const m of skipped) {
      for (const statement of m.sql) await client.query(statement);
      await client.query(`insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)`, [m.hash, m.folderMillis]);
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback");
    throw error;
  }
  return skipped.map((m) => m.tag);
}
