import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { decodeBase64urlStrict } from "@/lib/security/base64url";

/**
 * Unsubscribe tokens are the message id plus a MAC, so they need no storage and cannot be forged or
 * pointed at another message. The key is derived from AUTH_SECRET for this one purpose.
 */
export function unsubscribeKey(authSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", authSecret, "postline", "unsubscribe-token-v1", 32));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function mac(key: Buffer, messageId: string): Buffer {
  return createHmac("sha256", key).update(messageId).digest().subarray(0, 16);
}

export function createUnsubscribeToken(key: Buffer, messageId: string): string {
  const id = Buffer.from(messageId.replace(/-/g, ""), "hex").toString("base64url");
  return `${id}.${mac(key, messageId).toString("base64url")}`;
}

/** The message id a token was made for, or null when the token is malformed or forged. */
export function verifyUnsubscribeToken(key: Buffer, token: string): string | null {
  if (token.length > 100) return null;
  const [idPart, macPart, extra] = token.split(".");
  if (!idPart || !macPart || extra !== undefined) return null;
  const hex = decodeBase64urlStrict(idPart)?.toString("hex");
  if (hex?.length !== 32) return null;
  const messageId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  if (!UUID.test(messageId)) return null;
  const given = decodeBase64urlStrict(macPart);
  const expected = mac(key, messageId);
  return given !== null && given.length === expected.length && timingSafeEqual(given, expected) ? messageId : null;
}
