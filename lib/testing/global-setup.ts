import type { TestProject } from "vitest/node";
import pg from "pg";
import { getTestEnv } from "@/lib/env";
import { migrateDatabase } from "@/db/migrate";
import { startTestPostgres } from "./postgres";

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

const TEMPLATE = "postline_test_template";

/**
 * One PostgreSQL for the whole run (DATABASE_URL, or an embedded one), and one migrated template
 * database; each test file clones the template (CREATE DATABASE … TEMPLATE) so files never share rows.
 */
export default async function setup(project: TestProject) {
  const env = getTestEnv();
  const server = env.DATABASE_URL ? null : await startTestPostgres(env.TEST_POSTGRES_PORT);
  const adminUrl = env.DATABASE_URL ?? server!.url;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Drop leftovers of earlier runs (a killed run cannot clean up after itself).
    const { rows } = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like 'postline_test_%'",
    );
    for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
    await admin.query(`create database "${TEMPLATE}"`);
  } finally {
    await admin.end();
  }
  await migrateDatabase(withDatabase(adminUrl, TEMPLATE));

  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", TEMPLATE);
  return async () => {
    await server?.stop();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
