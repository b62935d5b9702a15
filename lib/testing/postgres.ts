import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "@/lib/launcher/postgres";

const PASSWORD = "postgres";

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The suite's own PostgreSQL in .data/test-postgres, started the way the launcher starts one (a
 * private checkout is made reachable; an orphan from a killed run is stopped). A server already
 * answering on the port — another test run in the same checkout — is shared, not stopped: each run
 * works in databases of its own. Durability is off: a test cluster trades crash safety for speed.
 */
export async function startTestPostgres(port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  if (await answers(url)) return { url, stop: async () => {} };
  const server = await startEmbeddedPostgres({
    dataDir: path.resolve(".data/test-postgres"),
    port,
    password: PASSWORD,
    database: "postgres",
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
  });
  return { url: server.adminUrl, stop: server.stop };
}
