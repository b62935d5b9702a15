/**
 * How a CSV's columns become a contact: one role per column, in the header's order. Pure (no database,
 * no csv-parse): the import page guesses and edits a mapping in the browser with it, and the import
 * parses the same text on the server.
 *
 * On the wire (the `mapping` query parameter of both import routes) a mapping is one entry per column,
 * comma-separated: `email`, `name`, `ignore`, `tags` or `field:<name>`, e.g. `email,name,field:city,ignore`.
 */

/** Custom field names are what `{{ fields.x }}` can reach: identifiers only. */
export const FIELD_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const FIELD_NAME_RULE = "Field names are letters, digits and underscores (up to 64), not starting with a digit";

export const COLUMN_ROLES = ["email", "name", "field", "tags", "ignore"] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];

export type ColumnMapping = { role: "email" | "name" | "tags" | "ignore" } | { role: "field"; field: string };
export type ImportMapping = ColumnMapping[];

/** Where each role's values are read from, once a mapping is checked against the header. */
export interface ResolvedMapping {
  emailIndex: number;
  /** Several name columns (first name, last name) are joined with a space, in column order. */
  nameIndexes: number[];
  fieldColumns: { i: number; name: string }[];
  tagIndexes: number[];
}

/** A header as a field name: "Plan Tier" → "Plan_Tier", "2fa" → "_2fa". */
export function toFieldName(header: string): string {
  return header.trim().replace(/[^A-Za-z0-9_]+/g, "_").replace(/^(\d)/, "_$1").slice(0, 64);
}

export function serializeMapping(mapping: ImportMapping): string {
  return mapping.map((c) => (c.role === "field" ? `field:${c.field}` : c.role)).join(",");
}

export class MappingError extends Error {}

/** Reads the wire form; throws a MappingError naming the entry that is wrong. */
export function parseMapping(text: string): ImportMapping {
  if (text.length > 20_000) throw new MappingError("The mapping is longer than 20,000 characters");
  return text.split(",").map((entry, i) => {
    const raw = entry.trim();
    const [role, ...rest] = raw.split(":");
    if (role === "field") {
      const field = rest.join(":").trim();
      if (!FIELD_NAME_PATTERN.test(field)) throw new MappingError(`Column ${i + 1}: "${raw.slice(0, 80)}": ${FIELD_NAME_RULE}`);
      return { role: "field", field };
    }
    if (rest.length === 0 && (role === "email" || role === "name" || role === "tags" || role === "ignore")) return { role };
    throw new MappingError(`Column ${i + 1}: "${raw.slice(0, 80)}" is not a role (email, name, field:<name>, tags or ignore)`);
  });
}

/** Checks a mapping against the file's header: one email column, unique field names (any number of tags columns). */
export function resolveMapping(mapping: ImportMapping, headerLength: number): ResolvedMapping {
  if (mapping.length !== headerLength) {
    throw new MappingError(`The mapping names ${mapping.length} column${mapping.length === 1 ? "" : "s"}; the file's header has ${headerLength}`);
  }
  const emails = mapping.flatMap((c, i) => (c.role === "email" ? [i] : []));
  if (emails.length === 0) throw new MappingError("Choose the column that holds the email address");
  if (emails.length > 1) throw new MappingError(`Only one column can be the email address (columns ${emails.map((i) => i + 1).join(" and ")} are)`);
  const fieldColumns: ResolvedMapping["fieldColumns"] = [];
  const taken = new Map<string, number>();
  for (const [i, c] of mapping.entries()) {
    if (c.role !== "field") continue;
    const key = c.field.toLowerCase();
    if (taken.has(key)) throw new MappingError(`Columns ${taken.get(key)! + 1} and ${i + 1} are both the field ${c.field}`);
    taken.set(key, i);
    fieldColumns.push({ i, name: c.field });
  }
  return {
    emailIndex: emails[0],
    nameIndexes: mapping.flatMap((c, i) => (c.role === "name" ? [i] : [])),
    fieldColumns,
    tagIndexes: mapping.flatMap((c, i) => (c.role === "tags" ? [i] : [])),
  };
}

/**
 * Without a mapping, the import reads the header as it always has: `email` (or `email address`) is the
 * address, `name` the name, `tags` (or `tag`) the contact's tags, and every other header that makes a
 * field name a custom field.
 */
export function headerMapping(header: string[]): ImportMapping {
  const lower = header.map((h) => h.trim().toLowerCase());
  const email = lower.findIndex((h) => h === "email" || h === "email address");
  const name = lower.findIndex((h) => h === "name");
  const tags = lower.findIndex((h) => h === "tags" || h === "tag");
  const taken = new Set<string>();
  return header.map((h, i): ColumnMapping => {
    if (i === email) return { role: "email" };
    if (i === name) return { role: "name" };
    if (i === tags) return { role: "tags" };
    const field = toFieldName(h);
    if (!FIELD_NAME_PATTERN.test(field) || taken.has(field.toLowerCase())) return { role: "ignore" };
    taken.add(field.toLowerCase());
    return { role: "field", field };
  });
}

const EMAIL_HEADERS = new Set(["email", "e_mail", "email_address", "e_mail_address", "mail", "email_addr", "emailaddress", "e_mailaddress"]);
const NAME_HEADERS = new Set(["name", "full_name", "fullname", "first_name", "firstname", "first", "given_name", "last_name", "lastname", "surname", "family_name", "contact_name", "display_name"]);
const TAG_HEADERS = new Set(["tags", "tag", "labels"]);

/** The import page's first guess, from the header: the user changes what it got wrong. */
export function guessMapping(header: string[]): ImportMapping {
  let emailTaken = false;
  const taken = new Set<string>();
  return header.map((h): ColumnMapping => {
    const key = h.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
    if (!emailTaken && EMAIL_HEADERS.has(key)) {
      emailTaken = true;
      return { role: "email" };
    }
    if (NAME_HEADERS.has(key)) return { role: "name" };
    if (TAG_HEADERS.has(key)) return { role: "tags" };
    const base = toFieldName(h);
    if (!FIELD_NAME_PATTERN.test(base) || /^_*$/.test(base)) return { role: "ignore" };
    let field = base;
    for (let n = 2; taken.has(field.toLowerCase()); n++) field = `${base.slice(0, 60)}_${n}`;
    taken.add(field.toLowerCase());
    return { role: "field", field };
  });
}
