import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema";
import { createReads, primaryReads, type Reads, type ReadsOptions } from "./reads";

export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** A database handle or an open transaction: domain functions accept either. */
export type DbOrTx = Db | Tx;

export interface DbOptions {
  max?: number;
  /** How long to wait for a connection: a stopped database must answer 503 within 3 s, not hang. */
  connectionTimeoutMillis?: number;
  applicationName?: string;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 2500,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? "postline",
  });
  // A client losing its server (a database restart) must not crash the process. The pool reports
  // idle clients' errors on itself; a client that is checked out (between two statements of a
  // transaction) emits on the client, where an unhandled 'error' would be an uncaught exception.
  // The statement in flight still rejects, so callers see the failure (and answer 503).
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return drizzle({ client: pool, schema, casing: "snake_case" }) as Db;
}

const globalForDb = globalThis as unknown as { postlineDb?: Db; postlineReads?: Reads };

/**
 * The app's shared handle. Kept on globalThis so hot reloads in `next dev` reuse one pool.
 * The URL comes from the caller (lib/env.ts) so this module never reads process.env itself.
 */
export function getDbFor(url: string, options?: DbOptions): Db {
  globalForDb.postlineDb ??= createDb(url, options);
  return globalForDb.postlineDb;
}

/**
 * The app's handle for reads that may lag (db/reads.ts): a streaming replica's pool when `replicaUrl`
 * is set, else the primary alone. Kept on globalThis like the primary's.
 */
export function getReadsFor(primary: Db, replicaUrl: string | undefined, options: ReadsOptions & { max?: number }): Reads {
  globalForDb.postlineReads ??= replicaUrl
    ? // A replica that is down must cost a read little: one second to give up on it, then the primary.
      createReads(primary, createDb(replicaUrl, { max: options.max, connectionTimeoutMillis: 1000, applicationName: "postline-reads" }), options)
    : primaryReads(primary);
  return globalForDb.postlineReads;
}

export { schema };
export type { Reads, ReadResult, ReadSource } from "./reads";
