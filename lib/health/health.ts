import { sql } from "drizzle-orm";
import type { Db } from "@/db";

export async function checkDatabase(db: Db, timeoutMs = 2000): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  try {
    await Promise.race([
      db.execute(sql`select 1`),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs).unref()),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // The reason class only: connection strings and hostnames stay out of a public endpoint.
    const message = error instanceof Error && /timed out|timeout/i.test(error.message) ? "timeout" : "unreachable";
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: message };
  }
}
