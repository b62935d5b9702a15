import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";

/**
 * The SQL that lives in the database as code: one file per function or trigger in db/functions/,
 * named after what it defines, applied after the drizzle migrations whenever its text changed.
 * A migration is applied once and frozen; a function here is re-applied on every deploy that changes
 * it, so every database, however old, ends with the same functions as a fresh install.
 *
 * - Each file holds exactly one `CREATE OR REPLACE FUNCTION <file name>` or
 *   `CREATE OR REPLACE TRIGGER <file name> … ON <table>`, optionally preceded by the DROP a
 *   signature change needs (db/README.md).
 * - Order: a file is applied after every file whose name its code (comments aside) mentions; ties
 *   by name. A cycle is refused, naming its files.
 * - drizzle.postline_repeatable_sql records each file's sha256; an unchanged file is skipped.
 * - A file removed from the folder has its function or trigger dropped.
 * - Everything runs in one transaction: a file that fails leaves the database as it was, and the
 *   error names the file.
 */

export const functionsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "functions");

export interface RepeatableFile {
  /** The function's or trigger's name: the file name without `.sql`. */
  name: string;
  kind: "function" | "trigger";
  /** For a trigger: the table it is on. */
  table: string | null;
  text: string;
  checksum: string;
}

const IDENT = "[a-z_][a-z0-9_]*";

/** The code without its comments, for the checks and the dependency scan (not for applying). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/--[^\n]*/g, " ");
}

function parseFile(folder: string, fileName: string): RepeatableFile {
  const name = fileName.replace(/\.sql$/, "");
  const text = fs.readFileSync(path.join(folder, fileName), "utf8");
  const code = withoutComments(text);
  const where = `db/functions/${fileName}`;
  if (!new RegExp(`^${IDENT}$`).test(name)) throw new Error(`${where}: the file name must be the lower-case name of the function or trigger it defines`);
  if (/\bcreate\s+(function|trigger|procedure)\b/i.test(code)) throw new Error(`${where}: use CREATE OR REPLACE (the file is applied again whenever it changes)`);
  const creates = [...code.matchAll(new RegExp(`\\bcreate\\s+or\\s+replace\\s+(function|trigger)\\s+(?:public\\.)?(${IDENT})`, "gi"))];
  if (creates.length !== 1 || creates[0][2].toLowerCase() !== name) {
    throw new Error(`${where}: must define exactly one function or trigger, named ${name} (found ${creates.map((c) => c[2]).join(", ") || "none"})`);
  }
  const kind = creates[0][1].toLowerCase() as RepeatableFile["kind"];
  let table: string | null = null;
  if (kind === "trigger") {
    table = new RegExp(`\\bon\\s+(${IDENT}(?:\\.${IDENT})?)`, "i").exec(code.slice(creates[0].index))?.[1] ?? null;
    if (!table) throw new Error(`${where}: cannot find the table the trigger is ON`);
  }
  return { name, kind, table, text, checksum: createHash("sha256").update(text).digest("hex") };
}

/** The files of a folder, in the order they are applied (dependencies first). */
export function readRepeatableFiles(folder = functionsFolder): RepeatableFile[] {
  const files = fs
    .readdirSync(folder)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => parseFile(folder, f));
  const byName = new Map(files.map((f) => [f.name, f]));
  const needs = new Map(
    files.map((f) => {
      const code = withoutComments(f.text);
      return [f.name, files.filter((o) => o.name !== f.name && new RegExp(`\\b${o.name}\\b`, "i").test(code)).map((o) => o.name)];
    }),
  );
  const ordered: RepeatableFile[] = [];
  const done = new Set<string>();
  while (ordered.length < files.length) {
    const next = files.find((f) => !done.has(f.name) && needs.get(f.name)!.every((n) => done.has(n)));
    if (!next) {
      const stuck = files.filter((f) => !done.has(f.name)).map((f) => `${f.name} (needs ${needs.get(f.name)!.filter((n) => !done.has(n)).join(", ")})`);
      throw new Error(`db/functions: files that need each other cannot be ordered: ${stuck.join("; ")}`);
    }
    ordered.push(byName.get(next.name)!);
    done.add(next.name);
  }
  return ordered;
}

interface Recorded {
  name: string;
  kind: RepeatableFile["kind"];
  on_table: string | null;
  checksum: string;
}

const quoteIdent = (name: string) => name.split(".").map((part) => `"${part.replace(/"/g, '""')}"`).join(".");

/** Every signature a function name has (overloads included), as DROP FUNCTION accepts it. */
async function signaturesOf(client: pg.Client, name: string): Promise<string[]> {
  const { rows } = await client.query<{ signature: string }>(
    "select p.oid::regprocedure::text as signature from pg_proc p where p.proname = $1 and pg_function_is_visible(p.oid) order by 1",
    [name],
  );
  return rows.map((r) => r.signature);
}

/**
 * Applies the folder's changed files and drops what was removed from it, in one transaction, on a
 * client that holds the migration lock. Returns the names applied and dropped.
 */
export async function applyRepeatableSql(client: pg.Client, folder = functionsFolder): Promise<{ applied: string[]; dropped: string[] }> {
  const files = readRepeatableFiles(folder);
  const applied: string[] = [];
  const dropped: string[] = [];
  await client.query("begin");
  try {
    await client.query(`
      create schema if not exists drizzle;
      create table if not exists drizzle.postline_repeatable_sql (
        name text primary key,
        kind text not null,
        on_table text,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`);
    const { rows } = await client.query<Recorded>("select name, kind, on_table, checksum from drizzle.postline_repeatable_sql");
    const recorded = new Map(rows.map((r) => [r.name, r]));

    for (const file of files) {
      if (recorded.get(file.name)?.checksum === file.checksum) continue;
      try {
        await client.query(file.text);
      } catch (error) {
        const hint = (error as { hint?: string }).hint;
        throw new Error(`db/functions/${file.name}.sql: ${(error as Error).message}${hint ? ` (${hint})` : ""}`, { cause: error });
      }
      await client.query(
        `insert into drizzle.postline_repeatable_sql (name, kind, on_table, checksum) values ($1, $2, $3, $4)
         on conflict (name) do update set kind = excluded.kind, on_table = excluded.on_table, checksum = excluded.checksum, applied_at = now()`,
        [file.name, file.kind, file.table, file.checksum],
      );
      applied.push(file.name);
    }

    // Removed files, after the others were applied (a renamed function's callers now call the new
    // name): triggers before functions, since a trigger depends on its function.
    const present = new Set(files.map((f) => f.name));
    const removed = rows.filter((r) => !present.has(r.name)).sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "trigger" ? -1 : 1));
    for (const r of removed) {
      try {
        if (r.kind === "trigger") {
          await client.query(`drop trigger if exists ${quoteIdent(r.name)} on ${quoteIdent(r.on_table!)}`);
        } else {
          for (const signature of await signaturesOf(client, r.name)) await client.query(`drop function ${signature}`);
        }
      } catch (error) {
        throw new Error(`db/functions/${r.name}.sql was removed, but ${r.kind} ${r.name} cannot be dropped: ${(error as Error).message}`, { cause: error });
      }
      await client.query("delete from drizzle.postline_repeatable_sql where name = $1", [r.name]);
      dropped.push(r.name);
    }

    // One signature per function: CREATE OR REPLACE with other arguments adds an overload beside the
    // old one, which callers could still reach. The file must drop the old signature itself.
    for (const file of files.filter((f) => f.kind === "function")) {
      const signatures = await signaturesOf(client, file.name);
      if (signatures.length > 1) {
        throw new Error(
          `db/functions/${file.name}.sql: ${file.name} has ${signatures.length} signatures in the database (${signatures.join(", ")}); ` +
            `when a function's arguments change, its file starts with DROP FUNCTION IF EXISTS <the old signature>; (db/README.md)`,
        );
      }
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  }
  return { applied, dropped };
}
