/**
 * bench:import — CSV contact imports of 10,000 and 100,000 rows (validation, one transaction of
 * upserts, list membership) against an embedded PostgreSQL, first into an empty table, then again
 * over the same addresses (every row an update).
 *
 *   npm run bench:import
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { createList } from "@/lib/contacts/contacts";
import { importContactsCsv } from "@/lib/contacts/import-csv";
import { freePort } from "@/lib/local/launcher/ports";
import { startEmbeddedPostgres } from "@/lib/local/launcher/postgres";
import { machine, table } from "../support";

function csv(rows: number): Uint8Array {
  const lines = ["email,name,city,plan"];
  for (let i = 0; i < rows; i++) lines.push(`person${i}@import.bench.test,"Person ${i}",City ${i % 50},${i % 3 ? "free" : "pro"}`);
  return new TextEncoder().encode(lines.join("\n"));
}

async function main() {
  console.log(`bench:import on ${machine()}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "postline-bench-import-"));
  const pgServer = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: await freePort(), password: "bench" });
  await migrateDatabase(pgServer.url);
  const db = createDb(pgServer.url);
  const rows: Record<string, string | number>[] = [];
  try {
    for (const size of [10_000, 100_000]) {
      const list = await createList(db, { name: `bench ${size}` });
      const bytes = csv(size);
      for (const pass of ["new contacts", "same file again (updates)"]) {
        const started = performance.now();
        const report = await importContactsCsv(db, bytes, { listId: list.id });
        const seconds = (performance.now() - started) / 1000;
        rows.push({ rows: size, "file (MiB)": (bytes.byteLength / 2 ** 20).toFixed(1), pass, "seconds": seconds.toFixed(2), "rows/s": Math.round(size / seconds), created: report.created, updated: report.updated, refused: report.refused.length });
      }
      await db.execute("truncate contacts cascade");
    }
  } finally {
    await db.$client.end();
    await pgServer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(table(rows));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
