import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * An erased address that had unsubscribed, bounced or complained must come back suppressed, whatever
 * path adds it. That check lives in the two statements of lib/contacts/contacts.ts that insert contacts
 * (a join per statement is what keeps a 100,000-row import fast; a per-row trigger halved it), so no
 * other file may insert into contacts.
 */
describe("inserting contacts", () => {
  it("happens only in lib/contacts/contacts.ts", () => {
    const root = path.resolve(__dirname, "../..");
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== "node_modules" && entry.name !== "tooling" && !entry.name.startsWith(".")) walk(full);
        } else if (/\.(ts|tsx|sql)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
          const text = fs.readFileSync(full, "utf8");
          if (/insert\s+into\s+contacts\b|\.insert\(\s*contacts\s*\)/i.test(text)) offenders.push(path.relative(root, full));
        }
      }
    };
    for (const top of ["lib", "app", "db/functions", "components"]) walk(path.join(root, top));
    expect(offenders).toEqual(["lib/contacts/contacts.ts"]);
  });
});
