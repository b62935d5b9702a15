import type { TestProject } from "vitest/node";
import pg from "pg";
import { migrateDatabase } from "@/db/migrate";
import { isProcessAlive } from "@/lib/local/launcher/processes";
import { startTestPostgres } from "./postgres";
import { getTestEnv } from "./test-env";
import { withDatabase } from "./db-url";

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
    databasePrefix: string;
  }
}

// Names carry this run's pid, so concurrent runs in one checkout never touch each other's databases,
// and leftovers of runs that died (pid gone) are recognised and dropped.
const RUN = `postline_t${process.pid}`;
/** The pid of the run a database belongs to (NaN for other databases). */
const runPidOf = (datname: string) => Number(/^postline_t(\d+)_/.exec(datname)?.[1]);
const TEMPLATE = `${RUN}_template`;

/**
 * One PostgreSQL for the whole run (DATABASE_URL, or an embedded one), and one migrated template
 * database; each test file clones the template (CREATE DATABASE … TEMPLATE) so files never share rows.
 */
export default async function setup(project: TestProject) {
  const env = getTestEnv(process.env);
  const server = env.DATABASE_URL ? null : await startTestPostgres(env.TEST_POSTGRES_PORT);
  const adminUrl = env.DATABASE_URL ?? server!.url;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Drop leftovers of earlier runs that died (a killed run cannot clean up after itself).
    const { rows } = await admin.query<{ datname: string }>("select datname from pg_database where datname ~ '^postline_t[0-9]+_'");
    for (const { datname } of rows) {
      if (!isProcessAlive(runPidOf(datname))) await admin.query(`drop database if exists "${datname}" with (force)`);
    }
    await admin.query(`create database "${TEMPLATE}"`);
  } finally {
    await admin.end();
  }
  await migrateDatabase(withDatabase(adminUrl, TEMPLATE));

  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", TEMPLATE);
  project.provide("databasePrefix", RUN);
  return async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect().catch(() => {});
    const { rows: mine } = await c.query<{ datname: string }>("select datname from pg_database where datname like $1", [`${RUN}_%`]).catch(() => ({ rows: [] as { datname: string }[] }));
    for (const { datname } of mine) await c.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
    // Another run in this checkout may be sharing the server: stopping it would fail that run's
    // tests. Then it stays up, and the next run shares it in turn.
    const { rows: others } = await c.query<{ datname: string }>("select datname from pg_database where datname ~ '^postline_t[0-9]+_'").catch(() => ({ rows: [] as { datname: string }[] }));
    const shared = others.some(({ datname }) => isProcessAlive(runPidOf(datname)));
    await c.end().catch(() => {});
    if (!shared) await server?.stop();
    else server?.release();
  };
}
