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
