import { describe, expect, it } from "vitest";
import { fieldNameSchema } from "./contacts";
import { FIELD_NAME_PATTERN, guessMapping, headerMapping, parseMapping, resolveMapping, serializeMapping } from "./import-mapping";

describe("import mapping", () => {
  it("guesses roles from common headers, and a field for the rest", () => {
    expect(guessMapping(["Email Address", "First name", "Last Name", "Plan Tier", "e-mail", "", "2fa", "Plan tier"])).toEqual([
      { role: "email" },
      { role: "name" },
      { role: "name" },
      { role: "field", field: "Plan_Tier" },
      { role: "field", field: "e_mail" },
      { role: "ignore" },
      { role: "field", field: "_2fa" },
      { role: "field", field: "Plan_tier_2" },
    ]);
    expect(guessMapping(["E-Mail", "Name"])[0]).toEqual({ role: "email" });
  });

  it("without a mapping, reads the header as the import always has, and a tags header as tags", () => {
    expect(headerMapping(["name", "Email", "City"])).toEqual([{ role: "name" }, { role: "email" }, { role: "field", field: "City" }]);
    expect(headerMapping(["email", "Tags"])).toEqual([{ role: "email" }, { role: "tags" }]);
    expect(guessMapping(["email", "Labels"])).toEqual([{ role: "email" }, { role: "tags" }]);
  });

  it("round-trips the wire form", () => {
    const text = "email,name,field:city,ignore,tags";
    expect(serializeMapping(parseMapping(text))).toBe(text);
  });

  it("takes tags columns, any number of them", () => {
    expect(parseMapping("email,tags")[1]).toEqual({ role: "tags" });
    expect(resolveMapping(parseMapping("tags,email,tags"), 3)).toMatchObject({ emailIndex: 1, tagIndexes: [0, 2] });
  });

  it("refuses two columns with one field name, whatever their case", () => {
    expect(() => resolveMapping(parseMapping("email,field:City,field:city"), 3)).toThrow(/Columns 2 and 3 are both the field city/);
  });

  it("checks field names exactly as contacts do", () => {
    for (const name of ["city", "_x", "Plan_Tier", "2fa", "a-b", "", "x".repeat(64), "x".repeat(65), "é"]) {
      expect(FIELD_NAME_PATTERN.test(name), name).toBe(fieldNameSchema.safeParse(name).success);
    }
  });
});
