import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sharedDir } from "@/lib/local/postmark-sandbox/test-support";
import { extractPostmarkEvent, rawBounceId } from "./extract";
import { postmarkEventSchema } from "./postmark-payload";

const fixture = (name: string) => fs.readFileSync(path.join(sharedDir(), "postmark/webhooks", name), "utf8");

/** The body as received, and what the webhook route extracts from it. */
function extract(rawText: string) {
  return extractPostmarkEvent(postmarkEventSchema.parse(JSON.parse(rawText)), rawText);
}

describe("the bounce ID", () => {
  it("is the top-level ID of Postmark's test payloads, which put Metadata first", () => {
    for (const file of ["bounce-hard-test-payload.json", "spam-complaint-test-payload.json"]) {
      const raw = fixture(file).replace('"example": "value"', '"ID": "7", "Nested": { "ID": 8 }, "example": "value"');
      expect(raw.indexOf('"ID": "7"')).toBeLessThan(raw.indexOf('"ID": 42'));
      expect(extract(raw).details.bounceId).toBe("42");
    }
  });

  it("keeps every digit of an int64 ID wherever the metadata is", () => {
    const raw = fixture("bounce-hard-test-payload.json")
      .replace('"example": "value"', '"ID": "7"')
      .replace('"ID": 42', '"ID": 4323372036854775807');
    expect(extract(raw).details.bounceId).toBe("4323372036854775807");
    expect(extract(fixture("bounce-hard.json")).details.bounceId).toBe("4323372036854775807");
  });

  it("is not fooled by an ID written inside a string, an array, or an escaped key", () => {
    const raw = (rest: string) => `{"Description":"see \\"ID\\": 9","Tags":[{"ID":3}],${rest}}`;
    expect(rawBounceId(raw(`"ID":5`), 5)).toBe("5");
    expect(rawBounceId(raw(`"\\u0049D":6`), 6)).toBe("6");
    // JSON.parse keeps the last of two equal keys: so does the raw reading, so both agree.
    expect(rawBounceId(raw(`"ID":1,"ID":2`), 2)).toBe("2");
  });

  it("falls back to the parsed ID when there is no raw text or no top-level ID in it", () => {
    expect(rawBounceId(null, 42)).toBe("42");
    expect(rawBounceId(`{"Metadata":{"ID":"7"}}`, undefined)).toBeNull();
    expect(rawBounceId(`not json "ID": 7`, null)).toBeNull();
  });

  it("gives two bounces that share Metadata {\"ID\":\"7\"} two event keys", () => {
    const bounce = (id: number, email: string) =>
      fixture("bounce-hard-test-payload.json")
        .replace(/"Metadata": \{[^}]*\}/, '"Metadata": {"ID":"7"}')
        .replace('"ID": 42', `"ID": ${id}`)
        .replace("john@example.com", email);
    expect(extract(bounce(1001, "a@example.com")).eventKey).not.toBe(extract(bounce(1002, "b@example.com")).eventKey);
  });
});
