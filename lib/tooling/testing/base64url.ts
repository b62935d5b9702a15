const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Another spelling of a 16-byte value's base64url text that Node's decoder reads as the same bytes:
 * the last of its 22 characters carries 2 bits, and this flips one of the 4 spare ones.
 */
export function respelled(part: string): string {
  return part.slice(0, -1) + ALPHABET[ALPHABET.indexOf(part.at(-1)!) ^ 1];
}

/**
 * A signed token (`value.mac`) with its MAC's first character changed: six bits every decoder reads.
 * (Changing the last two characters to "AA" left a token valid about once in 256 runs, as base64url's
 * last character carries bits a decoder drops.)
 */
export function forged(token: string): string {
  const at = token.lastIndexOf(".") + 1;
  return token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
}
