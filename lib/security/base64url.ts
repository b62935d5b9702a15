import { timingSafeEqual } from "node:crypto";

/**
 * Decodes base64url only in its one canonical spelling, the one Buffer#toString("base64url") writes.
 * Node's decoder skips characters outside the alphabet and drops the spare low bits of the last
 * character (a 16-byte value's 22nd character carries 2 bits of 6), so without this check one signed
 * token would have hundreds of spellings that all verify. The comparison is with the text's own
 * re-encoding, never with a secret, so it tells an attacker nothing.
 */
export function decodeBase64urlStrict(text: string): Buffer | null {
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID's 16 bytes as base64url (22 characters): the id part of the signed tokens. */
export function uuidToBase64url(id: string): string {
  return Buffer.from(id.replace(/-/g, ""), "hex").toString("base64url");
}

/** The UUID `uuidToBase64url` wrote, or null for any other text (another spelling included). */
export function uuidFromBase64url(text: string): string | null {
  const hex = decodeBase64urlStrict(text)?.toString("hex");
  if (hex?.length !== 32) return null;
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return UUID.test(id) ? id : null;
}

/** Whether a token's MAC text is exactly the expected MAC, in its canonical spelling (constant time). */
export function macMatches(given: string, expected: Buffer): boolean {
  const bytes = decodeBase64urlStrict(given);
  return bytes !== null && bytes.length === expected.length && timingSafeEqual(bytes, expected);
}
