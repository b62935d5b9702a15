import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { applyRepeatableSql, functionsFolder } from "./repeatable-sql";
import { assertAppliedMigrationsUnchanged, readShippedManifest } from "./shipped-migrations";

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
    await migrate(drizzle({ client }), { migrationsFolder });
    await applyRepeatableSql(client, options.functionsFolder ?? functionsFolder);
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await client.end();
  }
}
