import path from "node:path";
import { startEmbeddedPostgres } from "@/lib/launcher/postgres";

/**
 * The suite's own PostgreSQL in .data/test-postgres, started the way the launcher starts one (so an
 * orphan from a killed run is stopped first, and a private checkout is made reachable). Durability is
 * switched off: a test cluster trades crash safety for speed.
 */
export async function startTestPostgres(port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = await startEmbeddedPostgres({
    dataDir: path.resolve(".data/test-postgres"),
    port,
    password: "postgres",
    database: "postgres",
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
  });
  return { url: server.adminUrl, stop: server.stop };
}
