import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { withDatabase } from "@/lib/tooling/testing/db-url";

export interface EmptyDatabase {
  url: string;
  drop: () => Promise<void>;
}

/**
 * A database with nothing in it, on the suite's server: for tests of the migrations themselves, which
 * cannot start from the suite's migrated template. Named under the run's prefix, so a run that dies
 * leaves nothing the next run does not drop.
 */
export async function createEmptyDatabase(label: string): Promise<EmptyDatabase> {
  const adminUrl = inject("adminDatabaseUrl");
  const name = `${inject("databasePrefix")}_${label}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`).finally(() => c.end());
    },
  };
}

/** Runs `work` on one connection to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
