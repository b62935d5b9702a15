import { randomBytes } from "node:crypto";

/**
 * A message id made in TypeScript (single emails, sequence sends, form confirmations), in the same
 * layout as the column's default, `postline_uuidv7()` (migration 0032): UUID version 7, the Unix time in
 * milliseconds in the first 48 bits, then 74 random bits. Rows made close together sit next to each
 * other in every index that ends in the id, as the freeze's rows do.
 */
export function newMessageId(now: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
