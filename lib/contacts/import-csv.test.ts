import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { assertCsvContentType, MAX_IMPORT_BYTES, parseContactsCsv } from "./import-csv";

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
      { row: 2, email: "not-an-email", reason: "Not a valid email address" },
      { row: 3, email: "", reason: "No email address" },
      { row: 5, email: "BOB@example.com", reason: "Duplicate of line 4" },
    ]);
  });

  it("refuses a broken encoding whole, naming the line", () => {
    const bytes = Buffer.concat([Buffer.from("email\nok@example.com\n"), Buffer.from([0x62, 0xff, 0x40, 0x78, 0x2e, 0x63, 0x6f, 0x0a])]);
    expect(() => parseContactsCsv(bytes)).toThrow(/not valid UTF-8 \(first bad byte on line 3\)/);
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
