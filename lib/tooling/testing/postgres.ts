import { createHash } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { realpathOr, startEmbeddedPostgres } from "@/lib/local/launcher/postgres";

const PASSWORD = "postgres";

/** The data directory of the PostgreSQL answering at this URL, or null when none answers. */
async function dataDirectoryOf(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ setting: string }>("select setting from pg_settings where name = 'data_directory'");
    return rows[0]?.setting ?? "";
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The test server's port when TEST_POSTGRES_PORT is not set: derived from the checkout's path
 * (5600–5699), so test runs in two checkouts on one machine never share a server.
 */
export function checkoutPort(dir = process.cwd()): number {
  return 5600 + (parseInt(createHash("sha256").update(realpathOr(dir)).digest("hex").slice(0, 8), 16) % 100);
}

/**
 * The suite's own PostgreSQL in .data/test-postgres, started the way the launcher starts one (a
 * private checkout is made reachable; an orphan from a killed run is stopped). A server already
 * answering on the port from this checkout's data directory — another test run here — is shared:
 * each run works in databases of its own. One from elsewhere is refused with a clear error.
 * Durability is off: a test cluster trades crash safety for speed.
 */
export async function startTestPostgres(port: number = checkoutPort()): Promise<{ url: string; stop: () => Promise<void>; release: () => void }> {
  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const dataDir = path.resolve(".data/test-postgres");
  const running = await dataDirectoryOf(url);
  if (running !== null) {
    if (realpathOr(running) === realpathOr(dataDir)) return { url, stop: async () => {}, release: () => {} };
    throw new Error(`port ${port} is used by another PostgreSQL (${running}); set TEST_POSTGRES_PORT to a free port`);
  }
  const server = await startEmbeddedPostgres({
    dataDir,
    port,
    password: PASSWORD,
    database: "postgres",
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
  });
  return { url: server.adminUrl, stop: server.stop, release: server.release };
}
