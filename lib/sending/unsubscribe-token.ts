import { createHmac, hkdfSync } from "node:crypto";
import { macMatches, uuidFromBase64url, uuidToBase64url } from "@/lib/security/base64url";

/**
 * Unsubscribe tokens are the message id plus a MAC, so they need no storage and cannot be forged or
 * pointed at another message. The key is derived from AUTH_SECRET for this one purpose.
 */
export function unsubscribeKey(authSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", authSecret, "postline", "unsubscribe-token-v1", 32));
}

function mac(key: Buffer, messageId: string): Buffer {
  return createHmac("sha256", key).update(messageId).digest().subarray(0, 16);
}

export function createUnsubscribeToken(key: Buffer, messageId: string): string {
  return `${uuidToBase64url(messageId)}.${mac(key, messageId).toString("base64url")}`;
}

/** The message id a token was made for, or null when the token is malformed or forged. */
export function verifyUnsubscribeToken(key: Buffer, token: string): string | null {
  if (token.length > 100) return null;
  const [idPart, macPart, extra] = token.split(".");
  if (!idPart || !macPart || extra !== undefined) return null;
  const messageId = uuidFromBase64url(idPart);
  return messageId !== null && macMatches(macPart, mac(key, messageId)) ? messageId : null;
}
