import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeBase64urlStrict } from "./base64url";

describe("strict base64url", () => {
  it("decodes what Buffer writes, for every length", () => {
    for (let n = 0; n <= 40; n++) {
      const bytes = randomBytes(n);
      expect(decodeBase64urlStrict(bytes.toString("base64url"))).toEqual(bytes);
    }
  });

  it("refuses the other spellings Node's decoder would take: spare bits set, foreign characters, padding", () => {
    const bytes = Buffer.alloc(16); // "AAAAAAAAAAAAAAAAAAAAAA": the last character carries 2 bits, 4 spare
    const text = bytes.toString("base64url");
    expect(text).toBe("A".repeat(22));
    expect(Buffer.from(`${text.slice(0, -1)}B`, "base64url")).toEqual(bytes); // what Node alone would accept
    expect(decodeBase64urlStrict(`${text.slice(0, -1)}B`)).toBeNull();
    expect(decodeBase64urlStrict(`${text.slice(0, 10)}!${text.slice(10)}`)).toBeNull();
    expect(decodeBase64urlStrict(`${text}==`)).toBeNull();
    expect(decodeBase64urlStrict(` ${text}`)).toBeNull();
  });
});
