import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { assertCsvContentType, MAX_IMPORT_BYTES, parseContactsCsv } from "./import-csv";
import { parseMapping } from "./import-mapping";

const csv = (s: string) => new TextEncoder().encode(s);

describe("parseContactsCsv", () => {
  it("reads a header with email, name and custom fields; quotes and BOM included", () => {
    const { rows, refused, totalRows } = parseContactsCsv(csv('\uFEFFEmail,Name,City,Plan Tier\nann@example.com,"Ann, A.",Zürich,gold\n'));
    expect(totalRows).toBe(1);
    expect(refused).toEqual([]);
    expect(rows).toEqual([{ email: "ann@example.com", name: "Ann, A.", fields: { City: "Zürich", Plan_Tier: "gold" }, line: 2 }]);
  });

  it("reports each refused row with its line and reason", () => {
    const { rows, refused } = parseContactsCsv(csv("email,name\nnot-an-email,X\n,NoEmail\nbob@example.com,Bob\nBOB@example.com,Bob again\n"));
    expect(rows.map((r) => r.email)).toEqual(["bob@example.com"]);
    expect(refused).toEqual([
      { row: 2, email: "not-an-email", reason: "Not a valid email address", code: "invalid_email" },
      { row: 3, email: "", reason: "No email address", code: "missing_email" },
      { row: 5, email: "BOB@example.com", reason: "Duplicate of row 4", code: "duplicate" },
    ]);
  });

  it("skips a row whose bytes are not UTF-8 (a Latin-1 row among UTF-8 rows), reporting it, and reads the rest", () => {
    const bytes = Buffer.concat([
      Buffer.from("email,name,city\nann@example.com,Ann,Zürich\n"),
      Buffer.from("zoe@example.com,Zoë Müller,Köln\n", "latin1"),
      Buffer.from("bob@example.com,Bob,Malmö\n"),
    ]);
    const { rows, refused, totalRows } = parseContactsCsv(bytes);
    expect(totalRows).toBe(3);
    expect(rows.map((r) => [r.email, r.name, r.fields?.city, r.line])).toEqual([
      ["ann@example.com", "Ann", "Zürich", 2],
      ["bob@example.com", "Bob", "Malmö", 4],
    ]);
    expect(refused).toEqual([{ row: 3, email: "zoe@example.com", reason: expect.stringMatching(/^Not UTF-8/), code: "invalid_encoding" }]);
  });

  it("strict encoding refuses such a file whole, naming the line", () => {
    const bytes = Buffer.concat([Buffer.from("email\nok@example.com\n"), Buffer.from([0x62, 0xff, 0x40, 0x78, 0x2e, 0x63, 0x6f, 0x0a])]);
    expect(() => parseContactsCsv(bytes, { strictEncoding: true })).toThrow(expect.objectContaining({ code: "invalid_encoding", message: expect.stringMatching(/not valid UTF-8 \(first bad byte on line 3\)/) }));
    expect(parseContactsCsv(bytes).refused).toEqual([{ row: 3, email: "b\uFFFD@x.co", reason: expect.any(String), code: "invalid_encoding" }]);
  });

  it("a bad byte inside a quoted field that spans lines skips that one record", () => {
    const bytes = Buffer.concat([Buffer.from('email,note\na@example.com,"two\nlines"\nb@example.com,"caf'), Buffer.from([0xe9]), Buffer.from('\nau lait"\nc@example.com,x\n')]);
    const { rows, refused } = parseContactsCsv(bytes);
    expect(rows.map((r) => r.email)).toEqual(["a@example.com", "c@example.com"]);
    expect(refused.map((r) => [r.row, r.email, r.code])).toEqual([[3, "b@example.com", "invalid_encoding"]]);
  });

  it("a U+FFFD the file itself spells in UTF-8 is data", () => {
    expect(parseContactsCsv(csv("email,name\na@example.com,\uFFFD\n")).rows).toEqual([{ email: "a@example.com", name: "\uFFFD", fields: {}, line: 2 }]);
  });

  it("refuses files without an email column, empty files and oversized files", () => {
    expect(() => parseContactsCsv(csv("name\nAnn\n"))).toThrow(/'email' column/);
    expect(() => parseContactsCsv(csv(""))).toThrow(/empty/);
    const error = (() => {
      try {
        parseContactsCsv(new Uint8Array(MAX_IMPORT_BYTES + 1));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(413);
  });

  it("applies a mapping: the email column under any header, names joined, renamed and ignored columns", () => {
    const file = csv("E-mail,First name,Last name,Town,Notes\nann@example.com,Ann,Lee,Oslo,call back\n");
    const { rows } = parseContactsCsv(file, { mapping: parseMapping("email,name,name,field:city,ignore") });
    expect(rows).toEqual([{ email: "ann@example.com", name: "Ann Lee", fields: { city: "Oslo" }, line: 2 }]);
    // Without a mapping the header decides, as before: "E-mail" is not `email`.
    expect(() => parseContactsCsv(file)).toThrow(expect.objectContaining({ code: "missing_email_column" }));
  });

  it("refuses a mapping that does not fit the file, naming what is wrong", () => {
    const file = csv("email,name\nann@example.com,Ann\n");
    const refuse = (mapping: string, message: RegExp) => expect(() => parseContactsCsv(file, { mapping: parseMapping(mapping) })).toThrow(expect.objectContaining({ code: "invalid_mapping", message: expect.stringMatching(message) }));
    refuse("email", /names 1 column; the file's header has 2/);
    refuse("name,ignore", /Choose the column that holds the email address/);
    refuse("email,email", /Only one column can be the email address/);
    expect(() => parseMapping("email,field:2bad")).toThrow(/Column 2: "field:2bad": Field names/);
    expect(() => parseMapping("email,phone")).toThrow(/Column 2: "phone" is not a role/);
  });

  it("reads a tags column: names split on , or ;, a row with an over-long name refused", () => {
    const file = csv(`email,tags\nann@example.com,"VIP; beta , ,Gold"\nbob@example.com,\ncy@example.com,${"x".repeat(101)}\n`);
    const { rows, refused } = parseContactsCsv(file);
    expect(rows).toEqual([
      { email: "ann@example.com", name: "", fields: {}, line: 2, tags: ["VIP", "beta", "Gold"] },
      { email: "bob@example.com", name: "", fields: {}, line: 3 },
    ]);
    expect(refused).toEqual([{ row: 4, email: "cy@example.com", reason: "A tag name is longer than 100 characters", code: "too_long" }]);
  });

  it("refuses binary data", () => {
    expect(() => parseContactsCsv(new Uint8Array([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0x00, 0x01]))).toThrow(/binary/);
  });
});

describe("assertCsvContentType", () => {
  it("takes CSV (and plain text, what some tools send for .csv), with parameters, in any case", () => {
    for (const type of ["text/csv", "text/csv; charset=utf-8", "Application/CSV", "text/plain"]) expect(() => assertCsvContentType(type)).not.toThrow();
  });

  it("refuses JSON, forms, multipart and a missing type with a 415 naming what to send", () => {
    for (const type of ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", null]) {
      expect(() => assertCsvContentType(type), String(type)).toThrow(expect.objectContaining({ code: "unsupported_content_type", status: 415, message: expect.stringContaining("text/csv") }));
    }
  });
});
